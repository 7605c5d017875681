import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { isTrunkEndpoint } from '../../pbx/asterisk/paths.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-006',
  title: 'Phone endpoint trusts caller identity headers (trust_id_inbound)',
  severity: 'medium',
  step: 'authentication',
  docs: {
    why: "`trust_id_inbound = yes` makes Asterisk believe P-Asserted-Identity and Remote-Party-ID headers sent by the endpoint. That is meant for a provider trunk that asserts the caller. On a phone (or any endpoint a user controls) it lets the user present any caller ID, e.g. the CEO's extension to voicemail or the bank's number to a customer, and it is passed on to trunks that trust it in turn.",
    fix: 'Set `trust_id_inbound = no` (the default) on phone endpoints and templates; keep it only on provider trunks that are matched by address.',
    refs: ['https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/'],
  },
  messages: {
    on: 'endpoint {endpoint} has trust_id_inbound=yes{via}: its user may assert any caller identity',
  },
  check(m, ctx) {
    for (const ep of m.pjsip.endpoints) {
      const v = ep.get('trust_id_inbound');
      if (!v || !astTrue(v.value) || isTrunkEndpoint(m, ep)) continue;
      ctx.report({
        messageId: 'on',
        data: { endpoint: ep.name, via: via(v) },
        at: spanOf(v),
        target: `pjsip:endpoint/${ep.name}`,
      });
    }
  },
});
