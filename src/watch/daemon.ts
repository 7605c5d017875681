import { statSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { type Logger, pino } from 'pino';
import { HardlineError } from '../core/errors.js';
import type { Policy } from '../policy/schema.js';
import { SqliteStore } from '../store/sqlite.js';
import type { Checkpoint, WatchStore } from '../store/store.js';
import type { LineContext } from './decoder.js';
import type { SecurityEvent } from './event.js';
import type { Incident } from './incident.js';
import { limitHeapGrowth, MemoryGuard } from './memory.js';
import { formatIncidentLine } from './outputs/format.js';
import { JsonlSink } from './outputs/jsonl.js';
import { WatchMetrics } from './outputs/metrics.js';
import type { WatchOutput } from './outputs/output.js';
import { type WebhookKind, WebhookSender } from './outputs/webhook.js';
import { type PcapImportSummary, pcapEvents, pcapSummaryLine } from './pcap-import.js';
import { Pipeline } from './pipeline.js';
import type { SipTransactionDecoder } from './sip.js';
import { SipTransactionTracker } from './sip-transactions.js';
import { ClockSkewTracker } from './skew.js';
import { listenHep } from './sources/hep.js';
import { type Listener, parseListenUrl } from './sources/listen.js';
import { emptyPcapStats } from './sources/pcap.js';
import { hepSipCapture, peerIp } from './sources/sip-capture.js';
import { listenSyslog } from './sources/syslog.js';
import { FileTail } from './sources/tail.js';

/**
 * `hardline watch`: follows logs, listens for syslog and HEP, decodes, detects and reports.
 * Events, incidents and file checkpoints are committed to the store in one transaction per
 * batch, so a crash (even kill -9) resumes exactly where the last commit ended.
 */

export interface WatchOptions {
  policy: Policy;
  /** Ban decisions are carried out (watch --ban in enforce mode): incidents say "ban", not "would ban". */
  enforcing?: boolean;
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
  /** SIP over HEP: the transaction decoder (default: SipTransactionTracker on the policy). */
  sipDecoder?: SipTransactionDecoder;
  /** The PBX's own addresses (`--pbx-address`): which side of captured SIP is the PBX. */
  pbxAddresses?: string[];
  /** Capture files imported once (pcap/pcapng), after the live sources are up. */
  pcap?: string[];
  logger?: Logger;
  /** Further outputs (alert channels, ban manager, dashboard); more can be added with addOutput(). */
  outputs?: WatchOutput[];
}

export interface WatchHandle {
  pipeline: Pipeline;
  store: WatchStore;
  metrics: WatchMetrics;
  logger: Logger;
  /** Bound ports of the listeners: `syslog URL` / `hep URL` as given -> port. */
  ports: Record<string, number>;
  metricsPort?: number;
  /** One summary per imported capture file (`pcap`), in order. */
  pcapImports: PcapImportSummary[];
  /** Commits pending events and outputs now (also runs every 250 ms). */
  flush(): void;
  /** Feeds an output from now on (events as decoded, incidents once committed); closed at stop. */
  addOutput(out: WatchOutput): void;
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
  const sipOptions = {
    policy: o.policy,
    ...(o.pbxAddresses ? { pbxAddresses: o.pbxAddresses } : {}),
    ...(o.pbx ? { pbx: o.pbx } : {}),
  };
  const sip = o.sipDecoder ?? new SipTransactionTracker(sipOptions);
  limitHeapGrowth(o.heapGrowthPercent ?? 20);
  /** Event time of the newest HEP SIP capture and the wall time it arrived (to expire on a quiet wire). */
  let sipSeen: { time: number; wall: number } | undefined;
  const guard = new MemoryGuard(o.maxRssMB ?? 160);
  /** Clock skew per event source (live data only: not a file's backlog, not capture imports). */
  const skew = new ClockSkewTracker();
  let tailsLive = false;
  let overLimit = 0;
  let posted: Incident[] = [];
  let banCommit: NodeJS.Immediate | undefined;
  /** Events buffered since the last commit: network sources commit in small batches. */
  let pendingEvents = 0;
  const outputs: WatchOutput[] = [];
  let eventHooks: ((ev: SecurityEvent) => void)[] = [];
  let outputErrors = 0;
  const outputFailed = (e: unknown) => {
    if (outputErrors++ < 20 || outputErrors % 1000 === 0)
      logger.error({ err: (e as Error).message }, 'an output failed; ingest goes on');
  };
  const addOutput = (out: WatchOutput) => {
    outputs.push(out);
    eventHooks = outputs.filter((x) => x.event).map((x) => (ev) => x.event!(ev));
  };
  for (const out of o.outputs ?? []) addOutput(out);
  const pipeline = await Pipeline.create({
    policy: o.policy,
    metrics,
    sinks: [
      {
        event: (ev) => {
          store.addEvent(ev);
          pendingEvents++;
          jsonl?.event(ev);
          for (const h of eventHooks) {
            try {
              h(ev);
            } catch (e) {
              outputFailed(e);
            }
          }
        },
        incident: (i) => {
          store.addIncident(i);
          posted.push(i);
          // a ban should not wait for the 250 ms timer: commit as soon as this batch is done
          if (i.decision.action === 'ban' && !banCommit)
            banCommit = setImmediate(() => {
              banCommit = undefined;
              safeCommit();
            });
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
  const held = pipeline.engine.takeHeld();
  for (const out of outputs) {
    try {
      out.warmedUp?.(held);
    } catch (e) {
      outputFailed(e);
    }
  }
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
      if (o.enforcing && i.decision.action === 'ban') i.decision.enforced = true;
      jsonl?.incident(i);
      for (const h of hooks) h.enqueue(i);
      for (const out of outputs) {
        try {
          out.incident?.(i);
        } catch (e) {
          outputFailed(e);
        }
      }
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
          const r = pipeline.line(line, {
            fallbackTime: now,
            refTime: now,
            origin,
            ...(o.pbx ? { pbx: o.pbx } : {}),
          });
          const t = r.events[0]?.time;
          if (tailsLive && t !== undefined && t !== now) skew.sample(`file:${key}`, t, now);
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
        if (m.timed) skew.sample(`syslog:${peerIp(peer) ?? peer}`, m.time, Date.now());
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
        if (p.timeSec !== undefined) skew.sample(`hep:${peerIp(peer) ?? peer}`, time, Date.now());
        const origin = `hep:${transport}://${peer}${p.nodeName ? ` node ${p.nodeName}` : ''}${p.captureId !== undefined ? ` id ${p.captureId}` : ''}`;
        if (p.protoType === 100) {
          // log lines, decoded from the payload bytes (blank lines skipped)
          const ctx: LineContext = { fallbackTime: time, refTime: Date.now(), origin };
          if (o.pbx) ctx.pbx = o.pbx;
          pipeline.chunk(p.payload, 0, p.payload.length, ctx);
        } else if (p.protoType === 1) {
          const cap = hepSipCapture(p, {
            origin,
            fallbackTime: time,
            ...(peerIp(peer) ? { agent: peerIp(peer)! } : {}),
          });
          if (typeof cap === 'string') {
            pipeline.undecoded(cap);
            return;
          }
          if (!sipSeen || cap.time >= sipSeen.time) sipSeen = { time: cap.time, wall: Date.now() };
          const res = sip.decode(cap);
          if ('undecoded' in res) {
            pipeline.undecoded(res.undecoded);
            if (!sipWarned) {
              sipWarned = true;
              logger.warn(
                { reason: res.undecoded },
                'a HEP SIP payload could not be decoded; such payloads are counted in hardline_undecoded_total (logged once)',
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
  tailsLive = true; // the backlog is read: from now on lines arrive as they are written
  logger.info({ logs: o.logs.map((f) => path.resolve(f)), db: o.db }, 'watching');

  // Capture files: imported once; a checkpoint (device, inode, size) keeps a second run from
  // storing the same events twice.
  const pcapImports: PcapImportSummary[] = [];
  try {
    for (const file of o.pcap ?? []) {
      const key = `pcap:${path.resolve(file)}`;
      let st: { dev: number; ino: number; size: number };
      try {
        st = statSync(file);
      } catch (e) {
        throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`);
      }
      const done = store.checkpoint(key);
      if (done && done.dev === st.dev && done.ino === st.ino && done.offset === st.size) {
        logger.info({ file }, 'capture already imported (checkpoint): skipped');
        continue;
      }
      const tracker = new SipTransactionTracker(sipOptions);
      const summary: PcapImportSummary = { file, pcap: emptyPcapStats(), sip: tracker.stats, events: 0 };
      for await (const evs of pcapEvents(file, {
        tracker,
        decoder: pipeline.decoder,
        stats: summary.pcap,
        ...(o.pbx ? { pbx: o.pbx } : {}),
        onUndecoded: (why) => pipeline.undecoded(why),
      })) {
        for (const ev of evs) {
          summary.events++;
          summary.firstTime = Math.min(summary.firstTime ?? ev.time, ev.time);
          summary.lastTime = Math.max(summary.lastTime ?? ev.time, ev.time);
          pipeline.event(ev);
        }
        if (pendingEvents >= BATCH) commit();
      }
      commit([{ key, dev: st.dev, ino: st.ino, offset: st.size }]);
      pcapImports.push(summary);
      logger.info({ file, frames: summary.pcap.frames, events: summary.events }, pcapSummaryLine(summary));
    }
  } catch (e) {
    // a bad capture file ends the start-up cleanly: events decoded before the error are kept
    for (const t of tails) await t.stop();
    for (const l of listeners) await l.close();
    if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
    store.close();
    throw e;
  }

  const saveSkew = () => {
    try {
      store.recordClockSkew?.(skew.drain());
    } catch (e) {
      logger.error({ err: (e as Error).message }, 'cannot store clock-skew samples');
    }
  };
  let lastPrune = 0;
  const timer = setInterval(() => {
    if (sip.expire && sipSeen) {
      // transactions unanswered on a quiet wire: event time advanced by the wall time since
      for (const ev of sip.expire(sipSeen.time + (Date.now() - sipSeen.wall))) pipeline.event(ev);
    }
    safeCommit();
    saveSkew();
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
    pcapImports,
    ...(metricsPort !== undefined ? { metricsPort } : {}),
    flush: () => commit(),
    addOutput,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        if (banCommit) clearImmediate(banCommit);
        for (const t of tails) await t.stop();
        for (const l of listeners) await l.close();
        commit(); // every handed-over batch was committed with its checkpoint already
        saveSkew();
        await Promise.all(hooks.map((h) => h.close(3000)));
        await Promise.all(outputs.map((x) => x.close?.().catch(outputFailed)));
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
