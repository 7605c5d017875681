import { WatchStoreReader } from '../store/reader.js';
import type { EndpointRecord } from '../store/store.js';
import {
  type CleartextSighting,
  type EndpointSighting,
  TRANSPORTS,
  type WatchDataSource,
  type WatchSnapshot,
  watchSnapshotSchema,
} from './watch.js';

/**
 * The live watch store as review input (`hardline review --watch-db FILE`): the endpoint
 * inventory, plain media and calls over plain transports, and the clock skew watch measured per
 * event source, read-only from the SQLite file `hardline watch --db` writes, limited to what was
 * seen since the last accepted review. The result is the same snapshot a `--watch FILE` gives, so
 * an accepted review keeps it as watch.json.
 */
export class WatchStoreSource implements WatchDataSource {
  constructor(private readonly file: string) {}

  describe(): string {
    return `watch store ${this.file}`;
  }

  async snapshot(since: Date | undefined, now: Date): Promise<WatchSnapshot> {
    const r = new WatchStoreReader(this.file);
    try {
      return snapshotFromStore(r, since, now);
    } finally {
      r.close();
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Store media values (SecurityEvent MediaProtection) to the snapshot's. */
function media(m: string): EndpointSighting['media'] {
  switch (m) {
    case 'none':
      return 'rtp';
    case 'sdes-srtp':
      return 'srtp';
    case 'dtls-srtp':
    case 'zrtp':
      return m;
    default:
      return 'unknown';
  }
}

function transport(t: string): EndpointSighting['transport'] {
  return (TRANSPORTS as readonly string[]).includes(t) ? (t as EndpointSighting['transport']) : 'unknown';
}

function endpoint(e: EndpointRecord): EndpointSighting {
  return {
    account: e.account,
    ...(e.pbx ? { pbx: e.pbx } : {}),
    address: e.sourceIp,
    ...(e.userAgent ? { userAgent: e.userAgent } : {}),
    transport: transport(e.transport),
    media: media(e.media),
    firstSeen: iso(e.firstSeen),
    lastSeen: iso(e.lastSeen),
    registrations: e.count,
  };
}

export function snapshotFromStore(r: WatchStoreReader, since: Date | undefined, now: Date): WatchSnapshot {
  const from = since?.getTime();
  const endpoints = r.endpoints(from).map(endpoint);
  const cleartext: CleartextSighting[] = r.cleartext(from).map((c) => ({
    kind: c.kind,
    ...(c.account ? { account: c.account } : {}),
    ...(c.pbx ? { pbx: c.pbx } : {}),
    address: c.sourceIp,
    transport: c.kind === 'media' ? 'rtp' : c.transport,
    detail:
      c.kind === 'media'
        ? 'plain RTP negotiated (RTP/AVP)'
        : `calls set up over ${c.transport.toUpperCase()}`,
    count: c.count,
    firstSeen: iso(c.firstSeen),
    lastSeen: iso(c.lastSeen),
  }));
  const skew = r.clockSkew(from);
  const sources = new Map<string, WatchSnapshot['sources'][number]>();
  for (const s of skew)
    sources.set(s.source, { name: s.source, kind: s.source.split(':')[0]!, lastEventAt: iso(s.lastSeen) });
  for (const c of r.checkpoints()) {
    const isPcap = c.key.startsWith('pcap:');
    const name = isPcap ? c.key : `file:${c.key}`;
    if (!sources.has(name))
      sources.set(name, { name, kind: isPcap ? 'pcap' : 'file', lastEventAt: iso(c.updated) });
  }
  const oldest = Math.min(
    ...endpoints.map((e) => new Date(e.firstSeen).getTime()),
    ...cleartext.map((c) => new Date(c.firstSeen).getTime()),
    now.getTime(),
  );
  return watchSnapshotSchema.parse({
    schemaVersion: 1,
    kind: 'hardline-watch-snapshot',
    generatedAt: now.toISOString(),
    window: { from: iso(from ?? oldest), to: now.toISOString() },
    sources: [...sources.values()],
    endpoints,
    cleartext,
    clockSkew: skew.map((s) => ({
      source: s.source,
      skewMs: Math.round(s.medianMs),
      maxAbsSkewMs: Math.round(s.maxAbsMs),
      samples: s.samples,
      lastSeen: iso(s.lastSeen),
    })),
    servers: [],
  });
}
