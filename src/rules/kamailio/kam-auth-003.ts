import { describe } from '../../net/cidrset.js';
import { breadthOf } from '../../pbx/common.js';
import { AUTH_FUNCS, isCall, requestFlow } from '../../pbx/kamailio/checks.js';
import { defineKamailioRule } from '../../pbx/kamailio/rule.js';

const IPAUTH = new Set([
  'allow_source_address',
  'allow_source_address_group',
  'allow_address',
  'allow_address_group',
]);

export default defineKamailioRule({
  id: 'KAM-AUTH-003',
  title: 'allow_source_address() before authentication with a broad address table',
  severity: 'high',
  step: 'authentication',
  policy: { uses: ['networks', 'trunks'], without: 'defaults' },
  docs: {
    why: 'In the stock cfg (WITH_IPAUTH) a request whose source address is in the permissions address table skips digest authentication. The table should hold the provider and PBX addresses only; a broad row lets everyone in that range call out as if they were a trusted gateway. Note: a row with mask 0 is a single host (Kamailio treats mask 0 as /32), so "all of IPv4" is written 0.0.0.0/1 plus 128.0.0.0/1.',
    fix: 'Keep only the exact provider and PBX addresses in the address table (address_file or the database), each with its real mask, in a group of its own, and call `allow_source_address(<group>)`. Authenticate everything else.',
    refs: [
      'Kamailio permissions module README (allow_source_address, mask_col, address_file)',
      'Kamailio etc/kamailio.cfg (WITH_IPAUTH)',
    ],
  },
  messages: {
    broad: '{call}({group}) accepts callers from {scope} before any authentication: {beyond}',
  },
  check(m, ctx) {
    const table = m.addressFile;
    if (!table) return;
    const flow = requestFlow(m);
    let authSeen = false;
    const seen = new Set<string>();
    for (const e of flow) {
      if (isCall(e, AUTH_FUNCS)) authSeen = true;
      if (authSeen || e.kind !== 'call' || !IPAUTH.has(e.call.name)) continue;
      const anyGroup = e.call.name.endsWith('_group');
      const arg = e.call.args[0];
      const group = anyGroup ? undefined : Number(arg && /^\d+$/.test(arg) ? arg : 1);
      const rows = table.rows.filter((r) => group === undefined || r.group === group);
      const { breadth, beyond } = breadthOf(
        rows.map((r) => r.cidr),
        ctx.policy,
      );
      if (breadth === 'trusted') continue;
      const key = `${e.call.file}:${e.call.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({
        messageId: 'broad',
        data: {
          call: e.call.name,
          group: group === undefined ? 'any group' : `group ${group}`,
          scope:
            breadth === 'public'
              ? 'Internet addresses outside the trunks and trusted networks'
              : 'private addresses outside the trusted networks',
          beyond: describe(beyond),
        },
        at: { file: e.call.file, line: e.call.line },
        target: `kamailio:permissions/${group ?? 'any'}`,
        related: rows.map((r) => ({ file: r.file, line: r.line })),
        ...(breadth === 'private' ? { severity: 'medium' as const } : {}),
      });
    }
  },
});
