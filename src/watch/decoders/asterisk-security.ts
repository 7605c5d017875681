import { defineDecoder, events, fileIs, miss } from '../decoder.js';
import { type EventKind, normalizeTransport, parseHostPort } from '../event.js';
import { parseEventTv } from '../time.js';

/**
 * Asterisk's security log (res_security_log): `SecurityEvent="...",EventTV="...",...`.
 * Works with both logger prefixes and inside syslog or the JSON log format.
 */

const KIND: Record<string, EventKind> = {
  FailedACL: 'acl-reject',
  InvalidAccountID: 'unknown-account',
  SessionLimit: 'request',
  MemoryLimit: 'request',
  LoadAverageLimit: 'request',
  RequestNotSupported: 'request',
  RequestNotAllowed: 'request',
  AuthMethodNotAllowed: 'request',
  RequestBadFormat: 'request',
  SuccessfulAuth: 'auth-success',
  UnexpectedAddress: 'request',
  ChallengeResponseFailed: 'auth-failure',
  InvalidPassword: 'auth-failure',
  ChallengeSent: 'auth-challenge',
  InvalidTransport: 'request',
};

// Values are attacker-controlled from AccountID on; the server writes the fields before it.
const HEAD =
  /^SecurityEvent="([A-Za-z]+)",EventTV="([^"]*)",Severity="[^"]*",Service="([A-Za-z0-9_-]*)",EventVersion="[^"]*",AccountID="([^"]*)"/;
const TYPE = /SecurityEvent="([A-Za-z]+)"/;
const TV = /,EventTV="([^"]*)"/;
const SERVICE = /,Service="([A-Za-z0-9_-]*)"/;
const ACCOUNT = /,AccountID="([^"]*)"/;
const REQTYPE = /,RequestType="([A-Za-z]{1,32})"/;
const ADDRESS = /,(Local|Remote)Address="IPV([46])\/([A-Za-z]+)\/([0-9A-Fa-f:.]+)\/(\d{1,5})"/g;

export default defineDecoder({
  id: 'asterisk-security',
  title: 'Asterisk security log (res_security_log), every event type',
  pbx: 'asterisk',
  family: 'asterisk',
  files: ['res_security_log.c'],
  markers: ['SecurityEvent="'],
  sourceField: 'RemoteAddress="IPV4|IPV6/<transport>/<address>/<port>" (written from the socket)',
  decode(_line, h) {
    const body = h.asterisk();
    if (!body || !fileIs(body, 'res_security_log.c') || !body.message.startsWith('SecurityEvent="'))
      return undefined;
    const rest = body.message;
    const head = HEAD.exec(rest);
    const typeM = head ?? TYPE.exec(rest);
    if (!typeM) return miss('security event without a SecurityEvent type');
    const type = typeM[1]!;
    const tvText = head ? head[2] : TV.exec(rest)?.[1];
    const time = (tvText && parseEventTv(tvText)) || h.time();
    const service = head ? head[3] : SERVICE.exec(rest)?.[1];
    let kind: EventKind = KIND[type] ?? 'request';
    if (service === 'AMI' && kind === 'auth-failure') kind = 'ami-auth-failure';
    const remote: RegExpExecArray[] = [];
    const local: RegExpExecArray[] = [];
    ADDRESS.lastIndex = 0;
    for (let m = ADDRESS.exec(rest); m; m = ADDRESS.exec(rest)) (m[1] === 'Remote' ? remote : local).push(m);
    if (remote.length === 0)
      return miss(`${type}: no RemoteAddress="IPV4|IPV6/<transport>/<addr>/<port>" field`);
    const account = head ? head[4] : ACCOUNT.exec(rest)?.[1];
    const method = rest.includes(',RequestType="') ? REQTYPE.exec(rest)?.[1] : undefined;
    const ev = h.event({
      kind,
      time,
      reason: type,
      ...(service ? { service } : {}),
      ...(account && account !== '<unknown>' ? { account } : {}),
      ...(method ? { sip: { method: method.toUpperCase() } } : {}),
    });
    const toEndpoint = (m: RegExpExecArray) => {
      const e = parseHostPort(m[4]!, normalizeTransport(m[3]));
      if (e) e.port = Number(m[5]);
      return e && e.port! <= 65535 ? e : undefined;
    };
    if (remote.length > 1) {
      ev.sourceIssue = `${remote.length} RemoteAddress fields in one line (log injection attempt?); source not trusted`;
    } else {
      const src = toEndpoint(remote[0]!);
      if (src) ev.source = src;
      else ev.sourceIssue = `RemoteAddress ${remote[0]![4]} is not an IP address`;
    }
    if (local.length === 1) {
      const l = toEndpoint(local[0]!);
      if (l) ev.local = l;
    }
    return events(ev);
  },
  examples: [
    {
      line: '[2015-05-24 08:42:16] SECURITY[4583] res_security_log.c: SecurityEvent="ChallengeResponseFailed",EventTV="2015-05-24T08:42:16.296+0300",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="<unknown>",SessionID="5a1c7e3b",LocalAddress="IPV4/UDP/1.2.3.4/5060",RemoteAddress="IPV4/UDP/10.250.251.252/5060",Challenge="1432445936/a8f8b5c0",Response="0e6d2b",ExpectedResponse=""',
      expect: { kind: 'auth-failure', source: '10.250.251.252:5060/udp', service: 'PJSIP' },
    },
    {
      line: '[Dec 21 12:56:59] SECURITY[77]: res_security_log.c:114 security_event_stasis_cb: SecurityEvent="InvalidAccountID",EventTV="2025-12-21T12:56:59.123+0000",Severity="Error",Service="PJSIP",EventVersion="1",AccountID="admin",SessionID="abc@host",LocalAddress="IPV6/WSS/2001:db8::10/8089",RemoteAddress="IPV6/WSS/2001:db8:1::99/51234"',
      expect: { kind: 'unknown-account', source: '[2001:db8:1::99]:51234/wss', account: 'admin' },
    },
    {
      line: '[2026-01-05 10:00:00] SECURITY[12] res_security_log.c: SecurityEvent="ChallengeSent",EventTV="2026-01-05T10:00:00.001+0000",Severity="Informational",Service="PJSIP",EventVersion="1",AccountID="101",SessionID="x",LocalAddress="IPV4/TLS/192.0.2.1/5061",RemoteAddress="IPV4/TLS/198.51.100.7/40001",Challenge="1b2c"',
      expect: { kind: 'auth-challenge', source: '198.51.100.7:40001/tls', account: '101' },
    },
  ],
});
