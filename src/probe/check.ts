import type { RuleMeta } from '../core/rule.js';
import type { Severity } from '../core/severity.js';
import type { Policy } from '../policy/schema.js';
import type { ClientOptions, SipClient } from '../sip/client.js';
import type { ConnectOptions, Endpoint, SipConnection, TransportName } from '../sip/transport/index.js';
import type { LoggingVerification } from './logging.js';

/** One SIP endpoint the probe talks to. */
export interface ProbeTarget extends Endpoint {
  /** `udp:host:port`, the finding source. */
  name: string;
  /** Declared in the policy's endpoints (false: given only by --target). */
  declared: boolean;
  /** Policy says the endpoint is public (anyone may reach it). */
  public: boolean;
}

export interface ProbeReport {
  messageId: string;
  data?: Record<string, string | number>;
  /** Stable identity, e.g. `sip:udp/192.0.2.1:5060/ext/1001`. */
  target: string;
  severity?: Severity;
  /** The exact request(s) and answer(s); Authorization values are redacted by the runner. */
  evidence?: string[];
}

export interface ProbeContext {
  policy: Policy;
  /** Absolute path of the policy file's folder (for ca_file). */
  policyDir: string;
  /** The endpoint (scope 'endpoint') or the first endpoint of the host (scope 'host'). */
  target: ProbeTarget;
  /** Every target on the same host (scope 'host'). */
  hostTargets: ProbeTarget[];
  /** Endpoints the policy declares for this host. */
  declaredForHost: ProbeTarget[];
  connectOptions: ConnectOptions;
  /** Waits for the rate limiter; call before every new request or connection attempt. */
  pace(): Promise<void>;
  /** Remaining time budget of the whole run, ms. */
  remainingMs(): number;
  /** Opens a connection to the target (or another endpoint on the same host), paced. */
  open(ep?: Partial<Endpoint>): Promise<SipConnection>;
  client(conn: SipConnection, o?: ClientOptions): SipClient;
  report(r: ProbeReport): void;
  /** Says why the check could not run fully (listed in the report). */
  note(text: string): void;
  /** Secrets the runner must scrub from every output (e.g. the test account's password). */
  secret(value: string): void;
  /** `--verify-logging`: where the monitoring's events are looked up (checks with `requires: 'monitor'`). */
  monitor?: LoggingVerification;
}

export interface ProbeCheck extends RuleMeta {
  /** What the check sends and how it judges the answers (shown in its documentation). */
  sends: string;
  /** Side effects a user should know before running it (a ban, a ringing phone), if any. */
  impact?: string;
  /** 'endpoint': run once per SIP endpoint; 'host': once per host. */
  scope: 'endpoint' | 'host';
  /** Endpoint checks: transports they apply to (default every one). */
  transports?: TransportName[];
  /** Lower runs first; checks that may get us banned (rate limit) run last. */
  order: number;
  /** 'monitor': runs only with `--verify-logging` (it needs the watch store to look events up). */
  requires?: 'monitor';
  run(ctx: ProbeContext): Promise<void>;
}

export function defineCheck(c: Omit<ProbeCheck, 'pbx' | 'check'> & { order?: number }): ProbeCheck {
  return { ...c, order: c.order ?? 50, pbx: 'any' } as ProbeCheck;
}

/** Shorthand for a target id: `sip:udp/host:port`. */
export function endpointId(t: Endpoint): string {
  return `sip:${t.transport}/${t.host}:${t.port}`;
}
