import { parseCSeq, parseNameAddr, parseVia } from './fields.js';
import type { SipMessage } from './message.js';
import { parseUri } from './uri.js';

/** A problem in a message that parsed: missing mandatory headers, mismatches, bad values. */
export interface SipProblem {
  level: 'error' | 'warning';
  code: string;
  message: string;
  /** Byte offset of the header line concerned, when there is one. */
  offset?: number;
}

const REQUEST_MANDATORY = ['via', 'from', 'to', 'call-id', 'cseq', 'max-forwards'];
const RESPONSE_MANDATORY = ['via', 'from', 'to', 'call-id', 'cseq'];
const SINGLE = ['from', 'to', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type'];

/** Checks the rules of RFC 3261 8.1.1 and 20 that a receiver enforces. */
export function checkMessage(m: SipMessage): SipProblem[] {
  const out: SipProblem[] = [];
  const line = (name: string) => m.lines(name)[0]?.offset;
  const add = (level: SipProblem['level'], code: string, message: string, offset?: number) =>
    out.push(
      offset === undefined || offset < 0 ? { level, code, message } : { level, code, message, offset },
    );

  for (const h of m.kind === 'request' ? REQUEST_MANDATORY : RESPONSE_MANDATORY)
    if (!m.has(h)) add('error', 'missing-header', `mandatory header ${h} is missing`);
  for (const h of SINGLE) {
    const lines = m.lines(h);
    if (lines.length > 1)
      add('error', 'repeated-header', `${h} appears ${lines.length} times`, lines[1]!.offset);
  }
  if (m.kind === 'request') {
    const r = parseUri(m.uri);
    if (!r.ok) add('error', 'bad-request-uri', `Request-URI: ${r.error.message}`);
    else if (m.method === 'REGISTER' && 'user' in r.uri && r.uri.user !== undefined)
      add(
        'warning',
        'register-uri-user',
        'REGISTER Request-URI should not contain a user part (RFC 3261 10.2)',
      );
  }
  const cseqText = m.get('cseq');
  if (cseqText !== undefined) {
    const c = parseCSeq(cseqText);
    if (!c.ok) add('error', 'bad-cseq', `CSeq: ${c.error.message}`, line('cseq'));
    else if (m.kind === 'request' && c.value.method !== m.method)
      add(
        'error',
        'cseq-method',
        `CSeq method ${c.value.method} does not match the request method ${m.method}`,
        line('cseq'),
      );
  }
  for (const name of ['from', 'to'] as const) {
    const v = m.get(name);
    if (v === undefined) continue;
    const r = parseNameAddr(v);
    if (!r.ok) add('error', `bad-${name}`, `${name}: ${r.error.message}`, line(name));
    else if (r.value.uriError)
      add('error', `bad-${name}`, `${name} URI: ${r.value.uriError.message}`, line(name));
  }
  if (m.kind === 'request' && m.method !== 'ACK' && m.method !== 'CANCEL' && m.from() && !m.from()!.tag)
    add('error', 'from-tag', 'From has no tag (RFC 3261 8.1.1.3)', line('from'));
  m.vias().forEach((v, i) => {
    if (!v.ok) add('error', 'bad-via', `Via #${i + 1}: ${v.error.message}`, line('via'));
    else if (i === 0 && m.kind === 'request' && !v.value.branch?.startsWith('z9hG4bK'))
      add('warning', 'via-branch', 'top Via branch lacks the RFC 3261 magic cookie z9hG4bK', line('via'));
  });
  const contacts = m.getAll('contact');
  if (!(contacts.length === 1 && contacts[0] === '*'))
    for (const c of contacts) {
      const r = parseNameAddr(c);
      if (!r.ok) add('error', 'bad-contact', `Contact: ${r.error.message}`, line('contact'));
      else if (r.value.uriError)
        add('error', 'bad-contact', `Contact URI: ${r.value.uriError.message}`, line('contact'));
    }
  if (m.kind === 'request' && m.method === 'INVITE' && contacts.length === 0)
    add('error', 'missing-contact', 'INVITE without Contact (RFC 3261 8.1.1.8)');
  const mf = m.get('max-forwards');
  if (mf !== undefined && !/^\d{1,3}$/.test(mf))
    add('error', 'bad-max-forwards', 'Max-Forwards is not 0-255', line('max-forwards'));
  if (m.get('content-length') === undefined)
    add('warning', 'no-content-length', 'no Content-Length (mandatory on TCP/TLS/WS)');
  if (m.bodyLength > 0 && !m.has('content-type'))
    add('error', 'missing-content-type', 'a body without Content-Type (RFC 3261 20.15)');
  // Each Via separately (parseVia on joined values) is done above; this guards the top Via's transport.
  const top = m.getAll('via')[0];
  if (top !== undefined) {
    const v = parseVia(top);
    if (v.ok && !['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'WSS', 'TLS-SCTP'].includes(v.value.transport))
      add('warning', 'via-transport', `unknown Via transport ${v.value.transport}`, line('via'));
  }
  return out;
}
