import { breadthOf } from '../../pbx/common.js';
import { resolveAcls } from '../../pbx/freeswitch/acl.js';
import {
  internationalRoutes,
  profileAuthCalls,
  profileContext,
  userContexts,
} from '../../pbx/freeswitch/dialplan.js';
import { profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-SIP-003',
  title: 'Unauthenticated calls reach an unrestricted dialplan context',
  severity: 'high',
  step: 'authentication',
  policy: { uses: ['networks', 'trunks'], without: 'defaults' },
  docs: {
    why: 'With `auth-calls` off (the sofia default) a profile accepts INVITEs without a digest challenge and runs them in its `context`. When that context is the one internal users get (`default`, or their `user_context`) or sends international numbers to a gateway, a stranger on the Internet dials abroad through your trunk: classic toll fraud.',
    fix: 'Set `<param name="auth-calls" value="true"/>` on profiles phones use, and give profiles that must accept unauthenticated calls (provider trunks) `context=public` plus an `apply-inbound-acl` listing only the provider addresses. Route DIDs from `public` to specific extensions, never with a catch-all.',
    refs: [
      'FreeSWITCH conf/vanilla/sip_profiles/external.xml (auth-calls, context public)',
      'FreeSWITCH conf/vanilla/dialplan/public.xml',
    ],
  },
  messages: {
    userContext:
      'profile {profile} accepts calls without authentication{how} into context {context}, the context authenticated users get{routes}',
    routes:
      'profile {profile} accepts calls without authentication{how} into context {context}, which dials international numbers through a gateway{routes}',
  },
  check(m, ctx) {
    const privileged = userContexts(m);
    for (const p of m.profiles) {
      if (profileAuthCalls(p)) continue;
      const context = profileContext(p);
      const acls = p.params.all('apply-inbound-acl');
      if (acls.length) {
        const res = resolveAcls(
          m,
          acls.map((a) => a.value),
        );
        const allowed = res.filter((r) => !r.hostDependent).flatMap((r) => r.allowed);
        if (breadthOf(allowed, ctx.policy).breadth === 'trusted') continue;
      }
      const routes = internationalRoutes(m, context).filter((r) => !r.gated && r.via.length === 1);
      const isUserCtx = context !== 'public' && (privileged.has(context) || context === 'default');
      if (!isUserCtx && routes.length === 0) continue;
      const ac = p.params.get('auth-calls');
      const cp = p.params.get('context');
      const at = ac ?? cp ?? p;
      ctx.report({
        messageId: isUserCtx ? 'userContext' : 'routes',
        data: {
          profile: p.name,
          context,
          how: ac ? ` (auth-calls=${ac.value})` : ' (auth-calls unset: off)',
          routes: routes.length
            ? `; gateway route(s) for international numbers: ${routes.map((r) => `${r.step.ext.name} (${r.step.action.file}:${r.step.action.line})`).join(', ')}`
            : '',
        },
        at: { file: at.file, line: at.line },
        target: profileTarget(p),
        related: routes.map((r) => ({ file: r.step.action.file, line: r.step.action.line })),
        ...(routes.length ? { severity: 'critical' as const } : {}),
      });
    }
  },
});
