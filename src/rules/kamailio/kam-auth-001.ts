import { AUTH_FUNCS, isCall, requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

export default defineKamailioRule({
  id: 'KAM-AUTH-001',
  title: 'REGISTER saved to the location table without authentication',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: 'When Kamailio is the registrar, `save("location")` binds whatever contact the REGISTER names to the address-of-record. Without `auth_check()`/`www_authorize()` before it, anyone can register as any user, take over their incoming calls and, where local users may call out, call out as them. The stock kamailio.cfg does exactly that unless WITH_AUTH is defined.',
    fix: 'Authenticate before saving: in route[AUTH] (or before save) call `auth_check("$fd", "subscriber", "1")` and `auth_challenge("$fd", "0")` on failure (auth and auth_db modules, or `pv_www_authenticate` with your own credential store). With the stock cfg: `#!define WITH_AUTH` (or `defines: [WITH_AUTH]` in hardline.yaml when it is passed with -A).',
    refs: [
      'Kamailio etc/kamailio.cfg (route[AUTH], WITH_AUTH)',
      'Kamailio auth_db module README (auth_check)',
    ],
  },
  messages: {
    open: 'save() stores registrations in {route} without any digest authentication before it (no auth_check, www_authorize or proxy_authorize on the way from request_route)',
  },
  check(m, ctx) {
    if (!m.hasModule('registrar')) return;
    const flow = requestFlow(m);
    const seen = new Set<string>();
    let authSeen = false;
    for (const e of flow) {
      if (isCall(e, AUTH_FUNCS)) authSeen = true;
      if (e.kind !== 'call' || e.call.name !== 'save' || authSeen) continue;
      const key = `${e.call.file}:${e.call.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({
        messageId: 'open',
        data: { route: e.route === 'request_route' ? 'request_route' : `route[${e.route}]` },
        at: { file: e.call.file, line: e.call.line },
        target: `kamailio:route/${e.route}/save`,
      });
    }
  },
});
