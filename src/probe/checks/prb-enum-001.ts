import type { Exchange } from '../../sip/client.js';
import { defineCheck, endpointId } from '../check.js';
import {
  exchangeEvidence,
  fingerprint,
  median,
  randomExtension,
  sendRegister,
  withConnection,
} from '../util.js';

export const DEFAULT_CANDIDATES = ['100', '101', '200', '1000', '1001', '2000', '6001'];

export default defineCheck({
  id: 'PRB-ENUM-001',
  title: 'Extensions can be enumerated',
  severity: 'medium',
  step: 'authentication',
  scope: 'endpoint',
  order: 60,
  sends:
    'REGISTER with Expires: 0 and no credentials for three random 9-digit extensions, then for probe.known_extension and each of probe.extensions (default 100, 101, 200, 1000, 1001, 2000, 6001). Each answer is compared with the random ones: status, reason phrase, header names, realm, whether the To has a tag, and the answer time (reported when it differs by more than 200 ms and three times the random median).',
  impact:
    'Up to 53 REGISTERs at probe.rate: a strict rate limit may slow or block the checks that run after it.',
  docs: {
    why: 'svwar, nmap sip-enum-users and sippts ask for many extensions and keep those whose answer differs from a random one (401 instead of 404, another reason phrase, another header set, a different delay). A list of valid extensions turns a blind password spray into a targeted brute force against real accounts.',
    fix: 'Answer every unknown user exactly like a known one: Kamailio: challenge before looking the user up (auth_check on every REGISTER/INVITE, same reply for unknown users); Asterisk: pjsip alwaysauthreject (chan_sip) or the default artificial auth; FreeSWITCH: log-auth-failures plus challenge-realm and no 404 for unknown users. Rate-limit (pike) so a sweep gets blocked.',
    refs: [
      'https://github.com/EnableSecurity/sipvicious/wiki/SVWar-Usage',
      'https://nmap.org/nsedoc/scripts/sip-enum-users.html',
    ],
  },
  messages: {
    differs:
      'extension {ext} answers REGISTER differently from random extensions: {answer} instead of {baseline}',
    timing:
      'extension {ext} answers REGISTER in {ms} ms, random extensions in {baselineMs} ms: timing tells them apart',
  },
  async run(ctx) {
    const p = ctx.policy.probe;
    const candidates = [
      ...new Set([
        ...(p.known_extension ? [p.known_extension] : []),
        ...(p.extensions ?? DEFAULT_CANDIDATES),
      ]),
    ];
    const randoms = [randomExtension(), randomExtension(), randomExtension()];
    const r = await withConnection(ctx, async (_c, client) => {
      const base: Exchange[] = [];
      for (const u of randoms) base.push(await sendRegister(ctx, client, u));
      const tried: { ext: string; ex: Exchange }[] = [];
      for (const ext of candidates) {
        if (ctx.remainingMs() < 2000) break;
        tried.push({ ext, ex: await sendRegister(ctx, client, ext) });
      }
      return { base, tried };
    });
    if ('error' in r) return ctx.note(`no connection: ${r.error.message}`);
    const { base, tried } = r.value;
    const basePrints = new Set(base.map((b) => fingerprint(b.final)));
    if (basePrints.size > 1) {
      ctx.note(
        `random extensions got different answers (${[...basePrints].join(' / ')}); enumeration judged on status only`,
      );
    }
    const baseline = fingerprint(base[0]!.final);
    const baseMs = median(base.map((b) => b.finalMs ?? 0));
    if (!base[0]!.final)
      return ctx.note('random extensions got no answer (filtered or rate-limited); enumeration not judged');
    const silent: string[] = [];
    for (const { ext, ex } of tried) {
      if (!ex.final) {
        // No answer after answers: filtered or rate-limited, not a fingerprint.
        silent.push(ext);
        continue;
      }
      const fp = fingerprint(ex.final);
      const differs = basePrints.size > 1 ? ex.final?.status !== base[0]!.final?.status : !basePrints.has(fp);
      const target = `${endpointId(ctx.target)}/ext/${ext}`;
      if (differs) {
        ctx.report({
          messageId: 'differs',
          data: { ext, answer: fp, baseline },
          target,
          evidence: [
            ...exchangeEvidence(ex, `extension ${ext} `),
            ...exchangeEvidence(base[0]!, 'random extension '),
          ],
        });
      } else if (ex.finalMs !== undefined && Math.abs(ex.finalMs - baseMs) > Math.max(200, baseMs * 3)) {
        ctx.report({
          messageId: 'timing',
          data: { ext, ms: ex.finalMs, baselineMs: baseMs },
          target,
          severity: 'low',
          evidence: exchangeEvidence(ex, `extension ${ext} `),
        });
      }
    }
    if (silent.length) ctx.note(`no answer for ${silent.join(', ')} (rate-limited or filtered): not judged`);
  },
});
