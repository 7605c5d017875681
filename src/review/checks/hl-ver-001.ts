import type { Severity } from '../../core/severity.js';
import { severityRank } from '../../core/severity.js';
import { defineReviewCheck } from '../check.js';
import { judgeAsterisk } from '../versions.js';

export default defineReviewCheck({
  id: 'HL-VER-001',
  title: 'PBX version lacks published security fixes',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'Published advisories come with the details attackers need: crashes from one unauthenticated SIP packet, DTLS and RTP stream hijacking, privilege escalation through AMI. A PBX below the fixed release of its branch is exposed to every one of them, however well it is configured.',
    fix: 'Update to the latest release of the branch (or at least the fixed release named in each advisory), restart Asterisk, and check the running version with asterisk -rx "core show version". Subscribe to the Asterisk security advisories.',
    refs: [
      'https://github.com/asterisk/asterisk/security/advisories',
      'https://docs.asterisk.org/About-the-Project/Asterisk-Versions/',
    ],
  },
  messages: {
    missing: 'Asterisk {version} ({via}) lacks the fixes for {count} published advisor{plural}: {ids}',
  },
  run(input, report) {
    const seen = new Set<string>();
    for (const v of input.versions) {
      if (v.product !== 'asterisk' || seen.has(`${v.source}|${v.version}`)) continue;
      seen.add(`${v.source}|${v.version}`);
      const j = judgeAsterisk(v.version, input.advisories, input.now);
      if (!j.missing.length) continue;
      const severity = j.missing
        .map((m) => m.advisory.severity as Severity)
        .reduce((a, b) => (severityRank(b) > severityRank(a) ? b : a));
      report({
        messageId: 'missing',
        data: {
          version: v.version,
          via: v.via,
          count: j.missing.length,
          plural: j.missing.length === 1 ? 'y' : 'ies',
          ids: j.missing.map((m) => m.advisory.id).join(', '),
        },
        target: `pbx:${v.source}/advisories`,
        source: v.source,
        severity,
        evidence: [
          `read from: ${v.raw}`,
          ...j.missing.map(
            (m) => `${m.advisory.id} (${m.advisory.severity}): fixed in ${m.fixedIn}: ${m.advisory.title}`,
          ),
          `advisory table of ${input.advisories.date}, covering advisories up to ${input.advisories.covers_until}`,
        ],
      });
    }
  },
});
