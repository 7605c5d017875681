import { ADDR, defineDecoder, events, fileIs, miss } from '../decoder.js';
import { parseHostPort } from '../event.js';

/**
 * Asterisk Manager Interface login failures (manager.c):
 * `192.0.2.1 failed to authenticate as 'admin'`,
 * `192.0.2.1 tried to authenticate with nonexistent user 'x'`,
 * `192.0.2.1 failed to pass IP ACL as 'admin'`.
 * The address is the first word of the message (the manager session's socket address); the user
 * name after it is attacker-controlled.
 */

const BODY = new RegExp(
  `^(${ADDR}) (failed to authenticate as|tried to authenticate with nonexistent user|failed to pass IP ACL as) '(.*)'\\s*$`,
);

export default defineDecoder({
  id: 'asterisk-ami',
  title: 'Asterisk AMI authentication failures',
  pbx: 'asterisk',
  family: 'asterisk',
  files: ['manager.c'],
  markers: ['authenticate', 'IP ACL'],
  sourceField: 'the first word of the manager.c message (the AMI session address, no port)',
  decode(_line, h) {
    const body = h.asterisk();
    if (!body || !fileIs(body, 'manager.c')) return undefined;
    if (!body.message.includes('authenticate') && !body.message.includes('IP ACL')) return undefined;
    const m = BODY.exec(body.message);
    if (!m) return miss('AMI line without "<address> failed to authenticate as \'<user>\'"');
    const src = parseHostPort(m[1]!, 'tcp');
    const what = m[2]!;
    const ev = h.event({
      kind: what.startsWith('failed to pass') ? 'acl-reject' : 'ami-auth-failure',
      service: 'AMI',
      account: m[3]!,
      reason: what.startsWith('tried') ? 'nonexistent user' : what,
    });
    if (src) ev.source = src;
    else ev.sourceIssue = `'${m[1]}' is not an address`;
    return events(ev);
  },
  examples: [
    {
      line: "[2026-11-24 10:05:00] NOTICE[4410] manager.c: 192.0.2.66 failed to authenticate as 'admin'",
      expect: { kind: 'ami-auth-failure', source: '192.0.2.66/tcp', account: 'admin' },
    },
    {
      line: "[2026-11-24 10:05:01] NOTICE[4410] manager.c:7120 authenticate: 2001:db8::66 tried to authenticate with nonexistent user 'root'",
      expect: {
        kind: 'ami-auth-failure',
        source: '2001:db8::66/tcp',
        account: 'root',
        reason: 'nonexistent user',
      },
    },
  ],
});
