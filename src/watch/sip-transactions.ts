import type { Policy } from '../policy/schema.js';
import { parseAuthParams, parseChallenge } from '../sip/digest.js';
import { StreamFramer } from '../sip/framer.js';
import type { SipMessage } from '../sip/message.js';
import { parse } from '../sip/parser.js';
import { analyzeSdp } from '../sip/sdp.js';
import { redactAuth } from '../sip/serialize.js';
import { isSipUri, isTelUri, type Uri } from '../sip/uri.js';
import {
  boundedRaw,
  type EventKind,
  type MediaProtection,
  type NetEndpoint,
  normalizeTransport,
  type SecurityEvent,
  type Transport,
} from './event.js';
import type { SipCapture, SipDecodeResult, SipTransactionDecoder } from './sip.js';
import { PbxSide } from './sip-side.js';
import { LruMap } from './state.js';

/**
 * The SIP transaction decoder: follows requests and their responses (Call-ID + CSeq + top Via
 * branch) as seen over HEP or in a pcap, and turns each transaction the PBX answered into one
 * SecurityEvent:
 *
 * | request        | answer                               | event                                  |
 * |----------------|--------------------------------------|----------------------------------------|
 * | any            | 401/407, no credentials (or stale)   | auth-challenge (a normal digest step)  |
 * | any            | 401/407 to credentials, not stale    | auth-failure (the PBX re-challenged)   |
 * | REGISTER       | 403 to credentials                   | auth-failure                           |
 * | REGISTER       | 404/604                              | unknown-account                        |
 * | REGISTER       | 2xx to credentials, adding a binding | registration (contact, UA, transport)  |
 * | REGISTER       | 2xx without credentials              | request (an open registrar proves nothing) |
 * | INVITE         | 2xx                                  | call-attempt (answered) + media-negotiated |
 * | INVITE         | 403/404/410/484/485/604              | call-rejected                          |
 * | BYE            | (request itself, known dialog)       | call-ended                             |
 * | OPTIONS, ...   | 404/604                              | unknown-account                        |
 * | anything else  | other answers, or none within 32 s   | request                                |
 *
 * Account: the digest username when the request carries credentials, else the To user
 * (REGISTER), the From user (INVITE) or the Request-URI user (others). The source is the
 * capture's source address of the request (HEP chunks / IP header) and nothing else; a response
 * counts only when it travels from the PBX side of the transaction back to that source. The
 * transport is the capture's (UDP/TCP/SCTP), refined within TCP to TLS/WS/WSS by the policy
 * endpoint the request reached, or else by the top Via (it can only name the transport, never
 * the address). State is bounded: at most `maxTransactions` transactions (the oldest are
 * expired early, as unanswered requests), each with at most ~3 KiB of evidence text until it is
 * answered, and `maxDialogs` answered calls.
 */

export interface SipTrackerOptions {
  policy?: Policy;
  /** `--pbx-address` values (IP, IP:PORT, [IPv6]:PORT). */
  pbxAddresses?: string[];
  /** PBX name stamped on events. */
  pbx?: string;
  /** Transactions kept, open or just answered (default 10,000). */
  maxTransactions?: number;
  /** Answered calls remembered for BYE (default 20,000). */
  maxDialogs?: number;
  /** A request with no final answer after this long is reported as unanswered (default 32 s, RFC 3261 timer F/B). */
  timeoutMs?: number;
  /** An INVITE that got a provisional answer may ring this long (default 180 s). */
  inviteTimeoutMs?: number;
}

export interface SipTrackerStats {
  messages: number;
  requests: number;
  responses: number;
  malformed: number;
  /** Recognised and deliberately without an event (ACK, provisional, outbound, retransmission...). */
  ignored: number;
  /** Responses whose addresses do not match their transaction (forged or misrouted). */
  mismatched: number;
  /** Requests reported as unanswered (timeout or state full). */
  unanswered: number;
  open: number;
}

interface Tx {
  start: number;
  method: string;
  remote: NetEndpoint;
  local: NetEndpoint;
  account?: string;
  creds: boolean;
  userAgent?: string;
  contact?: string;
  expires?: number;
  destination?: string;
  callId?: string;
  offer?: string;
  raw: string;
  origin: string;
  format: string;
  done: boolean;
}

interface Dialog {
  account?: string;
  source: NetEndpoint;
  local: NetEndpoint;
  destination?: string;
  userAgent?: string;
}

/**
 * Transactions by key, oldest first. A Map alone would do, but V8 makes iterating a Map from
 * its front cost O(entries deleted so far) until it rehashes: with steady insertions at the back
 * and deletions at the front that is quadratic. A FIFO of (key, tx, start) beside the Map keeps
 * "the oldest" O(1); entries whose tx moved or was removed are skipped when they reach the head.
 */
class TxTable {
  private readonly map = new Map<string, Tx>();
  private q: { key: string; tx: Tx; at: number }[] = [];
  private head = 0;

  get size(): number {
    return this.map.size;
  }
  get(key: string): Tx | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, tx: Tx): void {
    this.map.set(key, tx);
    this.q.push({ key, tx, at: tx.start });
  }
  delete(key: string): void {
    this.map.delete(key);
  }
  /** The oldest live entry (stale queue entries are dropped on the way). */
  oldest(): { key: string; tx: Tx } | undefined {
    while (this.head < this.q.length) {
      const e = this.q[this.head]!;
      if (this.map.get(e.key) === e.tx && e.tx.start === e.at) return e;
      this.shift();
    }
    return undefined;
  }
  /** Removes and returns the oldest live entry. */
  pop(): Tx | undefined {
    const e = this.oldest();
    if (!e) return undefined;
    this.map.delete(e.key);
    this.shift();
    return e.tx;
  }
  private shift(): void {
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.q.length) {
      this.q = this.q.slice(this.head);
      this.head = 0;
    }
  }
}

const DECODER = 'sip-transaction';
const CALL_REJECTED = new Set([403, 404, 410, 484, 485, 604]);
const EVIDENCE_HEADERS = [
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'contact',
  'user-agent',
  'authorization',
  'proxy-authorization',
  'expires',
];
const MAX_TEXT = 200;

const clip = (s: string | undefined, n = MAX_TEXT): string | undefined =>
  s === undefined ? undefined : s.length > n ? s.slice(0, n) : s;

/** User part of a SIP URI or the number of a tel URI. */
function userOf(u: Uri | undefined): string | undefined {
  if (isSipUri(u)) return u.user ? clip(u.user, 128) : undefined;
  if (isTelUri(u)) return clip(u.number, 128);
  return undefined;
}

/** Whether the request carries credentials, and the digest username they name. */
function credentialsOf(m: SipMessage): { creds: boolean; user?: string } {
  for (const h of m.headers) {
    if (h.name !== 'authorization' && h.name !== 'proxy-authorization') continue;
    const v = h.value;
    const sp = v.search(/\s/);
    const params = sp > 0 ? parseAuthParams(v.slice(sp + 1)) : {};
    const user = params['username'];
    return user ? { creds: true, user: clip(user, 128)! } : { creds: true };
  }
  return { creds: false };
}

/** Seconds a REGISTER asks for, or undefined when it adds no binding (`*`, expires=0, no Contact). */
function registerExpires(m: SipMessage): number | undefined {
  const contacts = m.contacts();
  if (contacts === '*' || contacts.length === 0) return undefined;
  const header = m.get('expires');
  const dflt = header !== undefined && /^\d{1,10}$/.test(header.trim()) ? Number(header.trim()) : 3600;
  let best: number | undefined;
  for (const c of contacts) {
    const p = c.params['expires'];
    const e = typeof p === 'string' && /^\d{1,10}$/.test(p) ? Number(p) : dflt;
    if (e > 0) best = Math.max(best ?? 0, e);
  }
  return best;
}

function isSdp(m: SipMessage): boolean {
  if (m.bodyLength === 0) return false;
  const ct = m.get('content-type');
  return ct === undefined
    ? m.body.subarray(0, 4).toString('latin1') === 'v=0\r'
    : /application\/sdp/i.test(ct);
}

/** How the media of an SDP (answer, else offer) is protected. */
export function mediaProtection(sdp: string): { protection: MediaProtection; protocols: string } | undefined {
  const s = analyzeSdp(sdp);
  if (!s.ok) return undefined;
  const active = s.media.filter((m) => m.port !== 0 && /^(audio|video)$/.test(m.type));
  if (active.length === 0) return undefined;
  const protocols = [...new Set(active.map((m) => m.protocol))].join(', ');
  let protection: MediaProtection;
  if (active.some((m) => m.plain)) protection = /^a=zrtp-hash:/m.test(sdp) ? 'zrtp' : 'none';
  else if (active.every((m) => m.keying === 'dtls')) protection = 'dtls-srtp';
  else if (active.every((m) => m.keying === 'sdes')) protection = 'sdes-srtp';
  else protection = 'unknown';
  return { protection, protocols };
}

function headLines(m: SipMessage): string {
  const start =
    m.kind === 'request' ? `${m.method} ${m.uri} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
  const out = [clip(start, 300)!];
  for (const name of EVIDENCE_HEADERS) {
    for (const h of m.headers) {
      if (h.name !== name) continue;
      const v = name === 'authorization' || name === 'proxy-authorization' ? redactAuth(h.value) : h.value;
      out.push(`${h.raw}: ${clip(v, 300)}`);
      if (name === 'via') break; // the top Via is enough
    }
  }
  return out.join('\n');
}

function txKey(m: SipMessage): string | undefined {
  const callId = m.callId();
  const cseq = m.cseq();
  if (callId === undefined || cseq === undefined) return undefined;
  const branch = m.topVia()?.branch ?? '';
  return `${callId}\u0000${cseq.seq}\u0000${cseq.method}\u0000${branch}`;
}

/** The one SIP message, or the messages a stream payload holds (TCP captures may carry several). */
function messagesOf(cap: SipCapture): { messages: SipMessage[]; malformed: string | undefined } {
  const t = cap.src.transport;
  if (t === 'tcp' || t === 'tls' || t === 'ws' || t === 'wss') {
    const f = new StreamFramer();
    const evs = f.push(cap.payload);
    const msgs = evs.flatMap((e) => (e.type === 'message' ? [e.message] : []));
    if (msgs.length > 0 && f.pending === 0 && !evs.some((e) => e.type === 'error'))
      return { messages: msgs, malformed: undefined };
  }
  const r = parse(cap.payload);
  return r.ok
    ? { messages: [r.message], malformed: undefined }
    : { messages: [], malformed: `malformed SIP (${r.error.code})` }; // a metric label: no offsets
}

export class SipTransactionTracker implements SipTransactionDecoder {
  readonly available = true;
  readonly side: PbxSide;
  readonly stats: SipTrackerStats = {
    messages: 0,
    requests: 0,
    responses: 0,
    malformed: 0,
    ignored: 0,
    mismatched: 0,
    unanswered: 0,
    open: 0,
  };
  /** Transactions in request order (non-INVITE, and INVITE until its first provisional). */
  private readonly txs = new TxTable();
  /** INVITE transactions that are ringing, in order of their first provisional answer. */
  private readonly ringing = new TxTable();
  private readonly dialogs: LruMap<string, Dialog>;
  private readonly maxTx: number;
  private readonly timeout: number;
  private readonly inviteTimeout: number;
  private pending: SecurityEvent[] = [];
  private newest = 0;

  constructor(private readonly o: SipTrackerOptions = {}) {
    this.side = PbxSide.from(o);
    this.maxTx = o.maxTransactions ?? 10_000;
    this.dialogs = new LruMap(o.maxDialogs ?? 20_000);
    this.timeout = o.timeoutMs ?? 32_000;
    this.inviteTimeout = o.inviteTimeoutMs ?? 180_000;
  }

  /** Event time of the newest capture seen. */
  get newestTime(): number {
    return this.newest;
  }

  decode(cap: SipCapture): SipDecodeResult {
    if (cap.time > this.newest) this.newest = cap.time;
    this.expireInto(cap.time, this.pending);
    const { messages, malformed } = messagesOf(cap);
    this.stats.messages += Math.max(1, messages.length);
    if (malformed) {
      this.stats.malformed++;
      return { undecoded: malformed };
    }
    const out = this.pending;
    this.pending = [];
    for (const m of messages) {
      if (m.kind === 'request') this.request(m, cap, out);
      else this.response(m, cap, out);
    }
    this.stats.open = this.txs.size + this.ringing.size;
    return { events: out };
  }

  /** Reports transactions still unanswered at event time `now` (and anything pending). */
  expire(now: number): SecurityEvent[] {
    const out = this.pending;
    this.pending = [];
    this.expireInto(now, out);
    this.stats.open = this.txs.size + this.ringing.size;
    return out;
  }

  /** Reports every open transaction as unanswered (end of a pcap, shutdown). */
  flush(): SecurityEvent[] {
    return this.expire(Number.MAX_SAFE_INTEGER);
  }

  private expireInto(now: number, out: SecurityEvent[]): void {
    for (let e = this.txs.oldest(); e && now - e.tx.start >= this.timeout; e = this.txs.oldest()) {
      this.txs.pop();
      if (!e.tx.done)
        this.unanswered(e.tx, `no final answer within ${Math.round(this.timeout / 1000)} s`, out);
    }
    for (
      let e = this.ringing.oldest();
      e && now - e.tx.start >= this.inviteTimeout;
      e = this.ringing.oldest()
    ) {
      this.ringing.pop();
      if (!e.tx.done)
        this.unanswered(e.tx, `no final answer within ${Math.round(this.inviteTimeout / 1000)} s`, out);
    }
  }

  private unanswered(tx: Tx, reason: string, out: SecurityEvent[]): void {
    this.stats.unanswered++;
    out.push(this.event(tx, 'request', tx.start, undefined, reason));
  }

  private request(m: SipMessage, cap: SipCapture, out: SecurityEvent[]): void {
    this.stats.requests++;
    const method = m.method;
    if (method === 'ACK' || method === 'CANCEL') {
      this.stats.ignored++;
      return;
    }
    const callId = m.callId();
    if (method === 'BYE') {
      const d = callId !== undefined ? this.dialogs.peek(callId) : undefined;
      if (!d || callId === undefined) {
        this.stats.ignored++;
        return;
      }
      this.dialogs.delete(callId);
      out.push(
        this.build({
          kind: 'call-ended',
          time: cap.time,
          source: d.source,
          local: d.local,
          account: d.account,
          destination: d.destination,
          userAgent: d.userAgent,
          sip: { method, callId },
          reason: 'call ended (BYE)',
          raw: headLines(m),
          origin: cap.origin,
          format: cap.format ?? 'hep-sip',
        }),
      );
      return;
    }
    // In-dialog requests (re-INVITE, INFO, UPDATE, NOTIFY in a subscription) are not new attempts.
    if (m.to()?.tag !== undefined) {
      this.stats.ignored++;
      return;
    }
    const dir = this.side.request(cap.src, cap.dst, cap.agent);
    if (dir !== 'inbound') {
      this.stats.ignored++;
      return;
    }
    const local: NetEndpoint = { ...cap.dst };
    const transport = this.transportOf(m, cap, local);
    const remote: NetEndpoint = { ip: cap.src.ip };
    if (cap.src.port !== undefined) remote.port = cap.src.port;
    if (transport) {
      remote.transport = transport;
      local.transport = transport;
    }
    const cred = credentialsOf(m);
    const tx: Tx = {
      start: cap.time,
      method,
      remote,
      local,
      creds: cred.creds,
      raw: headLines(m),
      origin: cap.origin,
      format: cap.format ?? 'hep-sip',
      done: false,
    };
    const named =
      method === 'REGISTER'
        ? userOf(m.to()?.uri)
        : method === 'INVITE'
          ? userOf(m.from()?.uri)
          : (userOf(m.requestUri()) ?? userOf(m.to()?.uri));
    const account = cred.user ?? named;
    if (account !== undefined) tx.account = account;
    const ua = clip(m.get('user-agent'));
    if (ua) tx.userAgent = ua;
    if (callId !== undefined) tx.callId = clip(callId, 256)!;
    if (method === 'REGISTER') {
      const c = m.contacts();
      if (c !== '*' && c[0]) tx.contact = clip(c[0].uriText, 256)!;
      const e = registerExpires(m);
      if (e !== undefined) tx.expires = e;
    }
    if (method === 'INVITE') {
      const dest = userOf(m.requestUri()) ?? userOf(m.to()?.uri);
      if (dest !== undefined) tx.destination = dest;
      if (isSdp(m)) tx.offer = m.bodyText().slice(0, 16_384);
    }
    const key = txKey(m);
    if (key === undefined) {
      // No Call-ID or CSeq: nothing can answer it as a transaction; count the request itself.
      out.push(this.event(tx, 'request', cap.time, undefined, 'request without Call-ID or CSeq'));
      return;
    }
    if (this.txs.has(key) || this.ringing.has(key)) {
      this.stats.ignored++; // retransmission
      return;
    }
    this.txs.set(key, tx);
    while (this.txs.size + this.ringing.size > this.maxTx) {
      const t = (this.txs.size > 0 ? this.txs : this.ringing).pop();
      if (!t) break;
      if (!t.done) this.unanswered(t, 'still unanswered when the transaction table was full', out);
    }
  }

  private transportOf(m: SipMessage, cap: SipCapture, local: NetEndpoint): Transport | undefined {
    const base = cap.src.transport;
    if (base !== undefined && base !== 'tcp') return base;
    const declared = this.side.transportOf(local);
    if (declared && declared !== 'udp') return declared;
    const via = normalizeTransport(m.topVia()?.transport);
    if (via === 'tls' || via === 'ws' || via === 'wss') return via;
    return base ?? via;
  }

  private response(m: SipMessage, cap: SipCapture, out: SecurityEvent[]): void {
    this.stats.responses++;
    const key = txKey(m);
    if (key === undefined) {
      this.stats.ignored++;
      return;
    }
    let tx = this.txs.get(key);
    let ringing = false;
    if (!tx) {
      tx = this.ringing.get(key);
      ringing = tx !== undefined;
    }
    if (!tx || tx.done) {
      this.stats.ignored++; // an answer to a request we did not see, or a retransmission
      return;
    }
    // Only the PBX answering the requester counts: a "response" sent by anyone else (e.g. the
    // requester forging a 200 OK for its own transaction) never decides anything.
    if (cap.src.ip !== tx.local.ip || cap.dst.ip !== tx.remote.ip) {
      this.stats.mismatched++;
      return;
    }
    const code = m.status;
    if (code < 200) {
      this.stats.ignored++;
      if (tx.method === 'INVITE' && code > 100 && !ringing) {
        this.txs.delete(key);
        tx.start = cap.time;
        this.ringing.set(key, tx);
      }
      return;
    }
    tx.done = true;
    if (ringing) {
      // keep a done marker in request order to swallow retransmitted final answers
      this.ringing.delete(key);
      tx.start = cap.time;
      this.txs.set(key, tx);
    }
    this.outcome(tx, m, cap, out);
    // the done marker only swallows retransmissions: drop what it no longer needs
    tx.raw = '';
    delete tx.offer;
  }

  private outcome(tx: Tx, m: SipMessage, cap: SipCapture, out: SecurityEvent[]): void {
    const code = m.status;
    const status = `${code} ${clip(m.reason, 80)}`;
    const t = cap.time;
    const ev = (kind: EventKind, reason: string) => this.event(tx, kind, t, m, reason);
    if (code === 401 || code === 407) {
      const ch = m.get(code === 401 ? 'www-authenticate' : 'proxy-authenticate');
      const stale = ch !== undefined && parseChallenge(ch)?.stale === true;
      if (tx.creds && !stale) out.push(ev('auth-failure', `credentials rejected: new challenge (${status})`));
      else out.push(ev('auth-challenge', stale ? `stale nonce: new challenge (${status})` : status));
      return;
    }
    if (tx.method === 'REGISTER') {
      if (code >= 200 && code < 300) {
        // Without credentials a 200 proves nothing about the sender (open registrar, IP trust):
        // it must never count as a successful authentication that spares a source from bans.
        if (!tx.creds)
          out.push(ev('request', `accepted without credentials (${status}): not counted as authentication`));
        else if (tx.expires !== undefined)
          out.push(ev('registration', `registered for ${tx.expires} s (${status})`));
        else out.push(ev('auth-success', `bindings removed or queried (${status})`));
      } else if (code === 403 && tx.creds) out.push(ev('auth-failure', `credentials rejected (${status})`));
      else if (code === 404 || code === 604) out.push(ev('unknown-account', status));
      else out.push(ev('request', status));
      return;
    }
    if (tx.method === 'INVITE') {
      if (code >= 200 && code < 300) {
        out.push(ev('call-attempt', `answered (${status})`));
        if (tx.callId !== undefined) {
          const d: Dialog = { source: tx.remote, local: tx.local };
          if (tx.account !== undefined) d.account = tx.account;
          if (tx.destination !== undefined) d.destination = tx.destination;
          if (tx.userAgent !== undefined) d.userAgent = tx.userAgent;
          this.dialogs.set(tx.callId, d);
        }
        const answer = isSdp(m) ? m.bodyText().slice(0, 16_384) : undefined;
        const media = mediaProtection(answer ?? tx.offer ?? '');
        if (media) {
          const me = this.event(
            tx,
            'media-negotiated',
            t,
            m,
            `${media.protocols} (${answer ? 'answer' : 'offer'})`,
          );
          me.media = { protection: media.protection };
          out.push(me);
        }
      } else if (CALL_REJECTED.has(code)) out.push(ev('call-rejected', status));
      else out.push(ev('request', `call failed (${status})`));
      return;
    }
    if (code >= 200 && code < 300) out.push(ev(tx.creds ? 'auth-success' : 'request', status));
    else if (code === 404 || code === 604) out.push(ev('unknown-account', status));
    else out.push(ev('request', status));
  }

  private event(
    tx: Tx,
    kind: EventKind,
    time: number,
    resp: SipMessage | undefined,
    reason: string,
  ): SecurityEvent {
    const sip: NonNullable<SecurityEvent['sip']> = { method: tx.method };
    if (resp) sip.code = resp.status;
    if (tx.callId !== undefined) sip.callId = tx.callId;
    return this.build({
      kind,
      time,
      source: tx.remote,
      local: tx.local,
      account: tx.account,
      destination: tx.method === 'INVITE' ? tx.destination : undefined,
      userAgent: tx.userAgent,
      contact: kind === 'registration' ? tx.contact : undefined,
      sip,
      reason,
      raw: resp ? `${tx.raw}\n--> ${resp.version} ${resp.status} ${clip(resp.reason, 80)}` : tx.raw,
      origin: tx.origin,
      format: tx.format,
    });
  }

  private build(e: {
    kind: EventKind;
    time: number;
    source: NetEndpoint;
    local: NetEndpoint;
    account: string | undefined;
    destination: string | undefined;
    userAgent: string | undefined;
    contact?: string | undefined;
    sip: NonNullable<SecurityEvent['sip']>;
    reason: string;
    raw: string;
    origin: string;
    format: string;
  }): SecurityEvent {
    const ev: SecurityEvent = {
      kind: e.kind,
      time: e.time,
      source: { ...e.source },
      local: { ...e.local },
      service: 'SIP',
      sip: e.sip,
      reason: e.reason,
      evidence: { raw: boundedRaw(e.raw), format: e.format, decoder: DECODER, origin: e.origin },
    };
    if (e.account !== undefined) ev.account = e.account;
    if (e.destination !== undefined) ev.destination = e.destination;
    if (e.userAgent !== undefined) ev.userAgent = e.userAgent;
    if (e.contact !== undefined) ev.contact = e.contact;
    if (this.o.pbx) ev.pbx = this.o.pbx;
    return ev;
  }
}
