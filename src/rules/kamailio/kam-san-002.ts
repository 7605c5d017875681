import { requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

const MAXFWD = new Set(['mf_process_maxfwd_header', 'maxfwd_check', 'is_maxfwd_lt', 'maxfwd_process']);

export default defineKamailioRule({
  id: 'KAM-SAN-002',
  title: 'Max-Forwards not checked (routing loops)',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: 'Without Max-Forwards processing a request can loop between proxies (or be made to loop by an attacker with crafted Route headers), multiplying load until the servers fall over: a cheap amplification attack.',
    fix: 'Load maxfwd and start request_route with `if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }`.',
    refs: ['Kamailio maxfwd module README', 'RFC 3261 section 16.3'],
  },
  messages: {
    none: 'request_route never processes Max-Forwards (mf_process_maxfwd_header): loops are not stopped',
  },
  check(m, ctx) {
    const r = m.route('request');
    if (!r) return;
    if (requestFlow(m).some((e) => e.kind === 'call' && MAXFWD.has(e.call.name))) return;
    ctx.report({
      messageId: 'none',
      at: { file: r.file, line: r.line },
      target: 'kamailio:route/request_route/maxfwd',
    });
  },
});
