import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { parseAuthValue } from '../src/sip/digest.js';
import { StreamFramer } from '../src/sip/framer.js';
import { SipMessage } from '../src/sip/message.js';
import { parse } from '../src/sip/parser.js';
import { serialize } from '../src/sip/serialize.js';

/**
 * A small scriptable SIP server for unit tests of the probe checks: it listens on loopback
 * (UDP, TCP and/or TLS on ephemeral ports), answers each request by the first rule that
 * matches (method, user, credentials, SDP), can delay answers, stop answering a source after N
 * requests (a rate limit), hold an INVITE until it is CANCELled, check digest credentials, and
 * records every request it received. Nothing here talks to anything but the given address.
 */

export interface FakeReply {
  status: number;
  reason?: string;
  headers?: [string, string][];
  body?: string;
  /** Wait this long before sending (ms, from the previous reply or from the request). */
  delayMs?: number;
}

export interface FakeRule {
  /** Matches this method only (default any). */
  method?: string;
  /** Matches when the user (To for REGISTER, else Request-URI) is this, or is in this list. */
  user?: string | string[];
  /** true: only requests with valid digest credentials; false: only requests without any. */
  authenticated?: boolean;
  /** Matches only INVITEs whose SDP offers this media protocol (e.g. 'RTP/AVP'). */
  sdp?: string;
  /** Sent in order; provisional ones first. Empty: no answer at all. */
  replies: FakeReply[];
  /**
   * INVITE: after the replies (provisional only), hold the transaction until a CANCEL arrives,
   * then answer the CANCEL 200 and the INVITE 487.
   */
  holdUntilCancel?: boolean;
}

export interface FakeSipOptions {
  /** Loopback address to bind (default 127.0.0.1; tests pick a unique 127.x.y.z). */
  host?: string;
  udp?: boolean;
  tcp?: boolean;
  /** TLS listener with this key and certificate (and optional protocol limits). */
  tls?: { key: string; cert: string; minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion };
  /** Server header on every response. */
  server?: string;
  rules: FakeRule[];
  /** A source gets answers to its first N requests only, then silence (a rate limit). */
  silentAfter?: number;
  /** Digest credentials the server accepts (realm "fake"). */
  accounts?: Record<string, string>;
}

export interface Received {
  transport: 'udp' | 'tcp' | 'tls';
  source: string;
  message: SipMessage;
  /** When it arrived (ms since the epoch). */
  at: number;
}

const REALM = 'fake';

export class FakeSip {
  readonly host: string;
  readonly ports: { udp?: number; tcp?: number; tls?: number } = {};
  /** Every request received, in order. */
  readonly received: Received[] = [];
  private readonly o: FakeSipOptions;
  private udp?: dgram.Socket;
  private servers: net.Server[] = [];
  private sockets = new Set<net.Socket>();
  private timers = new Set<NodeJS.Timeout>();
  private perSource = new Map<string, number>();
  private held = new Map<string, { invite: SipMessage; send: (b: Buffer) => void; tag: string }>();
  private nonce = randomBytes(8).toString('hex');

  private constructor(o: FakeSipOptions) {
    this.o = o;
    this.host = o.host ?? '127.0.0.1';
  }

  static async start(o: FakeSipOptions): Promise<FakeSip> {
    const f = new FakeSip(o);
    await f.listen();
    return f;
  }

  /** Adds a rule after the others (for rules that need the server first, e.g. its challenge). */
  addRule(rule: FakeRule): void {
    this.o.rules.push(rule);
  }

  /** Requests received with this method. */
  requests(method: string): SipMessage[] {
    return this.received.filter((r) => r.message.method === method).map((r) => r.message);
  }

  private async listen(): Promise<void> {
    if (this.o.udp) {
      const sock = dgram.createSocket('udp4');
      this.udp = sock;
      sock.on('message', (buf, rinfo) => {
        this.onBytes('udp', `${rinfo.address}:${rinfo.port}`, buf, (b) =>
          sock.send(b, rinfo.port, rinfo.address),
        );
      });
      await new Promise<void>((r) => sock.bind(0, this.host, () => r()));
      this.ports.udp = sock.address().port;
    }
    const stream = (transport: 'tcp' | 'tls') => (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      const framer = new StreamFramer();
      const source = `${s.remoteAddress}:${s.remotePort}`;
      s.on('data', (chunk: Buffer) => {
        for (const ev of framer.push(chunk))
          if (ev.type === 'message') this.onBytes(transport, source, ev.bytes, (b) => s.write(b));
      });
    };
    if (this.o.tcp) {
      const srv = net.createServer(stream('tcp'));
      await new Promise<void>((r) => srv.listen(0, this.host, () => r()));
      this.servers.push(srv);
      this.ports.tcp = (srv.address() as net.AddressInfo).port;
    }
    if (this.o.tls) {
      const t = this.o.tls;
      const srv = tls.createServer(
        {
          key: t.key,
          cert: t.cert,
          ...(t.minVersion ? { minVersion: t.minVersion } : {}),
          ...(t.maxVersion ? { maxVersion: t.maxVersion } : {}),
          // Let old protocols through when the scenario allows them (OpenSSL 3 refuses them at level 1+).
          ...(t.minVersion === 'TLSv1' || t.minVersion === 'TLSv1.1'
            ? { ciphers: 'DEFAULT:@SECLEVEL=0' }
            : {}),
        },
        stream('tls'),
      );
      srv.on('tlsClientError', () => {});
      await new Promise<void>((r) => srv.listen(0, this.host, () => r()));
      this.servers.push(srv);
      this.ports.tls = (srv.address() as net.AddressInfo).port;
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private onBytes(
    transport: Received['transport'],
    source: string,
    buf: Buffer,
    send: (b: Buffer) => void,
  ): void {
    const r = parse(buf);
    if (!r.ok || r.message.kind !== 'request') return;
    const req = r.message;
    this.received.push({ transport, source, message: req, at: Date.now() });
    const host = source.replace(/:\d+$/, '');
    const n = (this.perSource.get(host) ?? 0) + 1;
    this.perSource.set(host, n);
    if (this.o.silentAfter !== undefined && n > this.o.silentAfter) return;
    if (req.method === 'ACK') return;
    if (req.method === 'CANCEL') {
      const key = `${req.callId()} ${req.topVia()?.branch}`;
      const h = this.held.get(key);
      send(this.response(req, 200, 'OK', 'c4nc3l'));
      if (h) {
        this.held.delete(key);
        h.send(this.response(h.invite, 487, 'Request Terminated', h.tag));
      }
      return;
    }
    const rule = this.o.rules.find((x) => this.matches(x, req));
    if (!rule) return;
    const tag = randomBytes(4).toString('hex');
    let at = 0;
    for (const rep of rule.replies) {
      at += rep.delayMs ?? 0;
      const b = this.response(req, rep.status, rep.reason, rep.status > 100 ? tag : undefined, rep);
      if (at === 0) send(b);
      else this.later(at, () => send(b));
    }
    if (rule.holdUntilCancel && req.method === 'INVITE')
      this.held.set(`${req.callId()} ${req.topVia()?.branch}`, { invite: req, send, tag });
  }

  private matches(rule: FakeRule, req: SipMessage): boolean {
    if (rule.method && rule.method !== req.method) return false;
    if (rule.user !== undefined) {
      const u = userOf(req);
      if (Array.isArray(rule.user) ? !rule.user.includes(u ?? '') : rule.user !== u) return false;
    }
    if (rule.authenticated !== undefined && this.authenticated(req) !== rule.authenticated) return false;
    if (rule.sdp !== undefined) {
      const m = /^m=audio \d+ (\S+)/m.exec(req.bodyText());
      if (m?.[1] !== rule.sdp) return false;
    }
    return true;
  }

  /** Valid digest credentials for one of the accounts (MD5, qop=auth or none). */
  private authenticated(req: SipMessage): boolean {
    const v = req.get('authorization') ?? req.get('proxy-authorization');
    if (!v) return false;
    const a = parseAuthValue(v);
    if (a?.scheme.toLowerCase() !== 'digest') return false;
    const p = a.params;
    const pw = this.o.accounts?.[p['username'] ?? ''];
    if (pw === undefined || p['realm'] !== REALM || p['nonce'] !== this.nonce) return false;
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`${p['username']}:${REALM}:${pw}`);
    const ha2 = md5(`${req.method}:${p['uri']}`);
    const expect = p['qop']
      ? md5(`${ha1}:${this.nonce}:${p['nc']}:${p['cnonce']}:${p['qop']}:${ha2}`)
      : md5(`${ha1}:${this.nonce}:${ha2}`);
    return p['response'] === expect;
  }

  /** A digest challenge for rules that want one: `challenge()` as a reply's headers. */
  challenge(status: 401 | 407 = 401): FakeReply {
    return {
      status,
      reason: status === 401 ? 'Unauthorized' : 'Proxy Authentication Required',
      headers: [
        [
          status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate',
          `Digest realm="${REALM}", nonce="${this.nonce}", qop="auth", algorithm=MD5`,
        ],
      ],
    };
  }

  private response(
    req: SipMessage,
    status: number,
    reason = 'Reply',
    tag: string | undefined,
    rep?: FakeReply,
  ): Buffer {
    const to = req.get('to') ?? '';
    const headers: [string, string][] = [
      ...req.getAll('via').map((v): [string, string] => ['Via', v]),
      ['From', req.get('from') ?? ''],
      ['To', tag && !/;\s*tag=/i.test(to) ? `${to};tag=${tag}` : to],
      ['Call-ID', req.callId() ?? ''],
      ['CSeq', req.get('cseq') ?? ''],
    ];
    if (this.o.server) headers.push(['Server', this.o.server]);
    for (const h of rep?.headers ?? []) headers.push(h);
    if (status >= 200 && status < 300 && req.method === 'INVITE')
      headers.push(['Contact', `<sip:uas@${this.host}:${this.ports.udp ?? this.ports.tcp ?? 5060}>`]);
    if (rep?.body) headers.push(['Content-Type', 'application/sdp']);
    return serialize(SipMessage.response(status, reason, headers, rep?.body));
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (this.udp) await new Promise<void>((r) => this.udp!.close(() => r()));
  }
}

/** The user a request is about: the To user for REGISTER, the Request-URI user otherwise. */
function userOf(req: SipMessage): string | undefined {
  const text = req.method === 'REGISTER' ? (req.to()?.uriText ?? '') : req.uri;
  return /^sips?:([^@;]+)@/.exec(text)?.[1];
}

/** A unique loopback address for one test file (all of 127/8 is loopback on Linux). */
export function loopbackAddress(): string {
  const b = randomBytes(3);
  return `127.${1 + (b[0]! % 250)}.${b[1]}.${1 + (b[2]! % 250)}`;
}

/** A closed TCP port on the address (listened on, then closed). */
export async function closedPort(host: string): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A TCP listener that accepts and holds connections (a management port that is open). */
export async function openPort(host: string): Promise<{ port: number; close(): Promise<void> }> {
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    s.on('error', () => {});
    s.on('close', () => socks.delete(s));
  });
  await new Promise<void>((r) => srv.listen(0, host, () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}
