import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIP, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Severity } from '../core/severity.js';
import type { AlertChannelConfig } from '../policy/sections.js';
import { iso } from '../watch/outputs/format.js';
import type { AlertTransport } from './channel.js';
import { type AlertMessage, decisionText, worstSeverity } from './message.js';

type SyslogConfig = Extract<AlertChannelConfig, { type: 'syslog' }>;

/**
 * RFC 5424 syslog output over UDP (RFC 5426, one message per datagram) or TCP (RFC 6587
 * octet counting). Each incident is one message with its facts in structured data
 * `[hardline@32473 ...]` (32473 is the private enterprise number RFC 5612 reserves for
 * documentation), so a SIEM can match on them without parsing the text.
 */

export const FACILITIES: Record<SyslogConfig['facility'], number> = {
  kern: 0,
  user: 1,
  daemon: 3,
  auth: 4,
  authpriv: 10,
  security: 13,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
};

/** hardline severity -> syslog severity (crit, err, warning, notice, info). */
export const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

export const SD_ID = 'hardline@32473';

/** Escapes an SD-PARAM value: `"`, `\` and `]` get a backslash (RFC 5424 6.3.3). */
export function sdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** A header field: printable US-ASCII without spaces, at most `max` characters, `-` when empty. */
export function headerField(v: string, max: number): string {
  const t = v.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return t || '-';
}

export interface SyslogLineOptions {
  facility: number;
  appName: string;
  host?: string;
  procId?: string;
  /** Longest message in bytes (UDP: 2048 is what every receiver must accept). */
  maxBytes: number;
}

const BOM = '\ufeff';

function line(
  o: SyslogLineOptions,
  severity: Severity,
  time: number,
  msgId: string,
  sd: Record<string, string | number | undefined>,
  text: string,
): string {
  const pri = o.facility * 8 + SYSLOG_SEVERITY[severity];
  const params = Object.entries(sd)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}="${sdValue(String(v))}"`)
    .join(' ');
  const head = `<${pri}>1 ${iso(time)} ${headerField(o.host ?? hostname(), 255)} ${headerField(o.appName, 48)} ${headerField(o.procId ?? String(process.pid), 128)} ${headerField(msgId, 32)} [${SD_ID} ${params}] ${BOM}`;
  let msg = text.replace(/[\r\n]+/g, ' ');
  // Keep the whole line within maxBytes, cutting the free text (never the header or SD).
  const room = o.maxBytes - Buffer.byteLength(head);
  if (Buffer.byteLength(msg) > room) {
    const buf = Buffer.from(msg).subarray(0, Math.max(0, room - 3));
    msg = `${buf.toString('utf8').replace(/\ufffd$/, '')}...`;
  }
  return head + msg;
}

/** The RFC 5424 line(s) for one alert message. */
export function syslogLines(m: AlertMessage, o: SyslogLineOptions, now = Date.now()): string[] {
  if (m.kind === 'incident') {
    const it = m.item;
    const i = it.incident;
    return [
      line(
        o,
        i.severity,
        now,
        'incident',
        {
          id: i.id,
          detector: i.detector,
          severity: i.severity,
          time: iso(i.time),
          action: i.decision.action,
          source: i.decision.source ?? i.subject.source,
          account: i.subject.account,
          events: i.count,
          repeats: it.suppressed || undefined,
        },
        `${i.severity.toUpperCase()} ${i.detector}: ${i.summary} -> ${decisionText(i)}`,
      ),
    ];
  }
  const total = m.items.reduce((a, b) => a + b.count, 0);
  const parts = m.items.map(
    (it) =>
      `${it.incident.severity} ${it.incident.detector} ${it.incident.decision.source ?? it.incident.subject.key}${it.count > 1 ? ` x${it.count}` : ''}`,
  );
  return [
    line(
      o,
      worstSeverity(m.items),
      now,
      'digest',
      { from: iso(m.from), to: iso(m.to), incidents: total, keys: m.items.length, more: m.more || undefined },
      `digest: ${total} incident(s): ${parts.join('; ')}${m.more ? `; and ${m.more} more keys` : ''}`,
    ),
  ];
}

export class SyslogTransport implements AlertTransport {
  readonly type = 'syslog';
  private readonly proto: 'udp' | 'tcp';
  private readonly host: string;
  private readonly port: number;
  private udp: UdpSocket | undefined;
  private tcp: Socket | undefined;
  private readonly opts: SyslogLineOptions;

  constructor(c: SyslogConfig) {
    const m = /^(udp|tcp):\/\/(\[[^\]]+\]|[^:]+):(\d+)$/.exec(c.target)!;
    this.proto = m[1] as 'udp' | 'tcp';
    this.host = m[2]!.replace(/^\[|\]$/g, '');
    this.port = Number(m[3]);
    this.opts = {
      facility: FACILITIES[c.facility],
      appName: c.app_name,
      maxBytes: this.proto === 'udp' ? 2048 : 8192,
    };
  }

  async send(m: AlertMessage): Promise<void> {
    for (const l of syslogLines(m, this.opts)) {
      if (this.proto === 'udp') await this.sendUdp(Buffer.from(l));
      else await this.sendTcp(Buffer.from(l));
    }
  }

  private sendUdp(b: Buffer): Promise<void> {
    this.udp ??= createSocket(isIP(this.host) === 6 ? 'udp6' : 'udp4');
    const s = this.udp;
    return new Promise((resolve, reject) =>
      s.send(b, this.port, this.host, (e) => (e ? reject(e) : resolve())),
    );
  }

  private async connectTcp(): Promise<Socket> {
    if (this.tcp && !this.tcp.destroyed) return this.tcp;
    const s = await new Promise<Socket>((resolve, reject) => {
      const c = connect({ host: this.host, port: this.port, timeout: 10_000 });
      c.once('connect', () => resolve(c));
      c.once('timeout', () => c.destroy(new Error('connect timeout')));
      c.once('error', reject);
    });
    s.setTimeout(0);
    s.on('error', () => s.destroy());
    s.on('data', () => undefined); // receivers do not answer; drain anything
    this.tcp = s;
    return s;
  }

  private async sendTcp(b: Buffer): Promise<void> {
    const s = await this.connectTcp();
    const frame = Buffer.concat([Buffer.from(`${b.length} `), b]);
    await new Promise<void>((resolve, reject) =>
      s.write(frame, (e) => {
        if (e) {
          s.destroy();
          reject(e);
        } else resolve();
      }),
    );
  }

  async close(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    if (this.tcp) {
      const s = this.tcp;
      this.tcp = undefined;
      await new Promise<void>((r) => s.end(() => r()));
    }
  }
}
