import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../helpers.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `[YYYY-MM-DD HH:MM:SS]` in local time, as Asterisk writes it. */
function bracket(t: number): string {
  const d = new Date(t);
  return `[${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}]`;
}

/**
 * The bundled Asterisk attack log (test/fixtures/watch/asterisk-attack.log) moved in time so that
 * its first attack line happens at `attackStart`: a replay of a real-format attack "now".
 * Returns the legitimate part (phones authenticating during the hour before) and the attack.
 */
export function attackLog(attackStart: number): { legit: string[]; attack: string[] } {
  const lines = readFileSync(path.join(FIXTURES, 'watch', 'asterisk-attack.log'), 'utf8')
    .trimEnd()
    .split('\n');
  const fixtureStart = Date.parse('2026-11-24T10:00:12Z');
  const shift = attackStart - fixtureStart;
  const moved = lines.map((l) =>
    l
      .replace(/^\[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\]/, (_m, y, mo, d, h, mi, s) =>
        bracket(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`) + shift),
      )
      .replace(
        /EventTV="([^"]+)\+0000"/,
        (_m, tv) => `EventTV="${new Date(Date.parse(`${tv}Z`) + shift).toISOString().replace('Z', '+0000')}"`,
      ),
  );
  const first = lines.findIndex((l) => l.startsWith('[2026-11-24 10:00:12]'));
  return { legit: moved.slice(0, first), attack: moved.slice(first) };
}
