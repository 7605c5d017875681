import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { defaultPolicy } from '../../src/policy/loader.js';
import { runBacktest } from '../../src/watch/backtest.js';
import { LineDecoder } from '../../src/watch/decode.js';
import { FIXTURES } from '../helpers.js';

/**
 * backtest reads files as chunks of bytes and decodes each line from them (decodeBytes). Its
 * result must be what decoding each line as text gives, across chunk boundaries (the reader's
 * chunks are 1 MiB), with CRLF endings, blank lines, multi-byte characters and a last line
 * without a newline; evidence must name the right line of the file.
 */

process.env.TZ = 'UTC';
const dir = mkdtempSync(path.join(tmpdir(), 'hl-backtest-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('backtest reads log files as bytes', () => {
  it('gives the events and incidents of line-by-line text decoding, with file:line evidence', async () => {
    const base = readFileSync(path.join(FIXTURES, 'watch', 'asterisk-attack.log'), 'utf8')
      .trimEnd()
      .split('\n');
    const lines: string[] = [];
    for (let r = 0; r < 40; r++) {
      for (let i = 0; i < base.length; i++) {
        let l = base[i]!;
        if ((r + i) % 7 === 0) l += '\r';
        if ((r + i) % 11 === 0) l = l.replace('Asterisk Ready.', 'Asterisk Ready. ünïcödé ✓');
        lines.push(l);
        if ((r * 3 + i) % 13 === 0) lines.push('');
      }
    }
    const file = path.join(dir, 'big.log');
    writeFileSync(file, lines.join('\n')); // no newline after the last line
    assert.ok(readFileSync(file).length > 1.2 * 2 ** 20, 'crosses a chunk boundary');

    const policy = defaultPolicy().policy;
    const r = await runBacktest({ policy, files: [file] });

    // reference: each line decoded as text
    const dec = await LineDecoder.create();
    const byKind: Record<string, number> = {};
    let nonBlank = 0;
    let events = 0;
    for (const l of lines) {
      if (l.length === 0) continue;
      nonBlank++;
      for (const ev of dec.decode(l, { fallbackTime: 0, refTime: 0 }).events) {
        byKind[ev.kind] = (byKind[ev.kind] ?? 0) + 1;
        events++;
      }
    }
    assert.equal(r.lines, nonBlank);
    assert.equal(r.events, events);
    assert.deepEqual(r.eventsByKind, byKind);
    assert.ok(r.incidents.length > 0);

    // every event an incident carries names the line it came from
    let checked = 0;
    for (const inc of r.incidents) {
      for (const ev of inc.events) {
        const m = /^(.*):(\d+)$/.exec(ev.evidence.origin ?? '');
        assert.ok(m, `origin ${ev.evidence.origin}`);
        assert.equal(m[1], file);
        const line = lines[Number(m[2]) - 1]!;
        const again = dec.decode(line, { fallbackTime: 0, refTime: 0 }).events;
        assert.ok(
          again.some((e) => e.kind === ev.kind && e.time === ev.time && e.source?.ip === ev.source?.ip),
          `line ${m[2]} holds a ${ev.kind} event`,
        );
        checked++;
      }
    }
    assert.ok(checked > 10);
  });
});
