import { endpointAuthNames, spanOf, via } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue, splitList } from '../../pbx/asterisk/values.js';

const MANY = 5;

export default defineAsteriskRule({
  id: 'AST-REG-001',
  title: 'Registration lets a stolen credential take over or join a phone',
  severity: 'low',
  step: 'authentication',
  docs: {
    why: "With `remove_existing = yes`, a REGISTER with the right credentials silently replaces the phone's contact: calls for the extension ring at the attacker until the real phone registers again, and nothing alerts anyone. A large `max_contacts` does the opposite: the attacker's device registers next to the real phone and receives every call in parallel.",
    fix: 'For a single desk phone use `max_contacts = 1` with `remove_existing = no`, so a second registration is refused (and logged) while the phone is registered; give softphone users a separate endpoint per device rather than a large max_contacts.',
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/PJSIP-Configuration-Sections-and-Relationships/',
    ],
  },
  messages: {
    replace:
      "aor {aor} has remove_existing=yes{via}: a registration with its credentials replaces the phone's contact",
    many: 'aor {aor} accepts {count} contacts{via}: another device with the credentials registers alongside the phone',
  },
  check(m, ctx) {
    const phoneAors = new Set(
      m.pjsip.endpoints
        .filter((e) => endpointAuthNames(e).length > 0)
        .flatMap((e) => e.all('aors').flatMap((v) => splitList(v.value))),
    );
    for (const aor of m.pjsip.aors) {
      if (!phoneAors.has(aor.name)) continue;
      const target = `pjsip:aor/${aor.name}`;
      const rem = aor.get('remove_existing');
      const max = aor.get('max_contacts');
      const count = max && /^\d+$/.test(max.value) ? Number(max.value) : 0;
      if (rem && astTrue(rem.value) && count > 0) {
        ctx.report({ messageId: 'replace', data: { aor: aor.name, via: via(rem) }, at: spanOf(rem), target });
      } else if (max && count > MANY) {
        ctx.report({
          messageId: 'many',
          data: { aor: aor.name, count, via: via(max) },
          at: spanOf(max),
          target,
        });
      }
    }
  },
});
