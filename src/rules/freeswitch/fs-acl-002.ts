import { describe } from '../../net/cidrset.js';
import { breadthOf } from '../../pbx/common.js';
import { resolveAcls } from '../../pbx/freeswitch/acl.js';
import { profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-ACL-002',
  title: 'apply-register-acl lets a broad range register without a password',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['networks', 'trunks'], without: 'defaults' },
  docs: {
    why: '`apply-register-acl` is not a plain restriction: a REGISTER from a source that matches it is accepted WITHOUT a password (sofia_reg.c auto-registers it and skips the digest check); other sources get 403. A broad list therefore lets everyone in it register as any extension.',
    fix: 'Remove `apply-register-acl` unless a few fixed devices really cannot authenticate; then list exactly those addresses in a default-deny acl.conf list. Everything else registers with digest credentials.',
    refs: [
      'FreeSWITCH mod_sofia sofia_reg.c (REG_AUTO_REGISTER)',
      'FreeSWITCH conf/vanilla/autoload_configs/acl.conf.xml',
    ],
  },
  messages: {
    broad: 'profile {profile}: apply-register-acl {acl} lets {scope} register without a password: {beyond}',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      for (const param of p.params.all('apply-register-acl')) {
        const res = resolveAcls(m, [param.value]);
        const allowed = res.filter((r) => !r.hostDependent).flatMap((r) => r.allowed);
        const { breadth, beyond } = breadthOf(allowed, ctx.policy);
        if (breadth === 'trusted') continue;
        ctx.report({
          messageId: 'broad',
          data: {
            profile: p.name,
            acl: param.value,
            scope:
              breadth === 'public' ? 'Internet addresses' : 'private addresses outside the trusted networks',
            beyond: describe(beyond),
          },
          at: { file: param.file, line: param.line },
          target: `${profileTarget(p)}/apply-register-acl`,
          related: res.flatMap((r) => [
            ...(r.list ? [{ file: r.list.file, line: r.list.line }] : []),
            ...r.userSpans,
          ]),
          ...(breadth === 'private'
            ? { severity: ctx.policySets('networks') ? ('high' as const) : ('medium' as const) }
            : {}),
        });
      }
    }
  },
});
