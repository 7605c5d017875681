import { assessPassword } from '../../credentials/strength.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-CRED-001',
  title: 'vars.xml default_password kept weak (1234)',
  severity: 'critical',
  step: 'authentication',
  policy: { uses: ['credentials'], without: 'defaults' },
  docs: {
    why: 'FreeSWITCH ships `default_password=1234` in vars.xml and every stock directory user (1000-1019) takes its SIP password from it. Scanners know: the first thing svcrack tries against a FreeSWITCH is extension 1000 with 1234. Whoever registers as a user can then call out at your expense, and FreeSWITCH even warns on start-up when the value was not changed.',
    fix: 'Give every directory user its own random password (16+ characters) in `<param name="password" .../>` or, better, an `a1-hash`, and change `default_password` in vars.xml to a long random value so no user can fall back to a known one.',
    refs: [
      'FreeSWITCH conf/vanilla/vars.xml (default_password)',
      'FreeSWITCH conf/vanilla/directory/default/1000.xml',
    ],
  },
  messages: {
    used: 'default_password is weak ({reasons}) and {count} directory user(s) take their SIP password from it: {users}',
    unused:
      'default_password is weak ({reasons}); no user uses it now, but any user added from the stock template will',
  },
  check(m, ctx) {
    const g = m.globals.get('default_password');
    if (!g || g.runtime || !g.file) return;
    const a = assessPassword(g.value, ['default', 'freeswitch'], ctx.policy.credentials);
    if (!a.weak) return;
    const users = m.users.filter((u) => u.param('password')?.vars.includes('default_password'));
    const names = users.map((u) => `${u.id}@${u.domain}`);
    ctx.report({
      messageId: users.length ? 'used' : 'unused',
      data: {
        reasons: a.reasons.join('; '),
        count: users.length,
        users:
          names.length > 6
            ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more`
            : names.join(', '),
      },
      at: { file: g.file, line: g.line },
      target: 'freeswitch:global/default_password',
      related: users.map((u) => {
        const p = u.param('password')!;
        return { file: p.file, line: p.line };
      }),
      ...(users.length ? {} : { severity: 'low' as const }),
    });
  },
});
