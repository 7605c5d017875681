import { ADDR, defineDecoder, events, miss, userAtDomain } from '../decoder.js';
import { parseHostPort } from '../event.js';

/**
 * FreeSWITCH (log-auth-failures=true): `SIP auth failure (INVITE) on sofia profile 'internal'
 * for [1000@192.168.2.51] from ip 5.11.47.236`. `SIP auth challenge` is a normal digest step and
 * is decoded as auth-challenge, never as a failure. The address is anchored at the end of the
 * line; the user@domain before it is attacker-controlled.
 */

const RE = new RegExp(
  `^SIP auth (failure|challenge) \\(([A-Za-z]{1,16})\\) on sofia profile '([^']*)' for \\[(.*)\\] from ip (${ADDR})\\s*$`,
);

export default defineDecoder({
  id: 'freeswitch-auth',
  title: 'FreeSWITCH SIP auth failure (and challenge, which is not a failure)',
  pbx: 'freeswitch',
  family: 'freeswitch',
  markers: ['SIP auth '],
  sourceField: "'from ip <address>' at the end of the line (no port)",
  decode(_line, h) {
    const body = h.freeswitch();
    if (!body?.message.startsWith('SIP auth ')) return undefined;
    const m = RE.exec(body.message);
    if (!m) return miss('FreeSWITCH auth line without "... for [user@domain] from ip <address>" at the end');
    const src = parseHostPort(m[5]!);
    const account = userAtDomain(m[4]!);
    const ev = h.event({
      kind: m[1] === 'failure' ? 'auth-failure' : 'auth-challenge',
      service: `sofia/${m[3]}`,
      sip: { method: m[2]!.toUpperCase() },
      ...(account ? { account } : {}),
    });
    if (src) ev.source = src;
    else ev.sourceIssue = `'${m[5]}' is not an address`;
    return events(ev);
  },
  examples: [
    {
      line: "2013-12-31 17:39:54.767815 [WARNING] sofia_reg.c:1478 SIP auth failure (INVITE) on sofia profile 'internal' for [000972543480510@192.168.2.51] from ip 5.11.47.236",
      expect: { kind: 'auth-failure', source: '5.11.47.236', account: '000972543480510' },
    },
    {
      line: "2026-11-24 10:00:00.000001 [DEBUG] sofia_reg.c:1650 SIP auth challenge (REGISTER) on sofia profile 'internal' for [1000@pbx.example.com] from ip 2001:db8::20",
      expect: { kind: 'auth-challenge', source: '2001:db8::20', account: '1000' },
    },
  ],
});
