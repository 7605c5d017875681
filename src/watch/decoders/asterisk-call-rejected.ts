import { ADDR_PORT, allMatches, defineDecoder, events, fileIs, miss } from '../decoder.js';
import { parseHostPort } from '../event.js';

/**
 * Calls rejected because the dialled extension does not exist in the context: the classic trace
 * of toll-fraud probing (unauthenticated INVITEs to international numbers).
 * pjsip:    `<endpoint>: Call (UDP:192.0.2.1:5060) to extension '0044...' rejected because
 *            extension not found in context 'public'.`
 * chan_sip: `Call from '<user>' (192.0.2.1:5060) to extension '0044...' rejected because
 *            extension not found in context 'default'.`
 * The dialled extension (and chan_sip's user) are attacker-controlled: a line with the address
 * pattern twice gets no source.
 */

const ADDR_FIELD = `(?:(?:UDP|TCP|TLS|WS|WSS):)?${ADDR_PORT}`;
// pjsip: the endpoint id (server config) comes first, so the message is parsed from its start.
const PJSIP = new RegExp(`^([^\\s:]{1,80}): Call \\((${ADDR_FIELD})\\) to extension '`);
// chan_sip: the user name before the address may be attacker text: refuse lines with two.
const CHANSIP = new RegExp(`' \\((${ADDR_FIELD})\\) to extension '`, 'g');
const TAIL = /' rejected because extension not found in context '([^']*)'\.?\s*$/;

export default defineDecoder({
  id: 'asterisk-call-rejected',
  title: 'Asterisk call rejected: extension not found in context',
  pbx: 'asterisk',
  family: 'asterisk',
  files: ['res_pjsip_session.c', 'chan_sip.c'],
  markers: ['rejected because extension not found in context'],
  sourceField: '(<TRANSPORT>:<address>:<port>) written from the socket before the dialled extension',
  decode(_line, h) {
    const body = h.asterisk();
    if (!body) return undefined;
    const isPjsip = fileIs(body, 'res_pjsip_session.c');
    if (!isPjsip && !fileIs(body, 'chan_sip.c')) return undefined;
    const msg = body.message;
    const tail = TAIL.exec(msg);
    if (!tail) return miss('call rejection without the closing "in context \'...\'."');
    let addrText: string | undefined;
    let account: string | undefined;
    let destStart = -1;
    let issue: string | undefined;
    if (isPjsip) {
      const m = PJSIP.exec(msg);
      if (!m) return miss("pjsip call rejection without '<endpoint>: Call (<TRANSPORT>:<address>:<port>)'");
      account = m[1];
      addrText = m[2];
      destStart = m[0].length;
    } else {
      if (!msg.startsWith("Call from '")) return undefined;
      const found = allMatches(CHANSIP, msg);
      if (found.length === 0) return miss('chan_sip call rejection without a (<address>:<port>) field');
      const first = found[0]!;
      destStart = first.index + first[0].length;
      account = msg.slice(11, first.index);
      if (found.length === 1) addrText = first[1];
      else issue = `${found.length} address fields in one line (injection attempt?); source not trusted`;
    }
    const destination = msg.slice(destStart, Math.max(destStart, tail.index));
    const ev = h.event({
      kind: 'call-rejected',
      reason: `extension not found in context '${tail[1]}'`,
      service: isPjsip ? 'PJSIP' : 'SIP',
      sip: { method: 'INVITE', code: 404 },
      destination,
      ...(account ? { account } : {}),
    });
    if (addrText) {
      const src = parseHostPort(addrText);
      if (src) ev.source = src;
      else ev.sourceIssue = `'${addrText}' is not an address`;
    } else if (issue) ev.sourceIssue = issue;
    return events(ev);
  },
  examples: [
    {
      line: "[2026-11-24 03:12:44] NOTICE[3321][C-0000002a] res_pjsip_session.c: anonymous: Call (UDP:203.0.113.9:5071) to extension '00972599123456' rejected because extension not found in context 'anonymous'.",
      expect: {
        kind: 'call-rejected',
        source: '203.0.113.9:5071/udp',
        destination: '00972599123456',
        account: 'anonymous',
      },
    },
    {
      line: "[2018-07-01 01:02:03] NOTICE[901][C-00000003] chan_sip.c: Call from '' (198.51.100.3:5060) to extension '900441234567' rejected because extension not found in context 'default'.",
      expect: { kind: 'call-rejected', source: '198.51.100.3:5060', destination: '900441234567' },
    },
  ],
});
