import { parseIp } from '../../net/address.js';
import { listContains } from '../../net/cidrset.js';
import { splitHostPort } from '../../pbx/asterisk/values.js';
import { defineCommonRule, trustedCidrs } from '../../pbx/common.js';

export default defineCommonRule({
  id: 'HL-MGMT-001',
  title: 'Management interface listens beyond loopback',
  severity: 'critical',
  step: 'exposure',
  policy: { uses: ['networks'], without: 'defaults' },
  docs: {
    why: "Management interfaces (FreeSWITCH event socket and XML-RPC, Kamailio's binrpc control socket) run any command on the PBX: calls on your trunks, configuration changes, often shell commands. Scanners sweep their ports (8021, 8080, 2049) constantly; one reachable socket and a default or guessed password is full control. (Asterisk AMI and HTTP are checked by AST-AMI-001 and AST-HTTP-001.)",
    fix: 'Bind management listeners to 127.0.0.1 or ::1 (FreeSWITCH event_socket `listen-ip`, Kamailio `modparam("ctl", "binrpc", "unix:/run/kamailio/kamailio_ctl")`) and reach them over SSH or a VPN. Where a remote tool must connect, bind to the management network only and add an ACL (`apply-inbound-acl`).',
    refs: [
      'FreeSWITCH conf/vanilla/autoload_configs/event_socket.conf.xml',
      'Kamailio ctl module README (binrpc)',
    ],
  },
  messages: {
    open: '{service} listens on {bind} ({scope}){port} with no source ACL',
    acl: '{service} listens on {bind} ({scope}){port}; only ACL {acl} keeps strangers out',
    trusted: '{service} listens on {bind}, an address in a trusted network{port}',
  },
  check(v, ctx) {
    if (v.kind === 'asterisk') return;
    const trusted = trustedCidrs(ctx.policy);
    for (const l of v.management) {
      if (l.scope === 'loopback') continue;
      const host = splitHostPort(l.bind).host;
      const ip = parseIp(host);
      const port = l.port ? `, port ${l.port}` : '';
      const scope =
        l.scope === 'all'
          ? 'every interface'
          : l.scope === 'address'
            ? 'a non-loopback address'
            : 'an address hardline cannot resolve';
      const base = { service: l.service, bind: l.bind, scope, port };
      if (ip && listContains(trusted, ip)) {
        ctx.report({
          messageId: 'trusted',
          data: base,
          at: { file: l.file, line: l.line },
          target: l.owner,
          severity: 'low',
        });
      } else if (l.acl?.restricts) {
        ctx.report({
          messageId: 'acl',
          data: { ...base, acl: l.acl.name },
          at: { file: l.file, line: l.line },
          target: l.owner,
          severity: 'medium',
        });
      } else {
        ctx.report({
          messageId: 'open',
          data: base,
          at: { file: l.file, line: l.line },
          target: l.owner,
          ...(l.scope === 'unresolved' ? { severity: 'high' as const } : {}),
        });
      }
    }
  },
});
