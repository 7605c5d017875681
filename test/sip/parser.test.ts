import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { challenge, invite, ok, options, register } from '../../bench/sip-corpus.js';
import { parseAuthParams, parseAuthValue } from '../../src/sip/digest.js';
import {
  cseqOrError,
  isFieldErr,
  nameAddrOrError,
  parseCSeq,
  parseNameAddr,
  parseVia,
  viaOrError,
} from '../../src/sip/fields.js';
import { splitList } from '../../src/sip/headers.js';
import { SipMessage } from '../../src/sip/message.js';
import { parse } from '../../src/sip/parser.js';
import { checkMessage } from '../../src/sip/semantic.js';
import { redactAuth, serialize, serializeText } from '../../src/sip/serialize.js';
import { formatUri, isSipUri, isTelUri, parseUri, type SipUri } from '../../src/sip/uri.js';

const CRLF = '\r\n';
const msg = (...lines: string[]) => lines.join(CRLF);

function ok1(input: string | Buffer, opts?: Parameters<typeof parse>[1]): SipMessage {
  const r = parse(input, opts);
  if (!r.ok) assert.fail(`expected a message, got ${r.error.code} at ${r.error.offset}: ${r.error.message}`);
  return r.message;
}

describe('SIP parser: start line and headers', () => {
  it('parses a REGISTER with every header, from a string and from bytes alike', () => {
    const text = register(7);
    for (const input of [text, Buffer.from(text)]) {
      const m = ok1(input);
      assert.equal(m.kind, 'request');
      assert.equal(m.method, 'REGISTER');
      assert.equal(m.uri, 'sip:pbx.example.com');
      assert.equal(m.version, 'SIP/2.0');
      assert.equal(m.headers.length, 12);
      assert.equal(m.get('max-forwards'), '70');
      assert.equal(m.cseq()?.method, 'REGISTER');
      assert.equal(m.contentLength(), 0);
      assert.equal(m.bodyLength, 0);
      assert.deepEqual(m.getAll('supported'), ['replaces', 'path', 'gruu']);
      assert.deepEqual(checkMessage(m), []);
    }
  });

  it('parses a response status line, reason with spaces, and an empty reason', () => {
    const m = ok1(challenge(3));
    assert.equal(m.kind, 'response');
    assert.equal(m.status, 401);
    assert.equal(m.reason, 'Unauthorized');
    assert.equal(m.transactionMethod(), 'REGISTER');
    const m2 = ok1(msg('SIP/2.0 183 Session Progress Now', 'Content-Length: 0', '', ''));
    assert.equal(m2.reason, 'Session Progress Now');
    assert.equal(ok1(msg('SIP/2.0 200', '', '')).reason, '');
  });

  it('expands compact forms and matches names case-insensitively', () => {
    const m = ok1(
      msg(
        'OPTIONS sip:a@b SIP/2.0',
        'v: SIP/2.0/TCP h;branch=z9hG4bK1',
        'f: <sip:x@y>;tag=1',
        't: sip:a@b',
        'i: abc',
        'CSEQ: 1 OPTIONS',
        'm: <sip:x@1.2.3.4>',
        'k: path',
        'l: 0',
        'X-Custom-Thing: yes',
        '',
        '',
      ),
    );
    assert.equal(m.get('Via'), 'SIP/2.0/TCP h;branch=z9hG4bK1');
    assert.equal(m.get('CALL-ID'), 'abc');
    assert.equal(m.get('i'), 'abc');
    assert.equal(m.get('supported'), 'path');
    assert.equal(m.get('x-custom-thing'), 'yes');
    assert.equal(m.headers.find((h) => h.name === 'via')?.raw, 'v');
    assert.equal(m.from()?.tag, '1');
    assert.equal(m.topVia()?.transport, 'TCP');
  });

  it('unfolds continuation lines into one value', () => {
    const m = ok1(
      msg(
        'MESSAGE sip:a@b SIP/2.0',
        'Subject: I know you are there,',
        '   pick up the phone',
        '\tand talk to me!',
        'Content-Length: 0',
        '',
        '',
      ),
    );
    assert.equal(m.get('subject'), 'I know you are there, pick up the phone and talk to me!');
  });

  it('splits list headers at top-level commas only, and joins repeated lines', () => {
    const m = ok1(
      msg(
        'INVITE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h1;branch=z9hG4bK1, SIP/2.0/UDP h2;branch=z9hG4bK2',
        'Via: SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK3;received=2001:db8::9;rport=5071',
        'Contact: "Doe, John" <sip:j@h;a=b,c>;q=0.5, <sip:k@h>',
        'WWW-Authenticate: Digest realm="a,b", nonce="x"',
        'Content-Length: 0',
        '',
        '',
      ),
    );
    const vias = m.vias();
    assert.equal(vias.length, 3);
    const v3 = vias[2]!;
    assert.ok(v3.ok);
    assert.equal(v3.value.host, '2001:db8::1');
    assert.equal(v3.value.hostType, 'ipv6');
    assert.equal(v3.value.port, 5070);
    assert.equal(v3.value.received, '2001:db8::9');
    assert.equal(v3.value.rport, 5071);
    const contacts = m.contacts();
    assert.ok(Array.isArray(contacts));
    assert.equal(contacts.length, 2);
    assert.equal(contacts[0]!.displayName, 'Doe, John');
    assert.equal(contacts[0]!.params['q'], '0.5');
    assert.equal((contacts[0]!.uri as SipUri).params['a'], 'b,c');
    assert.deepEqual(m.getAll('www-authenticate'), ['Digest realm="a,b", nonce="x"'], 'not a list header');
    assert.deepEqual(splitList('a, "b,c" , <d,e>,,f'), ['a', '"b,c"', '<d,e>', 'f']);
  });

  it('accepts bare LF line ends and leading CRLFs before the start line', () => {
    const m = ok1(
      '\r\n\r\nOPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nContent-Length: 2\n\nhi',
    );
    assert.equal(m.method, 'OPTIONS');
    assert.equal(m.bodyText(), 'hi');
  });

  it('keeps UTF-8 display names and reports byte offsets after multi-byte characters', () => {
    const text = msg(
      'MESSAGE sip:a@b SIP/2.0',
      'From: "Jürgen Müller" <sip:j@b>;tag=9',
      'To: <sip:a@b>',
      'Bad Header',
      '',
      '',
    );
    const r = parse(text);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'HL_SIP_HEADER');
    assert.equal(r.error.offset, Buffer.from(text).indexOf('Bad Header'));
    const m = ok1(
      Buffer.from(
        msg('MESSAGE sip:a@b SIP/2.0', 'From: "Jürgen Müller" <sip:j@b>;tag=9', 'Content-Length: 0', '', ''),
      ),
    );
    assert.equal(m.from()?.displayName, 'Jürgen Müller');
  });
});

describe('SIP parser: body framing (RFC 3261 18.3)', () => {
  it('takes the body from Content-Length and drops excess in a datagram', () => {
    const m = ok1(
      msg('MESSAGE sip:a@b SIP/2.0', 'Content-Type: text/plain', 'Content-Length: 5', '', 'hello world'),
    );
    assert.equal(m.bodyText(), 'hello');
  });
  it('without Content-Length a datagram body is the rest of the datagram', () => {
    assert.equal(
      ok1(msg('MESSAGE sip:a@b SIP/2.0', 'Content-Type: text/plain', '', 'rest')).bodyText(),
      'rest',
    );
  });
  it('rejects a Content-Length longer than the body, pointing at the header', () => {
    const text = msg('MESSAGE sip:a@b SIP/2.0', 'Content-Length: 50', '', 'short');
    const r = parse(text);
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'HL_SIP_TRUNCATED');
    assert.equal(r.error.offset, text.indexOf('Content-Length'));
  });
  it('on streams Content-Length is mandatory and exact', () => {
    const noLen = msg('OPTIONS sip:a@b SIP/2.0', 'Via: SIP/2.0/TCP h', '', '');
    const r = parse(noLen, { mode: 'stream' });
    assert.ok(!r.ok && r.error.code === 'HL_SIP_CONTENT_LENGTH');
    const extra = parse(msg('OPTIONS sip:a@b SIP/2.0', 'Content-Length: 1', '', 'ab'), { mode: 'stream' });
    assert.ok(!extra.ok && extra.error.code === 'HL_SIP_CONTENT_LENGTH');
  });
  it('rejects conflicting and non-numeric Content-Length', () => {
    for (const v of [
      ['Content-Length: 1', 'l: 2'],
      ['Content-Length: -1'],
      ['Content-Length: 1e3'],
      ['Content-Length: 99999999999'],
    ]) {
      const r = parse(msg('OPTIONS sip:a@b SIP/2.0', ...v, '', 'xx'));
      assert.ok(!r.ok && r.error.code === 'HL_SIP_CONTENT_LENGTH', v.join('|'));
    }
  });
  it('keeps a binary body byte-exact', () => {
    const body = Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 13, 10, 7]);
    const head = Buffer.from(
      msg(
        'MESSAGE sip:a@b SIP/2.0',
        'Content-Type: application/octet-stream',
        `Content-Length: ${body.length}`,
        '',
        '',
      ),
    );
    const m = ok1(Buffer.concat([head, body]));
    assert.deepEqual(m.body, body);
  });
});

describe('SIP parser: start line and Via fast paths agree with the general paths', () => {
  it('takes methods and versions as written, common spellings or not', () => {
    for (const [line, method, version] of [
      ['INVITE sip:a@b SIP/2.0', 'INVITE', 'SIP/2.0'],
      ['INVITF sip:a@b SIP/2.0', 'INVITF', 'SIP/2.0'],
      ['invite sip:a@b sip/2.0', 'invite', 'sip/2.0'],
      ['REGISTER sip:a@b SIP/2.0', 'REGISTER', 'SIP/2.0'],
      ['X-Y.Z sip:a@b;p=:x SIP/2.0', 'X-Y.Z', 'SIP/2.0'],
    ] as const) {
      const m = ok1(`${line}\r\nContent-Length: 0\r\n\r\n`);
      assert.equal(m.method, method);
      assert.equal(m.version, version);
      assert.equal(m.uri, line.split(' ')[1]);
    }
    assert.equal(ok1('SIP/2.0 200 OK\r\n\r\n').version, 'SIP/2.0');
  });
  it('reads IPv4 sent-by in one pass exactly as the general host parser does', () => {
    // White space before `;` sends the same sent-by through the general path: both must accept
    // the same values and read the same fields (error messages may differ: the white space).
    const hosts = ['192.0.2.1', '0.0.0.0', '255.255.255.255', '01.2.3.4', '1.2.3.256', '1.2.3', '1.2.3.4.5'];
    hosts.push('1..2.3', '1234.1.1.1', '1.2.3.4x', 'host.example', '[2001:db8::1]', '1.2.3.');
    const ports = ['', ':5060', ':0', ':65535', ':65536', ':099999', ':', ':5o60', ':00005'];
    for (const h of hosts)
      for (const p of ports)
        for (const rest of [';branch=z9hG4bK1;rport', '', ';rport=5061;received=10.0.0.1']) {
          const fast = parseVia(`SIP/2.0/UDP ${h}${p}${rest}`);
          const general = parseVia(`SIP/2.0/UDP ${h}${p} ${rest}`);
          const what = `${h}${p}${rest}`;
          assert.equal(fast.ok, general.ok, what);
          if (fast.ok && general.ok) {
            const { host, hostType, port, branch, rport, received } = fast.value;
            const g = general.value;
            assert.deepEqual(
              { host, hostType, port, branch, rport, received },
              {
                host: g.host,
                hostType: g.hostType,
                port: g.port,
                branch: g.branch,
                rport: g.rport,
                received: g.received,
              },
              what,
            );
            assert.deepEqual({ ...fast.value.params }, { ...g.params }, what);
          }
        }
  });
});

describe('SIP fields: parameter fast paths agree with the general scanner', () => {
  // `; name` (white space after each `;`) always takes the general scanner, which skips it: the
  // same parameters must give the same fields, records and acceptance as the fast paths.
  const general = (rest: string) => rest.replaceAll(';', '; ');
  it('reads Via branch, received and rport as the general scanner does', () => {
    const lists = [';branch=z9hG4bK1;rport', ';rport;branch=a', ';branch=a;branch=b', ';branch=a;branch'];
    lists.push(';rport=5;rport', ';rport=70000', ';rport=abc', ';rport=', ';rport=0', ';rport=00005');
    lists.push(';rport=123456', ';received=1.2.3.4;rport=5', ';branch', ';Branch=X', ';branch=a b');
    lists.push(';branch="q"', ';branch=a;;rport', ';x-y.z_=1;branch=k', ';branch=a\t', ';=x', ';branch=a;');
    lists.push(
      ';maddr=1.2.3.4;ttl=5',
      ';branch=%41',
      ';received=',
      ';received',
      ';RPORT=7',
      ';rport=5;received=h',
    );
    lists.push(
      ';rport=""',
      ';rport="5"',
      ';branch="a=b"',
      ';branch="x"y',
      ';branch="x\\"y"',
      ';branch=a"b;rport',
    );
    lists.push(';x+y.z*!%~=1;branch=k', ';branch=q;rport;received=r;branch=s;rport=9');
    for (const rest of lists) {
      const f = parseVia(`SIP/2.0/UDP 192.0.2.1:5060${rest}`);
      const g = parseVia(`SIP/2.0/UDP 192.0.2.1:5060${general(rest)}`);
      assert.equal(f.ok, g.ok, rest);
      if (f.ok && g.ok) {
        const pick = (v: typeof f.value) => ({ branch: v.branch, received: v.received, rport: v.rport });
        assert.deepEqual(pick(f.value), pick(g.value), rest);
        assert.deepEqual({ ...f.value.params }, { ...g.value.params }, rest);
      }
    }
  });
  it('reads the From/To tag as the general scanner does', () => {
    const lists = [';tag=1', ';tag=', ';tag', ';tag=a;tag=b', ';TAG=x', ';tag="q"', ';tag=a b', ';tag=a\t'];
    lists.push(';tag=x;expires=5', ';tag=%20', ';tag=;x', ';tag=a;', ';tagx=1', ';ta=1');
    lists.push(
      ';expires=5;+sip.instance="<urn:uuid:1>"',
      ';tag="";x',
      ';tag="a b"',
      ';tag="a\\"b"',
      ';tag="a"b',
    );
    lists.push(';tag=a;+sip.instance="<u>";tag=b', ';q=0.5;tag', ';tag="unterminated', ';Tag=X;tag=y');
    for (const rest of lists) {
      const f = parseNameAddr(`"A" <sip:a@b>${rest}`);
      const g = parseNameAddr(`"A" <sip:a@b>${general(rest)}`);
      assert.equal(f.ok, g.ok, rest);
      if (f.ok && g.ok) {
        assert.equal(f.value.tag, g.value.tag, rest);
        assert.deepEqual({ ...f.value.params }, { ...g.value.params }, rest);
      }
    }
  });
});

describe('SIP fields: errors are told from values without instanceof', () => {
  it('marks every field error, no value, and keeps the mark out of the error object', () => {
    for (const bad of [viaOrError('SIP/2.0/UDP'), nameAddrOrError('<sip:a@b'), cseqOrError('x INVITE')]) {
      assert.equal(isFieldErr(bad), true);
      assert.deepEqual(Object.keys(bad), ['message', 'offset']);
      assert.equal(JSON.stringify(bad).includes('isFieldErr'), false);
    }
    for (const good of [viaOrError('SIP/2.0/UDP h'), nameAddrOrError('<sip:a@b>'), cseqOrError('1 INVITE')])
      assert.equal(isFieldErr(good), false);
    const r = parseVia('SIP/2.0/UDP');
    assert.equal(r.ok, false);
  });
});

describe('SIP parser: errors carry a code and the byte offset', () => {
  const cases: [string, string, number][] = [
    ['', 'HL_SIP_EMPTY', 0],
    ['\r\n\r\n', 'HL_SIP_EMPTY', 0],
    ['INVITE\r\n\r\n', 'HL_SIP_START_LINE', 0],
    ['INVITE sip:a@b\r\n\r\n', 'HL_SIP_START_LINE', 14],
    ['INV@TE sip:a@b SIP/2.0\r\n\r\n', 'HL_SIP_METHOD', 3],
    ['INVITE  SIP/2.0\r\n\r\n', 'HL_SIP_REQUEST_URI', 7],
    ['INVITE nocolon SIP/2.0\r\n\r\n', 'HL_SIP_REQUEST_URI', 7],
    ['INVITE sip:a@b HTTP/1.1\r\n\r\n', 'HL_SIP_VERSION', 15],
    ['INVITE sip:a\x01b SIP/2.0\r\n\r\n', 'HL_SIP_REQUEST_URI', 12],
    ['INVITE sip:a\x7fb SIP/2.0\r\n\r\n', 'HL_SIP_REQUEST_URI', 12],
    ['INVITE sip:a\tb\r\n\r\n', 'HL_SIP_START_LINE', 14],
    ['INVITE :a@b SIP/2.0\r\n\r\n', 'HL_SIP_REQUEST_URI', 7],
    ['INVITE sip:a@b SIP/2.00\r\n\r\n', 'HL_SIP_VERSION', 15],
    ['SIP/2.0 20 OK\r\n\r\n', 'HL_SIP_STATUS', 8],
    ['SIP/2.0 999 Huh\r\n\r\n', 'HL_SIP_STATUS', 8],
    ['SIP/3.0 200 OK\r\n\r\n', 'HL_SIP_VERSION', 0],
    ['OPTIONS sip:a@b SIP/2.0\r\nNoColonHere\r\n\r\n', 'HL_SIP_HEADER', 25],
    ['OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n', 'HL_SIP_HEADER', 28],
    ['OPTIONS sip:a@b SIP/2.0\r\n: x\r\n\r\n', 'HL_SIP_HEADER', 25],
    ['OPTIONS sip:a@b SIP/2.0\r\n folded\r\n\r\n', 'HL_SIP_FOLDING', 25],
  ];
  for (const [input, code, offset] of cases) {
    it(`${JSON.stringify(input.slice(0, 30))} -> ${code} at ${offset}`, () => {
      const r = parse(input);
      assert.ok(!r.ok, 'must fail');
      assert.equal(r.error.code, code, r.error.message);
      assert.equal(r.error.offset, offset);
      assert.ok(r.error.message.length > 5);
    });
  }
  it('bounds size and header count', () => {
    const big = `OPTIONS sip:a@b SIP/2.0\r\nX: ${'a'.repeat(300_000)}\r\n\r\n`;
    const r = parse(big);
    assert.ok(!r.ok && r.error.code === 'HL_SIP_TOO_LARGE');
    const many = `OPTIONS sip:a@b SIP/2.0\r\n${'X: 1\r\n'.repeat(300)}\r\n`;
    const r2 = parse(many);
    assert.ok(!r2.ok && r2.error.code === 'HL_SIP_TOO_MANY_HEADERS');
    assert.ok(parse(many, { maxHeaders: 400 }).ok);
  });
});

describe('URIs', () => {
  it('sip URI with user, password, host, port, params, headers and escapes', () => {
    const r = parseUri(
      'sip:al%20ice:pw@Example.COM:5070;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent',
    );
    assert.ok(r.ok && isSipUri(r.uri));
    const u = r.uri as SipUri;
    assert.equal(u.user, 'al ice');
    assert.equal(u.password, 'pw');
    assert.equal(u.host, 'example.com');
    assert.equal(u.port, 5070);
    assert.equal(u.params['transport'], 'TCP');
    assert.equal(u.params['lr'], null);
    assert.equal(u.headers['subject'], 'project x');
    assert.equal(
      formatUri(u),
      'sip:al%20ice:***@example.com:5070;transport=TCP;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent',
    );
    assert.ok(!formatUri(u).includes('pw'), 'password never printed by default');
  });
  it('IPv6 references, sips, tel and other schemes', () => {
    const v6 = parseUri('sips:bob@[2001:db8::10]:5061');
    assert.ok(
      v6.ok &&
        isSipUri(v6.uri) &&
        v6.uri.hostType === 'ipv6' &&
        v6.uri.port === 5061 &&
        v6.uri.scheme === 'sips',
    );
    const tel = parseUri('tel:+1-201-555-0123;ext=12');
    assert.ok(tel.ok && isTelUri(tel.uri) && tel.uri.global && tel.uri.params['ext'] === '12');
    assert.ok(parseUri('tel:7042;phone-context=example.com').ok);
    assert.ok(!parseUri('tel:7042').ok, 'local numbers need phone-context');
    const urn = parseUri('urn:service:sos');
    assert.ok(urn.ok && urn.uri.scheme === 'urn');
  });
  it('rejects malformed URIs with an offset', () => {
    for (const [t, off] of [
      ['sip:', 4],
      ['sip:@host', 4],
      ['sip:a@[2001:db8::1', 6],
      ['sip:a@ho st', 8],
      ['sip:a@host:99999', 11],
      ['sip:a@256.1.1.1', 6],
      ['sip:a%zz@host', 4],
      ['nocolon', 0],
    ] as const) {
      const r = parseUri(t);
      assert.ok(!r.ok, t);
      assert.equal(r.error.offset, off, t);
    }
  });
  it('__proto__ as a parameter name is stored as data', () => {
    const r = parseUri('sip:a@b;__proto__=x');
    assert.ok(r.ok && isSipUri(r.uri));
    assert.equal(Object.getPrototypeOf(r.uri.params), Object.prototype);
    // biome-ignore lint/suspicious/noProto: the test checks that a parameter named __proto__ is plain data
    assert.equal(r.uri.params['__proto__'], 'x');
  });
});

describe('name-addr, Via, CSeq', () => {
  it('name-addr forms', () => {
    const a = parseNameAddr('"A \\"quoted\\" name" <sip:a@b;transport=tcp>;tag=xy;expires=60');
    assert.ok(a.ok);
    assert.equal(a.value.displayName, 'A "quoted" name');
    assert.equal(a.value.tag, 'xy');
    assert.equal((a.value.uri as SipUri).params['transport'], 'tcp');
    const b = parseNameAddr('Bob Smith <sip:bob@h>');
    assert.ok(b.ok && b.value.displayName === 'Bob Smith');
    const c = parseNameAddr('sip:carol@h;tag=1');
    assert.ok(
      c.ok && c.value.tag === '1' && c.value.uriText === 'sip:carol@h',
      'addr-spec params belong to the header',
    );
    const d = parseNameAddr('<sip:a@b');
    assert.ok(!d.ok && d.error.offset === 0);
    const e = parseNameAddr('"unterminated <sip:a@b>');
    assert.ok(!e.ok);
    const f = parseNameAddr('<sip:a@ho st>');
    assert.ok(f.ok && f.value.uri === undefined && f.value.uriError?.offset === 8);
  });
  it('Via forms', () => {
    const v = parseVia('SIP / 2.0 / tls  host.example:5061 ; branch=z9hG4bKa ; rport');
    assert.ok(v.ok);
    assert.equal(v.value.transport, 'TLS');
    assert.equal(v.value.protocol, 'SIP/2.0');
    assert.equal(v.value.rport, null);
    assert.equal(v.value.branch, 'z9hG4bKa');
    assert.ok(!parseVia('SIP/2.0 host').ok);
    assert.ok(!parseVia('SIP/2.0/UDP').ok);
    assert.ok(!parseVia('SIP/2.0/UDP h;rport=x').ok);
  });
  it('CSeq', () => {
    assert.deepEqual(parseCSeq(' 42  INVITE '), { ok: true, value: { seq: 42, method: 'INVITE' } });
    assert.ok(!parseCSeq('INVITE').ok);
    assert.ok(!parseCSeq('4294967296 INVITE').ok);
    assert.ok(!parseCSeq('1').ok);
  });
});

describe('structured fields: parsed in place, cached per message, never stale', () => {
  it('returns the same parsed object on repeated reads of an unchanged message', () => {
    const m = ok1(register(3));
    assert.equal(m.from(), m.from());
    assert.equal(m.topVia(), m.topVia());
    assert.equal(m.vias(), m.vias());
    assert.equal(m.contacts(), m.contacts());
    assert.equal(m.cseq(), m.cseq());
  });
  it('re-parses after set(), add(), remove() and a direct change of a header value', () => {
    const m = ok1(register(3));
    const before = m.from()!;
    m.set('From', '<sip:other@h>;tag=zz');
    assert.equal(m.from()!.tag, 'zz');
    assert.notEqual(m.from(), before);
    m.headers.find((h) => h.name === 'from')!.value = '"X" <sip:x@h>;tag=yy';
    assert.equal(m.from()!.tag, 'yy');
    assert.equal(m.from()!.displayName, 'X');
    assert.equal(m.vias().length, 1);
    m.add('v', 'SIP/2.0/TCP p2;branch=z9hG4bK2');
    assert.deepEqual(
      m.vias().map((v) => (v.ok ? v.value.branch : v.error.message)),
      [m.topVia()!.branch, 'z9hG4bK2'],
    );
    m.remove('via');
    assert.deepEqual(m.vias(), []);
    assert.equal(m.topVia(), undefined);
    m.set('CSeq', '9 REGISTER');
    assert.equal(m.cseq()!.seq, 9);
    m.set('Contact', '*');
    assert.equal(m.contacts(), '*');
    m.add('Contact', '<sip:a@b>');
    assert.ok(Array.isArray(m.contacts()), 'a * among other values is not the wildcard');
  });
  it('builds the parameter record on demand, with the values found while validating', () => {
    const dup = parseVia('SIP/2.0/UDP h;branch=z9hG4bK1;branch=z9hG4bK2');
    assert.ok(dup.ok && dup.value.branch === 'z9hG4bK2' && dup.value.params['branch'] === 'z9hG4bK2');
    const v = parseVia('SIP/2.0/UDP h:5060 ; BRANCH = z9hG4bK1 ;received=10.0.0.1;rport=5061;x="a\\"b;c"');
    assert.ok(v.ok);
    assert.equal(v.value.branch, 'z9hG4bK1');
    assert.equal(v.value.received, '10.0.0.1');
    assert.equal(v.value.rport, 5061);
    assert.deepEqual(
      { ...v.value.params },
      { branch: 'z9hG4bK1', received: '10.0.0.1', rport: '5061', x: 'a"b;c' },
    );
    assert.deepEqual(JSON.parse(JSON.stringify(v.value)).params, v.value.params);
    const na = parseNameAddr('<sip:a@b>;Tag=T1;expires=60;+sip.instance="<urn:uuid:1>";lr');
    assert.ok(na.ok);
    assert.equal(na.value.tag, 'T1');
    assert.deepEqual(
      { ...na.value.params },
      { tag: 'T1', expires: '60', '+sip.instance': '<urn:uuid:1>', lr: null },
    );
    assert.equal(na.value.param('EXPIRES'), '60');
    const flag = parseNameAddr('<sip:a@b>;tag');
    assert.ok(flag.ok);
    assert.equal(flag.value.tag, undefined, 'a tag without a value is no tag');
  });
  it('rejects malformed parameters at validation time, not when they are read', () => {
    for (const bad of ['<sip:a@b>;tag="open', '<sip:a@b>;=x', '<sip:a@b>;a="b" junk']) {
      const r = parseNameAddr(bad);
      assert.ok(!r.ok, bad);
    }
    const r = parseVia('SIP/2.0/UDP h;branch="open');
    assert.ok(!r.ok && r.error.message === 'malformed Via parameter' && r.error.offset === 21);
  });
  it('parses the Authorization family: scheme and auth-params, quoted values unescaped', () => {
    const a = parseAuthValue(
      'Digest username="1001", Realm="r", nonce="a\\"b", uri="sip:x;a=b", response="00", algorithm=MD5, qop=auth, nc=00000001, cnonce="c", X-Other=1',
    );
    assert.ok(a);
    assert.equal(a.scheme, 'Digest');
    assert.deepEqual(
      { ...a.params },
      {
        username: '1001',
        realm: 'r',
        nonce: 'a"b',
        uri: 'sip:x;a=b',
        response: '00',
        algorithm: 'MD5',
        qop: 'auth',
        nc: '00000001',
        cnonce: 'c',
        'x-other': '1',
      },
    );
    assert.equal(parseAuthValue('Digest'), undefined);
    const proto = parseAuthParams('__proto__="x", constructor=y');
    assert.equal(Object.getPrototypeOf(proto), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 'x');
  });
});

describe('semantic checks', () => {
  it('reports a CSeq/method mismatch and missing mandatory headers', () => {
    const m = ok1(
      msg(
        'INVITE sip:a@b SIP/2.0',
        'Via: SIP/2.0/UDP h;branch=1',
        'CSeq: 1 REGISTER',
        'From: <sip:x@y>',
        'Content-Length: 0',
        '',
        '',
      ),
    );
    const codes = checkMessage(m)
      .map((p) => p.code)
      .sort();
    assert.deepEqual(codes, [
      'cseq-method',
      'from-tag',
      'missing-contact',
      'missing-header',
      'missing-header',
      'missing-header',
      'via-branch',
    ]);
  });
  it('a well-formed INVITE and its responses have no problems', () => {
    for (const t of [invite(1), ok(2), challenge(3), options(4)])
      assert.deepEqual(checkMessage(ok1(t)), [], t.split('\r\n')[0]);
  });
});

describe('serializer', () => {
  it('round-trips a parsed INVITE byte for byte', () => {
    const text = invite(5);
    assert.equal(serializeText(ok1(text)), text);
    assert.deepEqual(serialize(ok1(Buffer.from(text))), Buffer.from(text));
  });
  it('builds a request with Content-Length computed and display names', () => {
    const m = SipMessage.request(
      'MESSAGE',
      'sip:a@b',
      [
        ['via', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
        ['call-id', 'c1'],
      ],
      'héllo',
    );
    const text = serializeText(m);
    assert.match(text, /^MESSAGE sip:a@b SIP\/2.0\r\nvia: /);
    assert.match(text, /Content-Length: 6\r\n\r\nhéllo$/);
    const back = ok1(serialize(m), { mode: 'stream' });
    assert.equal(back.bodyText(), 'héllo');
    m.set('Call-ID', 'c2').add('Route', '<sip:p;lr>');
    assert.equal(m.get('i'), 'c2');
    assert.equal(m.remove('route').get('route'), undefined);
  });
  it('redacts authorization values in evidence', () => {
    const red = redactAuth(
      'Digest username="1001", realm="r", nonce="n", uri="sip:x", response="0123456789abcdef", cnonce="c"',
    );
    assert.equal(
      red,
      'Digest username="1001", realm="r", nonce=<redacted>, uri="sip:x", response=<redacted>, cnonce=<redacted>',
    );
  });
});
