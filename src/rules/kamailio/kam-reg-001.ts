import { requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-REG-001',
  title: 'No limit on contacts per registered user (max_contacts)',
  severity: 'low',
  step: 'authentication',
  docs: {
    why: "With registrar `max_contacts` at 0 (the default: unlimited), one stolen account can register any number of extra contacts that ring in parallel and silently receive the user's calls, and a client bug or attacker can fill the location table.",
    fix: 'Set `modparam("registrar", "max_contacts", 3)` (or what your users really need).',
    refs: ['Kamailio registrar module README (max_contacts)', 'Kamailio etc/kamailio.cfg'],
  },
  messages: {
    unlimited: 'registrar max_contacts is {how}: no limit on contacts per address-of-record',
  },
  check(m, ctx) {
    if (!m.hasModule('registrar')) return;
    const save = requestFlow(m).find((e) => e.kind === 'call' && e.call.name === 'save');
    if (save?.kind !== 'call') return;
    const p = m.modparam('registrar', 'max_contacts');
    if (p && Number(p.value) > 0) return;
    ctx.report({
      messageId: 'unlimited',
      data: { how: p ? `${p.value}` : 'unset (0)' },
      at: p ? { file: p.file, line: p.line } : { file: save.call.file, line: save.call.line },
      target: 'kamailio:registrar/max_contacts',
    });
  },
});
