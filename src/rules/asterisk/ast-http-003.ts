import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-HTTP-003',
  title: 'HTTP status page enabled',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: 'The /httpstatus page lists the server configuration to anyone who can reach the HTTP server, and it had a cross-site scripting flaw (CVE-2026-23738). It helps an attacker and gives the administrator nothing a CLI command does not.',
    fix: 'Set `enable_status = no` in http.conf [general] (the default).',
    refs: ['Asterisk configs/samples/http.conf.sample', 'CVE-2026-23738'],
  },
  messages: { on: 'enable_status=yes publishes the /httpstatus page' },
  check(m, ctx) {
    const g = m.section('http.conf', 'general');
    if (!g || !astTrue(g.value('enabled'))) return;
    const v = g.get('enable_status');
    if (v && astTrue(v.value)) ctx.report({ messageId: 'on', at: spanOf(v), target: 'http:status' });
  },
});
