import { spanOf } from '../../pbx/asterisk/helpers.js';
import { defineAsteriskRule } from '../../pbx/asterisk/rule.js';

export default defineAsteriskRule({
  id: 'AST-RTP-001',
  title: 'RTP port range wider than the policy allows',
  severity: 'low',
  step: 'firewall',
  policy: { uses: ['rtp'], without: 'defaults' },
  docs: {
    why: "The firewall can only be as narrow as the RTP range Asterisk uses. Without rtp.conf Asterisk uses 5000-31000; a range wider than the site needs forces a wide-open UDP hole, and a start below 1024 overlaps system services. The policy's rtp range is what the firewall rules admit, so a wider Asterisk range also causes one-way audio when the firewall is enforced.",
    fix: 'Set `rtpstart` and `rtpend` in rtp.conf [general] inside hardline.yaml `rtp` (about 4 ports per concurrent call, with headroom), and open exactly that range in the firewall.',
    refs: ['Asterisk configs/samples/rtp.conf.sample'],
  },
  messages: {
    wider: 'RTP range {start}-{end} ({source}) is not inside the policy range {pstart}-{pend}',
    privileged: 'RTP range starts at {start}, below 1024 ({source})',
  },
  check(m, ctx) {
    const g = m.section('rtp.conf', 'general');
    const sv = g?.get('rtpstart');
    const ev = g?.get('rtpend');
    const start = sv && /^\d+$/.test(sv.value) ? Number(sv.value) : 5000;
    const end = ev && /^\d+$/.test(ev.value) ? Number(ev.value) : 31000;
    const source = sv || ev ? 'rtp.conf' : 'Asterisk default, rtp.conf does not set it';
    const at = spanOf(sv ?? ev ?? g ?? { file: 'rtp.conf', line: 1 });
    if (start < 1024)
      ctx.report({
        messageId: 'privileged',
        data: { start, source },
        at,
        target: 'rtp:range',
        severity: 'medium',
      });
    const p = ctx.policy.rtp;
    if (p && (start < p.start || end > p.end)) {
      ctx.report({
        messageId: 'wider',
        data: { start, end, source, pstart: p.start, pend: p.end },
        at,
        target: 'rtp:range',
      });
    }
  },
});
