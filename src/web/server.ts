import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { HardlineError } from '../core/errors.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import type { BanManager } from '../enforce/bans.js';
import { parseIp } from '../net/address.js';
import type { Policy } from '../policy/schema.js';
import type { Classification } from '../watch/classify.js';
import type { SecurityEvent } from '../watch/event.js';
import type { Incident } from '../watch/incident.js';
import type { BanOutput } from '../watch/outputs/bans.js';
import type { WatchOutput } from '../watch/outputs/output.js';
import { type Session, Sessions, safeEqual, TokenVerifier } from './auth.js';
import type { GeoLookup } from './geo.js';
import { appPage, loginPage } from './pages.js';
import { RateTracker } from './rates.js';
import { type Ack, type BanHistoryRow, type DashboardStore, enforcementRow } from './store.js';
import { exceptionViews, inventoryRows, readReport } from './views.js';

/**
 * The dashboard served by `hardline watch --web`: fastify on loopback by default, every page and
 * API behind the access token (a login session, or `Authorization: Bearer` for scripts), CSRF
 * protection on every state change (per-session token plus an Origin check), strict security
 * headers, login attempts rate-limited and fed to the detectors as security events, and live
 * updates over server-sent events. It is a watch output: incidents reach it once committed.
 */

export interface DashboardOptions {
  policy: Policy;
  /** Folder of the policy file (relative report paths). */
  baseDir: string;
  store: DashboardStore;
  /** The token hash file (`<state dir>/web-token.json`). */
  tokenFile: string;
  logger: Logger;
  /** Feeds failed logins to the detectors (the watch pipeline). */
  securityEvent?: (ev: SecurityEvent) => void;
  classify?: (ip: string) => Classification | undefined;
  bans?: BanOutput;
  /** A ban manager without a BanOutput (unban and listing only). */
  manager?: BanManager;
  geo?: GeoLookup;
  tls?: { cert: Buffer | string; key: Buffer | string };
  now?: () => number;
  /** Live-update tick (ms, default 10000). */
  tickMs?: number;
}

interface Auth {
  kind: 'session' | 'bearer';
  session?: Session;
  sessionId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    hlAuth: Auth | null;
  }
}

const require = createRequire(import.meta.url);
const here = path.dirname(new URL(import.meta.url).pathname);

function publicDir(): string {
  for (const d of [path.join(here, 'public'), path.join(here, '..', '..', 'src', 'web', 'public')]) {
    try {
      readFileSync(path.join(d, 'app.js'));
      return d;
    } catch {}
  }
  throw new HardlineError(
    'HL_ERR_WEB',
    'the dashboard files (src/web/public) are missing from this installation',
  );
}

interface Asset {
  type: string;
  body: Buffer;
}

function loadAssets(): Record<string, Asset> {
  const dir = publicDir();
  const uplot = path.dirname(require.resolve('uplot/package.json'));
  return {
    '/assets/app.js': {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(path.join(dir, 'app.js')),
    },
    '/assets/app.css': { type: 'text/css; charset=utf-8', body: readFileSync(path.join(dir, 'app.css')) },
    '/assets/uplot.js': {
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(path.join(uplot, 'dist', 'uPlot.iife.min.js')),
    },
    '/assets/uplot.css': {
      type: 'text/css; charset=utf-8',
      body: readFileSync(path.join(uplot, 'dist', 'uPlot.min.css')),
    },
  };
}

/** Routes reachable without a login: the login form and its stylesheet. */
const PUBLIC = new Set([
  'GET /login',
  'HEAD /login',
  'POST /login',
  'GET /assets/app.css',
  'HEAD /assets/app.css',
]);

/** Is this Host header one the dashboard answers to (DNS rebinding guard)? */
export function hostAllowed(host: string | undefined, extra: string[]): boolean {
  if (!host) return false;
  const m = /^(\[[^\]]+\]|[^:]+)(:\d{1,5})?$/.exec(host);
  if (!m) return false;
  const name = m[1]!.replace(/^\[|\]$/g, '').toLowerCase();
  if (name === 'localhost' || parseIp(name)) return true;
  return extra.some((h) => h.toLowerCase() === name);
}

export interface IncidentSummary {
  id: string;
  detector: string;
  title: string;
  severity: Severity;
  time: number;
  firstSeen: number;
  summary: string;
  count: number;
  subject: Incident['subject'];
  sources?: string[];
  decision: Incident['decision'];
  ack?: Ack;
}

export function summarize(i: Incident, ack?: Ack): IncidentSummary {
  return {
    id: i.id,
    detector: i.detector,
    title: i.title,
    severity: i.severity,
    time: i.time,
    firstSeen: i.firstSeen,
    summary: i.summary,
    count: i.count,
    subject: i.subject,
    ...(i.sources ? { sources: i.sources } : {}),
    decision: i.decision,
    ...(ack ? { ack } : {}),
  };
}

interface SseClient {
  res: ServerResponse;
  sessionId?: string;
}

export class Dashboard implements WatchOutput {
  readonly app: FastifyInstance;
  readonly rates: RateTracker;
  private readonly sessions: Sessions;
  private readonly clients = new Set<SseClient>();
  private readonly now: () => number;
  private tick: NodeJS.Timeout | undefined;
  private eventsSinceTick = 0;
  private topCache: { at: number; value: unknown } | undefined;
  private readonly manager: BanManager | undefined;
  readonly tls: boolean;

  private constructor(
    private readonly o: DashboardOptions,
    private readonly verifier: TokenVerifier,
    private readonly assets: Record<string, Asset>,
  ) {
    this.now = o.now ?? Date.now;
    this.tls = Boolean(o.tls);
    this.sessions = new Sessions(o.policy.web.session, this.now);
    this.rates = new RateTracker(300, 86400, this.now);
    this.rates.load(o.store);
    this.manager = o.bans?.manager ?? o.manager;
    o.bans?.onEnforcement((e) => {
      const row = enforcementRow(e);
      try {
        o.store.addHistory(row);
      } catch (err) {
        o.logger.error({ err: (err as Error).message }, 'dashboard: cannot record the ban history');
      }
      this.broadcast('enforcement', row);
    });
    this.app = Fastify({
      logger: false,
      trustProxy: false,
      bodyLimit: 16 * 1024,
      ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key, minVersion: 'TLSv1.2' as const } } : {}),
    }) as unknown as FastifyInstance;
  }

  /**
   * Builds the dashboard (not yet listening). Without a token hash in `tokenFile` a token is
   * created and returned once in `createdToken`.
   */
  static async create(o: DashboardOptions): Promise<{ dashboard: Dashboard; createdToken?: string }> {
    const { verifier, created } = await TokenVerifier.open(o.tokenFile);
    const d = new Dashboard(o, verifier, loadAssets());
    await d.setup();
    return { dashboard: d, ...(created ? { createdToken: created } : {}) };
  }

  private get cookieName(): string {
    return this.tls ? '__Host-hl_session' : 'hl_session';
  }

  private async setup(): Promise<void> {
    const app = this.app;
    const o = this.o;
    app.decorateRequest('hlAuth', null);
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          fontSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
          ...(this.tls ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      strictTransportSecurity: this.tls ? { maxAge: 31536000, includeSubDomains: false } : false,
      referrerPolicy: { policy: 'same-origin' },
      xFrameOptions: { action: 'deny' },
      crossOriginEmbedderPolicy: true,
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
    });
    await app.register(cookie);
    await app.register(formbody);
    await app.register(rateLimit, {
      global: true,
      max: 1200,
      timeWindow: 60_000,
      keyGenerator: (req) => req.ip,
      onExceeded: (req) =>
        o.logger.warn({ event: 'web_rate_limited', ip: req.ip, url: req.url }, 'dashboard: rate limit'),
    });

    app.addHook('onRequest', async (req, reply) => {
      reply.raw.setHeader('Cache-Control', 'no-store');
      reply.raw.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
      if (!hostAllowed(req.headers.host, o.policy.web.hosts)) {
        return reply.code(421).type('text/plain').send('this dashboard does not answer to that host name\n');
      }
      const route = `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
      if (PUBLIC.has(route)) return;
      const auth = await this.authenticate(req);
      if (!auth) {
        if (req.method === 'GET' && !req.url.startsWith('/api/') && !req.url.startsWith('/assets/'))
          return reply.redirect('/login', 303);
        return reply.code(401).header('WWW-Authenticate', 'Bearer realm="hardline"').send({
          error: 'unauthorized',
          message: 'log in, or send Authorization: Bearer <token>',
        });
      }
      req.hlAuth = auth;
      if (req.method !== 'GET' && req.method !== 'HEAD' && auth.kind === 'session') {
        const why = this.csrfProblem(req, auth.session!);
        if (why) {
          o.logger.warn(
            { event: 'web_csrf_refused', ip: req.ip, url: req.url, why },
            'dashboard: CSRF check failed',
          );
          return reply.code(403).send({ error: 'forbidden', message: why });
        }
      }
    });

    for (const [url, a] of Object.entries(this.assets))
      app.get(url, async (_req, reply) => reply.type(a.type).send(a.body));

    app.get('/login', async (req, reply) => {
      const q = req.query as Record<string, string | undefined>;
      const message =
        q['failed'] !== undefined
          ? 'That token is not valid.'
          : q['expired'] !== undefined
            ? 'Your session ended; log in again.'
            : undefined;
      return reply
        .type('text/html; charset=utf-8')
        .send(
          loginPage({ ...(message ? { message } : {}), ...(o.policy.site ? { site: o.policy.site } : {}) }),
        );
    });

    app.post(
      '/login',
      {
        config: {
          rateLimit: {
            max: o.policy.web.login_attempts,
            timeWindow: 60_000,
            onExceeded: (req: FastifyRequest) => this.loginFailed(req, 'rate limited'),
          },
        },
      },
      async (req, reply) => this.login(req, reply),
    );

    app.post('/logout', async (req, reply) => {
      this.sessions.destroy(req.hlAuth?.sessionId);
      reply.clearCookie(this.cookieName, { path: '/' });
      return reply.send({ ok: true });
    });

    app.get('/', async (req, reply) =>
      reply.type('text/html; charset=utf-8').send(
        appPage({
          csrf: req.hlAuth?.session?.csrf ?? '',
          mode: this.manager ? o.policy.firewall.mode : 'off',
          ...(o.policy.site ? { site: o.policy.site } : {}),
        }),
      ),
    );

    app.get('/api/session', async (req) => ({
      kind: req.hlAuth!.kind,
      ...(req.hlAuth!.session
        ? { csrf: req.hlAuth!.session.csrf, expires: req.hlAuth!.session.expires }
        : {}),
    }));
    app.get('/api/overview', async () => this.overview());
    app.get('/api/rates', async () => {
      this.rates.learn(o.store);
      return this.rates.series();
    });
    app.get('/api/incidents', async (req) => {
      const q = req.query as Record<string, string | undefined>;
      const since = Number(q['since'] ?? this.now() - 86400_000);
      const limit = Math.min(1000, Math.max(1, Number(q['limit'] ?? 200) || 200));
      const list = o.store.incidents(Number.isFinite(since) ? since : 0, limit);
      const acks = o.store.acks(list.map((i) => i.id));
      return { incidents: list.map((i) => summarize(i, acks.get(i.id))) };
    });
    app.get('/api/incidents/:id', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const i = o.store.incident(id);
      if (!i) return reply.code(404).send({ error: 'not found', message: `no incident ${id}` });
      const ack = o.store.acks([id]).get(id);
      return {
        incident: { ...i, ...(ack ? { ack } : {}) },
        enforcement: o.store.historyFor(id),
        classification: i.decision.source ? (o.classify?.(i.decision.source) ?? null) : null,
        geo: i.decision.source ? (o.geo?.lookup(i.decision.source) ?? null) : null,
        mode: this.manager ? o.policy.firewall.mode : 'off',
      };
    });
    app.post('/api/incidents/:id/ack', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      if (!o.store.incident(id))
        return reply.code(404).send({ error: 'not found', message: `no incident ${id}` });
      const body = (req.body ?? {}) as { note?: unknown };
      const note = typeof body.note === 'string' ? body.note.slice(0, 500) : '';
      const ack = { time: this.now(), note };
      o.store.ack(id, ack);
      o.logger.info({ event: 'web_ack', incident: id, ip: req.ip }, `dashboard: incident ${id} acknowledged`);
      this.broadcast('ack', { id, ack });
      return { ok: true, id, ack };
    });
    app.get('/api/bans', async () => this.bansView());
    app.post('/api/bans/:address/unban', async (req, reply) => {
      const address = (req.params as { address: string }).address;
      const ip = parseIp(address);
      if (!ip)
        return reply.code(400).send({ error: 'bad request', message: `${address} is not an IP address` });
      if (!this.manager)
        return reply.code(409).send({
          error: 'unavailable',
          message: 'bans are not managed by this watch (start it with --ban)',
        });
      try {
        const r = await this.manager.unban(ip.toString());
        const row: BanHistoryRow = {
          time: this.now(),
          action: 'unban',
          address: r.address,
          detail: r.removed
            ? 'lifted from the dashboard'
            : 'was not banned; removed from the nft set if present',
          actor: 'dashboard',
        };
        o.store.addHistory(row);
        o.logger.warn(
          { event: 'web_unban', address: r.address, ip: req.ip },
          `dashboard: unbanned ${r.address}`,
        );
        this.broadcast('unban', row);
        return { ok: true, ...r };
      } catch (e) {
        return reply.code(502).send({ error: 'unban failed', message: (e as Error).message });
      }
    });
    app.get('/api/inventory', async () => ({
      rows: inventoryRows(
        o.store.endpoints(),
        o.policy,
        o.classify ?? (() => undefined),
        o.store.accountIncidents(this.now() - 30 * 86400_000),
        this.now(),
      ),
    }));
    app.get('/api/findings', async () => {
      const r = o.policy.web.reports;
      const list = (['audit', 'probe', 'review'] as const)
        .filter((k) => r[k])
        .map((k) => readReport(k, path.resolve(o.baseDir, r[k]!)));
      return { reports: list };
    });
    app.get('/api/exceptions', async () => ({ exceptions: exceptionViews(o.policy, this.now()) }));
    app.get('/api/stream', (req, reply) => this.stream(req, reply));
    app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));
    app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
      const code = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
      if (code === 500) o.logger.error({ err: err.message, url: req.url }, 'dashboard: request failed');
      return reply
        .code(code)
        .send({ error: code === 500 ? 'internal error' : 'bad request', message: err.message });
    });
  }

  private async authenticate(req: FastifyRequest): Promise<Auth | null> {
    const h = req.headers.authorization;
    if (h?.startsWith('Bearer ')) {
      if (await this.verifier.verify(h.slice(7).trim())) return { kind: 'bearer' };
      this.loginFailed(req, 'wrong bearer token');
      return null;
    }
    const id = req.cookies[this.cookieName];
    const s = this.sessions.get(id);
    return s ? { kind: 'session', session: s, sessionId: id! } : null;
  }

  /** Same-origin proof for a state change: the Origin header and the session's CSRF token. */
  private csrfProblem(req: FastifyRequest, s: Session): string | undefined {
    const expected = `${this.tls ? 'https' : 'http'}://${req.headers.host}`;
    const origin = req.headers.origin;
    if (!origin) return 'missing Origin header';
    if (origin !== expected) return `cross-origin request from ${origin.slice(0, 100)} refused`;
    const site = req.headers['sec-fetch-site'];
    if (site && site !== 'same-origin') return `Sec-Fetch-Site ${String(site).slice(0, 20)} refused`;
    const t = req.headers['x-csrf-token'];
    if (typeof t !== 'string' || !safeEqual(t, s.csrf)) return 'missing or wrong CSRF token';
    return undefined;
  }

  /** A failed login: logged, and fed to the detectors as an auth-failure of service hardline-web. */
  private loginFailed(req: FastifyRequest, why: string): void {
    const ip = parseIp(req.ip)?.toString() ?? req.ip;
    this.o.logger.warn({ event: 'web_login_failed', ip, why }, `dashboard: login failed from ${ip} (${why})`);
    const ua = req.headers['user-agent'];
    this.o.securityEvent?.({
      kind: 'auth-failure',
      time: this.now(),
      source: { ip, port: req.socket.remotePort ?? 0, transport: this.tls ? 'tls' : 'tcp' },
      account: 'dashboard',
      service: 'hardline-web',
      reason: why,
      ...(ua ? { userAgent: String(ua).slice(0, 200) } : {}),
      evidence: {
        raw: `hardline dashboard: login failed (${why}) from ${ip}:${req.socket.remotePort ?? 0} ${req.method} ${req.url.split('?')[0]}`,
        format: 'hardline-web',
        decoder: 'web-login',
        origin: 'web',
      },
    });
  }

  private async login(req: FastifyRequest, reply: FastifyReply) {
    const json = (req.headers['content-type'] ?? '').includes('application/json');
    const origin = req.headers.origin;
    if (origin && origin !== `${this.tls ? 'https' : 'http'}://${req.headers.host}`) {
      this.o.logger.warn(
        { event: 'web_csrf_refused', ip: req.ip, origin },
        'dashboard: cross-origin login refused',
      );
      return reply.code(403).send({ error: 'forbidden', message: 'cross-origin login refused' });
    }
    const body = (req.body ?? {}) as { token?: unknown };
    const token = typeof body.token === 'string' ? body.token.trim() : '';
    if (!token || !(await this.verifier.verify(token))) {
      this.loginFailed(req, token ? 'wrong token' : 'no token');
      return json
        ? reply.code(401).send({ error: 'unauthorized', message: 'wrong token' })
        : reply.redirect('/login?failed', 303);
    }
    const { id, session } = this.sessions.create(req.ip);
    reply.setCookie(this.cookieName, id, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: this.tls,
      maxAge: this.o.policy.web.session,
    });
    this.o.logger.info({ event: 'web_login', ip: req.ip }, 'dashboard: login');
    return json ? reply.send({ ok: true, csrf: session.csrf }) : reply.redirect('/', 303);
  }

  private async overview() {
    const o = this.o;
    const now = this.now();
    const since = now - 86400_000;
    const list = o.store.incidents(since, 500);
    const acks = o.store.acks(list.map((i) => i.id));
    const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
    for (const i of list) bySeverity[i.severity]++;
    if (!this.topCache || now - this.topCache.at > 10_000) {
      this.topCache = {
        at: now,
        value: o.store.topSources(since, 10).map((s) => ({
          ...s,
          scope: parseIp(s.ip)?.range() ?? 'unknown',
          classification: o.classify?.(s.ip) ?? null,
          geo: o.geo?.lookup(s.ip) ?? null,
        })),
      };
    }
    const bans = await this.bansView(false);
    const history = o.store.history(500).filter((h) => h.time >= since);
    return {
      now,
      since,
      site: o.policy.site ?? null,
      incidents: list.slice(0, 100).map((i) => summarize(i, acks.get(i.id))),
      incidentCount: list.length,
      bySeverity,
      unacknowledged: list.filter((i) => !acks.has(i.id)).length,
      bans: {
        mode: bans.mode,
        available: bans.available,
        active: bans.bans.length,
        list: bans.bans.slice(0, 20),
        banned24h: history.filter((h) => h.action === 'banned').length,
        wouldBan24h: history.filter((h) => h.action === 'dry-run').length,
        refused24h: history.filter((h) => h.action === 'refused').length,
        ...(bans.error ? { error: bans.error } : {}),
      },
      topSources: this.topCache.value,
      geo: Boolean(o.geo),
    };
  }

  private async bansView(withHistory = true) {
    const o = this.o;
    const history = withHistory ? o.store.history(200) : [];
    if (!this.manager)
      return {
        available: false,
        mode: 'off' as const,
        bans: [],
        liveOnly: [],
        tableLoaded: false,
        history,
        message: 'bans are not managed by this watch (start it with --ban)',
      };
    try {
      const l = await this.manager.list();
      return {
        available: true,
        mode: o.policy.firewall.mode,
        bans: l.bans,
        liveOnly: l.liveOnly,
        tableLoaded: l.tableLoaded,
        history,
      };
    } catch (e) {
      return {
        available: true,
        mode: o.policy.firewall.mode,
        bans: [],
        liveOnly: [],
        tableLoaded: false,
        history,
        error: (e as Error).message,
      };
    }
  }

  private stream(req: FastifyRequest, reply: FastifyReply): void {
    if (this.clients.size >= 32) {
      reply.code(503).send({ error: 'busy', message: 'too many live connections' });
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const c: SseClient = { res, ...(req.hlAuth?.sessionId ? { sessionId: req.hlAuth.sessionId } : {}) };
    this.clients.add(c);
    const drop = () => this.clients.delete(c);
    req.raw.on('close', drop);
    res.on('error', drop);
    this.ensureTick();
  }

  private ensureTick(): void {
    if (this.tick) return;
    this.tick = setInterval(() => {
      const n = this.eventsSinceTick;
      this.eventsSinceTick = 0;
      this.broadcast('tick', { time: this.now(), events: n });
      if (this.clients.size) for (const c of this.clients) c.res.write(': ping\n\n');
    }, this.o.tickMs ?? 10_000);
    this.tick.unref?.();
  }

  /** Sends one SSE message to every live client (expired sessions and slow readers are dropped). */
  broadcast(type: string, data: unknown): void {
    if (!this.clients.size) return;
    const msg = `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const c of this.clients) {
      if ((c.sessionId && !this.sessions.get(c.sessionId)) || c.res.writableLength > 1 << 20) {
        this.clients.delete(c);
        c.res.end();
        continue;
      }
      c.res.write(msg);
    }
  }

  get liveClients(): number {
    return this.clients.size;
  }

  // WatchOutput
  event(ev: SecurityEvent): void {
    this.rates.add(ev.kind, ev.time);
    this.eventsSinceTick++;
  }

  incident(i: Incident): void {
    this.topCache = undefined;
    this.broadcast('incident', summarize(i));
  }

  /** Listens on HOST:PORT; returns the URL. Refuses plain HTTP beyond loopback unless allowed. */
  async listen(hostPort: string): Promise<{ url: string; port: number; host: string }> {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(hostPort);
    if (!m)
      throw new HardlineError('HL_ERR_USAGE', `--web ${hostPort}: expected HOST:PORT such as 127.0.0.1:8090`);
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    const ip = parseIp(host);
    const loopback = host === 'localhost' || ip?.range() === 'loopback';
    if (!loopback && !this.tls && !this.o.policy.web.insecure_remote)
      throw new HardlineError(
        'HL_ERR_WEB_UNSAFE',
        `refusing to serve the dashboard on ${hostPort} without TLS: the token and the session cookie would cross the network in clear`,
        [
          {
            message:
              'set web.tls (cert and key) in the policy, reach it through an SSH tunnel to 127.0.0.1, or set web.insecure_remote: true if you accept that',
          },
        ],
      );
    try {
      await this.app.listen({ host, port });
    } catch (e) {
      throw new HardlineError('HL_ERR_WEB', `cannot listen on ${hostPort}: ${(e as Error).message}`);
    }
    const a = this.app.server.address();
    const bound = typeof a === 'object' && a ? a.port : port;
    const h = host.includes(':') ? `[${host}]` : host;
    return { url: `${this.tls ? 'https' : 'http'}://${h}:${bound}/`, port: bound, host };
  }

  async close(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
    await this.app.close();
    this.o.store.close();
  }
}
