import { fmtMs } from '../../host/timesync.js';
import { defineReviewCheck } from '../check.js';

/** Event times further apart than this from watch's clock are reported. */
export const SKEW_LIMIT_MS = 1000;

export default defineReviewCheck({
  id: 'HL-TIME-002',
  title: 'Event source clock differs from the monitoring clock',
  severity: 'medium',
  step: 'logging',
  docs: {
    why: "Watch correlates events from the PBX log, syslog and HEP by their timestamps. When a source's clock is off, its events land in the wrong detection window (a brute force is split or merged), incidents name the wrong times, and log evidence no longer lines up with the firewall or the provider's records.",
    fix: 'Synchronise the clock of the host that writes the events (NTP, see HL-TIME-001), and check the time zone the log is written in (Asterisk logger.conf dateformat, syslog RFC 5424 timestamps with offset).',
    refs: ['RFC 5424 section 6.2.3', 'HEP/EEP v3 timestamp chunks'],
  },
  messages: {
    skew: "events from {source} are {skew} off watch's clock (median of {samples} events{max})",
  },
  run(input, report) {
    for (const s of input.watch?.clockSkew ?? []) {
      if (Math.abs(s.skewMs) <= SKEW_LIMIT_MS) continue;
      report({
        messageId: 'skew',
        data: {
          source: s.source,
          skew: fmtMs(s.skewMs),
          samples: s.samples,
          max: s.maxAbsSkewMs !== undefined ? `, at most ${fmtMs(s.maxAbsSkewMs).replace(/^\+/, '')}` : '',
        },
        target: `clock:${s.source}`,
        source: 'watch',
        severity: Math.abs(s.skewMs) > 60_000 ? 'high' : 'medium',
        evidence: [`last event ${s.lastSeen}`],
      });
    }
  },
});
