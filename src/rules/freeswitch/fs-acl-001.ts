import { describe } from '../../net/cidrset.js';
import { breadthOf } from '../../pbx/common.js';
import { resolveAcls } from '../../pbx/freeswitch/acl.js';
import { profileAuthCalls } from '../../pbx/freeswitch/dialplan.js';
import { profileTarget } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-ACL-001',
  title: 'apply-inbound-acl admits sources beyond the trusted ones (auth bypass)',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['networks', 'trunks'], without: 'defaults' },
  docs: {
    why: 'On a profile with `auth-calls=true`, a caller whose address matches `apply-inbound-acl` skips digest authentication entirely (sofia logs "Approved by acl"). The ACL is meant for the provider\'s few addresses; a broad one (rfc1918.auto, wan.auto, a /8, a domain with user cidr= ranges) lets everyone in it call out without a password.',
    fix: 'Point `apply-inbound-acl` at an acl.conf list (default deny) that names only the provider signalling addresses, exactly as listed under trunks in hardline.yaml. Leave internal phones to digest authentication.',
    refs: [
      'FreeSWITCH conf/vanilla/autoload_configs/acl.conf.xml',
      'FreeSWITCH mod_sofia sofia.c (apply-inbound-acl, "Approved by acl")',
    ],
  },
  messages: {
    broad:
      'profile {profile} has auth-calls on, but apply-inbound-acl {acl} lets {scope} call without authenticating: {beyond}',
  },
  check(m, ctx) {
    for (const p of m.profiles) {
      if (!profileAuthCalls(p)) continue;
      for (const param of p.params.all('apply-inbound-acl')) {
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
              breadth === 'public'
                ? 'Internet addresses that are neither trunks nor trusted networks'
                : 'private addresses outside the trusted networks',
            beyond: describe(beyond),
          },
          at: { file: param.file, line: param.line },
          target: `${profileTarget(p)}/apply-inbound-acl`,
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
