import type { ConfSection } from '../../pbx/asterisk/config.js';
import { spanOf } from '../../pbx/asterisk/helpers.js';
import { isTrunkEndpoint } from '../../pbx/asterisk/paths.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue, splitList } from '../../pbx/asterisk/values.js';

const wantsTls = (uri: string | undefined) => !!uri && /^sips:|;transport=tls/i.test(uri.trim());

export default defineAsteriskRule({
  id: 'AST-TLS-004',
  title: "TLS to the provider does not verify the provider's certificate",
  severity: 'medium',
  step: 'transport',
  docs: {
    why: 'pjsip transports default to `verify_server = no`: when Asterisk connects to a provider over TLS it accepts any certificate. Anyone who can redirect the connection (DNS, a compromised router, the hotel Wi-Fi of a roaming PBX) impersonates the provider, reads the registration credentials and the SRTP keys, and relays the calls.',
    fix: "Set `verify_server = yes` on the TLS transport used for trunks and registrations, with `ca_list_file` (or `ca_list_path`) pointing at the CAs that sign the provider's certificate; make `server_uri`/`contact` use the certificate's host name.",
    refs: [
      'https://docs.asterisk.org/Configuration/Channel-Drivers/SIP/Configuring-res_pjsip/Configuring-TLS/',
      'RFC 5922',
    ],
  },
  messages: {
    off: "TLS transport {transport} carries {who} but verify_server is {value}: the provider's certificate is not checked",
  },
  check(m, ctx) {
    const tls = m.pjsip.transports.filter((t) => (t.value('protocol') ?? 'udp').toLowerCase() === 'tls');
    if (!tls.length) return;
    const users = new Map<ConfSection, string[]>();
    const use = (name: string | undefined, wantTls: boolean, who: string) => {
      const t = name ? tls.find((x) => x.name === name) : wantTls && tls.length === 1 ? tls[0] : undefined;
      if (t) users.set(t, [...(users.get(t) ?? []), who]);
    };
    for (const r of m.pjsip.registrations)
      use(r.value('transport'), wantsTls(r.value('server_uri')), `registration ${r.name}`);
    for (const ep of m.pjsip.endpoints) {
      if (!isTrunkEndpoint(m, ep)) continue;
      const contacts = ep
        .all('aors')
        .flatMap((v) => splitList(v.value))
        .flatMap(
          (a) =>
            m.pjsip
              .find('aor', a)
              ?.all('contact')
              .map((c) => c.value) ?? [],
        );
      use(ep.value('transport'), contacts.some(wantsTls), `trunk ${ep.name}`);
    }
    for (const [t, who] of users) {
      const v = t.get('verify_server');
      if (v && astTrue(v.value)) continue;
      ctx.report({
        messageId: 'off',
        data: { transport: t.name, who: [...new Set(who)].join(', '), value: v ? v.value : 'unset (no)' },
        at: spanOf(v ?? t),
        target: `pjsip:transport/${t.name}`,
      });
    }
  },
});
