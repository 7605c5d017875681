import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { FIXTURES, ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin', 'hardline.js');
const LOG = path.join(FIXTURES, 'watch', 'asterisk-attack.log');
const POLICY = path.join(FIXTURES, 'watch', 'hardline.yaml');
const dir = mkdtempSync(path.join(tmpdir(), 'hl-wcli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', NO_COLOR: '1' },
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('hardline backtest', () => {
  it('reports incidents and who would be banned, flagging the trunk and the authenticated worker', () => {
    const r = run(['backtest', '--policy', POLICY, '--format', 'json', LOG]);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as {
      lines: number;
      wouldBan: { source: string; decision: string; trunk?: string; authenticated?: { count: number } }[];
      incidents: { detector: string; events: unknown[] }[];
    };
    assert.equal(j.lines, 121);
    const by = Object.fromEntries(j.wouldBan.map((w) => [w.source, w]));
    assert.equal(by['203.0.113.66']?.decision, 'ban');
    assert.equal(by['203.0.113.77']?.decision, 'ban');
    assert.equal(by['203.0.113.88']?.decision, 'ban');
    assert.equal(by['2001:db8:bad::5']?.decision, 'ban');
    assert.equal(by['192.0.2.10']?.decision, 'alert');
    assert.equal(by['192.0.2.10']?.trunk, 'carrier');
    assert.equal(by['198.51.100.10']?.decision, 'alert');
    assert.ok((by['198.51.100.10']?.authenticated?.count ?? 0) > 0);
    // the LAN phones are never subjects
    assert.ok(!j.wouldBan.some((w) => w.source.startsWith('192.168.')));
    for (const i of j.incidents) assert.ok(i.events.length > 0, `${i.detector} carries its events`);
  });

  it('merges several files in event-time order (text report)', () => {
    const lines = readFileSync(LOG, 'utf8').trimEnd().split('\n');
    const a = path.join(dir, 'a.log');
    const b = path.join(dir, 'b.log');
    writeFileSync(a, `${lines.filter((_, i) => i % 2 === 0).join('\n')}\n`);
    writeFileSync(b, `${lines.filter((_, i) => i % 2 === 1).join('\n')}\n`);
    const r = run(['backtest', '--policy', POLICY, a, b]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /would ban: 4 source\(s\)/);
    assert.match(r.out, /spare 192\.0\.2\.10 .*TRUNK 'carrier': never banned/);
    assert.match(r.out, /BAN {3}203\.0\.113\.77 /);
  });
});

describe('hardline explain', () => {
  it('explains each line and counts matched/unmatched per format (text)', () => {
    const r = run(['explain', LOG]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /^L2 {2}asterisk-security {2}auth-challenge {2}src 192\.168\.1\.21:5060\/udp {2}account '101'/m,
    );
    assert.match(r.out, /^L1 {2}unmatched \(asterisk\): no decoder recognises this line$/m);
    assert.match(r.out, /^asterisk +121 +119 +0 +0 +2$/m);
  });

  it('reads stdin and a single --line, as JSON lines', () => {
    const r = run(
      ['explain', '-', '--format', 'jsonl'],
      readFileSync(LOG, 'utf8').split('\n').slice(0, 3).join('\n'),
    );
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 4);
    assert.equal(rows[1].events[0].source.ip, '192.168.1.21');
    assert.deepEqual(rows[3].summary.byFormat.asterisk, {
      lines: 3,
      decoded: 2,
      ignored: 0,
      miss: 0,
      unmatched: 1,
    });
    const one = run([
      'explain',
      '--line',
      "2013-12-31 17:39:54.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (INVITE) on sofia profile 'internal' for [100@x] from ip 5.11.47.236",
    ]);
    assert.match(one.out, /freeswitch-auth {2}auth-failure {2}src 5\.11\.47\.236/);
  });
});

describe('hardline baseline', () => {
  it('proposes thresholds from legitimate traffic only, as a YAML snippet that the policy accepts', () => {
    const r = run(['baseline', '--policy', POLICY, '--buffer', '3', LOG]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /legitimate sources \(authenticated, trunks, trusted networks\): 4/);
    assert.match(r.out, /# busy hour: /);
    const y = parse(r.out) as { detection: Record<string, unknown> };
    // the remote worker's 11 mistyped passwords in 5 minutes set the brute-force peak: 11 x 3
    assert.deepEqual(y.detection['brute_force'], { failures: 33, window: '5m' });
    const policyText = `${readFileSync(POLICY, 'utf8').replace(/^detection:[\s\S]*$/m, '')}${r.out}`;
    const p = path.join(dir, 'proposed.yaml');
    writeFileSync(p, policyText);
    const again = run(['backtest', '--policy', p, LOG]);
    assert.equal(again.code, 0, again.err);
  });
});

describe('usage errors', () => {
  it('watch without sources and a bad listener URL exit 2 with a code', () => {
    const a = run(['watch']);
    assert.equal(a.code, 2);
    assert.match(a.err, /HL_ERR_USAGE: nothing to watch/);
    const b = run(['watch', '--hep', 'udp://not-an-ip:9060', '--db', path.join(dir, 'x.db')]);
    assert.equal(b.code, 2);
    assert.match(b.err, /HL_ERR_USAGE: --hep udp:\/\/not-an-ip:9060/);
  });
});
