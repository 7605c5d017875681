import { ADDR, defineDecoder, events, ignored, miss } from '../decoder.js';
import { parseHostPort } from '../event.js';

/**
 * FreeSWITCH ACL rejections: `IP 1.2.3.4 Rejected by register acl "domains"` and
 * `IP 1.2.3.4 Rejected by acl "x"`. The variant ending in "Falling back to Digest auth." is not
 * a rejection (the request goes on to digest authentication) and gives no event.
 */

const RE = new RegExp(
  `^IP (${ADDR}) Rejected by (register )?acl "([^"]*)"(\\. Falling back to Digest auth\\.)?`,
);

export default defineDecoder({
  id: 'freeswitch-acl',
  title: 'FreeSWITCH ACL rejection',
  pbx: 'freeswitch',
  family: 'freeswitch',
  markers: ['Rejected by '],
  sourceField: "'IP <address>' right after the logger prefix (no port)",
  decode(_line, h) {
    const body = h.freeswitch();
    if (!body?.message.startsWith('IP ')) return undefined;
    const m = RE.exec(body.message);
    if (!m) return miss('FreeSWITCH ACL line without "IP <address> Rejected by [register ]acl"');
    if (m[4]) return ignored('ACL miss that falls back to digest authentication is not a rejection');
    const src = parseHostPort(m[1]!);
    const ev = h.event({
      kind: 'acl-reject',
      service: 'sofia',
      reason: `${m[2] ? 'register ' : ''}acl "${m[3]}"`,
      ...(m[2] ? { sip: { method: 'REGISTER' } } : {}),
    });
    if (src) ev.source = src;
    else ev.sourceIssue = `'${m[1]}' is not an address`;
    return events(ev);
  },
  examples: [
    {
      line: '2026-11-24 10:00:03.000100 [WARNING] sofia_reg.c:1881 IP 198.51.100.23 Rejected by register acl "domains"',
      expect: { kind: 'acl-reject', source: '198.51.100.23' },
    },
    {
      line: '2026-11-24 10:00:03.000200 [DEBUG] sofia.c:10410 IP 198.51.100.23 Rejected by acl "trusted". Falling back to Digest auth.',
      expect: 'ignored',
    },
  ],
});
