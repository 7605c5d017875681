import { requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-FLOOD-001',
  title: 'No flood detection (pike) on request_route',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: 'Scanners and password crackers send hundreds of requests per second. Without `pike_check_req()` (and a ban list such as htable ipban) every one of them reaches routing, authentication and the database, and a flood degrades service for real phones. The stock cfg only enables pike with WITH_ANTIFLOOD.',
    fix: 'Load pike and htable, call `pike_check_req()` early in request_route (after excluding trunks and `src_ip==myself`), and on failure store the source in `$sht(ipban=>$si)` and drop; check the ban table first on every request. Stock cfg: `#!define WITH_ANTIFLOOD`.',
    refs: ['Kamailio pike module README', 'Kamailio etc/kamailio.cfg (WITH_ANTIFLOOD, route[REQINIT])'],
  },
  messages: {
    none: 'request_route never calls pike_check_req(): floods and brute force reach routing unthrottled',
  },
  check(m, ctx) {
    const r = m.route('request');
    if (!r) return;
    const flow = requestFlow(m);
    if (flow.some((e) => e.kind === 'call' && e.call.name === 'pike_check_req')) return;
    ctx.report({
      messageId: 'none',
      at: { file: r.file, line: r.line },
      target: 'kamailio:route/request_route/pike',
    });
  },
});
