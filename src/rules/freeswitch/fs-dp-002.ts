import {
  handoffs,
  internationalMatches,
  internationalRoutes,
  profileAuthCalls,
  profileContext,
  userContexts,
} from '../../pbx/freeswitch/dialplan.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-DP-002',
  title: 'Unauthenticated context transfers any number into an internal context',
  severity: 'critical',
  step: 'authentication',
  docs: {
    why: 'Calls that arrive without authentication (the `public` context, or any profile with auth-calls off) must only reach the numbers you publish. An extension there that matches any number (`^(.*)$`, `^(\\d+)$`, `^\\+?(\\d{7,})$`) and transfers `$1 XML default` hands every stranger the dial plan of your own users, including their routes abroad.',
    fix: 'In public.xml match only your DIDs (e.g. `^(\\+?4930123456\\d{2})$`) and transfer them to the extension they belong to. Never transfer a catch-all from public into default or any context with gateway routes.',
    refs: [
      'FreeSWITCH conf/vanilla/dialplan/public.xml',
      'FreeSWITCH XML dialplan (transfer, execute_extension)',
    ],
  },
  messages: {
    transfer:
      'context {from} (reached without authentication) transfers any dialled number, e.g. international ones, to context {to}{routes}',
  },
  check(m, ctx) {
    const unauth = new Set<string>();
    for (const p of m.profiles) if (!profileAuthCalls(p)) unauth.add(profileContext(p));
    if (m.dialplan.has('public')) unauth.add('public');
    const privileged = userContexts(m);
    privileged.add('default');
    for (const from of unauth) {
      const c = m.dialplan.get(from);
      if (!c) continue;
      for (const h of handoffs(c)) {
        if (!h.carriesNumber || h.context === from) continue;
        if (internationalMatches(h.step.conditions).length === 0) continue;
        const routes = internationalRoutes(m, h.context).filter((r) => !r.gated);
        if (!privileged.has(h.context) && routes.length === 0) continue;
        const a = h.step.action;
        ctx.report({
          messageId: 'transfer',
          data: {
            from,
            to: h.context,
            routes: routes.length
              ? `, where ${routes.map((r) => `${r.step.ext.name} (${r.step.action.file}:${r.step.action.line})`).join(', ')} dials them through a gateway`
              : '',
          },
          at: { file: a.file, line: a.line },
          target: `freeswitch:dialplan/${from}/${h.step.ext.name}`,
          related: routes.map((r) => ({ file: r.step.action.file, line: r.step.action.line })),
          ...(routes.length ? {} : { severity: 'high' as const }),
        });
      }
    }
  },
});
