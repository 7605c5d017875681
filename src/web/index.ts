import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { HardlineError } from '../core/errors.js';
import type { BanManager } from '../enforce/bans.js';
import type { Policy } from '../policy/schema.js';
import type { WatchHandle } from '../watch/daemon.js';
import type { BanOutput } from '../watch/outputs/bans.js';
import { openGeo } from './geo.js';
import { Dashboard } from './server.js';
import { SqliteDashboardStore } from './store.js';

export { Dashboard } from './server.js';

export interface StartDashboardOptions {
  handle: Pick<WatchHandle, 'pipeline'>;
  policy: Policy;
  /** Folder of the policy file: web.tls, web.geoip and web.reports paths are relative to it. */
  baseDir: string;
  /** The watch store file. */
  db: string;
  /** HOST:PORT. */
  listen: string;
  bans?: BanOutput;
  manager?: BanManager;
  logger: Logger;
  /** Where the first-start token and the URL are shown (default: stderr, not the JSON log). */
  show?: (text: string) => void;
  tickMs?: number;
}

function readPem(baseDir: string, file: string, what: string): Buffer {
  const f = path.resolve(baseDir, file);
  try {
    return readFileSync(f);
  } catch (e) {
    throw new HardlineError('HL_ERR_WEB', `cannot read web.tls.${what} ${f}: ${(e as Error).message}`);
  }
}

/**
 * Starts the dashboard next to a running watch: token (created and shown once at first start),
 * TLS, MaxMind databases, its store connection; then listens (loopback by default).
 */
export async function startDashboard(
  o: StartDashboardOptions,
): Promise<{ dashboard: Dashboard; url: string; port: number; createdToken?: string }> {
  const w = o.policy.web;
  const tls = w.tls
    ? { cert: readPem(o.baseDir, w.tls.cert, 'cert'), key: readPem(o.baseDir, w.tls.key, 'key') }
    : undefined;
  const geo = await openGeo(w.geoip.map((f) => path.resolve(o.baseDir, f)));
  const tokenFile = path.join(o.policy.firewall.state_dir, 'web-token.json');
  const store = new SqliteDashboardStore(o.db);
  const classifier = o.handle.pipeline.engine.classifier;
  let created: { dashboard: Dashboard; createdToken?: string };
  try {
    created = await Dashboard.create({
      policy: o.policy,
      baseDir: o.baseDir,
      store,
      tokenFile,
      logger: o.logger,
      securityEvent: (ev) => o.handle.pipeline.event(ev),
      classify: (ip) => classifier.classify(ip),
      ...(o.bans ? { bans: o.bans } : {}),
      ...(o.manager ? { manager: o.manager } : {}),
      ...(geo ? { geo } : {}),
      ...(tls ? { tls } : {}),
      ...(o.tickMs ? { tickMs: o.tickMs } : {}),
    });
  } catch (e) {
    store.close();
    throw e;
  }
  const d = created.dashboard;
  let where: { url: string; port: number };
  try {
    where = await d.listen(o.listen);
  } catch (e) {
    await d.close();
    throw e;
  }
  const show = o.show ?? ((t: string) => process.stderr.write(t));
  o.logger.info({ url: where.url, tls: Boolean(tls), tokenFile }, 'dashboard listening');
  if (created.createdToken)
    show(
      `hardline dashboard: ${where.url}\n` +
        `hardline dashboard: first start, access token (shown only now; only its hash is kept in ${tokenFile}):\n` +
        `  ${created.createdToken}\n`,
    );
  else show(`hardline dashboard: ${where.url} (log in with the access token)\n`);
  return { dashboard: d, ...where, ...(created.createdToken ? { createdToken: created.createdToken } : {}) };
}
