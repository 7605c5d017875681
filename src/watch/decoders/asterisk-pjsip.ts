import {
  ADDR_PORT,
  allMatches,
  defineDecoder,
  events,
  fileIs,
  ignored,
  isSpace,
  isTransportAddrPort,
  miss,
  sipUser,
} from '../decoder.js';
import { type EventKind, parseHostPort } from '../event.js';

/**
 * chan_pjsip's NOTICE for failed requests (res_pjsip/pjsip_distributor.c log_failed_request):
 * `Request '%s' from '%s' failed for '%s' (callid: %s) - %s[ after %u tries in %.3f ms]`.
 * The source is the THIRD quoted field (the packet's source address and port; IPv6 in
 * brackets). The first quoted field is the From URI and the Call-ID follows: both are
 * attacker-controlled. pjsip prints the method token and the From URI without spaces (it escapes
 * them), while a Call-ID may contain spaces; so the first `' failed for '<addr>' (callid: `
 * after a space-free method and From is the real one, whatever the Call-ID says. A line that
 * does not have that shape and carries the address pattern twice gets no source.
 */

// Reasons counted (read by reasonKind() below): ^No matching endpoint found -> unknown-account,
// ^Not match Endpoint (?:Contact )?ACL -> acl-reject, ^(?:Failed|Error) to authenticate -> auth-failure

const ADDR_FIELD = `(?:(?:UDP|TCP|TLS|WS|WSS|udp|tcp|tls|ws|wss):)?${ADDR_PORT}`;
const SOURCE = new RegExp(`' failed for '(${ADDR_FIELD})' \\(callid: `, 'g');
const STRICT = new RegExp(`Request '(\\S+?)' from '(\\S*)' failed for '(${ADDR_FIELD})' \\(callid: `);

/** REASONS without expressions. */
function reasonKind(r: string): EventKind | undefined {
  if (r.startsWith('No matching endpoint found')) return 'unknown-account';
  if (r.startsWith('Not match Endpoint ACL') || r.startsWith('Not match Endpoint Contact ACL'))
    return 'acl-reject';
  if (r.startsWith('Failed to authenticate') || r.startsWith('Error to authenticate')) return 'auth-failure';
  return undefined;
}

function hasSpace(t: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (isSpace(t.charCodeAt(i))) return true;
  return false;
}

/**
 * STRICT matched at index 0, without the expression: the groups it would give, or undefined
 * when it does not match there (then the expression itself is consulted).
 */
function strictAt0(body: string): { index: number; 0: string; 1: string; 2: string; 3: string } | undefined {
  // Request '(\S+?)' from '(\S*)' failed for '(ADDR_FIELD)' \(callid: ; the lazy method ends at the
  // first "' from '" and the From at the first "' failed for '" (neither may contain spaces)
  const f = body.indexOf("' from '", 10);
  if (f < 0 || hasSpace(body, 9, f)) return undefined;
  const p = body.indexOf("' failed for '", f + 8);
  if (p < 0 || hasSpace(body, f + 8, p)) return undefined;
  const a = p + 14;
  const q = body.indexOf("'", a);
  if (q < 0 || !body.startsWith("' (callid: ", q) || !isTransportAddrPort(body, a, q)) return undefined;
  const end = q + 11;
  return {
    index: 0,
    0: body.slice(0, end),
    1: body.slice(9, f),
    2: body.slice(f + 8, p),
    3: body.slice(a, q),
  };
}

export default defineDecoder({
  id: 'asterisk-pjsip',
  title: "chan_pjsip 'Request ... failed for ...' NOTICE (unknown endpoint, ACL, authentication)",
  pbx: 'asterisk',
  family: 'asterisk',
  files: ['pjsip_distributor.c'],
  markers: ["' failed for '"],
  sourceField: "third quoted field: failed for '<address>:<port>' (IPv6 bracketed)",
  decode(_line, h) {
    const logged = h.asterisk();
    if (!logged || !fileIs(logged, 'pjsip_distributor.c') || !logged.message.startsWith("Request '"))
      return undefined;
    const body = logged.message;
    let addrText: string | undefined;
    let issue: string | undefined;
    const strict = strictAt0(body) ?? STRICT.exec(body);
    if (strict && strict.index === 0) addrText = strict[3];
    else {
      const found = allMatches(SOURCE, body);
      if (found.length === 0) return miss("chan_pjsip failure without a '<address>:<port>' source field");
      if (found.length === 1) addrText = found[0]![1];
      else issue = `${found.length} "failed for" address fields (log injection attempt?); source not trusted`;
    }
    // The reason is one of pjsip's fixed texts after the last " - " (the Call-ID comes before it).
    const dash = body.lastIndexOf(') - ');
    const tailText = dash < 0 ? '' : body.slice(dash + 4).trimEnd();
    const reason = tailText.includes(' after ')
      ? tailText.replace(/ after \d+ tries in [\d.]+ ms$/, '')
      : tailText;
    const kind = reasonKind(reason);
    if (!kind) return ignored('chan_pjsip failure with a reason hardline does not count');
    const method = strict ? strict[1] : /^Request '([^']{1,32})'/.exec(body)?.[1];
    const fromText = strict ? strict[2]! : body.slice(body.indexOf("' from '") + 8);
    const account = sipUser(fromText);
    const cidStart = body.indexOf('(callid: ', strict ? strict[0].length - 9 : 0);
    const callId = cidStart >= 0 && dash > cidStart ? body.slice(cidStart + 9, dash) : undefined;
    const sip: { method?: string; callId?: string } = {};
    if (method) sip.method = method;
    if (callId) sip.callId = callId;
    const ev = h.event({ kind, reason, service: 'PJSIP', sip });
    if (account) ev.account = account;
    if (addrText) {
      const src = parseHostPort(addrText);
      if (src) ev.source = src;
      else ev.sourceIssue = `'${addrText}' is not an address`;
    } else if (issue) ev.sourceIssue = issue;
    return events(ev);
  },
  examples: [
    {
      line: "[2026-11-24 10:00:01] NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:100@192.0.2.10>' failed for '203.0.113.50:5070' (callid: 8a1e2b) - No matching endpoint found",
      expect: { kind: 'unknown-account', source: '203.0.113.50:5070', account: '100' },
    },
    {
      line: "[2026-11-24 10:00:02] NOTICE[2143] res_pjsip/pjsip_distributor.c:676 log_failed_request: Request 'INVITE' from '\"101\" <sip:101@pbx.example.com>' failed for '[2001:db8::7]:5061' (callid: a@b) - Failed to authenticate after 3 tries in 1.234 ms",
      expect: { kind: 'auth-failure', source: '[2001:db8::7]:5061', account: '101' },
    },
    {
      line: "[2026-11-24 10:00:03] NOTICE[2143] res_pjsip/pjsip_distributor.c: Request 'REGISTER' from '<sip:200@pbx>' failed for '198.51.100.9:5060' (callid: z) - Not match Endpoint ACL",
      expect: { kind: 'acl-reject', source: '198.51.100.9:5060' },
    },
  ],
});
