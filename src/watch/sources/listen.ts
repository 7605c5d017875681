import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { HardlineError } from '../../core/errors.js';
import { canonicalIp } from '../event.js';

export interface ListenUrl {
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
}

/** Parses `udp://127.0.0.1:5514`, `tcp://[::1]:9060` (port 0 = ephemeral). */
export function parseListenUrl(text: string, what: string): ListenUrl {
  const m = /^(udp|tcp):\/\/(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(text.trim());
  const host = m ? m[2]!.replace(/^\[|\]$/g, '') : '';
  if (!m || !canonicalIp(host) || Number(m[3]) > 65535)
    throw new HardlineError(
      'HL_ERR_USAGE',
      `--${what} ${text}: expected udp://ADDRESS:PORT or tcp://ADDRESS:PORT, e.g. udp://127.0.0.1:${what === 'hep' ? 9060 : 5514}`,
    );
  return { transport: m[1] as 'udp' | 'tcp', host, port: Number(m[3]) };
}

export interface Listener {
  url: ListenUrl;
  /** The bound port (resolved when 0 was asked). */
  port: number;
  close(): Promise<void>;
}

export interface Handlers {
  /** A UDP datagram. */
  datagram?(msg: Buffer, peer: string): void;
  /** A new TCP connection: returns the byte sink for it. */
  connection?(peer: string): (data: Buffer) => void;
  error?(e: Error): void;
}

const MAX_CONNECTIONS = 256;

/** Binds a UDP socket or a TCP server. Connections are capped; errors never stop the listener. */
export async function listen(url: ListenUrl, h: Handlers): Promise<Listener> {
  if (url.transport === 'udp') {
    const sock: UdpSocket = createSocket({
      type: url.host.includes(':') ? 'udp6' : 'udp4',
      recvBufferSize: 8 << 20,
    });
    sock.on('message', (msg, rinfo) =>
      h.datagram?.(
        msg,
        `${rinfo.address.includes(':') ? `[${rinfo.address}]` : rinfo.address}:${rinfo.port}`,
      ),
    );
    sock.on('error', (e) => h.error?.(e));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(url.port, url.host, () => {
        sock.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      throw new HardlineError('HL_ERR_SOURCE', `cannot bind udp://${url.host}:${url.port}: ${e.message}`);
    });
    try {
      sock.setRecvBufferSize(8 << 20);
    } catch {
      // the kernel may cap it; keep the default
    }
    return {
      url,
      port: sock.address().port,
      close: () => new Promise((resolve) => sock.close(() => resolve())),
    };
  }
  const conns = new Set<Socket>();
  const server: Server = createServer((c) => {
    if (conns.size >= MAX_CONNECTIONS) {
      c.destroy();
      return;
    }
    conns.add(c);
    const peer = `${c.remoteAddress?.includes(':') ? `[${c.remoteAddress}]` : c.remoteAddress}:${c.remotePort}`;
    const sink = h.connection?.(peer);
    c.on('data', (d) => sink?.(d));
    c.on('error', () => c.destroy());
    c.on('close', () => conns.delete(c));
  });
  server.on('error', (e) => h.error?.(e));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(url.port, url.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((e: Error) => {
    throw new HardlineError('HL_ERR_SOURCE', `cannot listen on tcp://${url.host}:${url.port}: ${e.message}`);
  });
  const a = server.address();
  return {
    url,
    port: typeof a === 'object' && a ? a.port : url.port,
    close: () =>
      new Promise((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }),
  };
}
