import { requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-SAN-001',
  title: 'No sanity_check() on incoming requests',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: 'Malformed requests (broken URIs, bad Content-Length, duplicate tags) are a favourite of fuzzers and exploit kits and can crash or confuse the proxy and the PBX behind it. `sanity_check()` rejects them before routing.',
    fix: 'Load the sanity module and call `if (!sanity_check("17895", "7")) { exit; }` early in request_route (route[REQINIT] in the stock cfg).',
    refs: ['Kamailio sanity module README', 'Kamailio etc/kamailio.cfg (route[REQINIT])'],
  },
  messages: {
    none: 'request_route never calls sanity_check(): malformed requests are routed',
  },
  check(m, ctx) {
    const r = m.route('request');
    if (!r) return;
    if (requestFlow(m).some((e) => e.kind === 'call' && e.call.name === 'sanity_check')) return;
    ctx.report({
      messageId: 'none',
      at: { file: r.file, line: r.line },
      target: 'kamailio:route/request_route/sanity',
    });
  },
});
