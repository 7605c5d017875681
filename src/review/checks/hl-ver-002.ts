import { defineReviewCheck } from '../check.js';
import { judgeAsterisk } from '../versions.js';

export default defineReviewCheck({
  id: 'HL-VER-002',
  title: 'PBX runs an end-of-life branch',
  severity: 'high',
  step: 'exposure',
  docs: {
    why: 'An end-of-life branch gets no security fixes at all: every advisory published after its end stays open for good, and the advisories no longer even say whether the old branch is affected. chan_sip (gone in Asterisk 21) keeps many sites on such branches.',
    fix: 'Plan the upgrade to a supported branch (an LTS branch for a PBX that should run for years), test the dialplan and endpoints on it, and move. Until then limit exposure: no public SIP without a firewall allowlist, AMI/ARI on loopback.',
    refs: ['https://docs.asterisk.org/About-the-Project/Asterisk-Versions/'],
  },
  messages: {
    eol: 'Asterisk {version} ({via}) is on branch {branch}, end of life {since}: it receives no security fixes',
  },
  run(input, report) {
    const seen = new Set<string>();
    for (const v of input.versions) {
      if (v.product !== 'asterisk' || seen.has(`${v.source}|${v.version}`)) continue;
      seen.add(`${v.source}|${v.version}`);
      const j = judgeAsterisk(v.version, input.advisories, input.now);
      if (!j.endOfLife) continue;
      report({
        messageId: 'eol',
        data: {
          version: v.version,
          via: v.via,
          branch: j.parsed!.branch,
          since: j.endOfLifeSince ? `since ${j.endOfLifeSince}` : '(older than every branch the table lists)',
        },
        target: `pbx:${v.source}/branch`,
        source: v.source,
        evidence: [`read from: ${v.raw}`, `advisory table of ${input.advisories.date}`],
      });
    }
  },
});
