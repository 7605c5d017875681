import { defineFreeswitchRule } from '../../pbx/freeswitch/rule.js';

export default defineFreeswitchRule({
  id: 'FS-RTP-001',
  title: 'FreeSWITCH RTP port range wider than the policy allows',
  severity: 'low',
  step: 'firewall',
  policy: { uses: ['rtp'], without: 'skip' },
  docs: {
    why: 'The firewall must admit the whole RTP range FreeSWITCH may pick (switch.conf rtp-start-port..rtp-end-port, 16384-32768 by default). A range wider than the policy means either the firewall is wider than declared or calls lose audio when a port outside the opened range is chosen.',
    fix: 'Set `rtp-start-port` and `rtp-end-port` in switch.conf inside hardline.yaml `rtp` (about 2 ports per call leg, with headroom) and open exactly that range in the firewall.',
    refs: ['FreeSWITCH conf/vanilla/autoload_configs/switch.conf.xml'],
  },
  messages: {
    wide: 'RTP range {start}-{end} (switch.conf{how}) is not inside the policy range {pstart}-{pend}',
  },
  check(m, ctx) {
    const rtp = ctx.policy.rtp;
    if (!rtp) return;
    const sw = m.configs.get('switch.conf');
    const s = sw?.settings.get('rtp-start-port');
    const e = sw?.settings.get('rtp-end-port');
    const start = Number(s?.value ?? 16384);
    const end = Number(e?.value ?? 32768);
    if (start >= rtp.start && end <= rtp.end) return;
    const at = s ?? e ?? sw;
    ctx.report({
      messageId: 'wide',
      data: { start, end, how: s || e ? '' : ', default', pstart: rtp.start, pend: rtp.end },
      at: at ? { file: at.file, line: at.line } : { file: m.files[0] ?? 'freeswitch.xml', line: 1 },
      target: 'freeswitch:rtp-range',
    });
  },
});
