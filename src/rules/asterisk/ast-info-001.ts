import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

const VERSIONED = /\d+\.\d+/;

export default defineAsteriskRule({
  id: 'AST-INFO-001',
  title: 'Asterisk announces its version to every caller',
  severity: 'low',
  step: 'exposure',
  docs: {
    why: 'By default pjsip sends `User-Agent`/`Server: Asterisk PBX <version>` in every SIP message, chan_sip does the same, and the HTTP server answers `Server: Asterisk/<version>`. Scanners such as svmap and nmap record the version and match it to published advisories, so an unpatched PBX is picked out of thousands in seconds.',
    fix: 'Set a neutral name: pjsip.conf `[global]` `user_agent = PBX`, sip.conf `useragent = PBX`, http.conf `servername = PBX` (an empty servername sends no Server header).',
    refs: [
      'Asterisk configs/samples/pjsip.conf.sample',
      'Asterisk configs/samples/http.conf.sample',
      'https://github.com/EnableSecurity/sipvicious',
    ],
  },
  messages: {
    default: '{where} is not set: {header} carries the Asterisk version',
    version: '{where}={value} carries a version number',
  },
  check(m, ctx) {
    const pjsipUsed = m.pjsip.transports.length > 0 || m.pjsip.endpoints.length > 0;
    if (pjsipUsed && m.modules.loaded('res_pjsip')) {
      const ua = m.pjsip.global?.get('user_agent');
      if (!ua) {
        ctx.report({
          messageId: 'default',
          data: { where: 'pjsip [global] user_agent', header: 'every SIP User-Agent/Server header' },
          at: spanOf(m.pjsip.global ?? m.pjsip.transports[0] ?? m.pjsip.endpoints[0]!),
          target: 'pjsip:global/user_agent',
        });
      } else if (VERSIONED.test(ua.value)) {
        ctx.report({
          messageId: 'version',
          data: { where: 'pjsip user_agent', value: ua.value },
          at: spanOf(ua),
          target: 'pjsip:global/user_agent',
        });
      }
    }
    if (m.sip.active) {
      const ua = m.sip.general?.get('useragent');
      if (!ua || VERSIONED.test(ua.value)) {
        ctx.report({
          messageId: ua ? 'version' : 'default',
          data: {
            where: ua ? 'sip.conf useragent' : 'sip.conf useragent',
            header: 'every chan_sip User-Agent header',
            value: ua?.value ?? '',
          },
          at: spanOf(ua ?? m.sip.general ?? { file: 'sip.conf', line: 1 }),
          target: 'sip:general/useragent',
        });
      }
    }
    const http = m.section('http.conf', 'general');
    if (http && astTrue(http.value('enabled'))) {
      const sn = http.get('servername');
      if (!sn || VERSIONED.test(sn.value)) {
        ctx.report({
          messageId: sn ? 'version' : 'default',
          data: { where: 'http.conf servername', header: 'the HTTP Server header', value: sn?.value ?? '' },
          at: spanOf(sn ?? http),
          target: 'http:servername',
        });
      }
    }
  },
});
