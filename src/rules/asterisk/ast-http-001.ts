import { bindScope, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-HTTP-001',
  title: 'Asterisk HTTP server bound beyond loopback',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'The built-in HTTP server carries ARI, AMI over HTTP (/rawman, /manager), WebSocket SIP and res_phoneprov. Bound to a public or all-interface address it exposes these management and provisioning paths to anyone who can reach the port (8088/8089 by default).',
    fix: 'In http.conf [general] set `bindaddr = 127.0.0.1` (and `tlsbindaddr = 127.0.0.1:8089`) unless WebRTC clients must connect; then put a reverse proxy or firewall in front that admits only /ws from the Internet and everything else from the management network.',
    refs: [
      'Asterisk configs/samples/http.conf.sample',
      'https://docs.asterisk.org/Configuration/Core-Configuration/Asterisk-Builtin-mini-HTTP-Server/',
    ],
  },
  messages: {
    plain: 'HTTP server is enabled and bound to {bind} ({scope}); port {port} is reachable beyond loopback',
    tls: 'HTTPS server is enabled and bound to {bind} ({scope}); it is reachable beyond loopback',
  },
  check(m, ctx) {
    const g = m.section('http.conf', 'general');
    if (!g || !astTrue(g.value('enabled'))) return;
    const bind = g.get('bindaddr');
    // No bindaddr: Asterisk starts no plain HTTP listener.
    if (bind && bindScope(bind.value) !== 'loopback') {
      ctx.report({
        messageId: 'plain',
        data: {
          bind: bind.value,
          scope: describe(bindScope(bind.value)),
          port: g.value('bindport') ?? '8088',
        },
        at: spanOf(bind),
        target: 'http:general',
      });
    }
    if (astTrue(g.value('tlsenable'))) {
      const tb = g.get('tlsbindaddr');
      const scope = bindScope(tb?.value);
      if (scope !== 'loopback') {
        ctx.report({
          messageId: 'tls',
          data: { bind: tb?.value ?? '0.0.0.0:8089', scope: describe(scope) },
          at: spanOf(tb ?? g),
          target: 'http:tls',
          severity: 'medium',
        });
      }
    }
  },
});

function describe(scope: string): string {
  return scope === 'all'
    ? 'every interface'
    : scope === 'address'
      ? 'a non-loopback address'
      : 'an unresolved name';
}
