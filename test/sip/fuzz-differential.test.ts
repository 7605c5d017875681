import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { challenge, corpus, invite, ok, options, register } from '../../bench/sip-corpus.js';
import { parseAuthValue, parseChallenge } from '../../src/sip/digest.js';
import { StreamFramer } from '../../src/sip/framer.js';
import type { SipMessage } from '../../src/sip/message.js';
import { parse } from '../../src/sip/parser.js';
import { analyzeSdp } from '../../src/sip/sdp.js';
import { checkMessage } from '../../src/sip/semantic.js';
import { serialize } from '../../src/sip/serialize.js';
import { isSipUri } from '../../src/sip/uri.js';

const require = createRequire(import.meta.url);
// Oracles (devDependencies): the `sip` package and sip.js's internal parser.
// biome-ignore lint/suspicious/noExplicitAny: untyped oracle
const sipPkg = require('sip') as { parse(s: string): any };
// biome-ignore lint/suspicious/noExplicitAny: internal module without a public type
const { Parser: SipJsParser } = (await import('sip.js/lib/core/messages/parser.js')) as any;
const quiet = { log() {}, debug() {}, warn() {}, error() {} };

/** Deterministic PRNG so a failure can be replayed. */
function prng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Touches everything a consumer may call on a message; none of it may throw. */
function exercise(m: SipMessage): void {
  m.topVia();
  for (const v of m.vias()) {
    if (!v.ok) continue;
    // Lazily built parameters agree with the fields found while validating.
    const { branch, received, rport } = v.value;
    const p = v.value.params;
    assert.equal(branch, typeof p['branch'] === 'string' ? p['branch'] : undefined);
    assert.equal(received, typeof p['received'] === 'string' ? p['received'] : undefined);
    if (rport !== undefined) assert.ok('rport' in p);
    JSON.stringify(v.value);
  }
  for (const na of [m.from(), m.to()]) {
    if (!na) continue;
    const tag = na.tag;
    const t = na.params['tag'];
    assert.equal(tag, typeof t === 'string' ? t : undefined);
    void na.uri;
  }
  const c = m.contacts();
  if (Array.isArray(c)) for (const x of c) void [x.uri, x.params, JSON.stringify(x)];
  for (const h of ['authorization', 'proxy-authorization']) {
    const a = m.get(h);
    if (a) parseAuthValue(a);
  }
  m.cseq();
  m.callId();
  m.contentLength();
  m.requestUri();
  m.getAll('supported');
  checkMessage(m);
  serialize(m);
  const wa = m.get('www-authenticate');
  if (wa) parseChallenge(wa);
  if (m.bodyLength) analyzeSdp(m.bodyText());
}

const SPECIAL = [
  '\r\n',
  '\n',
  '\r',
  ':',
  ';',
  ',',
  '"',
  '\\',
  '<',
  '>',
  '@',
  '[',
  ']',
  '%',
  '%G',
  ' ',
  '\t',
  '\0',
  '\xff',
  'é',
  '=',
  '?',
  '&',
  'SIP/2.0',
  'Content-Length: 99999\r\n',
];

function mutate(text: string, rnd: () => number): string {
  let s = text;
  const ops = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < ops; k++) {
    const pos = Math.floor(rnd() * (s.length + 1));
    switch (Math.floor(rnd() * 6)) {
      case 0:
        s = s.slice(0, pos) + SPECIAL[Math.floor(rnd() * SPECIAL.length)] + s.slice(pos);
        break;
      case 1:
        s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(rnd() * 20));
        break;
      case 2:
        s = s.slice(0, pos);
        break;
      case 3:
        s = s.slice(0, pos) + String.fromCharCode(Math.floor(rnd() * 256)) + s.slice(pos + 1);
        break;
      case 4: {
        const len = Math.floor(rnd() * 40);
        s = s.slice(0, pos) + s.slice(pos, pos + len).repeat(1 + Math.floor(rnd() * 5)) + s.slice(pos);
        break;
      }
      default:
        s = s.replace(/\r\n/g, rnd() < 0.5 ? '\n' : '\r\n ');
    }
  }
  return s;
}

describe('fuzz: the parser never throws and never hangs', () => {
  it('20,000 mutated messages (strings and bytes): typed result, no internal errors, accessors safe', () => {
    const rnd = prng(0x5eed);
    const seeds = [register(1), invite(2), challenge(3), ok(4), options(5)];
    let parsed = 0;
    let failed = 0;
    const codes = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const text = mutate(seeds[i % seeds.length]!, rnd);
      const input = i % 2 ? Buffer.from(text, 'latin1') : text;
      const r = parse(input);
      if (r.ok) {
        parsed++;
        exercise(r.message);
      } else {
        failed++;
        codes.add(r.error.code);
        assert.doesNotMatch(r.error.message, /internal parser error/, JSON.stringify(text.slice(0, 200)));
        assert.ok(
          r.error.offset >= 0 && r.error.offset <= Buffer.byteLength(input),
          'offset inside the input',
        );
      }
    }
    assert.ok(parsed > 1000 && failed > 1000, `both outcomes exercised (${parsed} ok, ${failed} errors)`);
    assert.ok(codes.size >= 6, `several error codes seen: ${[...codes].join(',')}`);
  });

  it('5,000 random byte strings, with and without a valid start line', () => {
    const rnd = prng(42);
    for (let i = 0; i < 5000; i++) {
      const len = Math.floor(rnd() * 600);
      const bytes = Buffer.alloc(len);
      for (let k = 0; k < len; k++)
        bytes[k] = rnd() < 0.3 ? [13, 10, 58, 59, 44, 32][Math.floor(rnd() * 6)]! : Math.floor(rnd() * 256);
      const input = i % 2 ? Buffer.concat([Buffer.from('INVITE sip:a@b SIP/2.0\r\n'), bytes]) : bytes;
      const r = parse(input);
      if (r.ok) exercise(r.message);
      else assert.doesNotMatch(r.error.message, /internal parser error/);
    }
  });

  it('the stream framer survives random chunks of mutated streams', () => {
    const rnd = prng(7);
    for (let i = 0; i < 300; i++) {
      const stream = Buffer.from(mutate(register(i) + invite(i) + ok(i), rnd), 'latin1');
      const f = new StreamFramer();
      let p = 0;
      while (p < stream.length) {
        const n = 1 + Math.floor(rnd() * 300);
        for (const e of f.push(stream.subarray(p, p + n))) if (e.type === 'message') exercise(e.message);
        p += n;
      }
    }
  });

  it('pathological inputs near the size limit finish (linear time)', { timeout: 30_000 }, () => {
    const big = (body: string) => `INVITE sip:a@b SIP/2.0\r\n${body}\r\nContent-Length: 0\r\n\r\n`;
    const inputs = [
      big(`Via: ${','.repeat(200_000)}`),
      big(`Contact: ${'"'.repeat(200_000)}`),
      big(`Contact: ${'<'.repeat(100_000)}${'\\"'.repeat(50_000)}`),
      big(`From: <sip:a@b${';x=y'.repeat(50_000)}>`),
      big(`To: sip:${'%41'.repeat(60_000)}@h`),
      big(`${'X: y\r\n '.repeat(200)}`),
      big(`Subject: a${'\r\n b'.repeat(60_000)}`),
      `INVITE ${'sip:'.repeat(60_000)} SIP/2.0\r\n\r\n`,
      '\r\n'.repeat(120_000),
    ];
    for (const input of inputs) {
      const t0 = performance.now();
      const r = parse(input, { maxHeaders: 100_000 });
      if (r.ok) exercise(r.message);
      // Not a performance target: a guard that quadratic behaviour (minutes) cannot slip in.
      assert.ok(performance.now() - t0 < 5000, `took ${performance.now() - t0} ms`);
    }
  });
});

describe('differential: same answers as the `sip` package and sip.js on the corpus', () => {
  const messages = [...corpus(200, [register, invite, challenge, ok, options])];
  it('agrees with `sip` on start line, Call-ID, CSeq, From/To/Contact URIs and tags, Via hosts and branches', () => {
    for (const text of messages) {
      const r = parse(text);
      assert.ok(r.ok);
      const m = r.message;
      const o = sipPkg.parse(text);
      assert.ok(o, 'oracle parsed it');
      if (m.kind === 'request') {
        assert.equal(m.method, o.method);
        assert.equal(m.uri, o.uri);
      } else {
        assert.equal(m.status, o.status);
        assert.equal(m.reason, o.reason);
      }
      assert.equal(m.callId(), o.headers['call-id']);
      assert.deepEqual(m.cseq(), o.headers.cseq);
      for (const k of ['from', 'to'] as const) {
        const na = m[k]()!;
        assert.equal(na.uriText, o.headers[k].uri);
        assert.equal(na.tag ?? null, o.headers[k].params.tag ?? null);
      }
      const vias = m.vias();
      assert.equal(vias.length, o.headers.via.length);
      vias.forEach((v, i) => {
        assert.ok(v.ok);
        assert.equal(v.value.host, o.headers.via[i].host);
        assert.equal(v.value.port, o.headers.via[i].port);
        assert.equal(v.value.branch, o.headers.via[i].params.branch);
      });
      const contacts = m.contacts();
      assert.ok(Array.isArray(contacts));
      assert.deepEqual(
        contacts.map((c) => c.uriText),
        (o.headers.contact ?? []).map((c: { uri: string }) => c.uri),
      );
      assert.equal(m.bodyText(), o.content ?? '');
    }
  });

  it('agrees with sip.js on method/status, Request-URI user and host, From/To users and tags, CSeq', () => {
    for (const text of messages.slice(0, 40)) {
      const m = (parse(text) as { ok: true; message: SipMessage }).message;
      const o = SipJsParser.parseMessage(text, quiet);
      assert.ok(o, 'sip.js parsed it');
      if (m.kind === 'request') {
        assert.equal(m.method, o.method);
        const ru = m.requestUri();
        assert.ok(isSipUri(ru));
        assert.equal(ru.host, o.ruri.host);
        assert.equal(ru.user, o.ruri.user);
      } else assert.equal(m.status, o.statusCode);
      assert.equal(m.callId(), o.callId);
      assert.equal(m.cseq()?.seq, o.cseq);
      const from = m.from()!;
      const fu = from.uri;
      assert.ok(isSipUri(fu));
      assert.equal(fu.user, o.from.uri.user);
      assert.equal(fu.host, o.from.uri.host);
      assert.equal(from.tag, o.fromTag);
      assert.equal(from.displayName, o.from.displayName || undefined);
      assert.equal(m.to()!.tag, o.toTag);
    }
  });

  it('both oracles and hardline reject a message without a start line', () => {
    const bad = 'Via: SIP/2.0/UDP h\r\n\r\n';
    assert.equal(parse(bad).ok, false);
    assert.equal(sipPkg.parse(bad), undefined);
  });
});
