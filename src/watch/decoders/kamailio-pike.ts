import { defineDecoder, events, miss, sipUser } from '../decoder.js';
import { parseHostPort } from '../event.js';

/**
 * Kamailio's stock pike flood block (kamailio.cfg: `xlog("L_ALERT", "ALERT: pike blocking $rm from
 * $fu (IP:$si:$sp)\n")`), as syslog or stderr writes it. The address is `$si:$sp` anchored at the
 * end of the line; the From URI (`$fu`) before it is attacker-controlled. IPv6 `$si` has no
 * brackets: the port is after the last colon.
 */

const RE = /^(?:ALERT: )?pike blocking (\S{1,32}) from (.*) \(IP:([0-9A-Fa-f.:]+):(\d{1,5})\)\s*$/;

export default defineDecoder({
  id: 'kamailio-pike',
  title: 'Kamailio pike flood block (stock kamailio.cfg xlog line)',
  pbx: 'kamailio',
  family: 'kamailio',
  markers: ['pike blocking '],
  sourceField: '(IP:$si:$sp) at the end of the line (the socket source Kamailio saw)',
  decode(_line, h) {
    const body = h.kamailio();
    if (!body) return undefined;
    const m = RE.exec(body.message);
    if (!m) return miss('pike line without "(IP:<address>:<port>)" at the end');
    const src = parseHostPort(m[3]!);
    const account = sipUser(m[2]!);
    const ev = h.event({
      kind: 'request',
      reason: 'pike blocking (flood)',
      service: 'kamailio',
      sip: { method: m[1]! },
      ...(account ? { account } : {}),
    });
    if (src) ev.source = { ...src, port: Number(m[4]) };
    else ev.sourceIssue = `'${m[3]}' is not an address`;
    return events(ev);
  },
  examples: [
    {
      line: 'Nov 24 10:00:01 sbc1 /usr/sbin/kamailio[2211]: ALERT: <script>: ALERT: pike blocking REGISTER from sip:100@203.0.113.1 (IP:198.51.100.99:5060)',
      expect: { kind: 'request', source: '198.51.100.99:5060', account: '100' },
    },
    {
      line: ' 5(2211) ALERT: <script>: ALERT: pike blocking INVITE from sip:x@y (IP:10.0.0.1:5060) (IP:2001:db8::66:5070)',
      expect: { kind: 'request', source: '[2001:db8::66]:5070' },
    },
  ],
});
