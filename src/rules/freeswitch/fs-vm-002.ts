import { fsFalse } from '../../pbx/freeswitch/model.js';
import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-VM-002',
  title: 'Voicemail allow-empty-password-auth left on',
  severity: 'high',
  step: 'authentication',
  docs: {
    why: "mod_voicemail's `allow-empty-password-auth` defaults to true: a mailbox whose user has no PIN (no vm-password and no password, or vm-password=user-choose before the user chose) opens without asking. Every new or half-provisioned user is then one dial-in away from an open mailbox.",
    fix: 'In voicemail.conf set `<param name="allow-empty-password-auth" value="false"/>` in every profile, and give every user a vm-password.',
    refs: [
      'FreeSWITCH conf/vanilla/autoload_configs/voicemail.conf.xml',
      'FreeSWITCH mod_voicemail (allow-empty-password-auth, default true)',
    ],
  },
  messages: {
    open: 'voicemail profile {profile} has allow-empty-password-auth {how}: {count} mailbox(es) open without a PIN ({users})',
    latent:
      'voicemail profile {profile} has allow-empty-password-auth {how}: any user without a PIN gets an open mailbox',
  },
  check(m, ctx) {
    if (!m.moduleLoaded('mod_voicemail')) return;
    const open = m.users.filter((u) => {
      if (fsFalse(u.param('vm-enabled')?.value)) return false;
      const vm = u.param('vm-password')?.value;
      if (vm !== undefined && /^user-choose$/i.test(vm)) return true;
      return !vm && !u.param('password')?.value && !u.param('vm-a1-hash')?.value;
    });
    for (const p of m.voicemail) {
      const v = p.params.get('allow-empty-password-auth');
      if (v && fsFalse(v.value)) continue;
      const names = open.map((u) => `${u.id}@${u.domain}`);
      ctx.report({
        messageId: open.length ? 'open' : 'latent',
        data: {
          profile: p.name,
          how: v ? `= ${v.value}` : 'unset (default true)',
          count: open.length,
          users:
            names.length > 5
              ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`
              : names.join(', '),
        },
        at: v ? { file: v.file, line: v.line } : { file: p.file, line: p.line },
        target: `freeswitch:voicemail/${p.name}`,
        ...(open.length ? {} : { severity: 'low' as const }),
      });
    }
  },
});
