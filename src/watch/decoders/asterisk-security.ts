import { defineDecoder, events, fileIs, miss } from '../decoder.js';
import {
  type EventKind,
  type NetEndpoint,
  normalizeTransport,
  parseHostPort,
  type SecurityEvent,
  type Transport,
} from '../event.js';
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
// HEAD (read by head() below without a regular expression):
// ^SecurityEvent="([A-Za-z]+)",EventTV="([^"]*)",Severity="[^"]*",Service="([A-Za-z0-9_-]*)",
//  EventVersion="[^"]*",AccountID="([^"]*)"
const TYPE = /SecurityEvent="([A-Za-z]+)"/;
const TV = /,EventTV="([^"]*)"/;
const SERVICE = /,Service="([A-Za-z0-9_-]*)"/;
const ACCOUNT = /,AccountID="([^"]*)"/;
const REQTYPE = /,RequestType="([A-Za-z]{1,32})"/;
// Address fields (read by addressFields() below, every occurrence, as this global expression would):
// ,(Local|Remote)Address="IPV([46])\/([A-Za-z]+)\/([0-9A-Fa-f:.]+)\/(\d{1,5})"

/** Reads `"<value>"` starting at i (i at the opening quote's successor): the index of the closing quote. */
const closeQuote = (t: string, i: number) => t.indexOf('"', i);
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnumDash = (c: number) => isAlpha(c) || (c >= 48 && c <= 57) || c === 95 || c === 45;

/** The HEAD fields read by head() (valid when it returns true). */
const hd = { type: '', tv: '', service: '', account: '' };

/** The HEAD fields without a regular expression (same groups as HEAD), into `hd`. */
function head(t: string): boolean {
  // SecurityEvent="([A-Za-z]+)"
  let i = 15;
  let q = closeQuote(t, i);
  if (q <= i) return false;
  for (let k = i; k < q; k++) if (!isAlpha(t.charCodeAt(k))) return false;
  const type = q;
  if (!t.startsWith(',EventTV="', q + 1)) return false;
  const tv0 = q + 11;
  q = closeQuote(t, tv0);
  if (q < 0) return false;
  const tv1 = q;
  if (!t.startsWith(',Severity="', q + 1)) return false;
  q = closeQuote(t, q + 12);
  if (q < 0 || !t.startsWith(',Service="', q + 1)) return false;
  const sv0 = q + 11;
  q = closeQuote(t, sv0);
  if (q < 0) return false;
  for (let k = sv0; k < q; k++) if (!isAlnumDash(t.charCodeAt(k))) return false;
  const sv1 = q;
  if (!t.startsWith(',EventVersion="', q + 1)) return false;
  q = closeQuote(t, q + 16);
  if (q < 0 || !t.startsWith(',AccountID="', q + 1)) return false;
  i = q + 13;
  q = closeQuote(t, i);
  if (q < 0) return false;
  hd.type = t.slice(15, type);
  hd.tv = t.slice(tv0, tv1);
  hd.service = t.slice(sv0, sv1);
  hd.account = t.slice(i, q);
  return true;
}

/** One address field's text positions: transport [ts, te), address [as, ae), port [ps, pe). */
class Field {
  ts = 0;
  te = 0;
  as = 0;
  ae = 0;
  ps = 0;
  pe = 0;
}
/** What addressFields() found: how many of each, and the first of each. */
const af = { remotes: 0, locals: 0, remote: new Field(), local: new Field() };

/** Every `,(Local|Remote)Address="IPV[46]/<transport>/<addr>/<port>"` (as ADDRESS finds them), into `af`. */
function addressFields(t: string): void {
  af.remotes = 0;
  af.locals = 0;
  let from = 0;
  for (;;) {
    const a = t.indexOf('Address="IPV', from);
    if (a < 0) return;
    from = a + 1;
    let remote: boolean;
    if (a >= 7 && t.startsWith(',Remote', a - 7)) remote = true;
    else if (a >= 6 && t.startsWith(',Local', a - 6)) remote = false;
    else continue;
    let i = a + 12;
    const v = t.charCodeAt(i);
    if ((v !== 52 && v !== 54) || t.charCodeAt(i + 1) !== 47) continue;
    i += 2;
    const ts = i;
    while (isAlpha(t.charCodeAt(i))) i++;
    if (i === ts || t.charCodeAt(i) !== 47) continue;
    const te = i++;
    const as = i;
    for (;;) {
      const c = t.charCodeAt(i);
      if ((c >= 48 && c <= 58) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102) || c === 46) i++;
      else break;
    }
    if (i === as || t.charCodeAt(i) !== 47) continue;
    const ae = i++;
    const ps = i;
    while (i - ps < 6 && t.charCodeAt(i) >= 48 && t.charCodeAt(i) <= 57) i++;
    if (i === ps || i - ps > 5 || t.charCodeAt(i) !== 34) continue;
    const first = remote ? af.remotes++ === 0 : af.locals++ === 0;
    if (first) {
      const f = remote ? af.remote : af.local;
      f.ts = ts;
      f.te = te;
      f.as = as;
      f.ae = ae;
      f.ps = ps;
      f.pe = i;
    }
    from = i + 1;
  }
}

/** The transport name at t[s..e) (`UDP` -> udp), without making a string for the usual ones. */
function transportAt(t: string, s: number, e: number): Transport | undefined {
  if (e - s === 3) {
    const a = t.charCodeAt(s) | 32;
    const b = t.charCodeAt(s + 1) | 32;
    const c = t.charCodeAt(s + 2) | 32;
    if (a === 117 && b === 100 && c === 112) return 'udp';
    if (a === 116 && b === 99 && c === 112) return 'tcp';
    if (a === 116 && b === 108 && c === 115) return 'tls';
  }
  return normalizeTransport(t.slice(s, e));
}

function toEndpoint(t: string, f: Field): NetEndpoint | undefined {
  let port = 0;
  for (let i = f.ps; i < f.pe; i++) port = port * 10 + (t.charCodeAt(i) - 48);
  if (port > 65535) return undefined;
  const e = parseHostPort(t.slice(f.as, f.ae), transportAt(t, f.ts, f.te));
  if (e) e.port = port;
  return e;
}

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
    let type: string;
    let tvText: string | undefined;
    let service: string | undefined;
    let account: string | undefined;
    if (head(rest)) {
      type = hd.type;
      tvText = hd.tv;
      service = hd.service;
      account = hd.account;
    } else {
      const typeM = TYPE.exec(rest);
      if (!typeM) return miss('security event without a SecurityEvent type');
      type = typeM[1]!;
      tvText = TV.exec(rest)?.[1];
      service = SERVICE.exec(rest)?.[1];
      account = ACCOUNT.exec(rest)?.[1];
    }
    const time = (tvText && parseEventTv(tvText)) || h.time();
    let kind: EventKind = KIND[type] ?? 'request';
    if (service === 'AMI' && kind === 'auth-failure') kind = 'ami-auth-failure';
    addressFields(rest);
    const remotes = af.remotes;
    if (remotes === 0) return miss(`${type}: no RemoteAddress="IPV4|IPV6/<transport>/<addr>/<port>" field`);
    const method = rest.includes(',RequestType="') ? REQTYPE.exec(rest)?.[1] : undefined;
    const e: Omit<SecurityEvent, 'evidence' | 'time'> & { time: number } = { kind, time, reason: type };
    if (service) e.service = service;
    if (account && account !== '<unknown>') e.account = account;
    if (method) e.sip = { method: method.toUpperCase() };
    const ev = h.event(e);
    if (remotes > 1) {
      ev.sourceIssue = `${remotes} RemoteAddress fields in one line (log injection attempt?); source not trusted`;
    } else {
      const src = toEndpoint(rest, af.remote);
      if (src) ev.source = src;
      else ev.sourceIssue = `RemoteAddress ${rest.slice(af.remote.as, af.remote.ae)} is not an IP address`;
    }
    if (af.locals === 1) {
      const l = toEndpoint(rest, af.local);
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
