import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';

/**
 * Per-line counting made cheap: counts are kept in plain maps (by two label values) and added to
 * the prom-client counter in one step before each scrape (and when flushed).
 */
export class Tally {
  private readonly m = new Map<string, Map<string, number>>();
  constructor(
    private readonly counter: Counter<string>,
    private readonly names: readonly [string, string],
  ) {}

  add(a: string, b: string): void {
    let inner = this.m.get(a);
    if (inner === undefined) {
      inner = new Map();
      this.m.set(a, inner);
    }
    inner.set(b, (inner.get(b) ?? 0) + 1);
  }

  flush(): void {
    for (const [a, inner] of this.m) {
      for (const [b, n] of inner) {
        if (n === 0) continue;
        this.counter.inc({ [this.names[0]]: a, [this.names[1]]: b }, n);
        inner.set(b, 0);
      }
    }
  }
}

/** Prometheus metrics of one watch process (own registry: several pipelines can coexist). */
export class WatchMetrics {
  readonly registry = new Registry();
  readonly events = new Counter({
    name: 'hardline_events_total',
    help: 'Security events decoded, by kind and format',
    labelNames: ['kind', 'format'] as const,
    registers: [this.registry],
  });
  readonly lines = new Counter({
    name: 'hardline_lines_total',
    help: 'Lines read, by format and result (decoded, ignored, miss, unmatched)',
    labelNames: ['format', 'result'] as const,
    registers: [this.registry],
  });
  readonly undecoded = new Counter({
    name: 'hardline_undecoded_total',
    help: 'Payloads received but not decoded, by reason (e.g. "sip parser not available")',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly incidents = new Counter({
    name: 'hardline_incidents_total',
    help: 'Incidents raised, by detector, severity and decision',
    labelNames: ['detector', 'severity', 'action'] as const,
    registers: [this.registry],
  });
  readonly drops = new Counter({
    name: 'hardline_drops_total',
    help: 'Items dropped, by reason (malformed packets, oversized messages, full webhook queue, ...)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'hardline_ingest_lag_seconds',
    help: 'Wall time minus the event time of the newest event processed',
    registers: [this.registry],
  });
  readonly stateKeys = new Gauge({
    name: 'hardline_detector_state_keys',
    help: 'Keys held in bounded detector state',
    registers: [this.registry],
  });
  readonly evictions = new Gauge({
    name: 'hardline_detector_state_evictions',
    help: 'Keys evicted from bounded detector state (least recently used) since start',
    registers: [this.registry],
  });
  readonly packets = new Counter({
    name: 'hardline_packets_total',
    help: 'Network messages received, by listener (hep/syslog) and transport',
    labelNames: ['listener', 'transport'] as const,
    registers: [this.registry],
  });
  readonly webhook = new Counter({
    name: 'hardline_webhook_deliveries_total',
    help: 'Webhook deliveries, by target and result (ok, retry, failed)',
    labelNames: ['target', 'result'] as const,
    registers: [this.registry],
  });

  /** hardline_lines_total, counted cheaply (see Tally). */
  readonly lineTally = new Tally(this.lines, ['format', 'result']);
  /** hardline_events_total, counted cheaply. */
  readonly eventTally = new Tally(this.events, ['kind', 'format']);
  /** hardline_packets_total, counted cheaply. */
  readonly packetTally = new Tally(this.packets, ['listener', 'transport']);
  /** Run before each scrape (the pipeline sets the lag gauge there). */
  readonly beforeScrape: (() => void)[] = [];

  /** Adds the tallies to the counters (done before each scrape). */
  flush(): void {
    for (const f of this.beforeScrape) f();
    this.lineTally.flush();
    this.eventTally.flush();
    this.packetTally.flush();
  }

  text(): Promise<string> {
    this.flush();
    return this.registry.metrics();
  }

  /** Serves GET /metrics on host:port (loopback by default); resolves with the bound port. */
  serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        this.text().then(
          (body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(body);
          },
          () => {
            res.writeHead(500);
            res.end();
          },
        );
      } else {
        res.writeHead(404);
        res.end('not found\n');
      }
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const a = server.address();
        resolve({ server, port: typeof a === 'object' && a ? a.port : port });
      });
    });
  }
}
