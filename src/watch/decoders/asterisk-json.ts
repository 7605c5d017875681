import { defineDecoder, ignored, miss } from '../decoder.js';

/**
 * Asterisk's JSON log format (logger.conf `format=json`):
 * {"hostname":..,"timestamp":..,"identifiers":{"lwp":..,"callid":..},
 *  "logmsg":{"location":{"filename":..,"line":..,"function":..},"level":..,"message":..}}.
 * The message is decoded by the other Asterisk decoders; the time comes from "timestamp".
 */

interface AstJson {
  timestamp?: unknown;
  logmsg?: { level?: unknown; message?: unknown; location?: { filename?: unknown } };
}

export default defineDecoder({
  id: 'asterisk-json',
  title: 'Asterisk JSON log format (the message is decoded by the other Asterisk decoders)',
  pbx: 'asterisk',
  family: 'json',
  markers: ['"logmsg"'],
  sourceField: 'as for the wrapped message',
  decode(line, h) {
    const start = line.indexOf('{');
    if (start < 0) return undefined;
    let obj: AstJson;
    try {
      obj = JSON.parse(line.slice(start)) as AstJson;
    } catch {
      return miss('not valid JSON');
    }
    const msg = obj.logmsg?.message;
    if (typeof msg !== 'string') return miss('JSON log record without logmsg.message');
    let time = h.time();
    if (typeof obj.timestamp === 'string') {
      const t = new Date(obj.timestamp.replace(' ', 'T')).getTime();
      if (!Number.isNaN(t)) time = t;
    }
    const file = typeof obj.logmsg?.location?.filename === 'string' ? obj.logmsg.location.filename : '';
    const level = typeof obj.logmsg?.level === 'string' ? obj.logmsg.level : 'NOTICE';
    const inner = h.inner?.(`${level}[0] ${file}: ${msg}`, time, 'asterisk-json');
    if (!inner) return ignored('JSON log record whose message no decoder recognises');
    return inner;
  },
  examples: [
    {
      line: '{"hostname":"pbx1","timestamp":"2026-11-24 10:00:01.123","identifiers":{"lwp":2143,"callid":""},"logmsg":{"location":{"filename":"res_pjsip/pjsip_distributor.c","line":676,"function":"log_failed_request"},"level":"NOTICE","message":"Request \'REGISTER\' from \'<sip:300@pbx>\' failed for \'[2001:db8::5]:5062\' (callid: q1) - Failed to authenticate"}}',
      expect: { kind: 'auth-failure', source: '[2001:db8::5]:5062', account: '300' },
    },
  ],
});
