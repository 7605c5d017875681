import { bindScope, spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { astTrue } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-HTTP-002',
  title: 'ARI or AMI-over-HTTP credentials sent without TLS',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'ARI uses HTTP Basic authentication and AMI over HTTP sends the manager secret in the request. On a plain-HTTP listener reachable from the network, anyone on the path reads these credentials.',
    fix: 'Serve ARI and AMI over HTTP only on 127.0.0.1, or enable TLS in http.conf (`tlsenable=yes`, `tlsbindaddr`, `tlscertfile`, `tlsprivatekey`) and bind the plain listener to loopback.',
    refs: ['https://docs.asterisk.org/Configuration/Interfaces/Asterisk-REST-Interface-ARI/'],
  },
  messages: {
    clear: '{what} served over plain HTTP on {bind}: credentials cross the network in clear text',
  },
  check(m, ctx) {
    const g = m.section('http.conf', 'general');
    if (!g || !astTrue(g.value('enabled'))) return;
    const bind = g.get('bindaddr');
    if (!bind || bindScope(bind.value) === 'loopback') return;
    const what: string[] = [];
    const ari = m.section('ari.conf', 'general');
    if (ari && astTrue(ari.value('enabled') ?? 'yes') && m.sections('ari.conf', ['general']).length > 0)
      what.push('ARI');
    const mg = m.section('manager.conf', 'general');
    if (mg && astTrue(mg.value('enabled')) && astTrue(mg.value('webenabled'))) what.push('AMI over HTTP');
    if (what.length === 0) return;
    ctx.report({
      messageId: 'clear',
      data: { what: what.join(' and '), bind: bind.value },
      at: spanOf(bind),
      target: 'http:general',
    });
  },
});
