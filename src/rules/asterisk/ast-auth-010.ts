import { spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-010',
  title: 'Endpoint answers OPTIONS without authentication',
  severity: 'low',
  step: 'authentication',
  docs: {
    why: '`allow_unauthenticated_options = yes` answers OPTIONS requests for the endpoint without a challenge. svmap and friendly-scanner sweeps use OPTIONS to find live PBXs and valid endpoint names; answering them without authentication confirms both.',
    fix: 'Leave `allow_unauthenticated_options = no` (the default). If a provider insists on unauthenticated OPTIONS keepalives, match its trunk by address with `identify` instead.',
    refs: ['https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/'],
  },
  messages: { on: 'endpoint {endpoint} has allow_unauthenticated_options=yes{via}' },
  check(m, ctx) {
    for (const ep of m.pjsip.endpoints) {
      const v = ep.get('allow_unauthenticated_options');
      if (!v || !astTrue(v.value)) continue;
      ctx.report({
        messageId: 'on',
        data: { endpoint: ep.name, via: via(v) },
        at: spanOf(v),
        target: `pjsip:endpoint/${ep.name}`,
      });
    }
  },
});
