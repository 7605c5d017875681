import { defineReviewCheck } from '../check.js';
import { compareVersions } from '../versions.js';

/** The firmware version in a User-Agent after the model prefix: the first dotted number. */
export function firmwareAfter(userAgent: string, prefix: string): string | undefined {
  if (!userAgent.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
  return /(\d+(?:\.\d+)+[a-z]?)/i.exec(userAgent.slice(prefix.length))?.[1];
}

export default defineReviewCheck({
  id: 'HL-VER-003',
  title: 'Phone firmware below the policy minimum',
  severity: 'medium',
  step: 'exposure',
  docs: {
    why: 'Phone and ATA firmware carries its own vulnerabilities: web interfaces with default or bypassable logins, provisioning that leaks SIP credentials, SIP stacks that crash or accept spoofed requests. The policy names the lowest firmware each model may run; a device below it is a known weak point on the voice network.',
    fix: 'Update the device through the provisioning server (or its web interface) to at least the firmware in hardline.yaml firmware[], and check that it registers again with the new User-Agent.',
    refs: ['hardline docs: policy.md#firmware'],
  },
  messages: {
    below:
      'account {account} registers with {userAgent}: firmware {firmware} is below the minimum {min} for {model}{reason}',
  },
  run(input, report) {
    const seen = new Set<string>();
    for (const e of input.watch?.endpoints ?? []) {
      if (!e.userAgent) continue;
      for (const rule of input.policy.firmware) {
        const fw = firmwareAfter(e.userAgent, rule.user_agent);
        if (fw === undefined || compareVersions(fw, rule.min) >= 0) continue;
        const key = `${e.account}|${rule.user_agent}|${fw}`;
        if (seen.has(key)) continue;
        seen.add(key);
        report({
          messageId: 'below',
          data: {
            account: e.account,
            userAgent: e.userAgent,
            firmware: fw,
            min: rule.min,
            model: rule.user_agent,
            reason: rule.reason ? ` (${rule.reason})` : '',
          },
          target: `device:${e.account}/${rule.user_agent}`,
          source: e.pbx ?? 'watch',
          evidence: [
            `${e.address} ${e.transport.toUpperCase()} first seen ${e.firstSeen}, last seen ${e.lastSeen}`,
          ],
        });
      }
    }
  },
});
