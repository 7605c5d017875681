import { randomBytes } from 'node:crypto';
import { type Exchange, randomToken, type SipClient } from '../../sip/client.js';
import type { SipMessage } from '../../sip/message.js';
import { serialize } from '../../sip/serialize.js';
import type { SipConnection } from '../../sip/transport/index.js';
import { canonicalIp } from '../../watch/event.js';
import { defineCheck, endpointId, type ProbeContext } from '../check.js';
import type { MonitorEvent } from '../logging.js';
import { exchangeEvidence, targetUri, withConnection } from '../util.js';
import { plainOffer } from './prb-auth-002.js';

/** Kinds that are normal steps of a login, not the record of a failure. */
const NOT_A_FAILURE = new Set(['auth-challenge', 'auth-success', 'registration']);

type Verdict = 'recorded' | 'invisible' | 'challenge-only' | 'address' | 'no-answer';

interface Attempt {
  n: number;
  method: 'REGISTER' | 'INVITE';
  marker: string;
  exchanges: Exchange[];
  /** Final (or last) answer. */
  answer?: SipMessage;
  /** The address the PBX saw (Via received), else the local socket address. */
  address: string;
  sentAt: number;
  events: MonitorEvent[];
  /** ms from the attempt to the first qualifying event found. */
  foundAfterMs?: number;
  verdict?: Verdict;
}

/** The address the server saw the request come from: `received` of the answer's top Via. */
function seenAddress(answer: SipMessage | undefined, local: string): string {
  const received = answer?.topVia()?.received;
  return (received && canonicalIp(received)) || canonicalIp(local) || local;
}

function judge(a: Attempt): Verdict {
  if (!a.answer) return 'no-answer';
  const failures = a.events.filter((e) => !NOT_A_FAILURE.has(e.kind));
  if (failures.some((e) => e.sourceIp === a.address)) return 'recorded';
  if (failures.length) return 'address';
  if (a.events.length) return 'challenge-only';
  return 'invisible';
}

async function failingRegister(ctx: ProbeContext, client: SipClient, marker: string): Promise<Exchange[]> {
  const domain = targetUri(ctx).replace(/^sip:/, '').replace(/;.*$/, '');
  const ids = { callId: `${marker}.${randomToken(6)}@hardline`, fromTag: randomToken(6) };
  await ctx.pace();
  const res = await client.withAuth(
    (seq, auth) =>
      client.build('REGISTER', targetUri(ctx), {
        from: `<sip:${marker}@${domain}>`,
        to: `<sip:${marker}@${domain}>`,
        ids: { ...ids, cseq: seq },
        headers: [['Expires', '0'], ...(auth ? [auth] : [])],
      }),
    // a password nobody has: the answer to a challenge must fail
    { username: marker, password: randomBytes(18).toString('base64url') },
    { timeoutMs: ctx.policy.probe.timeout_ms },
  );
  return res.second ? [res.first, res.second] : [res.first];
}

async function failingInvite(
  ctx: ProbeContext,
  conn: SipConnection,
  client: SipClient,
  marker: string,
): Promise<Exchange[]> {
  const domain = targetUri(ctx).replace(/^sip:/, '').replace(/;.*$/, '');
  const ids = { callId: `${marker}.${randomToken(6)}@hardline`, fromTag: randomToken(6) };
  let last: SipMessage | undefined;
  await ctx.pace();
  const res = await client.withAuth(
    (seq, auth) => {
      last = client.build('INVITE', targetUri(ctx, marker), {
        from: `<sip:${marker}@${domain}>`,
        ids: { ...ids, cseq: seq },
        body: plainOffer(conn.local.address || '0.0.0.0'),
        ...(auth ? { headers: [auth] } : {}),
      });
      return last;
    },
    { username: marker, password: randomBytes(18).toString('base64url') },
    { timeoutMs: ctx.policy.probe.timeout_ms + 2000, stopAtProvisional: true },
  );
  const ex = res.second ?? res.first;
  // nothing may ring: CANCEL what proceeds, hang up what is answered
  if (ex.final && ex.final.status < 300 && last) await client.hangUp(last, ex.final);
  else if (!ex.final && last && ex.responses.some((x) => x.status > 100)) {
    conn.send(serialize(client.cancelFor(last)));
    await new Promise((r) => setTimeout(r, 300));
  }
  return res.second ? [res.first, res.second] : [res.first];
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export default defineCheck({
  id: 'PRB-LOG-001',
  title: 'Failures are invisible to monitoring',
  severity: 'high',
  step: 'logging',
  scope: 'endpoint',
  order: 1,
  requires: 'monitor',
  sends:
    'Only with --verify-logging: a few (--verify-attempts, default 3, at most 10) failing requests, alternately a REGISTER and an INVITE, each for a made-up user that is also its marker (hlv + random hex: the From/To user, the digest username and the start of the Call-ID). A digest challenge is answered once with a random password, so the attempt fails like a password guess; an INVITE that proceeds is CANCELled, one answered is hung up at once. Then the watch store (--watch-db) is asked, for up to --verify-wait seconds (default 10), for an event containing each marker that records the failure (not only the challenge) with the address the PBX saw the probe at (the Via received parameter of its answer, else the probe socket address).',
  impact:
    'A few failed logins of the probe address appear in the PBX logs and in watch (far below any ban threshold). Runs first, before checks that may get the probe banned.',
  docs: {
    why: 'An attack that fails without leaving a log entry is an attack nobody sees: no alert, no ban, no evidence afterwards. Logging silently breaks more often than anyone notices: Asterisk security log channel commented out, FreeSWITCH log-auth-failures=false, a log rotated away from the file watch follows, a HEP mirror pointed at an old collector, an Asterisk update that stopped logging some failures, or a log line that names the wrong address (the From header instead of the socket), so the attacker cannot be banned. Simulating a few failures and checking that each one arrived is the only way to know.',
    fix: 'Make every failure reach watch with the source address: Asterisk: logger.conf security => security (and follow that file or send it by syslog/HEP); FreeSWITCH: log-auth-failures=true on every sofia profile; Kamailio: siptrace to hardline watch --hep (or xlog lines naming $si). Check that watch runs, follows the right files and listens where the PBX sends (hardline watch --log/--syslog/--hep), and that its store is the one given with --watch-db.',
    refs: [
      'https://docs.asterisk.org/Configuration/Core-Configuration/Logging/Asterisk-Security-Framework/',
      'https://www.kamailio.org/docs/modules/stable/modules/siptrace.html',
      'NIST SP 800-92, Guide to Computer Security Log Management',
    ],
  },
  messages: {
    invisible:
      '{missing} of {total} failing {method}s from {address} left no event in {store} within {wait} s: failures are invisible to monitoring',
    challenge:
      '{missing} of {total} failing {method}s from {address} were recorded only as the digest challenge, not as a failure ({store}): guessing goes uncounted',
    address:
      '{missing} of {total} failing {method}s from {address} were recorded without that address ({seen}): detectors cannot name or ban the source',
  },
  async run(ctx) {
    const m = ctx.monitor;
    if (!m) return ctx.note('needs --verify-logging --watch-db FILE');
    const run = randomBytes(3).toString('hex');
    const cursor = await m.lookup.mark();
    const attempts: Attempt[] = [];
    const r = await withConnection(ctx, async (conn) => {
      for (let i = 0; i < m.attempts && ctx.remainingMs() > 2000; i++) {
        const method = i % 2 === 0 ? 'REGISTER' : 'INVITE';
        const marker = `hlv${run}${i + 1}`;
        const client = ctx.client(conn, { fromUser: marker });
        const sentAt = Date.now();
        const exchanges =
          method === 'REGISTER'
            ? await failingRegister(ctx, client, marker)
            : await failingInvite(ctx, conn, client, marker);
        const last = exchanges[exchanges.length - 1]!;
        const answer = last.final ?? last.responses[last.responses.length - 1];
        attempts.push({
          n: i + 1,
          method,
          marker,
          exchanges,
          ...(answer ? { answer } : {}),
          address: seenAddress(answer, conn.local.address),
          sentAt,
          events: [],
        });
      }
    });
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    if (!attempts.length) return ctx.note('not run: the time budget (probe.max_time) was used up');

    // Ask the monitoring until every attempt is recorded or the wait is over.
    const deadline = Math.min(Date.now() + m.waitMs, Date.now() + ctx.remainingMs());
    for (;;) {
      for (const a of attempts) {
        if (a.verdict === 'recorded') continue;
        a.events = await m.lookup.find(cursor, a.marker);
        if (judge(a) === 'recorded') {
          a.verdict = 'recorded';
          a.foundAfterMs = Date.now() - a.sentAt;
        }
      }
      if (attempts.every((a) => a.verdict === 'recorded' || !a.answer) || Date.now() >= deadline) break;
      await new Promise((res) => setTimeout(res, Math.min(250, Math.max(0, deadline - Date.now()))));
    }
    for (const a of attempts) a.verdict = judge(a);

    const store = m.lookup.describe();
    const wait = Math.round(m.waitMs / 1000);
    const newest = await m.lookup.newest();
    const staleness =
      newest === undefined
        ? `${store} holds no events at all: is hardline watch running with this --db?`
        : `newest event in ${store}: ${new Date(newest).toISOString()}`;
    const describeAttempt = (a: Attempt) => {
      const ans = a.answer ? `${a.answer.status} ${a.answer.reason}` : 'no answer';
      const seen = a.events.length
        ? a.events
            .slice(0, 3)
            .map((e) => `${e.kind} from ${e.sourceIp ?? '(no address)'} (${e.via})`)
            .join('; ')
        : 'no event';
      return `attempt ${a.n}: ${a.method} ${a.marker} answered ${ans}; the PBX saw ${a.address}; monitoring: ${seen}`;
    };

    const problems: Verdict[] = ['invisible', 'challenge-only', 'address'];
    for (const method of ['REGISTER', 'INVITE'] as const) {
      const mine = attempts.filter((a) => a.method === method && a.answer);
      for (const verdict of problems) {
        const bad = mine.filter((a) => a.verdict === verdict);
        if (!bad.length) continue;
        const seen = [...new Set(bad.flatMap((a) => a.events.map((e) => e.sourceIp ?? 'no address')))];
        ctx.report({
          messageId: verdict === 'challenge-only' ? 'challenge' : verdict,
          data: {
            missing: bad.length,
            total: mine.length,
            method,
            address: [...new Set(bad.map((a) => a.address))].join(', '),
            store,
            wait,
            seen: seen.length ? `events name ${seen.join(', ')}` : 'no address',
          },
          target: `${endpointId(ctx.target)}/logging/${method.toLowerCase()}/${verdict}`,
          evidence: [
            ...bad.map(describeAttempt),
            ...(verdict === 'invisible' ? [staleness] : []),
            ...exchangeEvidence(bad[0]!.exchanges[bad[0]!.exchanges.length - 1]!),
          ],
        });
      }
    }
    const unanswered = attempts.filter((a) => !a.answer);
    if (unanswered.length)
      ctx.note(
        `${unanswered.length} of ${attempts.length} attempts got no answer (the PBX dropped them or banned the probe): not judged`,
      );
    const ok = attempts.filter((a) => a.verdict === 'recorded');
    if (ok.length)
      ctx.note(
        `${ok.length} of ${attempts.length} failing requests recorded by ${store}: ${ok
          .map(
            (a) =>
              `${a.method} ${a.marker} (${a.answer!.status}) as ${a.events.find((e) => !NOT_A_FAILURE.has(e.kind) && e.sourceIp === a.address)!.kind} from ${a.address} within ${sec(a.foundAfterMs ?? 0)}`,
          )
          .join(', ')}`,
      );
  },
});
