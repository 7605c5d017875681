import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { StreamFramer } from '../framer.js';
import type { SipMessage } from '../message.js';
import { parse } from '../parser.js';

/**
 * Client-side SIP transports: UDP, TCP, TLS, WS and WSS (RFC 7118). Each connection delivers
 * parsed messages to its listeners; every connect is bounded by a timeout. TLS connections
 * record what the server negotiated and presented (protocol, cipher, chain, names, expiry).
 */

export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
export const DEFAULT_PORTS: Record<TransportName, number> = {
  udp: 5060,
  tcp: 5060,
  tls: 5061,
  ws: 80,
  wss: 443,
};

export interface Endpoint {
  host: string;
  port: number;
  transport: TransportName;
  /** TLS server name (SNI and hostname check); defaults to host when it is a name. */
  servername?: string;
  /** WebSocket path (default /). */
  path?: string;
}

export interface CertInfo {
  subject: string;
  issuer: string;
  /** subjectAltName as Node prints it, e.g. "DNS:sip.example.com, IP Address:192.0.2.1". */
  subjectAltName: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  selfSigned: boolean;
}

export interface TlsInfo {
  /** Negotiated protocol, e.g. TLSv1.3. */
  protocol: string | null;
  cipher: string;
  /** Chain as presented, leaf first. */
  chain: CertInfo[];
  /** Chain verifies against the trust store (or the given CA). */
  authorized: boolean;
  authorizationError?: string;
  /** Error from checking the leaf against the server name; undefined when it matches. */
  hostnameError?: string;
}

export interface TlsOptions {
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  ciphers?: string;
  /** Extra trust anchors (PEM). */
  ca?: string | Buffer;
}

export interface ConnectOptions {
  /** Connect/handshake timeout (default 3000 ms). */
  timeoutMs?: number;
  /** Local address to bind (namespaces, multi-homed probes). */
  localAddress?: string;
  tls?: TlsOptions;
}

export type MessageListener = (m: SipMessage, raw: Buffer) => void;

export interface SipConnection {
  readonly endpoint: Endpoint;
  readonly reliable: boolean;
  readonly local: { address: string; port: number };
  readonly tls?: TlsInfo;
  send(data: Buffer): void;
  onMessage(l: MessageListener): () => void;
  /** Called once when the peer closes or an error ends the connection. */
  onClose(l: (reason: string) => void): void;
  close(): void;
}

export class TransportError extends Error {
  readonly kind: 'timeout' | 'refused' | 'unreachable' | 'tls' | 'closed' | 'other';
  constructor(kind: TransportError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}

function classify(e: NodeJS.ErrnoException): TransportError {
  if (e instanceof TransportError) return e;
  if (e.code === 'ECONNREFUSED') return new TransportError('refused', 'connection refused');
  if (e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH')
    return new TransportError('unreachable', e.message);
  if (e.code === 'ETIMEDOUT') return new TransportError('timeout', e.message);
  if (/SSL|TLS|alert|handshake|wrong version|protocol/i.test(`${e.code} ${e.message}`))
    return new TransportError('tls', e.message);
  return new TransportError('other', e.message);
}

abstract class Base implements SipConnection {
  abstract readonly endpoint: Endpoint;
  abstract readonly reliable: boolean;
  abstract local: { address: string; port: number };
  tls?: TlsInfo;
  private listeners = new Set<MessageListener>();
  private closeListeners: ((r: string) => void)[] = [];
  private closed = false;
  abstract send(data: Buffer): void;
  abstract close(): void;
  onMessage(l: MessageListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  onClose(l: (reason: string) => void): void {
    this.closeListeners.push(l);
  }
  protected emit(m: SipMessage, raw: Buffer): void {
    for (const l of [...this.listeners]) l(m, raw);
  }
  protected ended(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(reason);
  }
}

class UdpConnection extends Base {
  readonly reliable = false;
  local = { address: '', port: 0 };
  constructor(
    readonly endpoint: Endpoint,
    private readonly sock: dgram.Socket,
  ) {
    super();
    sock.on('message', (buf) => {
      const r = parse(buf);
      if (r.ok) this.emit(r.message, buf);
    });
    sock.on('error', (e) => this.ended(e.message));
    sock.on('close', () => this.ended('closed'));
  }
  send(data: Buffer): void {
    this.sock.send(data);
  }
  close(): void {
    try {
      this.sock.close();
    } catch {
      /* already closed */
    }
  }
}

class StreamConnection extends Base {
  readonly reliable = true;
  local = { address: '', port: 0 };
  private framer = new StreamFramer();
  constructor(
    readonly endpoint: Endpoint,
    private readonly sock: net.Socket,
  ) {
    super();
    sock.on('data', (chunk: Buffer) => {
      for (const ev of this.framer.push(chunk)) {
        if (ev.type === 'message') this.emit(ev.message, ev.bytes);
        else if (ev.type === 'error') {
          this.ended(`framing error: ${ev.error.message}`);
          sock.destroy();
        }
      }
    });
    sock.on('error', (e) => this.ended(e.message));
    sock.on('close', () => this.ended('closed by peer'));
  }
  send(data: Buffer): void {
    this.sock.write(data);
  }
  close(): void {
    this.sock.destroy();
  }
}

class WsConnection extends Base {
  readonly reliable = true;
  local = { address: '', port: 0 };
  constructor(
    readonly endpoint: Endpoint,
    private readonly ws: WebSocket,
  ) {
    super();
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const buf = Buffer.isBuffer(data)
        ? data
        : Array.isArray(data)
          ? Buffer.concat(data)
          : Buffer.from(data);
      const r = parse(buf, { mode: 'datagram' });
      if (r.ok) this.emit(r.message, buf);
    });
    ws.on('error', (e) => this.ended(e.message));
    ws.on('close', () => this.ended('closed by peer'));
  }
  send(data: Buffer): void {
    // RFC 7118: one SIP message per WebSocket message, text frames for UTF-8.
    this.ws.send(data.toString('utf8'));
  }
  close(): void {
    this.ws.terminate();
  }
}

/** Describes the chain and names a TLS server presented. */
export function tlsInfo(sock: tls.TLSSocket, servername: string | undefined): TlsInfo {
  const chain: CertInfo[] = [];
  let cert = sock.getPeerCertificate(true) as tls.DetailedPeerCertificate | undefined;
  const seen = new Set<string>();
  while (cert?.fingerprint256 && !seen.has(cert.fingerprint256) && chain.length < 10) {
    seen.add(cert.fingerprint256);
    const subject = fmtName(cert.subject);
    const issuer = fmtName(cert.issuer);
    chain.push({
      subject,
      issuer,
      subjectAltName: cert.subjectaltname ?? '',
      validFrom: new Date(cert.valid_from).toISOString(),
      validTo: new Date(cert.valid_to).toISOString(),
      fingerprint256: cert.fingerprint256,
      selfSigned: subject === issuer,
    });
    cert = cert.issuerCertificate;
  }
  const leaf = sock.getPeerCertificate();
  let hostnameError: string | undefined;
  if (servername && leaf && Object.keys(leaf).length) {
    // A name is checked against DNS names, an address against IP addresses (subjectAltName).
    const e = tls.checkServerIdentity(servername, leaf);
    if (e) hostnameError = e.message;
  }
  const info: TlsInfo = {
    protocol: sock.getProtocol(),
    cipher: sock.getCipher()?.standardName ?? sock.getCipher()?.name ?? '',
    chain,
    authorized: sock.authorized,
  };
  if (sock.authorizationError) info.authorizationError = String(sock.authorizationError);
  if (hostnameError) info.hostnameError = hostnameError;
  return info;
}

function fmtName(n: tls.Certificate | undefined): string {
  if (!n) return '';
  return Object.entries(n)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

/** The name a certificate must carry for this endpoint: its TLS server name, else its host (name or address). */
function identityName(ep: Endpoint): string {
  return ep.servername ?? ep.host.replace(/^\[|\]$/g, '');
}

function isIp(host: string): boolean {
  return net.isIP(host.replace(/^\[|\]$/g, '')) !== 0;
}

function tlsConnectOptions(ep: Endpoint, o: ConnectOptions): tls.ConnectionOptions {
  const servername = ep.servername ?? (isIp(ep.host) ? undefined : ep.host);
  return {
    host: ep.host.replace(/^\[|\]$/g, ''),
    port: ep.port,
    ...(servername ? { servername } : {}),
    // The probe inspects bad certificates instead of refusing them; verification is recorded.
    rejectUnauthorized: false,
    // `authorized` then says whether the chain verifies; the name is checked apart (tlsInfo), so
    // a wrong name is never reported as an untrusted chain.
    checkServerIdentity: () => undefined,
    ...(o.localAddress ? { localAddress: o.localAddress } : {}),
    ...(o.tls?.minVersion ? { minVersion: o.tls.minVersion } : {}),
    ...(o.tls?.maxVersion ? { maxVersion: o.tls.maxVersion } : {}),
    ...(o.tls?.ciphers ? { ciphers: o.tls.ciphers } : {}),
    ...(o.tls?.ca ? { ca: o.tls.ca } : {}),
  };
}

/** Opens a connection to a SIP endpoint; rejects with a TransportError within the timeout. */
export function connect(ep: Endpoint, o: ConnectOptions = {}): Promise<SipConnection> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const host = ep.host.replace(/^\[|\]$/g, '');
  return new Promise<SipConnection>((resolve, reject) => {
    let done = false;
    let cleanup = () => {};
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      cleanup();
      reject(
        new TransportError(
          'timeout',
          `no connection to ${ep.transport}:${ep.host}:${ep.port} within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const ok = (c: SipConnection) => {
      if (done) {
        c.close();
        return;
      }
      done = true;
      clearTimeout(timer);
      resolve(c);
    };
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cleanup();
      reject(classify(e as NodeJS.ErrnoException));
    };
    if (ep.transport === 'udp') {
      const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      cleanup = () => sock.close();
      sock.once('error', fail);
      sock.bind({ port: 0, ...(o.localAddress ? { address: o.localAddress } : {}) }, () => {
        sock.connect(ep.port, host, () => {
          const c = new UdpConnection(ep, sock);
          const a = sock.address();
          c.local = { address: a.address, port: a.port };
          ok(c);
        });
      });
    } else if (ep.transport === 'tcp') {
      const sock = net.connect({
        host,
        port: ep.port,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      });
      cleanup = () => sock.destroy();
      sock.once('error', fail);
      sock.once('connect', () => {
        const c = new StreamConnection(ep, sock);
        c.local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
        ok(c);
      });
    } else if (ep.transport === 'tls') {
      const opts = tlsConnectOptions(ep, o);
      const sock = tls.connect(opts);
      cleanup = () => sock.destroy();
      sock.once('error', fail);
      sock.once('secureConnect', () => {
        const c = new StreamConnection(ep, sock);
        c.local = { address: sock.localAddress ?? '', port: sock.localPort ?? 0 };
        c.tls = tlsInfo(sock, opts.servername ?? identityName(ep));
        ok(c);
      });
    } else {
      const scheme = ep.transport;
      const url = `${scheme}://${isIp(host) && net.isIPv6(host) ? `[${host}]` : host}:${ep.port}${ep.path ?? '/'}`;
      const tlsOpts = scheme === 'wss' ? tlsConnectOptions(ep, o) : {};
      const ws = new WebSocket(url, 'sip', {
        handshakeTimeout: timeoutMs,
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
        ...tlsOpts,
      });
      cleanup = () => ws.terminate();
      let info: TlsInfo | undefined;
      let local = { address: '', port: 0 };
      ws.once('upgrade', (res) => {
        const s = res.socket as net.Socket;
        local = { address: s.localAddress ?? '', port: s.localPort ?? 0 };
        if (s instanceof tls.TLSSocket)
          info = tlsInfo(s, (tlsOpts as tls.ConnectionOptions).servername ?? identityName(ep));
      });
      ws.once('error', fail);
      ws.once('open', () => {
        if (ws.protocol !== 'sip') {
          fail(
            new TransportError(
              'other',
              `WebSocket server did not accept the sip subprotocol (got '${ws.protocol}')`,
            ),
          );
          return;
        }
        const c = new WsConnection(ep, ws);
        c.local = local;
        if (info) c.tls = info;
        ok(c);
      });
    }
  });
}

/**
 * Only the TLS handshake (no SIP): which protocol and certificate a server presents under the
 * given version limits. Rejects with a TransportError (kind 'tls') when the handshake fails.
 */
export function tlsHandshake(ep: Endpoint, o: ConnectOptions = {}): Promise<TlsInfo> {
  return connect({ ...ep, transport: 'tls' }, o).then((c) => {
    const info = c.tls!;
    c.close();
    return info;
  });
}
