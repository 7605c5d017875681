/**
 * Typical SIP messages (as phones and PBXs send them) for the parse benchmark and differential
 * tests: REGISTER, INVITE with SDP, responses with authentication challenges, OPTIONS, BYE.
 * Each call to `corpus(n)` varies Call-IDs, tags, branches and numbers so no two are identical.
 */
function rnd(i: number, salt: number): string {
  return ((i * 2654435761 + salt * 40503) >>> 0).toString(36);
}

export function register(i: number): string {
  const ext = 1000 + (i % 900);
  return [
    `REGISTER sip:pbx.example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 192.0.2.${(i % 250) + 1}:5060;branch=z9hG4bK${rnd(i, 1)};rport`,
    `Max-Forwards: 70`,
    `From: "Ext ${ext}" <sip:${ext}@pbx.example.com>;tag=${rnd(i, 2)}`,
    `To: "Ext ${ext}" <sip:${ext}@pbx.example.com>`,
    `Call-ID: ${rnd(i, 3)}${rnd(i, 4)}@192.0.2.${(i % 250) + 1}`,
    `CSeq: ${(i % 5000) + 1} REGISTER`,
    `Contact: <sip:${ext}@192.0.2.${(i % 250) + 1}:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-${rnd(i, 5).padStart(12, '0').slice(0, 12)}>"`,
    `Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE`,
    `Supported: replaces, path, gruu`,
    `User-Agent: Yealink SIP-T46S 66.86.0.15`,
    `Expires: 3600`,
    `Content-Length: 0`,
    ``,
    ``,
  ].join('\r\n');
}

export function invite(i: number): string {
  const ext = 1000 + (i % 900);
  const host = `192.0.2.${(i % 250) + 1}`;
  const sdp = [
    'v=0',
    `o=- ${20000 + i} ${20000 + i} IN IP4 ${host}`,
    's=SDP data',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=audio ${10000 + (i % 1000) * 2} RTP/AVP 0 8 9 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
  return [
    `INVITE sip:+4930${1000000 + i}@pbx.example.com;user=phone SIP/2.0`,
    `Via: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK${rnd(i, 6)};rport`,
    `Max-Forwards: 70`,
    `From: "Reception" <sip:${ext}@pbx.example.com>;tag=${rnd(i, 7)}`,
    `To: <sip:+4930${1000000 + i}@pbx.example.com;user=phone>`,
    `Call-ID: ${rnd(i, 8)}-${rnd(i, 9)}@${host}`,
    `CSeq: ${(i % 100) + 1} INVITE`,
    `Contact: <sip:${ext}@${host}:5060>`,
    `Proxy-Authorization: Digest username="${ext}", realm="pbx.example.com", nonce="${rnd(i, 10)}${rnd(i, 11)}", uri="sip:+4930${1000000 + i}@pbx.example.com;user=phone", response="${rnd(i, 12).padEnd(32, '0')}", algorithm=MD5, qop=auth, nc=00000001, cnonce="${rnd(i, 13)}"`,
    `Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE`,
    `Supported: replaces, timer, 100rel`,
    `User-Agent: Yealink SIP-T46S 66.86.0.15`,
    `Content-Type: application/sdp`,
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    ``,
    sdp,
  ].join('\r\n');
}

export function challenge(i: number): string {
  const ext = 1000 + (i % 900);
  return [
    `SIP/2.0 401 Unauthorized`,
    `Via: SIP/2.0/UDP 192.0.2.${(i % 250) + 1}:5060;branch=z9hG4bK${rnd(i, 1)};rport=5060;received=198.51.100.${(i % 250) + 1}`,
    `From: "Ext ${ext}" <sip:${ext}@pbx.example.com>;tag=${rnd(i, 2)}`,
    `To: "Ext ${ext}" <sip:${ext}@pbx.example.com>;tag=${rnd(i, 14)}`,
    `Call-ID: ${rnd(i, 3)}${rnd(i, 4)}@192.0.2.${(i % 250) + 1}`,
    `CSeq: ${(i % 5000) + 1} REGISTER`,
    `WWW-Authenticate: Digest realm="pbx.example.com", nonce="${rnd(i, 15)}${rnd(i, 16)}", qop="auth", algorithm=MD5`,
    `Server: hardline-bench`,
    `Content-Length: 0`,
    ``,
    ``,
  ].join('\r\n');
}

export function ok(i: number): string {
  const ext = 1000 + (i % 900);
  return [
    `SIP/2.0 200 OK`,
    `Via: SIP/2.0/UDP 192.0.2.${(i % 250) + 1}:5060;branch=z9hG4bK${rnd(i, 17)};rport=5060;received=198.51.100.${(i % 250) + 1}`,
    `Record-Route: <sip:203.0.113.5;lr;ftag=${rnd(i, 18)}>, <sip:10.0.0.5;lr>`,
    `From: <sip:${ext}@pbx.example.com>;tag=${rnd(i, 19)}`,
    `To: <sip:${ext + 1}@pbx.example.com>;tag=${rnd(i, 20)}`,
    `Call-ID: ${rnd(i, 21)}@192.0.2.${(i % 250) + 1}`,
    `CSeq: 2 INVITE`,
    `Contact: <sip:${ext + 1}@192.0.2.200:5060>`,
    `Content-Length: 0`,
    ``,
    ``,
  ].join('\r\n');
}

export function options(i: number): string {
  return [
    `OPTIONS sip:pbx.example.com SIP/2.0`,
    `Via: SIP/2.0/UDP 198.51.100.${(i % 250) + 1}:5060;branch=z9hG4bK${rnd(i, 22)}`,
    `Max-Forwards: 70`,
    `From: "sipvicious" <sip:100@1.1.1.1>;tag=${rnd(i, 23)}`,
    `To: "sipvicious" <sip:100@1.1.1.1>`,
    `Call-ID: ${rnd(i, 24)}`,
    `CSeq: 1 OPTIONS`,
    `Contact: <sip:100@198.51.100.${(i % 250) + 1}:5060>`,
    `Accept: application/sdp`,
    `User-Agent: friendly-scanner`,
    `Content-Length: 0`,
    ``,
    ``,
  ].join('\r\n');
}

/** The typical mix: REGISTER and INVITE (the target is stated for these), plus responses. */
export function corpus(n: number, kinds: ((i: number) => string)[] = [register, invite]): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(kinds[i % kinds.length]!(i));
  return out;
}
