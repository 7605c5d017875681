import { randomInt } from 'node:crypto';
import { type Exchange, evidenceText, type SipClient } from '../sip/client.js';
import type { SipMessage } from '../sip/message.js';
import type { SipConnection } from '../sip/transport/index.js';
import type { ProbeContext } from './check.js';

/** The request and every answer, as evidence lines (Authorization redacted). */
export function exchangeEvidence(ex: Exchange, label = ''): string[] {
  const out = [
    `${label}>>> sent ${ex.sends}x${ex.timedOut ? ', no final answer' : ''}`,
    ...evidenceText(ex.request),
  ];
  for (const r of ex.responses)
    out.push(
      `<<< received${ex.finalMs !== undefined && r === ex.final ? ` after ${ex.finalMs} ms` : ''}`,
      ...evidenceText(r),
    );
  return out;
}

/** A URI for the target host as the Request-URI domain. */
export function targetUri(ctx: ProbeContext, user?: string): string {
  const t = ctx.target;
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `sip:${user ? `${user}@` : ''}${host}:${t.port}${t.transport === 'udp' ? '' : `;transport=${t.transport}`}`;
}

/** A random extension-like user that almost surely does not exist. */
export function randomExtension(): string {
  return String(randomInt(100_000_000, 999_999_999));
}

/** Opens the target, runs fn, always closes. Connection failures return undefined. */
export async function withConnection<T>(
  ctx: ProbeContext,
  fn: (conn: SipConnection, client: SipClient) => Promise<T>,
): Promise<{ value: T } | { error: Error }> {
  let conn: SipConnection;
  try {
    conn = await ctx.open();
  } catch (e) {
    return { error: e as Error };
  }
  try {
    return { value: await fn(conn, ctx.client(conn)) };
  } finally {
    conn.close();
  }
}

/** OPTIONS to the target from a stranger (no credentials). */
export async function sendOptions(ctx: ProbeContext, client: SipClient): Promise<Exchange> {
  await ctx.pace();
  return client.transaction(
    client.build('OPTIONS', targetUri(ctx), { headers: [['Accept', 'application/sdp']] }),
    {
      timeoutMs: ctx.policy.probe.timeout_ms,
    },
  );
}

/** REGISTER for `user` without credentials. */
export async function sendRegister(ctx: ProbeContext, client: SipClient, user: string): Promise<Exchange> {
  await ctx.pace();
  const domain = targetUri(ctx).replace(/^sip:/, '').replace(/;.*$/, '');
  const req = client.build('REGISTER', targetUri(ctx), {
    from: `<sip:${user}@${domain}>`,
    to: `<sip:${user}@${domain}>`,
    headers: [['Expires', '0']],
  });
  return client.transaction(req, { timeoutMs: ctx.policy.probe.timeout_ms });
}

const SOFTWARE =
  /asterisk|freeswitch|kamailio|opensips|openser|sems|yate|3cx|fpbx|freepbx|elastix|issabel|cisco|avaya|mitel|sipxecs|repro|resiprocate|pjsip|sofia|ser\b|grandstream|yealink|polycom|audiocodes|sonus|ribbon|oracle|acme packet/i;

/** Does this Server/User-Agent text reveal software, and a version? */
export function bannerReveals(text: string): { software: boolean; version: boolean } {
  return { software: SOFTWARE.test(text), version: /\d+\.\d+/.test(text) };
}

/** What an answer looks like, for comparison across extensions (no per-request values). */
export function fingerprint(m: SipMessage | undefined): string {
  if (!m) return 'no answer';
  const names = [...new Set(m.headers.map((h) => h.name))]
    .filter((n) => !['via', 'from', 'to', 'call-id', 'cseq', 'content-length', 'date'].includes(n))
    .sort();
  const challenge = m.get('www-authenticate') ?? m.get('proxy-authenticate');
  const realm = challenge ? (/realm="([^"]*)"/i.exec(challenge)?.[1] ?? '') : '';
  return `${m.status} ${m.reason} [${names.join(',')}]${realm ? ` realm=${realm}` : ''}${m.to()?.tag ? ' to-tag' : ''}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}
