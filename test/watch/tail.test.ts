import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Checkpoint } from '../../src/store/store.js';
import { FileTail } from '../../src/watch/sources/tail.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-tail-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tail(file: string, opts: { checkpoint?: Checkpoint; fromStart?: boolean } = {}) {
  const lines: string[] = [];
  const notices: string[] = [];
  let last: Checkpoint | undefined;
  const t = new FileTail({
    file,
    ...opts,
    pollMs: 20,
    chunkBytes: 64,
    onLines: (ls, cp) => {
      lines.push(...ls);
      last = cp;
    },
    onNotice: (m) => notices.push(m),
  });
  return { t, lines, notices, cp: () => last };
}

describe('file tail (tail -F semantics)', () => {
  it('reads only new lines by default, all with fromStart, and holds a partial line', async () => {
    const f = path.join(dir, 'a.log');
    writeFileSync(f, 'old1\nold2\n');
    const x = tail(f);
    await x.t.start();
    appendFileSync(f, 'new1\npart');
    await x.t.pollOnce();
    assert.deepEqual(x.lines, ['new1']);
    appendFileSync(f, 'ial\n');
    await x.t.pollOnce();
    assert.deepEqual(x.lines, ['new1', 'partial']);
    await x.t.stop();
    const y = tail(f, { fromStart: true });
    await y.t.start();
    await y.t.stop();
    assert.deepEqual(y.lines, ['old1', 'old2', 'new1', 'partial']);
  });

  it('rename rotation: drains the old file before reading the new one', async () => {
    const f = path.join(dir, 'b.log');
    writeFileSync(f, '');
    const x = tail(f);
    await x.t.start();
    appendFileSync(f, 'one\ntwo\n');
    await x.t.pollOnce();
    // the writer appends to the old inode after the rename, then a new file appears
    renameSync(f, `${f}.1`);
    appendFileSync(`${f}.1`, 'three-late\n');
    writeFileSync(f, 'four\n');
    await x.t.pollOnce();
    await x.t.pollOnce();
    await x.t.stop();
    assert.deepEqual(x.lines, ['one', 'two', 'three-late', 'four']);
    assert.ok(x.notices.some((n) => /rotated/.test(n)));
  });

  it('copytruncate: a shrinking file is read again from the start', async () => {
    const f = path.join(dir, 'c.log');
    writeFileSync(f, '');
    const x = tail(f);
    await x.t.start();
    appendFileSync(f, 'aaaaaaaaaa\nbbbbbbbbbb\n');
    await x.t.pollOnce();
    truncateSync(f, 0);
    appendFileSync(f, 'c\n');
    await x.t.pollOnce();
    await x.t.stop();
    assert.deepEqual(x.lines, ['aaaaaaaaaa', 'bbbbbbbbbb', 'c']);
    assert.ok(x.notices.some((n) => /truncated/.test(n)));
  });

  it('resumes from a checkpoint, also when the file was rotated while stopped', async () => {
    const f = path.join(dir, 'd.log');
    writeFileSync(f, 'l1\nl2\n');
    const x = tail(f, { fromStart: true });
    await x.t.start();
    await x.t.stop();
    const cp = x.cp()!;
    assert.equal(cp.offset, 6);
    appendFileSync(f, 'l3\n');
    const y = tail(f, { checkpoint: cp });
    await y.t.start();
    await y.t.stop();
    assert.deepEqual(y.lines, ['l3']);
    // stopped again; while stopped: more lines, rotation, new file
    const cp2 = y.cp()!;
    appendFileSync(f, 'l4\n');
    renameSync(f, `${f}-20261124`);
    writeFileSync(f, 'l5\n');
    const z = tail(f, { checkpoint: cp2 });
    await z.t.start();
    await z.t.stop();
    assert.deepEqual(z.lines, ['l4', 'l5']);
    assert.ok(z.notices.some((n) => /rotated while stopped/.test(n)));
  });

  it('a checkpoint beyond the size (copytruncate while stopped) restarts at 0', async () => {
    const f = path.join(dir, 'e.log');
    writeFileSync(f, 'x1\nx2\nx3\n');
    const x = tail(f, { fromStart: true });
    await x.t.start();
    await x.t.stop();
    writeFileSync(f, 'y\n');
    const y = tail(f, { checkpoint: x.cp()! });
    await y.t.start();
    await y.t.stop();
    assert.deepEqual(y.lines, ['y']);
  });

  it('a file that appears after the start is read from its beginning', async () => {
    const f = path.join(dir, 'late.log');
    const x = tail(f);
    await x.t.start();
    writeFileSync(f, 'first\nsecond\n');
    await x.t.pollOnce();
    await x.t.stop();
    assert.deepEqual(x.lines, ['first', 'second']);
  });

  it('lines whose handler failed (store error) are read again, not skipped', async () => {
    const f = path.join(dir, 'fail.log');
    writeFileSync(f, 'a\nb\n');
    const got: string[] = [];
    let fail = true;
    const t = new FileTail({
      file: f,
      fromStart: true,
      pollMs: 20,
      onLines: (ls) => {
        if (fail) {
          fail = false;
          throw new Error('disk full');
        }
        got.push(...ls);
      },
    });
    await t.start();
    await t.pollOnce();
    await t.stop();
    assert.deepEqual(got, ['a', 'b']);
  });

  it('follows by itself (poll loop) without explicit polls', async () => {
    const f = path.join(dir, 'f.log');
    writeFileSync(f, '');
    const x = tail(f);
    await x.t.start();
    appendFileSync(f, 'auto\n');
    const end = Date.now() + 3000;
    while (x.lines.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    await x.t.stop();
    assert.deepEqual(x.lines, ['auto']);
  });
});
