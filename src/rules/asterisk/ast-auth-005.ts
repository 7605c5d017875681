import { cidrCovers, cidrSizeLog2, isHostname, parseCidr } from '../../net/address.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { splitList } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-AUTH-005',
  title: 'identify matches too broad a source',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['trunks', 'networks'], without: 'defaults' },
  docs: {
    why: 'An `identify` section lets requests from its `match=` addresses use an endpoint without authentication (that is how trunks work). A match of a large network, or of a header the caller writes (`match_header`), hands that trust to everyone in the range or to anyone who sets the header.',
    fix: "List the provider's signalling addresses exactly (`match = 203.0.113.10`, or the provider's documented /28 or /29); avoid `match_header` for trust; keep the trunk's addresses in hardline.yaml `trunks` so audit, firewall and watch agree.",
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/Identifying-an-Endpoint/',
    ],
  },
  messages: {
    huge: 'identify {identify} trusts {match} ({size}) for endpoint {endpoint} without authentication',
    wide: 'identify {identify} trusts {match} ({size}) for endpoint {endpoint}, wider than any trunk or network in the policy',
    header: 'identify {identify} trusts requests carrying header {match}, which the caller controls',
    undeclared:
      'identify {identify} trusts {match} for endpoint {endpoint}, which is not inside any trunk address or network the policy declares',
  },
  check(m, ctx) {
    const declared = [
      ...ctx.policy.trunks.flatMap((t) => t.addresses),
      ...Object.values(ctx.policy.networks).flat(),
    ];
    const declaredCidrs = declared.map((d) => parseCidr(d)).filter((c) => c !== undefined);
    const declaredNames = new Set(declared.filter((d) => isHostname(d)).map((d) => d.toLowerCase()));
    const policyKnowsTrunks = ctx.policySets('trunks');
    for (const id of m.pjsip.identifies) {
      const endpoint = id.value('endpoint') ?? '(none)';
      const target = `pjsip:identify/${id.name}`;
      for (const v of id.all('match_header')) {
        ctx.report({
          messageId: 'header',
          data: { identify: id.name, match: v.value },
          at: spanOf(v),
          target,
          severity: 'high',
        });
      }
      for (const v of id.all('match')) {
        for (const item of splitList(v.value)) {
          const c = parseCidr(item);
          const data = { identify: id.name, match: item, endpoint, size: '' };
          if (c) {
            const log2 = cidrSizeLog2(c);
            data.size = c.addr.kind() === 'ipv4' ? `${2 ** log2} addresses` : `/${c.bits}`;
            const huge = c.addr.kind() === 'ipv4' ? c.bits <= 8 : c.bits <= 32;
            const wide = c.addr.kind() === 'ipv4' ? c.bits < 24 : c.bits < 56;
            if (huge) ctx.report({ messageId: 'huge', data, at: spanOf(v), target });
            else if (wide && !declaredCidrs.some((d) => cidrCovers(d, c))) {
              ctx.report({ messageId: 'wide', data, at: spanOf(v), target, severity: 'high' });
            } else if (policyKnowsTrunks && !declaredCidrs.some((d) => cidrCovers(d, c))) {
              ctx.report({ messageId: 'undeclared', data, at: spanOf(v), target, severity: 'medium' });
            }
          } else if (policyKnowsTrunks && !declaredNames.has(item.toLowerCase())) {
            ctx.report({ messageId: 'undeclared', data, at: spanOf(v), target, severity: 'medium' });
          }
        }
      }
    }
  },
});
