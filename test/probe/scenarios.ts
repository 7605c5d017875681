import assert from 'node:assert/strict';
import type { Finding } from '../../src/core/finding.js';
import type { LoggingVerification } from '../../src/probe/logging.js';
import type { ProbeResult } from '../../src/probe/runner.js';
import type { TestCa } from '../certs.js';
import { selfSigned } from '../certs.js';
import { closedPort, FakeSip, openPort, type Received } from '../fake-sip.js';
import { FakeMonitor, sourceIp, withCredentials } from './fake-monitor.js';

/**
 * Every probe check has scenarios that must be reported (`bad-*`) and scenarios that must not
 * (`good-*`), each a scripted SIP server on loopback (test/fake-sip.ts) and a policy.
 * test/probe/checks.test.ts runs them all; the check's documentation page lists them
 * (docs/probe/<ID>.md), the way rule pages show their fixtures.
 */

export interface ScenarioEnv {
  /** Loopback address of this run (unique per test file). */
  host: string;
  /** Scratch folder of this scenario (the policy is written there). */
  dir: string;
  ca: TestCa;
}

export interface Setup {
  /** The policy, as an object (version 1 and fast probe settings are added). */
  policy: Record<string, unknown>;
  /** Explicit --target values (default: the policy's endpoints). */
  targets?: string[];
  /** Environment variables the run needs (e.g. the test account's password). */
  env?: Record<string, string>;
  fakes: FakeSip[];
  /** `--verify-logging`: the (fake) monitoring the check asks. */
  monitor?: LoggingVerification;
  /** Other things to close afterwards. */
  close?: (() => Promise<void>)[];
}

export interface Outcome {
  result: ProbeResult;
  /** Findings of the scenario's check. */
  findings: Finding[];
  /** Notes of the scenario's check. */
  notes: string[];
  fakes: FakeSip[];
}

export interface Scenario {
  check: string;
  /** `bad-...` (must be reported) or `good-...` (must not). */
  name: string;
  /** What the server does, for the documentation page. */
  description: string;
  setup(env: ScenarioEnv): Promise<Setup>;
  /** Further assertions beyond reported / not reported. */
  verify?(o: Outcome): void;
}

export const reported = (s: Scenario) => s.name.startsWith('bad');

/** A server that challenges REGISTER (401) and INVITE (407), also answers to wrong credentials. */
async function challenging(host: string): Promise<FakeSip> {
  const f = await FakeSip.start({ host, udp: true, rules: [] });
  f.addRule({ method: 'REGISTER', replies: [f.challenge(401)] });
  f.addRule({ method: 'INVITE', replies: [f.challenge(407)] });
  return f;
}

/** A monitoring that records challenges as such and failed answers as auth failures, by transport source. */
const logsFailures = (r: Received) =>
  r.message.method === 'ACK'
    ? []
    : [{ kind: withCredentials(r) ? 'auth-failure' : 'auth-challenge', sourceIp: sourceIp(r) }];

const verification = (lookup: FakeMonitor, waitMs: number): LoggingVerification => ({
  lookup,
  attempts: 3,
  waitMs,
});

const sip = (t: 'udp' | 'tcp' | 'tls', host: string, port: number) => ({ host, transport: t, port });
const DAY = 86_400_000;
const REJECT_REGISTER = { method: 'REGISTER', replies: [{ status: 401, reason: 'Unauthorized' }] };

export const SCENARIOS: Scenario[] = [
  // PRB-EXP-001: SIP on undeclared transports/ports; plain SIP where TLS is required; silent endpoints.
  {
    check: 'PRB-EXP-001',
    name: 'bad-undeclared-tcp',
    description:
      'The policy declares SIP over UDP only; the server also answers OPTIONS over TCP on another port.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, tcp: true, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        targets: [`${host}:${f.ports.udp};transport=udp`, `${host}:${f.ports.tcp};transport=tcp`],
        fakes: [f],
      };
    },
    verify({ findings, fakes }) {
      assert.deepEqual(
        findings.map((x) => x.target),
        [`sip:tcp/${fakes[0]!.host}:${fakes[0]!.ports.tcp}`],
      );
      assert.match(findings[0]!.message, /^SIP answers on TCP port \d+, which the policy does not declare/);
    },
  },
  {
    check: 'PRB-EXP-001',
    name: 'bad-plain-sip-while-tls-required',
    description:
      'The policy requires SIP over TLS (security.sip_tls: required), yet a public endpoint answers plain SIP over UDP.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)], security: { sip_tls: 'required' } },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.equal(findings[0]!.severity, 'high');
      assert.match(findings[0]!.message, /plain SIP \(UDP port \d+\) answers although the policy requires/);
    },
  },
  {
    check: 'PRB-EXP-001',
    name: 'bad-declared-endpoint-silent',
    description: 'The policy declares a TCP endpoint, but nothing listens on that port.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [{ replies: [{ status: 200 }] }] });
      const closed = await closedPort(host);
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!), sip('tcp', host, closed)] },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.equal(findings[0]!.severity, 'low');
      assert.match(findings[0]!.message, /declared endpoint TCP port \d+ does not answer/);
    },
  },
  {
    check: 'PRB-EXP-001',
    name: 'good-declared-transports-only',
    description: 'The server answers on exactly the transports and ports the policy declares (UDP and TCP).',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, tcp: true, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!), sip('tcp', host, f.ports.tcp!)] },
        fakes: [f],
      };
    },
    verify({ fakes }) {
      assert.ok(fakes[0]!.requests('OPTIONS').length >= 2, 'both declared endpoints were asked');
    },
  },

  // PRB-EXP-002: banners.
  {
    check: 'PRB-EXP-002',
    name: 'bad-version-banner',
    description: 'Every answer carries `Server: Asterisk PBX 18.20.0` (product and version).',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        server: 'Asterisk PBX 18.20.0',
        rules: [{ method: 'OPTIONS', replies: [{ status: 200 }] }, REJECT_REGISTER],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1, 'one finding per distinct banner');
      assert.equal(findings[0]!.severity, 'low');
      assert.match(
        findings[0]!.message,
        /Server header names the software and its version: Asterisk PBX 18\.20\.0/,
      );
      assert.ok(findings[0]!.evidence?.some((l) => l === 'Server: Asterisk PBX 18.20.0'));
    },
  },
  {
    check: 'PRB-EXP-002',
    name: 'bad-software-banner',
    description: 'Answers carry `Server: FreeSWITCH` (the product without a version: reported as info).',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        server: 'FreeSWITCH',
        rules: [{ method: 'OPTIONS', replies: [{ status: 200 }] }, REJECT_REGISTER],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.equal(findings[0]!.severity, 'info');
      assert.match(findings[0]!.message, /Server header names the software: FreeSWITCH/);
    },
  },
  {
    check: 'PRB-EXP-002',
    name: 'good-generic-banner',
    description: 'Answers carry a generic `Server: PBX`.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        server: 'PBX',
        rules: [{ method: 'OPTIONS', replies: [{ status: 200 }] }, REJECT_REGISTER],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
  },

  // PRB-EXP-003: OPTIONS answered to strangers.
  {
    check: 'PRB-EXP-003',
    name: 'bad-options-answered',
    description: 'OPTIONS from an unknown source gets 200 OK with an Allow header.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [
          {
            method: 'OPTIONS',
            replies: [{ status: 200, reason: 'OK', headers: [['Allow', 'INVITE, ACK, BYE']] }],
          },
        ],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.equal(
        findings[0]!.message,
        'OPTIONS from an unknown source got 200 OK (Allow: INVITE, ACK, BYE)',
      );
    },
  },
  {
    check: 'PRB-EXP-003',
    name: 'good-options-refused',
    description: 'OPTIONS from an unknown source gets 403 Forbidden.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [{ method: 'OPTIONS', replies: [{ status: 403, reason: 'Forbidden' }] }],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
  },
  {
    check: 'PRB-EXP-003',
    name: 'good-options-dropped',
    description: 'OPTIONS from an unknown source gets no answer at all.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [] });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ fakes }) {
      assert.ok(fakes[0]!.requests('OPTIONS').length >= 1, 'the OPTIONS was sent');
    },
  },

  // PRB-EXP-004: management ports.
  {
    check: 'PRB-EXP-004',
    name: 'bad-management-ports-open',
    description: 'The AMI and SSH ports of firewall.management.ports accept TCP connections from the probe.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [{ replies: [{ status: 200 }] }] });
      const ami = await openPort(host);
      const ssh = await openPort(host);
      const esl = await closedPort(host);
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          firewall: {
            management: {
              ports: [
                { name: 'ami', port: ami.port },
                { name: 'ssh', port: ssh.port },
                { name: 'esl', port: esl },
              ],
            },
          },
        },
        fakes: [f],
        close: [ami.close, ssh.close],
      };
    },
    verify({ findings }) {
      const by = Object.fromEntries(findings.map((x) => [x.message.split(' port ')[0], x.severity]));
      assert.deepEqual(by, { 'Asterisk AMI': 'high', SSH: 'medium' }, 'the closed ESL port is not reported');
    },
  },
  {
    check: 'PRB-EXP-004',
    name: 'good-public-or-closed',
    description:
      'The only open management port is declared public (probe.public_ports); the other is closed.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [{ replies: [{ status: 200 }] }] });
      const https = await openPort(host);
      const ami = await closedPort(host);
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          probe: { public_ports: [https.port] },
          firewall: {
            management: {
              ports: [
                { name: 'https', port: https.port },
                { name: 'ami', port: ami },
              ],
            },
          },
        },
        fakes: [f],
        close: [https.close],
      };
    },
  },

  // PRB-AUTH-001: open registration.
  {
    check: 'PRB-AUTH-001',
    name: 'bad-register-accepted',
    description: 'REGISTER without credentials gets 200 OK, for a random extension and for the known one.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [{ method: 'REGISTER', replies: [{ status: 200, reason: 'OK' }] }],
      });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)], probe: { known_extension: '1001' } },
        fakes: [f],
      };
    },
    verify({ findings, fakes }) {
      assert.equal(findings.length, 2);
      assert.ok(
        findings.some((x) =>
          x.message.startsWith('REGISTER for 1001 without credentials was accepted: 200 OK'),
        ),
      );
      const reg = fakes[0]!.requests('REGISTER');
      assert.ok(
        reg.every((r) => !r.has('authorization')),
        'no credentials were sent',
      );
      assert.ok(
        reg.every((r) => r.get('expires') === '0'),
        'the probe asks for no binding to stay',
      );
    },
  },
  {
    check: 'PRB-AUTH-001',
    name: 'good-register-challenged',
    description: 'REGISTER without credentials gets a 401 digest challenge.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [] });
      f.addRule({ method: 'REGISTER', replies: [f.challenge(401)] });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)], probe: { known_extension: '1001' } },
        fakes: [f],
      };
    },
  },

  // PRB-AUTH-002: toll-fraud path.
  {
    check: 'PRB-AUTH-002',
    name: 'bad-invite-rings',
    description:
      'An INVITE to the external number without credentials gets 100 Trying and 180 Ringing; the server then waits. The probe must CANCEL it at once.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [
          {
            method: 'INVITE',
            replies: [
              { status: 100, reason: 'Trying' },
              { status: 180, reason: 'Ringing', delayMs: 20 },
            ],
            holdUntilCancel: true,
          },
        ],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ findings, fakes }) {
      assert.equal(findings.length, 1);
      assert.match(
        findings[0]!.message,
        /INVITE to \+442079460000 without credentials proceeded: 180 Ringing/,
      );
      const inv = fakes[0]!.requests('INVITE')[0]!;
      const cancels = fakes[0]!.requests('CANCEL');
      assert.equal(cancels.length, 1, 'the probe CANCELled the call');
      const c = cancels[0]!;
      assert.equal(c.callId(), inv.callId());
      assert.equal(c.topVia()?.branch, inv.topVia()?.branch, 'CANCEL matches the INVITE transaction');
      assert.equal(c.cseq()?.seq, inv.cseq()?.seq);
      assert.equal(c.uri, inv.uri);
      assert.ok(
        findings[0]!.evidence?.some((l) => l === 'SIP/2.0 180 Ringing'),
        'the answer is evidence',
      );
    },
  },
  {
    check: 'PRB-AUTH-002',
    name: 'bad-invite-answered',
    description:
      'An INVITE to the external number without credentials is answered 200 OK; the probe must hang up at once (ACK, BYE).',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [
          { method: 'INVITE', replies: [{ status: 200, reason: 'OK' }] },
          { method: 'BYE', replies: [{ status: 200, reason: 'OK' }] },
        ],
      });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ findings, fakes }) {
      assert.equal(findings.length, 1);
      assert.match(findings[0]!.message, /was answered 200 OK \(the probe hung up at once\)/);
      assert.equal(fakes[0]!.requests('ACK').length, 1, 'the 200 was ACKed');
      assert.equal(fakes[0]!.requests('BYE').length, 1, 'and the call hung up');
    },
  },
  {
    check: 'PRB-AUTH-002',
    name: 'good-invite-challenged',
    description: 'An INVITE without credentials gets a 407 proxy challenge (and is ACKed, nothing else).',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [] });
      f.addRule({ method: 'INVITE', replies: [f.challenge(407)] });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)] }, fakes: [f] };
    },
    verify({ fakes }) {
      assert.equal(fakes[0]!.requests('CANCEL').length, 0);
      assert.equal(fakes[0]!.requests('BYE').length, 0);
      assert.equal(fakes[0]!.requests('ACK').length, 1, 'a non-2xx final is ACKed');
    },
  },

  // PRB-ENUM-001: enumeration by status, by timing.
  {
    check: 'PRB-ENUM-001',
    name: 'bad-status-differs',
    description:
      'REGISTER for existing extensions 1001 and 1002 gets 401 Unauthorized; for any other extension 404 Not Found.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [
          { method: 'REGISTER', user: ['1001', '1002'], replies: [{ status: 401, reason: 'Unauthorized' }] },
          { method: 'REGISTER', replies: [{ status: 404, reason: 'Not Found' }] },
        ],
      });
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          probe: { known_extension: '1001', extensions: ['1002', '3000'] },
        },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.deepEqual(findings.map((x) => x.target.split('/ext/')[1]).sort(), ['1001', '1002']);
      assert.match(
        findings[0]!.message,
        /answers REGISTER differently from random extensions: 401 Unauthorized .* instead of 404 Not Found/,
      );
    },
  },
  {
    check: 'PRB-ENUM-001',
    name: 'bad-timing-differs',
    description:
      'Every extension gets the same 401, but the existing extension 1001 answers 700 ms later than unknown ones (a user lookup before the challenge).',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [
          {
            method: 'REGISTER',
            user: '1001',
            replies: [{ status: 401, reason: 'Unauthorized', delayMs: 700 }],
          },
          { method: 'REGISTER', replies: [{ status: 401, reason: 'Unauthorized' }] },
        ],
      });
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          probe: { known_extension: '1001', extensions: ['3000'], timeout_ms: 2500 },
        },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.equal(findings[0]!.target.split('/ext/')[1], '1001');
      assert.equal(findings[0]!.severity, 'low');
      assert.match(
        findings[0]!.message,
        /^extension 1001 answers REGISTER in \d+ ms, random extensions in \d+ ms/,
      );
      const ms = Number(/in (\d+) ms/.exec(findings[0]!.message)![1]);
      assert.ok(ms >= 650, `the measured delay is the fake's 700 ms (${ms})`);
    },
  },
  {
    check: 'PRB-ENUM-001',
    name: 'good-same-answer',
    description: 'Every extension, existing or not, gets the same 401 challenge at the same speed.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [] });
      f.addRule({ method: 'REGISTER', replies: [f.challenge(401)] });
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          probe: { known_extension: '1001', extensions: ['1002', '3000'] },
        },
        fakes: [f],
      };
    },
    verify({ fakes }) {
      // 3 random extensions, then 1001, 1002 and 3000.
      assert.equal(fakes[0]!.requests('REGISTER').length, 6);
    },
  },

  // PRB-TLS-001: old protocol versions.
  {
    check: 'PRB-TLS-001',
    name: 'bad-tls10-accepted',
    description:
      'The TLS endpoint still completes handshakes with TLS 1.0 and 1.1 (the policy minimum is 1.2).',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date(Date.now() - DAY),
        end: new Date(Date.now() + 300 * DAY),
      });
      const f = await FakeSip.start({
        host,
        tls: { ...cert, minVersion: 'TLSv1' },
        rules: [{ replies: [{ status: 200 }] }],
      });
      return {
        policy: {
          endpoints: [sip('tls', host, f.ports.tls!)],
          security: { min_tls: '1.2' },
          probe: { ca_file: ca.pem.certFile },
        },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.deepEqual(findings.map((x) => /handshake with (\S+),/.exec(x.message)?.[1]).sort(), [
        'TLSv1',
        'TLSv1.1',
      ]);
    },
  },
  {
    check: 'PRB-TLS-001',
    name: 'good-tls12-minimum',
    description: 'The TLS endpoint refuses anything below TLS 1.2.',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date(Date.now() - DAY),
        end: new Date(Date.now() + 300 * DAY),
      });
      const f = await FakeSip.start({
        host,
        tls: { ...cert, minVersion: 'TLSv1.2' },
        rules: [{ replies: [{ status: 200 }] }],
      });
      return {
        policy: {
          endpoints: [sip('tls', host, f.ports.tls!)],
          security: { min_tls: '1.2' },
          probe: { ca_file: ca.pem.certFile },
        },
        fakes: [f],
      };
    },
  },

  // PRB-TLS-002: trust and name.
  {
    check: 'PRB-TLS-002',
    name: 'bad-self-signed',
    description: 'The TLS endpoint presents a self-signed certificate that no trusted CA signed.',
    async setup({ host, dir }) {
      const cert = selfSigned(dir, 'sip.test', `IP:${host}`);
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return { policy: { endpoints: [sip('tls', host, f.ports.tls!)] }, fakes: [f] };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.match(findings[0]!.message, /^the certificate chain does not verify: .*self.signed/i);
    },
  },
  {
    check: 'PRB-TLS-002',
    name: 'bad-wrong-name',
    description:
      'The certificate is signed by the trusted CA (probe.ca_file) but issued for another name (sip.other.test).',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.other.test',
        san: 'DNS:sip.other.test',
        start: new Date(Date.now() - DAY),
        end: new Date(Date.now() + 300 * DAY),
      });
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('tls', host, f.ports.tls!)], probe: { ca_file: ca.pem.certFile } },
        fakes: [f],
      };
    },
    verify({ findings, fakes }) {
      assert.equal(findings.length, 1);
      assert.equal(findings[0]!.message.split(':')[0], `the certificate is not valid for ${fakes[0]!.host}`);
    },
  },
  {
    check: 'PRB-TLS-002',
    name: 'good-trusted-and-named',
    description:
      'The certificate is signed by the CA in probe.ca_file and names the endpoint (subjectAltName IP).',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date(Date.now() - DAY),
        end: new Date(Date.now() + 300 * DAY),
      });
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('tls', host, f.ports.tls!)], probe: { ca_file: ca.pem.certFile } },
        fakes: [f],
      };
    },
  },

  // PRB-TLS-003: validity dates.
  {
    check: 'PRB-TLS-003',
    name: 'bad-expired',
    description: 'The certificate expired (valid 2020-01-01 to 2020-02-01).',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date('2020-01-01T00:00:00Z'),
        end: new Date('2020-02-01T00:00:00Z'),
      });
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('tls', host, f.ports.tls!)], probe: { ca_file: ca.pem.certFile } },
        fakes: [f],
      };
    },
    verify({ findings }) {
      const leaf = findings.filter((x) => x.target.endsWith('/certificate/0'));
      assert.equal(leaf.length, 1);
      assert.equal(leaf[0]!.severity, 'critical');
      assert.match(leaf[0]!.message, /expired on 2020-02-01/);
    },
  },
  {
    check: 'PRB-TLS-003',
    name: 'bad-expires-soon',
    description: 'The certificate expires in 10 days.',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date(Date.now() - DAY),
        end: new Date(Date.now() + 10 * DAY + 3_600_000),
      });
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('tls', host, f.ports.tls!)], probe: { ca_file: ca.pem.certFile } },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.equal(findings[0]!.severity, 'medium');
      assert.match(findings[0]!.message, /expires in 10 days/);
    },
  },
  {
    check: 'PRB-TLS-003',
    name: 'bad-not-yet-valid',
    description: 'The certificate only becomes valid in 5 days (a clock or deployment mistake).',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date(Date.now() + 5 * DAY),
        end: new Date(Date.now() + 300 * DAY),
      });
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('tls', host, f.ports.tls!)], probe: { ca_file: ca.pem.certFile } },
        fakes: [f],
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 1);
      assert.match(findings[0]!.message, /is not valid before/);
    },
  },
  {
    check: 'PRB-TLS-003',
    name: 'good-valid-for-months',
    description: 'The certificate (and its CA) are valid for months to come.',
    async setup({ host, ca }) {
      const cert = ca.leaf({
        cn: 'sip.test',
        san: `IP:${host}`,
        start: new Date(Date.now() - DAY),
        end: new Date(Date.now() + 200 * DAY),
      });
      const f = await FakeSip.start({ host, tls: cert, rules: [{ replies: [{ status: 200 }] }] });
      return {
        policy: { endpoints: [sip('tls', host, f.ports.tls!)], probe: { ca_file: ca.pem.certFile } },
        fakes: [f],
      };
    },
  },

  // PRB-SRTP-001: plain RTP accepted where SRTP is required.
  {
    check: 'PRB-SRTP-001',
    name: 'bad-rtp-avp-accepted',
    description:
      'With the test account authenticated (digest), an INVITE offering only RTP/AVP is answered 200 OK (the probe hangs up at once).',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, accounts: { '1001': 'fake-pw-1' }, rules: [] });
      f.addRule({
        method: 'INVITE',
        authenticated: true,
        sdp: 'RTP/AVP',
        replies: [{ status: 200, reason: 'OK' }],
      });
      f.addRule({ method: 'INVITE', authenticated: false, replies: [f.challenge(401)] });
      f.addRule({ method: 'BYE', replies: [{ status: 200, reason: 'OK' }] });
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          security: { srtp: 'required' },
          probe: { account: { username: '1001', password_env: 'HL_FAKE_PW', destination: '1002' } },
        },
        env: { HL_FAKE_PW: 'fake-pw-1' },
        fakes: [f],
      };
    },
    verify({ findings, fakes, result }) {
      assert.equal(findings.length, 1);
      assert.match(
        findings[0]!.message,
        /authenticated INVITE to 1002 offering only plain RTP\/AVP got 200 OK/,
      );
      assert.equal(fakes[0]!.requests('BYE').length, 1, 'the probe hung up');
      assert.ok(!JSON.stringify(result).includes('fake-pw-1'), 'the password never appears');
    },
  },
  {
    check: 'PRB-SRTP-001',
    name: 'good-rtp-avp-refused',
    description:
      'With the test account authenticated, an INVITE offering only RTP/AVP gets 488 Not Acceptable Here.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, accounts: { '1001': 'fake-pw-1' }, rules: [] });
      f.addRule({
        method: 'INVITE',
        authenticated: true,
        replies: [{ status: 488, reason: 'Not Acceptable Here' }],
      });
      f.addRule({ method: 'INVITE', authenticated: false, replies: [f.challenge(401)] });
      return {
        policy: {
          endpoints: [sip('udp', host, f.ports.udp!)],
          security: { srtp: 'required' },
          probe: { account: { username: '1001', password_env: 'HL_FAKE_PW', destination: '1002' } },
        },
        env: { HL_FAKE_PW: 'fake-pw-1' },
        fakes: [f],
      };
    },
    verify({ fakes, notes }) {
      const inv = fakes[0]!.requests('INVITE');
      assert.equal(inv.length, 2, 'challenged, then sent again with credentials');
      assert.ok(inv[1]!.has('authorization'));
      assert.deepEqual(notes, [], 'the check ran to the end');
    },
  },

  // PRB-LOG-001: failures the monitoring does not record (--verify-logging).
  {
    check: 'PRB-LOG-001',
    name: 'bad-invisible',
    description:
      'The server challenges every REGISTER (401) and INVITE (407) and answers the wrong credentials with a new challenge; the monitoring records nothing.',
    async setup({ host }) {
      const f = await challenging(host);
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(new FakeMonitor(f, { record: () => [] }), 1000),
      };
    },
    verify({ findings, fakes, result }) {
      assert.deepEqual(
        findings.map((x) => x.target.replace(/^.*\/logging\//, '')),
        ['invite/invisible', 'register/invisible'],
      );
      const reg = findings.find((x) => x.target.endsWith('register/invisible'))!;
      assert.match(
        reg.message,
        /^2 of 2 failing REGISTERs from \S+ left no event in fake monitoring within 1 s: failures are invisible to monitoring$/,
      );
      assert.equal(reg.severity, 'high');
      assert.equal(reg.step, 'logging');
      assert.ok(
        reg.evidence!.some((l) => /^attempt 1: REGISTER hlv[0-9a-f]{6}1 answered 401 Unauthorized/.test(l)),
      );
      assert.ok(reg.evidence!.some((l) => /^Authorization: Digest .*username="hlv/.test(l)));
      assert.ok(
        !reg.evidence!.some((l) => /response="[0-9a-f]{32}"/.test(l)),
        'the digest response is redacted',
      );
      // 3 attempts: REGISTER, INVITE, REGISTER, each challenge answered once with a wrong password
      assert.equal(fakes[0]!.requests('REGISTER').length, 4);
      assert.equal(fakes[0]!.requests('INVITE').length, 2);
      const users = new Set(
        fakes[0]!.received.map((r) => /sip:(hlv[0-9a-f]+)@/.exec(r.message.get('from') ?? '')?.[1]),
      );
      assert.equal(users.size, 3, 'one marker per attempt');
      assert.deepEqual(result.rulesRun, ['PRB-LOG-001']);
    },
  },
  {
    check: 'PRB-LOG-001',
    name: 'bad-challenge-only',
    description:
      'The monitoring records the digest challenges (like a security log that has ChallengeSent) but not the failed answers to them.',
    async setup({ host }) {
      const f = await challenging(host);
      const mon = new FakeMonitor(f, {
        record: (r) => (withCredentials(r) ? [] : [{ kind: 'auth-challenge', sourceIp: sourceIp(r) }]),
      });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(mon, 1000),
      };
    },
    verify({ findings }) {
      assert.deepEqual(
        findings.map((x) => x.target.replace(/^.*\/logging\//, '')),
        ['invite/challenge-only', 'register/challenge-only'],
      );
      assert.match(findings[0]!.message, /were recorded only as the digest challenge, not as a failure/);
    },
  },
  {
    check: 'PRB-LOG-001',
    name: 'bad-wrong-address',
    description:
      "The monitoring records every failure, but with an address taken from the request's text (203.0.113.7) instead of the transport source.",
    async setup({ host }) {
      const f = await challenging(host);
      const mon = new FakeMonitor(f, {
        record: (r) => (withCredentials(r) ? [{ kind: 'auth-failure', sourceIp: '203.0.113.7' }] : []),
      });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(mon, 1000),
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 2);
      for (const x of findings) {
        assert.match(x.target, /\/address$/);
        assert.match(
          x.message,
          /were recorded without that address \(events name 203\.0\.113\.7\): detectors cannot/,
        );
      }
    },
  },
  {
    check: 'PRB-LOG-001',
    name: 'bad-too-late',
    description:
      'The monitoring records every failure correctly, but only 3 s later; the probe waits 1 s (--verify-wait 1).',
    async setup({ host }) {
      const f = await challenging(host);
      const mon = new FakeMonitor(f, { record: logsFailures, delayMs: 3000 });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(mon, 1000),
      };
    },
    verify({ findings }) {
      assert.equal(findings.length, 2);
      assert.ok(findings.every((x) => x.target.endsWith('/invisible')));
    },
  },
  {
    check: 'PRB-LOG-001',
    name: 'good-recorded',
    description:
      'The monitoring records each challenge and each failed answer with the transport source address, 300 ms after it arrived.',
    async setup({ host }) {
      const f = await challenging(host);
      const mon = new FakeMonitor(f, { record: logsFailures, delayMs: 300 });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(mon, 5000),
      };
    },
    verify({ notes, result }) {
      assert.ok(
        result.durationMs < 4000,
        `stops asking once every attempt is found (${result.durationMs} ms)`,
      );
      assert.match(
        notes.join('\n'),
        /^3 of 3 failing requests recorded by fake monitoring: REGISTER hlv[0-9a-f]{6}1 \(401\) as auth-failure from \S+ within \d+\.\d s, INVITE hlv[0-9a-f]{6}2 \(407\) as auth-failure/m,
      );
    },
  },
  {
    check: 'PRB-LOG-001',
    name: 'good-unknown-user',
    description:
      'The server answers 404 Not Found to REGISTER and INVITE for unknown users (no challenge); the monitoring records unknown-account and call-rejected events from the source address.',
    async setup({ host }) {
      const f = await FakeSip.start({
        host,
        udp: true,
        rules: [
          { method: 'REGISTER', replies: [{ status: 404, reason: 'Not Found' }] },
          { method: 'INVITE', replies: [{ status: 404, reason: 'Not Found' }] },
        ],
      });
      const mon = new FakeMonitor(f, {
        record: (r) =>
          r.message.method === 'ACK'
            ? []
            : [
                {
                  kind: r.message.method === 'INVITE' ? 'call-rejected' : 'unknown-account',
                  sourceIp: sourceIp(r),
                },
              ],
      });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(mon, 3000),
      };
    },
    verify({ notes, fakes }) {
      assert.equal(fakes[0]!.requests('REGISTER').length, 2, 'no challenge: one request per attempt');
      assert.match(notes.join('\n'), /3 of 3 failing requests recorded/);
    },
  },
  {
    check: 'PRB-LOG-001',
    name: 'good-silent-server',
    description:
      'The server answers nothing (a ban, a firewall): the attempts cannot be judged, which the probe notes instead of reporting.',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [] });
      return {
        policy: { endpoints: [sip('udp', host, f.ports.udp!)] },
        fakes: [f],
        monitor: verification(new FakeMonitor(f, { record: () => [] }), 1000),
      };
    },
    verify({ notes }) {
      assert.match(notes.join('\n'), /3 of 3 attempts got no answer .*: not judged/);
    },
  },

  // PRB-RATE-001: rate limiting.
  {
    check: 'PRB-RATE-001',
    name: 'bad-never-cut-off',
    description: 'Every one of a burst of 10 failing REGISTERs is answered (401).',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, rules: [REJECT_REGISTER] });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)], probe: { burst: 10 } }, fakes: [f] };
    },
    verify({ findings, fakes }) {
      assert.equal(findings.length, 1);
      assert.match(findings[0]!.message, /^all 10 failing REGISTERs sent at \d+\/s were answered/);
      assert.equal(fakes[0]!.requests('REGISTER').length, 10);
    },
  },
  {
    check: 'PRB-RATE-001',
    name: 'good-cut-off',
    description: 'The server stops answering the probe after its 5th request (like pike plus a ban).',
    async setup({ host }) {
      const f = await FakeSip.start({ host, udp: true, silentAfter: 5, rules: [REJECT_REGISTER] });
      return { policy: { endpoints: [sip('udp', host, f.ports.udp!)], probe: { burst: 10 } }, fakes: [f] };
    },
    verify({ notes }) {
      assert.ok(
        notes.some((n) => /^cut off after 6 of 10 requests \(5 answered\): rate limiting works$/.test(n)),
        notes.join('; '),
      );
    },
  },
];
