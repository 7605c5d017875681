import { endpointContext, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-004',
  title: 'Anonymous endpoint accepts calls from anyone',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: 'pjsip sends every request that matches no other endpoint to an endpoint named `anonymous`. Its context is therefore the dialplan that every stranger on the Internet reaches: if it includes anything beyond inbound DIDs, it is a toll-fraud path.',
    fix: 'Remove the `anonymous` endpoint unless you must accept SIP URI calls from the Internet; if you keep it, give it a context that only reaches your public DIDs (no includes of internal or outbound contexts).',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/Identifying-an-Endpoint/',
    ],
  },
  messages: {
    anon: 'endpoint anonymous takes every unidentified request into context {context}',
  },
  check(m, ctx) {
    const ep = m.pjsip.find('endpoint', 'anonymous');
    if (!ep) return;
    ctx.report({
      messageId: 'anon',
      data: { context: endpointContext(ep) },
      at: spanOf(ep),
      target: 'pjsip:endpoint/anonymous',
    });
  },
});
