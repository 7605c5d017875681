import { bindScope, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-PROV-001',
  title: 'Phone provisioning (res_phoneprov) served beyond loopback',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: "res_phoneprov serves phone configuration files under /phoneprov on the built-in HTTP server, without any authentication. The generated files carry each phone's SIP username and password (the templates fill in ${SECRET}), so anyone who reaches the HTTP port and guesses a MAC address (vendor prefix plus a few thousand tries) downloads working credentials.",
    fix: "Bind http.conf to the voice VLAN or loopback only and firewall port 8088 to the phones' network, or provision from a separate server with client certificates or per-device credentials; remove phoneprov profiles you do not use and `noload => res_phoneprov.so`.",
    refs: [
      'Asterisk configs/samples/phoneprov.conf.sample',
      'https://docs.asterisk.org/Configuration/Core-Configuration/Asterisk-Builtin-mini-HTTP-Server/',
    ],
  },
  messages: {
    exposed: 'res_phoneprov profiles ({profiles}) are served on {bind} without authentication{users}',
  },
  check(m, ctx) {
    const conf = m.conf('phoneprov.conf');
    if (!conf || !m.modules.loaded('res_phoneprov')) return;
    const profiles = conf.sections.filter((s) => !s.template && s.name.toLowerCase() !== 'general');
    if (!profiles.length) return;
    const g = m.section('http.conf', 'general');
    if (!g || !astTrue(g.value('enabled'))) return;
    const bind = g.get('bindaddr');
    if (!bind || bindScope(bind.value) === 'loopback') return;
    const users = m.pjsip.byType('phoneprov');
    ctx.report({
      messageId: 'exposed',
      data: {
        profiles: profiles.map((p) => p.name).join(', '),
        bind: bind.value,
        users: users.length ? `; ${users.length} phone(s) get files with their SIP credentials` : '',
      },
      at: spanOf(profiles[0]!),
      target: 'phoneprov:http',
      related: [spanOf(bind), ...users.map(spanOf)],
      ...(users.length ? {} : { severity: 'medium' as const }),
    });
  },
});
