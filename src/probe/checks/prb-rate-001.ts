import { defineCheck, endpointId } from '../check.js';
import { randomExtension, sendRegister, withConnection } from '../util.js';

export default defineCheck({
  id: 'PRB-RATE-001',
  title: 'No rate limiting of failing requests',
  severity: 'medium',
  step: 'authentication',
  scope: 'endpoint',
  order: 99,
  sends:
    'A burst of probe.burst (default 40) REGISTERs without credentials for random extensions, at 25 per second (or probe.rate if higher), each waiting at most 1.5 s for an answer; counts how many were answered and which was the first left unanswered. Runs after every other check.',
  impact:
    "A working rate limit (pike, fail2ban, hardline ban) may block the probe's address for a while: run the probe from an address you can afford to have banned, or leave this check out with --check.",
  docs: {
    why: 'Password guessing (svcrack, sipvicious-style sprays) and enumeration need thousands of requests from one source. A server that answers every failing REGISTER at full speed lets an attacker try a whole dictionary per night; one that stops answering a flooding source after a few dozen requests makes guessing impractical.',
    fix: 'Rate-limit per source: Kamailio pike (e.g. reqs_density_per_unit 16 per 2 s) plus an htable ban list; Asterisk/FreeSWITCH: fail2ban or hardline watch with timed bans, and iptables/nftables hashlimit on 5060/5061. Never ban trunks (hardline.yaml trunks).',
    refs: [
      'https://www.kamailio.org/docs/modules/stable/modules/pike.html',
      'https://github.com/fail2ban/fail2ban',
    ],
  },
  messages: {
    none: 'all {sent} failing REGISTERs sent at {rate}/s were answered: the source was never cut off',
  },
  async run(ctx) {
    const burst = ctx.policy.probe.burst;
    const rate = Math.max(ctx.policy.probe.rate, 25);
    const r = await withConnection(ctx, async (_c, client) => {
      let answered = 0;
      let firstSilent = -1;
      let sent = 0;
      const start = Date.now();
      const pending: Promise<void>[] = [];
      for (let i = 0; i < burst && ctx.remainingMs() > 3000; i++) {
        sent++;
        const n = i;
        pending.push(
          // Short per-request bound; no retransmission cycles in a burst.
          sendRegister(
            {
              ...ctx,
              pace: async () => {},
              policy: { ...ctx.policy, probe: { ...ctx.policy.probe, timeout_ms: 1500 } },
            },
            client,
            randomExtension(),
          ).then((ex) => {
            if (ex.final) answered++;
            else if (firstSilent < 0 || n < firstSilent) firstSilent = n;
          }),
        );
        await new Promise((res) => setTimeout(res, 1000 / rate));
      }
      await Promise.all(pending);
      return { answered, firstSilent, sent, ms: Date.now() - start };
    });
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    const v = r.value;
    if (v.answered === v.sent)
      ctx.report({
        messageId: 'none',
        data: { sent: v.sent, rate },
        target: `${endpointId(ctx.target)}/rate-limit`,
        evidence: [`${v.sent} REGISTERs for random extensions in ${v.ms} ms; ${v.answered} answered`],
      });
    else
      ctx.note(
        `cut off after ${v.firstSilent + 1} of ${v.sent} requests (${v.answered} answered): rate limiting works`,
      );
  },
});
