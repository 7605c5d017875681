import { ADDR, defineDecoder, events, miss, userAtDomain } from '../decoder.js';
import { parseHostPort } from '../event.js';

/** FreeSWITCH: `Can't find user [1001@192.168.2.51] from 5.11.47.236` (address at the end). */

const RE = new RegExp(`^Can't find user \\[(.*)\\] from (${ADDR})\\s*$`);

export default defineDecoder({
  id: 'freeswitch-user',
  title: "FreeSWITCH can't find user (unknown account)",
  pbx: 'freeswitch',
  family: 'freeswitch',
  markers: ["Can't find user ["],
  sourceField: "'from <address>' at the end of the line (no port)",
  decode(_line, h) {
    const body = h.freeswitch();
    if (!body?.message.startsWith("Can't find user [")) return undefined;
    const m = RE.exec(body.message);
    if (!m) return miss('FreeSWITCH "Can\'t find user" without "from <address>" at the end');
    const src = parseHostPort(m[2]!);
    const account = userAtDomain(m[1]!);
    const ev = h.event({ kind: 'unknown-account', service: 'sofia', ...(account ? { account } : {}) });
    if (src) ev.source = src;
    else ev.sourceIssue = `'${m[2]}' is not an address`;
    return events(ev);
  },
  examples: [
    {
      line: "2026-11-24 10:00:02.123456 [WARNING] sofia_reg.c:3209 Can't find user [1001@192.168.2.51] from 5.11.47.236",
      expect: { kind: 'unknown-account', source: '5.11.47.236', account: '1001' },
    },
  ],
});
