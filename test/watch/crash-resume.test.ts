import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-crash-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function line(n: number): string {
  const t = new Date(Date.UTC(2026, 10, 24, 10, 0, 0) + n * 10).toISOString().replace('Z', '+0000');
  return `[2026-11-24 10:00:00] SECURITY[4583] res_security_log.c: SecurityEvent="InvalidAccountID",EventTV="${t}",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="seq-${n}",SessionID="s${n}",LocalAddress="IPV4/UDP/192.0.2.1/5060",RemoteAddress="IPV4/UDP/203.0.113.${n % 200}/5060"\n`;
}

function startWatch(log: string, db: string): ChildProcess {
  const c = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'hardline.js'),
      'watch',
      '--log',
      log,
      '--db',
      db,
      '--from-start',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  c.stderr?.on('data', () => {}); // always drained: a full pipe must not stall the watcher
  children.push(c);
  return c;
}

/** Resolves when the watcher logged that it is watching (signal handlers are in place). */
function ready(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    let buf = '';
    const on = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('"msg":"watching"')) {
        c.stderr?.off('data', on);
        resolve();
      }
    };
    c.stderr?.on('data', on);
    c.once('exit', () => resolve());
  });
}

function stored(db: string): { total: number; distinct: number; dup: number } {
  if (!existsSync(db)) return { total: 0, distinct: 0, dup: 0 };
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const r = d
      .prepare(
        'SELECT count(*) AS total, count(DISTINCT account) AS distinct_, (SELECT count(*) FROM (SELECT account FROM events GROUP BY account HAVING count(*) > 1)) AS dup FROM events',
      )
      .get() as { total: number; distinct_: number; dup: number };
    return { total: r.total, distinct: r.distinct_, dup: r.dup };
  } catch {
    return { total: 0, distinct: 0, dup: 0 };
  } finally {
    d.close();
  }
}

async function until(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(50);
  }
  return pred();
}

describe('watch: kill -9 mid-stream and restart', () => {
  it('loses and duplicates no line, across rotations while running and while down', async () => {
    const log = path.join(dir, 'security.log');
    const db = path.join(dir, 'watch.db');
    writeFileSync(log, '');
    const total = 4000;
    let n = 0;
    const write = (count: number) => {
      let chunk = '';
      for (let i = 0; i < count && n < total; i++) chunk += line(n++);
      appendFileSync(log, chunk);
    };
    let child = startWatch(log, db);
    // stream while it runs
    for (let k = 0; k < 10; k++) {
      write(100);
      await sleep(30);
    }
    assert.ok(await until(() => stored(db).total > 0, 15_000), 'the watcher stored nothing');
    // rotation while running (logrotate create)
    renameSync(log, `${log}.1`);
    writeFileSync(log, '');
    for (let k = 0; k < 10; k++) {
      write(100);
      await sleep(20);
    }
    // crash in the middle of the stream
    write(300);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atCrash = stored(db);
    assert.ok(atCrash.total < n, `the kill should land mid-stream (${atCrash.total} of ${n} stored)`);
    assert.equal(atCrash.dup, 0);
    // while down: more lines, then a rotation, then lines in the new file
    write(200);
    renameSync(`${log}.1`, `${log}.2`);
    renameSync(log, `${log}.1`);
    writeFileSync(log, '');
    write(300);
    child = startWatch(log, db);
    for (let k = 0; k < 10; k++) {
      write(50);
      await sleep(20);
    }
    // a second crash right after a burst
    write(200);
    await sleep(100);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    write(total - n);
    child = startWatch(log, db);
    const up = ready(child);
    const complete = await until(() => stored(db).total >= total, 30_000);
    await up;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const s = stored(db);
    assert.ok(complete, `only ${s.total} of ${total} lines stored`);
    assert.equal(code, 0, 'SIGTERM exits 0');
    assert.deepEqual(s, { total, distinct: total, dup: 0 });
  });
});
