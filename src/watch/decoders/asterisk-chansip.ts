import { ADDR_PORT, defineDecoder, events, fileIs, miss, sipUser } from '../decoder.js';
import { type EventKind, parseHostPort } from '../event.js';

/**
 * chan_sip (Asterisk <= 20): `Registration from '%s' failed for '%s' - %s`. The first field is
 * the To header (attacker-controlled, may contain quotes and spaces); the source address is the
 * second field, matched anchored at the END of the line together with chan_sip's fixed reason
 * texts, so nothing the attacker wrote can come after it.
 */

const REASONS: Record<string, EventKind> = {
  'Wrong password': 'auth-failure',
  'Username/auth name mismatch': 'auth-failure',
  'No matching peer found': 'unknown-account',
  'Not a local domain': 'unknown-account',
  'Device does not match ACL': 'acl-reject',
  'ACL error (permit/deny)': 'acl-reject',
  'Peer is not supposed to register': 'request',
};
const ANCHORED = new RegExp(
  `' failed for '(${ADDR_PORT})' - (Wrong password|Username/auth name mismatch|No matching peer found|Not a local domain|Device does not match ACL|ACL error \\(permit/deny\\)|Peer is not supposed to register)\\s*$`,
);

export default defineDecoder({
  id: 'asterisk-chansip',
  title: "chan_sip 'Registration from ... failed for ...' NOTICE",
  pbx: 'asterisk',
  family: 'asterisk',
  files: ['chan_sip.c'],
  markers: ["Registration from '"],
  sourceField: "second quoted field: failed for '<address>:<port>', anchored at the end of the line",
  decode(_line, h) {
    const body = h.asterisk();
    if (!body || !fileIs(body, 'chan_sip.c') || !body.message.startsWith("Registration from '"))
      return undefined;
    const line = body.message;
    const m = ANCHORED.exec(line);
    if (!m)
      return miss(
        'chan_sip registration failure: no "failed for \'<address>:<port>\' - <reason>" at the end',
      );
    const toText = line.slice(19, m.index);
    const account = sipUser(toText);
    const src = parseHostPort(m[1]!);
    const ev = h.event({
      kind: REASONS[m[2]!] ?? 'request',
      reason: m[2]!,
      service: 'SIP',
      sip: { method: 'REGISTER' },
      ...(account ? { account } : {}),
    });
    if (src) ev.source = src;
    else ev.sourceIssue = `'${m[1]}' is not an address`;
    return events(ev);
  },
  examples: [
    {
      line: "[2019-03-02 11:22:33] NOTICE[1421] chan_sip.c: Registration from '\"100\"<sip:100@192.0.2.1>' failed for '203.0.113.77:5084' - Wrong password",
      expect: { kind: 'auth-failure', source: '203.0.113.77:5084', account: '100' },
    },
    {
      line: "[Mar  2 11:22:34] NOTICE[1421] chan_sip.c: Registration from '<sip:999@192.0.2.1>' failed for '[2001:db8:5::1]:5060' - No matching peer found",
      expect: { kind: 'unknown-account', source: '[2001:db8:5::1]:5060', account: '999' },
    },
  ],
});
