import type { Server } from 'node:http';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import type { Policy } from '../policy/schema.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Checkpoint, WatchStore } from '../store/store.js';
import type { LineContext } from './decoder.js';
import { parseHostPort } from './event.js';
import type { Incident } from './incident.js';
import { limitHeapGrowth, MemoryGuard } from './memory.js';
import { formatIncidentLine } from './outputs/format.js';
import { JsonlSink } from './outputs/jsonl.js';
import { WatchMetrics } from './outputs/metrics.js';
import { type WebhookKind, WebhookSender } from './outputs/webhook.js';
import { Pipeline } from './pipeline.js';
import { type SipTransactionDecoder, unavailableSipDecoder } from './sip.js';
import { listenHep } from './sources/hep.js';
import { type Listener, parseListenUrl } from './sources/listen.js';
import { listenSyslog } from './sources/syslog.js';
import { FileTail } from './sources/tail.js';

/**
 * `hardline watch`: follows logs, listens for syslog and HEP, decodes, detects and reports.
 * Events, incidents and file checkpoints are committed to the store in one transaction per
 * batch, so a crash (even kill -9) resumes exactly where the last commit ended.
 */

export interface WatchOptions {
  policy: Policy;
  logs: string[];
  syslog: string[];
  hep: string[];
  db: string;
  fromStart?: boolean;
  jsonl?: string;
  jsonlEvents?: boolean;
  webhooks?: { url: string; kind: WebhookKind }[];
  /** First webhook retry delay (ms, default 1000). */
  webhookRetryMs?: number;
  /** `HOST:PORT` for GET /metrics. */
  metrics?: string;
  hepKey?: string;
  pbx?: string;
  logLevel?: string;
  pollMs?: number;
  /** Resident-memory target in MB: a full collection runs when RSS passes it (0: off; default 160). */
  maxRssMB?: number;
  /**
   * How far V8 may grow the heap past the live state after a full collection, in percent
   * (default 20; 0 keeps V8's own heuristic, which allows up to 300 %). See limitHeapGrowth.
   */
  heapGrowthPercent?: number;
  /** Phase B plugs the SIP transaction decoder in here. */
  sipDecoder?: SipTransactionDecoder;
  logger?: Logger;
}

export interface WatchHandle {
  pipeline: Pipeline;
  store: WatchStore;
  metrics: WatchMetrics;
  logger: Logger;
  /** Bound ports of the listeners: `syslog URL` / `hep URL` as given -> port. */
  ports: Record<string, number>;
  metricsPort?: number;
  /** Commits pending events and outputs now (also runs every 250 ms). */
  flush(): void;
  stop(): Promise<void>;
}

/** Network sources commit after this many events (short stalls keep socket buffers from overflowing). */
const BATCH = 256;

/** Longest detection window (s): how much history warms the detectors up after a restart. */
function warmupSeconds(p: Policy): number {
  const d = p.detection;
  return Math.max(
    d.brute_force.window,
    d.distributed_brute_force.window,
    d.enumeration.window,
    d.scanner.window,
    d.request_flood.per_source.window,
    d.request_flood.global.window,
    d.call_failures.window,
    d.toll_fraud.call_duration,
  );
}

export async function startWatch(o: WatchOptions): Promise<WatchHandle> {
  const logger =
    o.logger ??
    pino({ name: 'hardline-watch', level: o.logLevel ?? 'info' }, pino.destination({ dest: 2, sync: false }));
  const metrics = new WatchMetrics();
  // SQLite writes run in a writer thread: packet listeners never wait for them (file tails still
  // commit synchronously with their checkpoints)
  let storeErrorsAsync = 0;
  const store: WatchStore = new SqliteStore(o.db, {
    writer: 'thread',
    onAsyncError: (message) => {
      metrics.drops.inc({ reason: 'store error' });
      if (storeErrorsAsync++ < 20 || storeErrorsAsync % 1000 === 0)
        logger.error({ err: message }, 'cannot commit to the store; events of a batch are lost');
    },
  });
  const jsonl = o.jsonl ? new JsonlSink(o.jsonl, o.jsonlEvents ?? false) : undefined;
  const hooks = (o.webhooks ?? []).map(
    (w) =>
      new WebhookSender({
        url: w.url,
        kind: w.kind,
        ...(o.webhookRetryMs !== undefined ? { baseDelayMs: o.webhookRetryMs } : {}),
        onResult: (result, detail) => {
          metrics.webhook.inc({ target: w.kind, result });
          if (result === 'dropped') metrics.drops.inc({ reason: 'webhook queue full' });
          if (result !== 'ok') logger.warn({ webhook: w.kind, result, detail }, 'webhook delivery');
        },
      }),
  );
  const sip = o.sipDecoder ?? unavailableSipDecoder;
  limitHeapGrowth(o.heapGrowthPercent ?? 20);
  const guard = new MemoryGuard(o.maxRssMB ?? 160);
  let overLimit = 0;
  let posted: Incident[] = [];
  /** Events buffered since the last commit: network sources commit in small batches. */
  let pendingEvents = 0;
  const pipeline = await Pipeline.create({
    policy: o.policy,
    metrics,
    sinks: [
      {
        event: (ev) => {
          store.addEvent(ev);
          pendingEvents++;
          jsonl?.event(ev);
        },
        incident: (i) => {
          store.addIncident(i);
          posted.push(i);
        },
      },
    ],
  });
  const failed = await pipeline.engine.classifier.resolveHostnames();
  if (failed.length)
    logger.warn({ hostnames: failed }, 'trunk hostnames that did not resolve: not protected by address');

  // Warm-up: recent history and the endpoint inventory feed the detectors silently.
  const newest = store.newestEventTime();
  pipeline.engine.muted = true;
  for (const e of store.endpoints()) {
    pipeline.engine.onEvent({
      kind: 'registration',
      time: e.lastSeen,
      account: e.account,
      source: { ip: e.sourceIp },
      ...(e.userAgent ? { userAgent: e.userAgent } : {}),
      ...(e.pbx ? { pbx: e.pbx } : {}),
      evidence: { raw: '', format: 'inventory', decoder: 'store' },
    });
  }
  let warmed = 0;
  if (newest !== undefined) {
    for (const ev of store.recentEvents(newest - warmupSeconds(o.policy) * 1000)) {
      pipeline.engine.onEvent(ev);
      warmed++;
    }
  }
  pipeline.engine.muted = false;
  logger.info({ detectors: pipeline.engine.active, warmedUpEvents: warmed }, 'detectors ready');

  /** Commits what is pending (with checkpoints), then hands incidents to the outputs. */
  const commit = (cps: Checkpoint[] = []) => {
    store.commit(cps);
    pendingEvents = 0;
    if (guard.check() && process.memoryUsage.rss() > guard.limitMB * 1048576 && overLimit++ % 100 === 0)
      logger.warn(
        { rssMB: Math.round(process.memoryUsage.rss() / 1048576), maxRssMB: guard.limitMB },
        'resident memory stays above --max-rss after a full collection: lower detection.state_cap or raise --max-rss',
      );
    const list = posted;
    posted = [];
    for (const i of list) {
      jsonl?.incident(i);
      for (const h of hooks) h.enqueue(i);
      logger.warn(
        { incident: i.id, detector: i.detector, severity: i.severity, decision: i.decision, count: i.count },
        formatIncidentLine(i),
      );
    }
  };

  /** For network sources and the timer: a store error is logged and counted, never fatal. */
  let storeErrors = 0;
  const safeCommit = () => {
    try {
      commit();
    } catch (e) {
      metrics.drops.inc({ reason: 'store error' });
      if (storeErrors++ < 20 || storeErrors % 1000 === 0)
        logger.error(
          { err: (e as Error).message },
          'cannot commit to the store; events of this batch are lost',
        );
    }
  };

  const tails: FileTail[] = [];
  for (const file of o.logs) {
    const key = path.resolve(file);
    const cp = store.checkpoint(key);
    const t = new FileTail({
      file,
      ...(cp ? { checkpoint: cp } : {}),
      fromStart: o.fromStart ?? false,
      ...(o.pollMs ? { pollMs: o.pollMs } : {}),
      onLines: (lines, checkpoint, origin) => {
        const now = Date.now();
        for (const line of lines) {
          if (line.length === 0) continue;
          pipeline.line(line, { fallbackTime: now, refTime: now, origin, ...(o.pbx ? { pbx: o.pbx } : {}) });
        }
        commit([checkpoint]);
      },
      onNotice: (m) => logger.info({ file: key }, m),
    });
    tails.push(t);
  }

  const listeners: Listener[] = [];
  const ports: Record<string, number> = {};
  for (const u of o.syslog) {
    const url = parseListenUrl(u, 'syslog');
    const l = await listenSyslog(
      url,
      (m, peer, transport) => {
        metrics.packetTally.add('syslog', transport);
        pipeline.line(m.message, {
          fallbackTime: m.time,
          refTime: Date.now(),
          origin: `syslog:${transport}://${peer}`,
          ...(o.pbx ? { pbx: o.pbx } : {}),
        });
        if (pendingEvents >= BATCH) safeCommit();
      },
      (why) => metrics.drops.inc({ reason: why }),
    );
    listeners.push(l);
    ports[`syslog ${u}`] = l.port;
    logger.info({ url: u, port: l.port }, 'syslog listener ready');
  }
  let sipWarned = false;
  let hepErrors = 0;
  for (const u of o.hep) {
    const url = parseListenUrl(u, 'hep');
    const l = await listenHep(
      url,
      o.hepKey !== undefined ? { authKey: o.hepKey } : {},
      (r, peer, transport) => {
        metrics.packetTally.add('hep', transport);
        if (!r.ok) {
          metrics.drops.inc({ reason: `hep ${r.error.code}` });
          if (hepErrors++ < 20 || hepErrors % 1000 === 0)
            logger.debug({ peer, code: r.error.code, offset: r.error.offset }, r.error.message);
          return;
        }
        const p = r.packet;
        if (!p.payload) return; // keepalive
        const time =
          p.timeSec !== undefined ? p.timeSec * 1000 + Math.floor((p.timeUsec ?? 0) / 1000) : Date.now();
        const origin = `hep:${transport}://${peer}${p.nodeName ? ` node ${p.nodeName}` : ''}${p.captureId !== undefined ? ` id ${p.captureId}` : ''}`;
        if (p.protoType === 100) {
          // log lines, decoded from the payload bytes (blank lines skipped)
          const ctx: LineContext = { fallbackTime: time, refTime: Date.now(), origin };
          if (o.pbx) ctx.pbx = o.pbx;
          pipeline.chunk(p.payload, 0, p.payload.length, ctx);
        } else if (p.protoType === 1) {
          const tr = p.ipProto === 6 ? 'tcp' : p.ipProto === 17 ? 'udp' : undefined;
          const src = p.srcIp ? parseHostPort(p.srcIp, tr) : undefined;
          const dst = p.dstIp ? parseHostPort(p.dstIp, tr) : undefined;
          if (!src || !dst) {
            pipeline.undecoded('hep sip packet without addresses');
            return;
          }
          if (p.srcPort !== undefined) src.port = p.srcPort;
          if (p.dstPort !== undefined) dst.port = p.dstPort;
          const res = sip.decode({
            time,
            src,
            dst,
            payload: p.payload,
            origin,
            ...(p.correlationId ? { correlationId: p.correlationId } : {}),
            ...(p.captureId !== undefined ? { captureId: p.captureId } : {}),
            ...(p.nodeName ? { nodeName: p.nodeName } : {}),
          });
          if ('undecoded' in res) {
            pipeline.undecoded(res.undecoded);
            if (!sipWarned) {
              sipWarned = true;
              logger.warn(
                { reason: res.undecoded },
                'HEP SIP payloads are received and counted as undecoded (hardline_undecoded_total) until the SIP transaction decoder is available',
              );
            }
          } else for (const ev of res.events) pipeline.event(ev);
        } else {
          pipeline.undecoded(`hep protocol type ${p.protoType ?? 'missing'} not handled`);
        }
        if (pendingEvents >= BATCH) safeCommit();
      },
    );
    listeners.push(l);
    ports[`hep ${u}`] = l.port;
    logger.info({ url: u, port: l.port }, 'HEP listener ready');
  }

  let metricsServer: Server | undefined;
  let metricsPort: number | undefined;
  if (o.metrics) {
    const hp = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(o.metrics);
    const host = hp ? hp[1]!.replace(/^\[|\]$/g, '') : '127.0.0.1';
    const port = hp ? Number(hp[2]) : Number(o.metrics);
    const s = await metrics.serve(host, port);
    metricsServer = s.server;
    metricsPort = s.port;
    logger.info({ host, port: s.port }, 'metrics on /metrics');
  }

  for (const t of tails) await t.start();
  logger.info({ logs: o.logs.map((f) => path.resolve(f)), db: o.db }, 'watching');

  let lastPrune = 0;
  const timer = setInterval(() => {
    safeCommit();
    pipeline.updateStateMetrics();
    const now = Date.now();
    if (now - lastPrune > 3600_000) {
      lastPrune = now;
      try {
        const r = store.prune(now, o.policy.detection.retention);
        if (r.events || r.incidents) logger.info(r, 'retention: pruned old rows');
      } catch (e) {
        logger.error({ err: (e as Error).message }, 'retention: pruning failed');
      }
    }
  }, 250);

  let stopping: Promise<void> | undefined;
  return {
    pipeline,
    store,
    metrics,
    logger,
    ports,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    flush: () => commit(),
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        for (const t of tails) await t.stop();
        for (const l of listeners) await l.close();
        commit(); // every handed-over batch was committed with its checkpoint already
        await Promise.all(hooks.map((h) => h.close(3000)));
        await jsonl?.close();
        if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
        store.close();
        logger.info('stopped; checkpoints flushed');
        logger.flush?.();
      })();
      return stopping;
    },
  };
}
