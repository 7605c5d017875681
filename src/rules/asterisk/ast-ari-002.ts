import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';
import { splitList } from '../../pbx/asterisk/values.js';

export default defineAsteriskRule({
  id: 'AST-ARI-002',
  title: 'ARI accepts requests from any web origin',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: '`allowed_origins = *` lets any web page a logged-in operator visits call ARI from the browser (CORS), turning a malicious page into an ARI client.',
    fix: 'List the exact origins of your ARI web applications in ari.conf [general] `allowed_origins`, or leave it unset.',
    refs: ['Asterisk configs/samples/ari.conf.sample'],
  },
  messages: { any: 'ari.conf allowed_origins includes *: every web origin may call ARI' },
  check(m, ctx) {
    const g = m.section('ari.conf', 'general');
    const v = g?.get('allowed_origins');
    if (v && splitList(v.value).includes('*'))
      ctx.report({ messageId: 'any', at: spanOf(v), target: 'ari:general' });
  },
});
