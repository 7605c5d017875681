import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { HardlineError } from '../core/errors.js';
import { parseCidr, parseIp } from '../net/address.js';

/**
 * What `hardline review` needs from `hardline watch`: an inventory of the endpoints that
 * registered (account, source network, User-Agent, transport, media protection, first and last
 * seen), sightings of cleartext signalling and media, the clock skew watch measured per event
 * source, and the banners the PBX itself sent. The watch store implements WatchDataSource
 * (watch-store.ts, `hardline review --watch-db FILE`); a JSON file of this shape can be given
 * with `hardline review --watch FILE` (a snapshot kept by an accepted review, or made elsewhere).
 * The shape is documented in docs/review.md; fields are only ever added within schemaVersion 1.
 */

const iso = z.string().refine((s) => !Number.isNaN(new Date(s).getTime()), {
  message: 'expected an ISO time such as 2026-11-24T12:00:00Z',
});
const address = z.string().refine((s) => parseIp(s) !== undefined, { message: 'expected an IP address' });
const network = z.string().refine((s) => parseCidr(s) !== undefined, { message: 'expected a CIDR' });

/** SIP transports of a sighting; `unknown` when the source did not say (a log line without one). */
export const TRANSPORTS = ['udp', 'tcp', 'tls', 'ws', 'wss', 'sctp', 'unknown'] as const;
/** Media protection negotiated: SDES-SRTP, DTLS-SRTP, ZRTP, plain RTP, or not seen. */
export const MEDIA = ['srtp', 'dtls-srtp', 'zrtp', 'rtp', 'unknown'] as const;

export const endpointSightingSchema = z.object({
  /** The SIP account (auth username or AOR user), never its password. */
  account: z.string().min(1),
  /** Which PBX (policy name) the account belongs to, when known. */
  pbx: z.string().optional(),
  /** Source address of the registration, from the transport (never from headers). */
  address,
  /** Source network; default the /24 (IPv4) or /64 (IPv6) around `address`. */
  network: network.optional(),
  userAgent: z.string().optional(),
  transport: z.enum(TRANSPORTS),
  media: z.enum(MEDIA).default('unknown'),
  firstSeen: iso,
  lastSeen: iso,
  registrations: z.number().int().nonnegative().optional(),
});

export const cleartextSightingSchema = z.object({
  kind: z.enum(['signalling', 'media']),
  account: z.string().optional(),
  pbx: z.string().optional(),
  address,
  /** udp/tcp/ws for signalling; rtp for media. */
  transport: z.string().optional(),
  detail: z.string().optional(),
  count: z.number().int().positive().default(1),
  firstSeen: iso,
  lastSeen: iso,
});

export const clockSkewSchema = z.object({
  /** The event source: `hep:192.0.2.5`, `syslog:pbx1`, `file:/var/log/asterisk/full`. */
  source: z.string().min(1),
  /** Median of (event timestamp - time watch received it), ms; positive: the source is ahead. */
  skewMs: z.number(),
  /** Largest absolute difference seen, ms. */
  maxAbsSkewMs: z.number().nonnegative().optional(),
  samples: z.number().int().positive(),
  lastSeen: iso,
});

export const serverBannerSchema = z.object({
  /** The PBX (policy name) or address that sent it. */
  source: z.string().min(1),
  header: z.enum(['Server', 'User-Agent']),
  value: z.string().min(1),
  lastSeen: iso,
});

export const watchSnapshotSchema = z.object({
  schemaVersion: z.literal(1),
  kind: z.literal('hardline-watch-snapshot'),
  generatedAt: iso,
  /** The period the data covers. */
  window: z.object({ from: iso, to: iso }).optional(),
  /** What watch listened to. */
  sources: z.array(z.object({ name: z.string(), kind: z.string(), lastEventAt: iso.optional() })).default([]),
  endpoints: z.array(endpointSightingSchema).default([]),
  cleartext: z.array(cleartextSightingSchema).default([]),
  clockSkew: z.array(clockSkewSchema).default([]),
  servers: z.array(serverBannerSchema).default([]),
});

export type WatchSnapshot = z.output<typeof watchSnapshotSchema>;
export type EndpointSighting = WatchSnapshot['endpoints'][number];
export type CleartextSighting = WatchSnapshot['cleartext'][number];
export type ClockSkew = WatchSnapshot['clockSkew'][number];

/** Where review gets watch data: the watch store or a snapshot file. */
export interface WatchDataSource {
  /** For the report: "watch snapshot watch.json", "watch store /var/lib/hardline/watch.db". */
  describe(): string;
  /** What watch saw since `since` (the last accepted review; everything when undefined). */
  snapshot(since: Date | undefined, now: Date): Promise<WatchSnapshot>;
}

/** Validates a snapshot; errors name the field. */
export function parseWatchSnapshot(text: string, file: string): WatchSnapshot {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new HardlineError('HL_ERR_WATCH_DATA', `${file} is not JSON: ${(e as Error).message}`);
  }
  const r = watchSnapshotSchema.safeParse(data);
  if (!r.success)
    throw new HardlineError(
      'HL_ERR_WATCH_DATA',
      `${file} is not a hardline watch snapshot (schemaVersion 1)`,
      r.error.issues
        .slice(0, 20)
        .map((i) => ({ file, message: `${i.path.join('.') || '(top level)'}: ${i.message}` })),
    );
  return r.data;
}

/** A snapshot file (`hardline review --watch FILE`), filtered to the review period. */
export class WatchFileSource implements WatchDataSource {
  constructor(private readonly file: string) {}
  describe(): string {
    return `watch snapshot ${this.file}`;
  }
  async snapshot(): Promise<WatchSnapshot> {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (e) {
      throw new HardlineError('HL_ERR_WATCH_DATA', `cannot read ${this.file}: ${(e as Error).message}`);
    }
    return parseWatchSnapshot(text, this.file);
  }
}

/** The network a sighting came from: its own `network`, else /24 (IPv4) or /64 (IPv6). */
export function sightingNetwork(s: { address: string; network?: string | undefined }): string {
  if (s.network) return parseCidr(s.network)!.text;
  const ip = parseIp(s.address)!;
  return parseCidr(`${ip.toString()}/${ip.kind() === 'ipv4' ? 24 : 64}`)!.text;
}
