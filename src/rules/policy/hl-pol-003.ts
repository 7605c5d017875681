import type { Policy } from '../../policy/schema.js';
import { definePolicyRule } from './model.js';

export default definePolicyRule({
  id: 'HL-POL-003',
  title: 'Voice network without outbound (egress) limits',
  severity: 'medium',
  step: 'firewall',
  docs: {
    why: 'Phones, ATAs and intercoms run old embedded software that is rarely patched. When they may open connections to any address, a compromised or misconfigured device can register to a foreign SIP server (toll fraud from inside), fetch hostile provisioning, leak call metadata or join a botnet, and nothing stops it. The hardening guide asks for no unnecessary outbound access from voice devices: they need the PBX, the provider, DNS, NTP and their update servers, nothing else.',
    fix: 'Declare firewall.egress in hardline.yaml (pbx addresses, dns, ntp, update_servers; trunks are allowed by default) and load the rules with hardline firewall --apply on the host that routes the voice network. If the voice network has no route to the Internet at all, record that decision as a policy exception for HL-POL-003 with its reason and approver.',
    refs: ['hardline docs: policy.md#egress-from-the-voice-networks', 'NIST SP 800-58 section 5'],
  },
  messages: {
    noEgress:
      'the policy declares the voice network {networks} but no firewall.egress: voice devices may open connections to any address',
  },
  check(p, ctx) {
    const policy = ctx.policy as Policy;
    if (policy.firewall.egress) return;
    const voice = policy.networks['voice'];
    if (!voice?.length) return;
    ctx.report({
      messageId: 'noEgress',
      data: { networks: `voice (${voice.join(', ')})` },
      at: { file: p.file, line: p.lineOf(['networks', 'voice']) ?? 1 },
      target: 'policy:firewall/egress',
    });
  },
});
