import { requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-SCAN-001',
  title: 'Known scanner User-Agents are not dropped',
  severity: 'low',
  step: 'firewall',
  docs: {
    why: 'SIPVicious (friendly-scanner), sipcli, VaxSIPUserAgent and similar tools announce themselves in the User-Agent. Answering them confirms a live SIP server and feeds the enumeration; dropping them silently costs nothing (the address-based defences still matter: the header is attacker-controlled).',
    fix: 'Early in request_route: `if ($ua =~ "friendly|scanner|sipcli|sipvicious|VaxSIPUserAgent|pplsip") { exit; }`, or use the secfilter module.',
    refs: ['Kamailio etc/kamailio.cfg (route[REQINIT])', 'Kamailio secfilter module README'],
  },
  messages: {
    none: 'request_route does not drop requests from known scanner User-Agents',
  },
  check(m, ctx) {
    const r = m.route('request');
    if (!r) return;
    const flow = requestFlow(m);
    const hit = flow.some(
      (e) =>
        (e.kind === 'cond' &&
          /\$ua/.test(e.cond.text) &&
          /scanner|sipvicious|friendly|sipcli/i.test(e.cond.text)) ||
        (e.kind === 'call' && /^secf_check_ua$|^secf_check_sqli_all$/.test(e.call.name)),
    );
    if (hit) return;
    ctx.report({
      messageId: 'none',
      at: { file: r.file, line: r.line },
      target: 'kamailio:route/request_route/scanner-ua',
    });
  },
});
