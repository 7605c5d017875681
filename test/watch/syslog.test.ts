import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSyslog, SyslogFramer } from '../../src/watch/sources/syslog.js';

process.env.TZ = 'UTC';
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('syslog parsing', () => {
  it('RFC 5424 with structured data, BOM and a time zone', () => {
    const m = parseSyslog(
      '<165>1 2026-11-24T10:00:01.123+01:00 pbx1 asterisk 2143 ID47 [ex@32473 a="b\\]c"] \uFEFFNOTICE[2143]: res_pjsip/x.c:1 in f: hello',
      NOW,
    );
    assert.equal(m.rfc, '5424');
    assert.equal(m.time, Date.UTC(2026, 10, 24, 9, 0, 1, 123));
    assert.equal(m.host, 'pbx1');
    assert.equal(m.app, 'asterisk');
    assert.equal(m.message, 'NOTICE[2143]: res_pjsip/x.c:1 in f: hello');
  });

  it('RFC 5424 structured data with spaces and escapes (util-linux logger sends timeQuality)', () => {
    const m = parseSyslog(
      '<13>1 2026-11-25T01:21:19.967930+00:00 vm asterisk - - [timeQuality tzKnown="1" isSynced="0"][x@1 a="q\\"] b\\]c"] NOTICE[1]: x.c: hello',
      NOW,
    );
    assert.equal(m.message, 'NOTICE[1]: x.c: hello');
    assert.equal(m.time, Date.UTC(2026, 10, 25, 1, 21, 19, 967));
  });

  it('RFC 5424 with NILVALUEs', () => {
    const m = parseSyslog('<13>1 - - - - - - just text', NOW);
    assert.equal(m.rfc, '5424');
    assert.equal(m.message, 'just text');
    assert.equal(m.host, undefined);
  });

  it('RFC 3164 with tag[pid], and the year of a December line read in November is last year', () => {
    const m = parseSyslog('<13>Nov 24 10:00:01 pbx1 asterisk[2143]: NOTICE[2143]: chan_sip.c: x', NOW);
    assert.equal(m.rfc, '3164');
    assert.equal(m.time, Date.UTC(2026, 10, 24, 10, 0, 1));
    assert.equal(m.app, 'asterisk');
    assert.equal(m.message, 'NOTICE[2143]: chan_sip.c: x');
    const dec = parseSyslog('<13>Dec 31 23:59:59 h a: x', NOW);
    assert.equal(new Date(dec.time).getUTCFullYear(), 2025);
    const padded = parseSyslog('<13>Nov  4 10:00:01 h freeswitch[1]: [WARNING] sofia_reg.c:1 y', NOW);
    assert.equal(padded.time, Date.UTC(2026, 10, 4, 10, 0, 1));
  });

  it('garbage is kept as a message, never thrown', () => {
    assert.equal(parseSyslog('no priority at all', NOW).rfc !== undefined, true);
    assert.equal(parseSyslog('<999>1 bad', NOW).message.length > 0, true);
    assert.equal(parseSyslog('', NOW).message, '');
  });
});

describe('syslog TCP framing', () => {
  it('octet counting (with multi-byte characters) and newline framing in one stream', () => {
    const got: string[] = [];
    const f = new SyslogFramer(
      (m) => got.push(m),
      () => got.push('DROP'),
    );
    const a = '<13>1 - h app - - - héllo';
    const b = '<13>Nov 24 10:00:01 h app: plain';
    const stream = Buffer.from(`${Buffer.byteLength(a)} ${a}${b}\n${Buffer.byteLength(a)} ${a}`);
    for (let i = 0; i < stream.length; i += 5) f.push(stream.subarray(i, i + 5));
    assert.deepEqual(got, [a, b, a]);
  });

  it('drops oversized frames and keeps going', () => {
    const got: string[] = [];
    const f = new SyslogFramer(
      (m) => got.push(m),
      (why) => got.push(`DROP ${why}`),
    );
    f.push(Buffer.from('999999 x'));
    f.push(Buffer.from('<13>1 - h a - - - ok\n'));
    assert.deepEqual(got, ['DROP syslog frame too large', '<13>1 - h a - - - ok']);
  });
});
