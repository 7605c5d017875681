import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { digestAuthorization, parseChallenge } from './digest.js';
import { SipMessage } from './message.js';
import { serialize, serializeText } from './serialize.js';
import type { SipConnection } from './transport/index.js';

/**
 * A small SIP user agent client for probing: builds requests, runs client transactions with the
 * RFC 3261 17.1 timers (UDP retransmission from T1 doubling, capped at T2 for non-INVITE; timer
 * B/F ends the transaction, bounded by the caller's timeout), answers challenges with digest
 * credentials, ACKs non-2xx finals to INVITE, and can CANCEL or hang up what proceeds.
 */

export interface Timers {
  /** RTT estimate, default 500 ms. */
  t1: number;
  /** Maximum non-INVITE retransmit interval, default 4000 ms. */
  t2: number;
}
export const RFC3261_TIMERS: Timers = { t1: 500, t2: 4000 };

export interface Exchange {
  request: SipMessage;
  /** Every response in arrival order (provisional and final). */
  responses: SipMessage[];
  final?: SipMessage;
  /** ms from first send to the first response (any). */
  firstResponseMs?: number;
  /** ms from first send to the final response. */
  finalMs?: number;
  /** How often the request was sent (UDP retransmissions included). */
  sends: number;
  timedOut: boolean;
}

export interface TransactionOptions {
  /** Hard bound on the whole transaction (default 64*T1, timer B/F). */
  timeoutMs?: number;
  timers?: Timers;
  /** INVITE: resolve at the first provisional above 100 instead of waiting for a final. */
  stopAtProvisional?: boolean;
}

export const randomToken = (bytes = 8) => randomBytes(bytes).toString('hex');

export interface DialogIds {
  callId: string;
  fromTag: string;
  cseq: number;
}

export interface ClientOptions {
  /** From identity user part (default: a random token, so nothing of ours is enumerable). */
  fromUser?: string;
  /** Domain used in From/To (default: the target host). */
  domain?: string;
  userAgent?: string;
  timers?: Timers;
}

export class SipClient {
  readonly conn: SipConnection;
  private readonly o: Required<Omit<ClientOptions, 'fromUser' | 'domain'>> & ClientOptions;
  private readonly domain: string;

  constructor(conn: SipConnection, o: ClientOptions = {}) {
    this.conn = conn;
    this.o = { userAgent: 'hardline-probe', timers: RFC3261_TIMERS, ...o };
    this.domain = o.domain ?? hostText(conn.endpoint.host);
  }

  get transportToken(): string {
    return this.conn.endpoint.transport.toUpperCase();
  }

  private viaHost(): string {
    const a = this.conn.local.address;
    if (this.conn.endpoint.transport === 'ws' || this.conn.endpoint.transport === 'wss')
      return `${randomToken(6)}.invalid`;
    return isIPv6(a) ? `[${a}]` : a;
  }

  /** A new request with the mandatory headers (RFC 3261 8.1.1). */
  build(
    method: string,
    ruri: string,
    opts: {
      to?: string;
      from?: string;
      ids?: Partial<DialogIds>;
      headers?: [string, string][];
      body?: string;
      contentType?: string;
    } = {},
  ): SipMessage {
    const branch = `z9hG4bK${randomToken(10)}`;
    const fromUser = this.o.fromUser ?? `hl${randomToken(4)}`;
    const from = opts.from ?? `<sip:${fromUser}@${this.domain}>`;
    const port =
      this.conn.endpoint.transport === 'ws' || this.conn.endpoint.transport === 'wss'
        ? ''
        : `:${this.conn.local.port}`;
    const headers: [string, string][] = [
      ['Via', `SIP/2.0/${this.transportToken} ${this.viaHost()}${port};branch=${branch};rport`],
      ['Max-Forwards', '70'],
      ['From', `${from};tag=${opts.ids?.fromTag ?? randomToken(6)}`],
      ['To', opts.to ?? `<${ruri}>`],
      ['Call-ID', opts.ids?.callId ?? `${randomToken(12)}@hardline`],
      ['CSeq', `${opts.ids?.cseq ?? 1} ${method}`],
      ['Contact', `<sip:${fromUser}@${this.viaHost()}${port};transport=${this.conn.endpoint.transport}>`],
      ['User-Agent', this.o.userAgent],
      ...(opts.headers ?? []),
    ];
    if (opts.body !== undefined) headers.push(['Content-Type', opts.contentType ?? 'application/sdp']);
    headers.push(['Content-Length', '0']);
    return SipMessage.request(method, ruri, headers, opts.body);
  }

  /** Runs one client transaction. Never rejects: a silent server gives `timedOut`. */
  transaction(req: SipMessage, o: TransactionOptions = {}): Promise<Exchange> {
    const timers = o.timers ?? this.o.timers;
    const limit = Math.min(o.timeoutMs ?? 64 * timers.t1, 64 * timers.t1);
    const branch = req.topVia()?.branch;
    const method = req.method;
    const isInvite = method === 'INVITE';
    const data = serialize(req);
    const ex: Exchange = { request: req, responses: [], sends: 0, timedOut: false };
    const t0 = performance.now();
    return new Promise<Exchange>((resolve) => {
      let retransmit: NodeJS.Timeout | undefined;
      let interval = timers.t1;
      let proceeding = false;
      const finish = () => {
        clearTimeout(retransmit);
        clearTimeout(deadline);
        off();
        resolve(ex);
      };
      const deadline = setTimeout(() => {
        ex.timedOut = !ex.final;
        finish();
      }, limit);
      const send = () => {
        ex.sends++;
        this.conn.send(data);
      };
      const schedule = () => {
        if (this.conn.reliable) return;
        retransmit = setTimeout(() => {
          send();
          // Timer A doubles without cap; timer E doubles up to T2, and stays at T2 once proceeding.
          interval = isInvite ? interval * 2 : proceeding ? timers.t2 : Math.min(interval * 2, timers.t2);
          schedule();
        }, interval);
      };
      const off = this.conn.onMessage((m) => {
        if (m.kind !== 'response') return;
        if (m.topVia()?.branch !== branch || m.cseq()?.method !== method) return;
        const now = performance.now() - t0;
        ex.responses.push(m);
        ex.firstResponseMs ??= Math.round(now);
        if (m.status < 200) {
          proceeding = true;
          // INVITE: a provisional stops retransmission (17.1.1.2); non-INVITE goes on at T2.
          if (isInvite) clearTimeout(retransmit);
          else if (!this.conn.reliable) {
            clearTimeout(retransmit);
            interval = timers.t2;
            schedule();
          }
          if (o.stopAtProvisional && m.status > 100) finish();
          return;
        }
        ex.final = m;
        ex.finalMs = Math.round(now);
        if (isInvite && m.status >= 300) this.conn.send(serialize(this.ackFor(req, m)));
        finish();
      });
      this.conn.onClose(() => finish());
      send();
      schedule();
    });
  }

  /** ACK for a non-2xx final response: same branch, To with the response's tag (17.1.1.3). */
  ackFor(invite: SipMessage, resp: SipMessage): SipMessage {
    const cseq = invite.cseq()!;
    return SipMessage.request('ACK', invite.uri, [
      ['Via', invite.getAll('via')[0]!],
      ['Max-Forwards', '70'],
      ['From', invite.get('from')!],
      ['To', resp.get('to') ?? invite.get('to')!],
      ['Call-ID', invite.callId()!],
      ['CSeq', `${cseq.seq} ACK`],
      ['Content-Length', '0'],
    ]);
  }

  /** CANCEL for a pending INVITE (RFC 3261 9.1): same Request-URI, Via, From, To, Call-ID, CSeq number. */
  cancelFor(invite: SipMessage): SipMessage {
    const cseq = invite.cseq()!;
    return SipMessage.request('CANCEL', invite.uri, [
      ['Via', invite.getAll('via')[0]!],
      ['Max-Forwards', '70'],
      ['From', invite.get('from')!],
      ['To', invite.get('to')!],
      ['Call-ID', invite.callId()!],
      ['CSeq', `${cseq.seq} CANCEL`],
      ['User-Agent', this.o.userAgent],
      ['Content-Length', '0'],
    ]);
  }

  /** ACK then BYE for an INVITE that was answered 2xx (the probe never keeps a call up). */
  async hangUp(invite: SipMessage, ok: SipMessage, timeoutMs = 2000): Promise<Exchange> {
    const cseq = invite.cseq()!;
    const contact = ok.contacts();
    const target = Array.isArray(contact) && contact[0] ? contact[0].uriText : invite.uri;
    const route = ok
      .getAll('record-route')
      .reverse()
      .map((r): [string, string] => ['Route', r]);
    const base = (method: string, seq: number): [string, string][] => [
      ['Max-Forwards', '70'],
      ['From', invite.get('from')!],
      ['To', ok.get('to')!],
      ['Call-ID', invite.callId()!],
      ['CSeq', `${seq} ${method}`],
      ...route,
    ];
    const ack = this.build('ACK', target, {});
    const ackMsg = SipMessage.request('ACK', target, [
      ['Via', ack.getAll('via')[0]!],
      ...base('ACK', cseq.seq),
      ['Content-Length', '0'],
    ]);
    this.conn.send(serialize(ackMsg));
    const byeVia = this.build('BYE', target, {}).getAll('via')[0]!;
    const bye = SipMessage.request('BYE', target, [
      ['Via', byeVia],
      ...base('BYE', cseq.seq + 1),
      ['Content-Length', '0'],
    ]);
    return this.transaction(bye, { timeoutMs });
  }

  /**
   * Sends a request; on 401/407 retries once with digest credentials (new branch, CSeq + 1).
   * Returns both exchanges (the second only when a challenge was answered).
   */
  async withAuth(
    build: (seq: number, auth?: [string, string]) => SipMessage,
    credentials: { username: string; password: string } | undefined,
    o: TransactionOptions = {},
  ): Promise<{ first: Exchange; second?: Exchange; authFailed?: string }> {
    const first = await this.transaction(build(1), o);
    const st = first.final?.status;
    if (!credentials || (st !== 401 && st !== 407)) return { first };
    const hdr = st === 401 ? 'www-authenticate' : 'proxy-authenticate';
    const ch = parseChallenge(first.final!.get(hdr) ?? '');
    if (!ch) return { first, authFailed: `no usable ${hdr} challenge` };
    const req = build(2);
    const value = digestAuthorization({ method: req.method, uri: req.uri, challenge: ch, credentials });
    if (!value)
      return {
        first,
        authFailed: `unsupported challenge (algorithm ${ch.algorithm}, qop ${ch.qop.join(',')})`,
      };
    const second = await this.transaction(
      build(2, [st === 401 ? 'Authorization' : 'Proxy-Authorization', value]),
      o,
    );
    return { first, second };
  }
}

function hostText(h: string): string {
  return isIPv6(h.replace(/^\[|\]$/g, '')) ? `[${h.replace(/^\[|\]$/g, '')}]` : h;
}

/** One-line description of a response for evidence: `401 Unauthorized (Server: x)`. */
export function describeResponse(m: SipMessage | undefined): string {
  if (!m) return 'no answer';
  return `${m.status} ${m.reason}`;
}

/** The request or response as evidence lines, Authorization values redacted. */
export function evidenceText(m: SipMessage): string[] {
  return serializeText(m, { redact: ['authorization', 'proxy-authorization'] })
    .replace(/\r\n\r\n$/, '')
    .split('\r\n');
}
