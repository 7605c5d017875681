import { SipClient } from '../../sip/client.js';
import { connect, type TransportName } from '../../sip/transport/index.js';
import { defineCheck } from '../check.js';
import { exchangeEvidence, sendOptions } from '../util.js';

const PROBED: { transport: TransportName; port: number }[] = [
  { transport: 'udp', port: 5060 },
  { transport: 'tcp', port: 5060 },
  { transport: 'tls', port: 5061 },
];

export default defineCheck({
  id: 'PRB-EXP-001',
  title: 'SIP answers on transports or ports the policy does not declare',
  severity: 'medium',
  step: 'exposure',
  scope: 'host',
  order: 10,
  sends:
    'One OPTIONS without credentials, each over its own connection, to UDP and TCP port 5060, TLS port 5061 and every endpoint the policy declares for the host (or named with --target). Any SIP answer counts as a listener; a declared endpoint without an answer within probe.timeout_ms is reported as silent.',
  docs: {
    why: 'Every SIP listener reachable from outside is attack surface: scanners sweep UDP 5060 first, and a forgotten plain UDP or TCP listener next to the intended TLS endpoint lets attackers brute-force and enumerate without TLS. Where the policy requires SIP over TLS, a plain listener also lets phones fall back to clear text.',
    fix: 'Close the listener in the PBX (Asterisk pjsip transport, FreeSWITCH sip_profile, Kamailio listen=) or drop it at the firewall, or declare it in hardline.yaml endpoints if it is meant to be public.',
    refs: ['RFC 3261 section 18', 'https://www.rfc-editor.org/rfc/rfc5630'],
  },
  messages: {
    undeclared: 'SIP answers on {transport} port {port}, which the policy does not declare for {host}',
    plainWhileTlsRequired:
      'plain SIP ({transport} port {port}) answers although the policy requires SIP over TLS (security.sip_tls: required)',
    declaredSilent: 'the declared endpoint {transport} port {port} does not answer SIP OPTIONS ({reason})',
  },
  async run(ctx) {
    const host = ctx.target.host;
    const candidates = [...PROBED];
    for (const t of ctx.hostTargets)
      if (!candidates.some((c) => c.transport === t.transport && c.port === t.port))
        candidates.push({ transport: t.transport, port: t.port });
    for (const d of ctx.declaredForHost)
      if (!candidates.some((c) => c.transport === d.transport && c.port === d.port))
        candidates.push({ transport: d.transport, port: d.port });
    for (const c of candidates) {
      if (ctx.remainingMs() < 3000) break;
      await ctx.pace();
      let answer: string | undefined;
      let evidence: string[] = [];
      try {
        const conn = await connect({ host, port: c.port, transport: c.transport }, ctx.connectOptions);
        try {
          const client = new SipClient(conn);
          const ex = await sendOptions(
            { ...ctx, target: { ...ctx.target, port: c.port, transport: c.transport } },
            client,
          );
          if (ex.final || ex.responses.length) answer = `${(ex.final ?? ex.responses[0])!.status}`;
          evidence = exchangeEvidence(ex);
        } finally {
          conn.close();
        }
      } catch (e) {
        answer = undefined;
        evidence = [`${c.transport} ${host}:${c.port}: ${(e as Error).message}`];
      }
      const declared = ctx.declaredForHost.find((d) => d.transport === c.transport && d.port === c.port);
      const target = `sip:${c.transport}/${host}:${c.port}`;
      const data = { transport: c.transport.toUpperCase(), port: c.port, host };
      if (answer !== undefined) {
        const plain = c.transport === 'udp' || c.transport === 'tcp' || c.transport === 'ws';
        if (plain && ctx.policy.security.sip_tls === 'required' && (!declared || declared.public))
          ctx.report({ messageId: 'plainWhileTlsRequired', data, target, severity: 'high', evidence });
        else if (!declared && ctx.declaredForHost.length > 0)
          ctx.report({ messageId: 'undeclared', data, target, evidence });
      } else if (declared) {
        ctx.report({
          messageId: 'declaredSilent',
          data: { ...data, reason: evidence[evidence.length - 1]?.split(': ').pop() ?? 'no answer' },
          target,
          severity: 'low',
          evidence: evidence.slice(-1),
        });
      }
    }
    if (ctx.declaredForHost.length === 0)
      ctx.note('the policy declares no endpoints for this host: undeclared listeners are not judged');
  },
});
