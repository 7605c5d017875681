import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { invite, register } from '../../bench/sip-corpus.js';
import { FakeSip, loopbackAddress } from '../fake-sip.js';
import { ROOT } from '../helpers.js';

/** The built CLI as a user runs it (npm test builds first). */
const BIN = path.join(ROOT, 'bin', 'hardline.js');
const ENV = { ...process.env, NO_COLOR: '', FORCE_COLOR: '' };

function hardline(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: ENV,
    timeout: 60_000,
    ...(input !== undefined ? { input } : {}),
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Asynchronous variant: the fake SIP server in this process keeps answering meanwhile. */
function hardlineAsync(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: ENV });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    const t = setTimeout(() => p.kill(), 60_000);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, out, err });
    });
  });
}

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-cli-probe-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const MALFORMED = 'INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nBad Header\r\n\r\n';

describe('hardline sip parse (CLI)', () => {
  it('a good message from a file: structure, parsed fields, no problems, exit 0', () => {
    const file = path.join(dir, 'register.sip');
    writeFileSync(file, register(4));
    const r = hardline(['sip', 'parse', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^REGISTER request \(\d+ bytes\)\n/);
    assert.match(
      r.out,
      /Request-URI {2}sip:pbx\.example\.com {2}\(sip, user -, host pbx\.example\.com \[name\]\)/,
    );
    assert.match(r.out, /Headers \(12\)/);
    assert.match(r.out, /-> UDP 192\.0\.2\.5:5060 branch=z9hG4bK\S+ rport\n/);
    assert.match(r.out, /-> "Ext 1004" sip:1004@pbx\.example\.com .*tag=/);
    assert.match(r.out, /Body: none\nProblems: none\n$/);
    assert.equal(r.err, '');
  });

  it('an INVITE with SDP: the body summary says the media is in clear', () => {
    const r = hardline(['sip', 'parse', '-'], invite(2));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Body: application\/sdp, \d+ bytes\n {2}audio port \d+ RTP\/AVP \(media in clear\)/);
  });

  it('a malformed message: the error code, byte offset, line and column; exit 1', () => {
    const file = path.join(dir, 'bad.sip');
    writeFileSync(file, MALFORMED);
    const r = hardline(['sip', 'parse', file]);
    assert.equal(r.code, 1);
    assert.equal(
      r.out,
      `${file}: not a valid SIP message\n  HL_SIP_HEADER at byte 44 (line 3, column 1): header line without a colon\n`,
    );
  });

  it('reads stdin with - and when no file is given', () => {
    for (const args of [
      ['sip', 'parse', '-'],
      ['sip', 'parse'],
    ]) {
      const r = hardline(args, MALFORMED);
      assert.equal(r.code, 1);
      assert.match(r.out, /^stdin: not a valid SIP message\n/);
      const good = hardline(args, register(1));
      assert.equal(good.code, 0, good.err);
      assert.match(good.out, /^REGISTER request/);
    }
  });

  it('--format json: the parsed structure with line numbers; errors with byte, line and column', () => {
    const ok = JSON.parse(hardline(['sip', 'parse', '--format', 'json'], register(2)).out);
    assert.equal(ok.ok, true);
    assert.equal(ok.message.kind, 'request');
    assert.equal(ok.message.method, 'REGISTER');
    assert.equal(ok.message.requestUri.host, 'pbx.example.com');
    const via = ok.message.headers.find((h: { canonical: string }) => h.canonical === 'via');
    assert.equal(via.line, 2);
    assert.equal(via.column, 1);
    assert.match(via.parsed.branch, /^z9hG4bK/);
    assert.equal(via.parsed.rport, null);
    assert.equal(via.parsed.params.rport, null, 'the parameter record is in the JSON');
    const from = ok.message.headers.find((h: { canonical: string }) => h.canonical === 'from');
    assert.equal(from.parsed.displayName, 'Ext 1002');
    assert.equal(from.parsed.uri.user, '1002');
    assert.ok(from.parsed.params.tag);
    assert.deepEqual(ok.problems, []);
    const bad = hardline(['sip', 'parse', '--format', 'json'], MALFORMED);
    assert.equal(bad.code, 1);
    assert.deepEqual(JSON.parse(bad.out), {
      ok: false,
      bytes: Buffer.byteLength(MALFORMED),
      error: {
        code: 'HL_SIP_HEADER',
        message: 'header line without a colon',
        offset: 44,
        line: 3,
        column: 1,
      },
    });
  });

  it('semantic problems (CSeq method mismatch, missing headers) exit 1 and name the line', () => {
    const text =
      'INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n';
    const r = hardline(['sip', 'parse', '--format', 'json'], text);
    assert.equal(r.code, 1);
    const d = JSON.parse(r.out);
    const cseq = d.problems.find((p: { code: string }) => p.code === 'cseq-method');
    assert.equal(cseq.line, 3);
    assert.ok(d.problems.some((p: { code: string }) => p.code === 'missing-header'));
    const t = hardline(['sip', 'parse'], text);
    assert.match(t.out, /error {3}line 3: CSeq method BYE does not match the request method INVITE/);
  });

  it('never prints digest responses, nonces or URI passwords', () => {
    const text = [
      'REGISTER sip:pbx.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1',
      'From: <sip:1001:hunter2pw@pbx.example.com>;tag=1',
      'To: <sip:1001@pbx.example.com>',
      'Call-ID: c',
      'CSeq: 2 REGISTER',
      'Max-Forwards: 70',
      'Authorization: Digest username="1001", realm="r", nonce="n0nce5ecret", uri="sip:pbx.example.com", response="0123456789abcdef0123456789abcdef"',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    for (const format of ['text', 'json']) {
      const r = hardline(['sip', 'parse', '--format', format], text);
      assert.equal(r.code, 0, r.err + r.out);
      for (const secret of ['0123456789abcdef0123456789abcdef', 'n0nce5ecret', 'hunter2pw'])
        assert.ok(!r.out.includes(secret), `${format} output shows ${secret}`);
    }
  });

  it('a missing file is a usage error (exit 2, stable code)', () => {
    const r = hardline(['sip', 'parse', path.join(dir, 'nope.sip')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^HL_ERR_PATH_NOT_FOUND: cannot read /);
  });
});

describe('hardline probe (CLI): the scope guard', () => {
  const host = loopbackAddress();
  const other = loopbackAddress();
  let inside: FakeSip;
  let outside: FakeSip;
  let policy: string;
  before(async () => {
    const rules = [{ replies: [{ status: 200, reason: 'OK' }] }];
    inside = await FakeSip.start({ host, udp: true, rules });
    outside = await FakeSip.start({ host: other, udp: true, rules });
    policy = path.join(dir, 'hardline.yaml');
    writeFileSync(
      policy,
      `version: 1\nendpoints:\n  - { host: ${host}, transport: udp, port: ${inside.ports.udp} }\nprobe: { rate: 50, timeout_ms: 500, scope: [lab.test, 10.99.0.0/16] }\n`,
    );
  });
  after(async () => {
    await inside.close();
    await outside.close();
  });

  it('refuses a --target outside the policy (exit 2, HL_ERR_PROBE_SCOPE) and sends it nothing', async () => {
    const r = await hardlineAsync(['probe', '--policy', policy, '--target', `${other}:${outside.ports.udp}`]);
    assert.equal(r.code, 2);
    assert.match(
      r.err,
      new RegExp(
        `^HL_ERR_PROBE_SCOPE: refusing to probe ${other.replace(/\./g, '\\.')}: not in the policy's scope`,
      ),
    );
    assert.match(r.err, /probe\.scope \(lab\.test, 10\.99\.0\.0\/16\)/);
    assert.match(r.err, /hint: add the host to endpoints or to probe\.scope/);
    assert.equal(r.out, '');
    assert.equal(outside.received.length, 0, 'not one packet went to the refused target');
  });

  it('allows a --target on an endpoint host (another port) and runs the named checks only', async () => {
    const r = await hardlineAsync([
      'probe',
      '--policy',
      policy,
      '--target',
      `${host}:${inside.ports.udp};transport=udp`,
      '--check',
      'PRB-EXP-003',
      '--format',
      'json',
    ]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out);
    assert.equal(doc.command, 'probe');
    assert.deepEqual(doc.rulesRun, ['PRB-EXP-003']);
    assert.deepEqual(
      doc.findings.map((f: { ruleId: string }) => f.ruleId),
      ['PRB-EXP-003'],
    );
    assert.equal(r.err, '', 'no progress display when stderr is not a terminal');
    assert.ok(inside.requests('OPTIONS').length >= 1);
  });

  it('--fail-on makes an active finding exit 1', async () => {
    const r = await hardlineAsync([
      'probe',
      '--policy',
      policy,
      '--check',
      'PRB-EXP-003',
      '--fail-on',
      'low',
    ]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.out, /^hardline probe: udp:/);
    assert.match(r.out, /target udp:\S+ \(sip udp\)/);
    assert.doesNotMatch(r.out, /files read/);
  });

  it('refuses broadcast, multicast, unspecified and network targets, with or without a policy', () => {
    for (const t of ['255.255.255.255', '0.0.0.0', '[::]', '224.0.0.1', '[ff02::1]:5060', '240.0.0.1']) {
      for (const withPolicy of [false, true]) {
        const r = hardline(['probe', ...(withPolicy ? ['--policy', policy] : []), '--target', t]);
        assert.equal(r.code, 2, `${t}: ${r.err}`);
        assert.match(
          r.err,
          /^HL_ERR_PROBE_SCOPE: refusing to probe \S+: it is an? (unspecified|broadcast|multicast|reserved)/,
          t,
        );
      }
    }
    const net = path.join(dir, 'net.yaml');
    writeFileSync(net, 'version: 1\nendpoints: [{ host: 0.0.0.0, transport: udp }]\n');
    const r = hardline(['probe', '--policy', net]);
    assert.equal(r.code, 2);
    assert.match(r.err, /refusing to probe 0\.0\.0\.0: it is an unspecified address/);
  });

  it('with nothing in scope: no policy and no target, or a policy without endpoints', () => {
    const r = hardline(['probe'], '');
    assert.equal(r.code, 2);
    assert.match(r.err, /^HL_ERR_PROBE_SCOPE: nothing to probe/);
    const empty = path.join(dir, 'empty.yaml');
    writeFileSync(empty, 'version: 1\n');
    const e = hardline(['probe', '--policy', empty]);
    assert.equal(e.code, 2);
    assert.match(e.err, /^HL_ERR_PROBE_SCOPE: nothing to probe: the policy declares no endpoints/);
  });

  it('rejects a malformed --target (exit 2, HL_ERR_PROBE_TARGET)', () => {
    for (const t of ['host:99999', 'host;transport=sctp', 'a b']) {
      const r = hardline(['probe', '--target', t]);
      assert.equal(r.code, 2, t);
      assert.match(r.err, /^HL_ERR_PROBE_TARGET: --target /, t);
    }
  });
});

describe('hardline rules (CLI): probe checks are listed and documented', () => {
  it('lists the probe checks after the audit rules, and shows one check with what it sends', () => {
    const list = hardline(['rules']);
    assert.equal(list.code, 0, list.err);
    const audit = list.out.indexOf('Configuration rules (hardline audit');
    const probe = list.out.indexOf('Probe checks (hardline probe');
    assert.ok(audit >= 0 && probe > audit);
    assert.match(list.out.slice(probe), /PRB-AUTH-002\s+critical\s+2 {2}INVITE to an external number/);
    assert.match(list.out, /\d+ rules, 13 probe checks\n$/);
    const one = hardline(['rules', 'prb-enum-001']);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /^PRB-ENUM-001 {2}Extensions can be enumerated\nprobe check/);
    assert.match(one.out, /Sends: REGISTER with Expires: 0/);
    assert.match(one.out, /Before you run it: /);
    assert.match(one.out, /More: docs\/probe\/PRB-ENUM-001\.md/);
    const json = JSON.parse(hardline(['rules', '--format', 'json']).out) as { id: string; command: string }[];
    assert.equal(json.filter((x) => x.command === 'probe').length, 13);
    assert.ok(json.filter((x) => x.command === 'audit').length >= 15);
    const unknown = hardline(['rules', 'PRB-NOPE-999']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /^HL_ERR_USAGE: no rule or probe check PRB-NOPE-999/);
  });
});
