/**
 * `hardline watch --ban` as a process: detect mode says whom it would ban (log and the store's
 * ban history) and never runs nft; enforce mode checks at start that the firewall table's ban
 * sets exist where it acts, and says how to fix it when they do not. nft is a recording stand-in
 * on PATH here; the real nft is exercised by test/lab/enforce-lab.test.ts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin', 'hardline.js');
const dir = mkdtempSync(path.join(tmpdir(), 'hl-watchban-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const ATTACKER = '203.0.113.5';
const TRUNK = '192.0.2.10';
const line = (ip: string, n: number) =>
  `[Nov 25 10:00:0${n}] NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:10${n}@pbx>' failed for '${ip}:5060' (callid: c${n}) - Failed to authenticate`;

/** A stand-in nft that records its arguments and answers like nft without hardline's table. */
function fakeNft(name: string): { bin: string; calls: string } {
  const bin = path.join(dir, `bin-${name}`);
  const calls = path.join(dir, `nft-calls-${name}.txt`);
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'nft'),
    `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\necho "Error: No such file or directory; did you mean table 'filter' in family inet?" >&2\nexit 1\n`,
  );
  chmodSync(path.join(bin, 'nft'), 0o755);
  return { bin, calls };
}

async function runWatch(mode: 'detect' | 'enforce', name: string) {
  const sub = path.join(dir, name);
  mkdirSync(sub);
  const nft = fakeNft(name);
  const policy = path.join(sub, 'hardline.yaml');
  writeFileSync(
    policy,
    [
      'version: 1',
      `trunks: [{ name: carrier, addresses: [${TRUNK}] }]`,
      `firewall: { mode: ${mode}, state_dir: ${JSON.stringify(path.join(sub, 'state'))} }`,
      'detection: { brute_force: { failures: 3 }, scanner: { enabled: false } }',
    ].join('\n'),
  );
  const log = path.join(sub, 'messages');
  writeFileSync(log, '');
  const db = path.join(sub, 'w.db');
  const c = spawn(process.execPath, [BIN, 'watch', '--policy', policy, '--log', log, '--db', db, '--ban'], {
    env: { ...process.env, NO_COLOR: '1', PATH: `${nft.bin}:${process.env['PATH']}` },
  });
  children.push(c);
  let err = '';
  c.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((r) => c.on('exit', (code) => r(code)));
  const until = async (re: RegExp, what: string) => {
    for (let i = 0; i < 200 && !re.test(err); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(err, re, `${what}: ${err.slice(-3000)}`);
  };
  await until(/"msg":"watching"/, 'watch started');
  for (let n = 1; n <= 3; n++) appendFileSync(log, `${line(ATTACKER, n)}\n${line(TRUNK, n)}\n`);
  return {
    c,
    db,
    nft,
    until,
    exited,
    get err() {
      return err;
    },
  };
}

const logRecords = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('hardline watch --ban (process, nft stand-in)', { timeout: 60_000 }, () => {
  it('detect mode: logs and stores whom it would ban and whom it refused; nft is never run', async () => {
    const w = await runWatch('detect', 'detect');
    await w.until(/"event":"ban_refused"/, 'the trunk refusal');
    await w.until(/"event":"ban_dry_run"/, 'the would-ban line');
    w.c.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.err.slice(-2000));
    const recs = logRecords(w.err);
    assert.ok(recs.some((r) => /detect mode: incidents say whom they would ban/.test(String(r['msg']))));
    const dry = recs.find((r) => r['event'] === 'ban_dry_run')!;
    assert.equal(dry['address'], ATTACKER);
    assert.match(String(dry['msg']), /^would ban 203\.0\.113\.5 for \d+s \(firewall\.mode: detect\)$/);
    const refused = recs.find((r) => r['event'] === 'ban_refused')!;
    assert.deepEqual(
      [refused['address'], refused['reason'], refused['detail']],
      [TRUNK, 'allowlisted', 'trunk carrier'],
    );
    assert.equal(
      existsSync(w.nft.calls),
      false,
      `nft ran in detect mode: ${existsSync(w.nft.calls) ? readFileSync(w.nft.calls, 'utf8') : ''}`,
    );
    const rows = new Database(w.db, { readonly: true })
      .prepare('SELECT action, address, actor, detail, incident_id AS incident FROM ban_history ORDER BY id')
      .all() as { action: string; address: string; actor: string; detail: string; incident: string }[];
    assert.deepEqual(
      rows.map((r) => [r.action, r.address, r.actor]),
      [
        ['dry-run', ATTACKER, 'watch'],
        ['refused', TRUNK, 'watch'],
      ],
    );
    assert.equal(rows[1]!.detail, 'allowlisted: trunk carrier');
    assert.match(rows[0]!.incident, /^brute-force:203\.0\.113\.5:/);
  });

  it('enforce mode without the firewall table: says so at start, and each ban fails with the fix', async () => {
    const w = await runWatch('enforce', 'enforce');
    await w.until(/"msg":"ban failed"/, 'the failed ban');
    w.c.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.err.slice(-2000));
    const recs = logRecords(w.err);
    const missing = recs.find((r) => r['event'] === 'ban_table_missing');
    assert.ok(missing, w.err.slice(-2000));
    assert.deepEqual(missing['missing'], ['ban4', 'ban6']);
    assert.match(String(missing['msg']), /run hardline firewall --apply with this policy/);
    const failed = recs.find((r) => r['msg'] === 'ban failed')!;
    assert.equal(failed['source'], ATTACKER);
    assert.match(
      String(failed['err']),
      /table inet hardline is not loaded: run hardline firewall --apply first/,
    );
    // the trunk is refused before nft is asked anything about it
    assert.ok(recs.some((r) => r['event'] === 'ban_refused' && r['address'] === TRUNK));
    const calls = readFileSync(w.nft.calls, 'utf8');
    assert.match(calls, /-j list set inet hardline ban4/);
    assert.ok(!calls.includes(TRUNK));
  });
});
