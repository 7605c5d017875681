import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-KEMI-001',
  title: 'Routing logic in a KEMI script is outside this audit',
  severity: 'info',
  step: 'exposure',
  docs: {
    why: "With `cfgengine` set to Lua, Python, JavaScript or another KEMI language, request routing (authentication, relaying, flood checks) lives in that script, not in the cfg. hardline audits the cfg's global and module settings but cannot tell whether the script authenticates REGISTERs or refuses to relay: those checks are reported as not verified rather than silently passed.",
    fix: 'Review the KEMI script for the same points (auth before save and relay, pike, sanity, maxfwd, xhttp source checks), or keep the security-relevant parts in native cfg routes that the audit covers.',
    refs: ['Kamailio KEMI framework documentation (cfgengine)'],
  },
  messages: {
    kemi: 'routing is done by a {engine} KEMI script (cfgengine): authentication, relay and flood checks there were not audited',
  },
  check(m, ctx) {
    if (!m.kemi) return;
    ctx.report({
      messageId: 'kemi',
      data: { engine: m.kemi.engine },
      at: m.kemi.at,
      target: 'kamailio:cfgengine',
    });
  },
});
