import {
  endpointAuthNames,
  endpointContext,
  identifiesFor,
  identifyBy,
  spanOf,
} from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-003',
  title: 'Endpoint accepts requests without authentication',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: "A pjsip endpoint challenges callers only when it has an inbound `auth=`. Without one, and with `identify_by` including `username` (the default), anyone who puts the endpoint's name in the From header is that endpoint: they register as it or call through its context. Endpoints meant to be matched by source address (trunks) must not also be matchable by username.",
    fix: 'Give user endpoints an `auth=` section. For trunks matched by an `identify` section, set `identify_by = ip` on the endpoint so only the declared source addresses match it.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/Identifying-an-Endpoint/',
    ],
  },
  messages: {
    open: 'endpoint {endpoint} has no inbound auth and is matched by {by}: anyone naming it in From reaches context {context}',
    alsoUsername:
      'endpoint {endpoint} has no inbound auth; an identify section matches it by address, but identify_by={by} also matches it by name from anywhere',
  },
  check(m, ctx) {
    for (const ep of m.pjsip.endpoints) {
      if (ep.name === 'anonymous') continue; // AST-AUTH-004
      if (endpointAuthNames(ep).length > 0) continue;
      const by = identifyBy(ep);
      const byName = by.some((b) => b === 'username' || b === 'auth_username');
      if (!byName) continue;
      const idents = identifiesFor(m, ep.name);
      const target = `pjsip:endpoint/${ep.name}`;
      const at = spanOf(ep.get('identify_by') ?? ep);
      if (idents.length === 0) {
        ctx.report({
          messageId: 'open',
          data: { endpoint: ep.name, by: by.join(','), context: endpointContext(ep) },
          at,
          target,
        });
      } else {
        ctx.report({
          messageId: 'alsoUsername',
          data: { endpoint: ep.name, by: by.join(',') },
          at,
          target,
          severity: 'high',
          related: idents.map(spanOf),
        });
      }
    }
  },
});
