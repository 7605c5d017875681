import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { policySchema } from '../../src/policy/schema.js';
import { startWatch } from '../../src/watch/daemon.js';
import { FakeSip, loopbackAddress } from '../fake-sip.js';
import { ROOT } from '../helpers.js';

/**
 * `hardline probe --verify-logging` end to end, without the namespace lab: the built CLI probes a
 * scripted SIP server on loopback that "logs" like Asterisk (a chan_pjsip NOTICE naming the
 * transport source for every failed login, appended to a file), a real `hardline watch` follows
 * that file into its SQLite store, and the probe reads the store (--watch-db). With the logger
 * on, every attempt is found; with it cut, each is reported (PRB-LOG-001).
 */
const BIN = path.join(ROOT, 'bin', 'hardline.js');
const dir = mkdtempSync(path.join(tmpdir(), 'hl-verify-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const host = loopbackAddress();

function hardline(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, cwd: dir });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    const t = setTimeout(() => p.kill(), 90_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

const pad = (n: number) => String(n).padStart(2, '0');
function stamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

interface JsonReport {
  findings: { ruleId: string; target: string; message: string; evidence?: string[] }[];
  rulesRun: string[];
}

describe('probe --verify-logging against the real watch store', () => {
  it('passes while the PBX logs failures that watch stores; fails with PRB-LOG-001 once the feed is cut', {
    timeout: 120_000,
  }, async () => {
    const f = await FakeSip.start({ host, udp: true, rules: [] });
    f.addRule({ method: 'REGISTER', replies: [f.challenge(401)] });
    f.addRule({ method: 'INVITE', replies: [f.challenge(407)] });
    const log = path.join(dir, 'messages');
    writeFileSync(log, '');
    // the PBX's logger: a chan_pjsip NOTICE for every request that answered a challenge wrongly
    let logging = true;
    let seen = 0;
    const logger = setInterval(() => {
      for (; seen < f.received.length; seen++) {
        const r = f.received[seen]!;
        const m = r.message;
        if (!logging || !(m.has('authorization') || m.has('proxy-authorization'))) continue;
        appendFileSync(
          log,
          `[${stamp(new Date())}] NOTICE[2261] res_pjsip/pjsip_distributor.c: Request '${m.method}' from '${m.get('from')?.replace(/;tag=.*/, '')}' failed for '${r.source}' (callid: ${m.callId()}) - Failed to authenticate\n`,
        );
      }
    }, 50);
    const db = path.join(dir, 'watch.db');
    const policy = {
      version: 1,
      endpoints: [{ host, transport: 'udp', port: f.ports.udp }],
      probe: { rate: 50, timeout_ms: 800 },
    };
    const policyFile = path.join(dir, 'hardline.yaml');
    writeFileSync(policyFile, stringify(policy));
    const w = await startWatch({
      policy: policySchema.parse(policy),
      logs: [log],
      syslog: [],
      hep: [],
      db,
      pollMs: 50,
      logger: pino({ level: 'silent' }),
    });
    try {
      const args = ['probe', '-p', policyFile, '--verify-logging', '--watch-db', db, '--format', 'json'];
      const ok = await hardline([...args, '--verify-wait', '5', '--fail-on', 'high']);
      assert.equal(ok.code, 0, ok.err + ok.out.slice(0, 3000));
      const okReport = JSON.parse(ok.out) as JsonReport;
      assert.deepEqual(okReport.rulesRun, ['PRB-LOG-001'], 'only the logging verification runs');
      assert.deepEqual(okReport.findings, []);
      assert.match(ok.out, /3 of 3 failing requests recorded by watch store/);
      const events = w.store.recentEvents(0).filter((e) => e.evidence.decoder === 'asterisk-pjsip');
      assert.equal(events.length, 3);
      assert.ok(events.every((e) => e.source?.ip === '127.0.0.1' && e.account?.startsWith('hlv')));

      // the feed is cut: the PBX stops logging
      logging = false;
      const bad = await hardline([
        ...args,
        '--verify-wait',
        '2',
        '--verify-attempts',
        '2',
        '--fail-on',
        'high',
      ]);
      assert.equal(bad.code, 1, bad.err);
      const badReport = JSON.parse(bad.out) as JsonReport;
      assert.deepEqual(
        badReport.findings.map((x) => [x.ruleId, x.target.replace(/^.*\/logging\//, '')]),
        [
          ['PRB-LOG-001', 'invite/invisible'],
          ['PRB-LOG-001', 'register/invisible'],
        ],
      );
      assert.match(
        badReport.findings[1]!.message,
        /^1 of 1 failing REGISTERs from 127\.0\.0\.1 left no event in watch store .*watch\.db within 2 s: failures are invisible to monitoring$/,
      );
      assert.ok(
        badReport.findings[1]!.evidence!.some((l) => /^newest event in watch store .*: \d{4}-/.test(l)),
      );
    } finally {
      clearInterval(logger);
      await w.stop();
      await f.close();
    }
  });

  it('usage: --verify-logging needs --watch-db; the store must exist; PRB-LOG-001 needs --verify-logging; bounds', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
    const t = ['probe', '--target', `${host}:5060`];
    let r = run([...t, '--verify-logging']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /HL_ERR_USAGE: --verify-logging needs --watch-db FILE/);
    r = run([...t, '--verify-logging', '--watch-db', path.join(dir, 'none.db')]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /HL_ERR_STORE: the watch store .*none\.db does not exist/);
    r = run([...t, '--check', 'PRB-LOG-001']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /HL_ERR_USAGE: PRB-LOG-001 needs --verify-logging --watch-db FILE/);
    r = run([...t, '--watch-db', 'x.db']);
    assert.match(
      r.stderr,
      /HL_ERR_USAGE: --watch-db, --verify-attempts and --verify-wait go with --verify-logging/,
    );
    r = run([...t, '--verify-logging', '--watch-db', 'x.db', '--verify-attempts', '11']);
    assert.match(r.stderr, /HL_ERR_USAGE: --verify-attempts 11: expected a whole number from 1 to 10/);
    r = run([...t, '--verify-logging', '--watch-db', 'x.db', '--verify-wait', '0']);
    assert.match(r.stderr, /HL_ERR_USAGE: --verify-wait 0: expected a whole number from 1 to 120/);
  });
});
