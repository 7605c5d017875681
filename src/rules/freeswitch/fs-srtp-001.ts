import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

const NAME = /^rtp_(sdes_suites|secure_media(_inbound|_outbound)?(_suites)?)$/i;

export default defineFreeswitchRule({
  id: 'FS-SRTP-001',
  title: 'SRTP suite without authentication (NULL_AUTH) offered',
  severity: 'medium',
  step: 'transport',
  docs: {
    why: '`AES_CM_128_NULL_AUTH` encrypts media but does not authenticate it: packets can be altered or replayed undetected, and a peer that picks it gets a weaker call than it thinks. The stock vars.xml itself marks it as not recommended.',
    fix: 'Remove `AES_CM_128_NULL_AUTH` from `rtp_sdes_suites` / `rtp_secure_media_suites` (and from any `rtp_secure_media=mandatory:...` list); keep AEAD_AES_*_GCM and AES_CM_*_HMAC_SHA1_80.',
    refs: ['FreeSWITCH conf/vanilla/vars.xml (rtp_sdes_suites)', 'RFC 4568', 'RFC 7714'],
  },
  messages: {
    nullAuth: '{name} offers AES_CM_128_NULL_AUTH (media encrypted but not authenticated)',
  },
  check(m, ctx) {
    const seen = new Set<string>();
    const report = (name: string, value: string, at: { file: string; line: number }, target: string) => {
      if (!/NULL_AUTH/i.test(value) || !at.file) return;
      const key = `${at.file}:${at.line}`;
      if (seen.has(key)) return;
      seen.add(key);
      ctx.report({ messageId: 'nullAuth', data: { name }, at, target });
    };
    for (const g of m.globalHistory)
      if (NAME.test(g.name)) report(g.name, g.value, g, `freeswitch:global/${g.name}`);
    for (const u of m.users)
      for (const v of u.variables.items)
        if (NAME.test(v.name)) report(v.name, v.value, v, `freeswitch:user/${u.id}@${u.domain}`);
    for (const d of m.domains)
      for (const v of d.variables.items)
        if (NAME.test(v.name)) report(v.name, v.value, v, `freeswitch:domain/${d.name}`);
    for (const c of m.dialplan.values())
      for (const e of c.extensions)
        for (const cond of e.conditions)
          for (const a of cond.actions) {
            const mm = /^(rtp_\w+)=(.*)$/.exec(a.data);
            if (/^(set|export)$/i.test(a.application) && mm && NAME.test(mm[1]!))
              report(mm[1]!, mm[2]!, a, `freeswitch:dialplan/${c.name}/${e.name}`);
          }
  },
});
