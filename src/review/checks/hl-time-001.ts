import { fmtMs, MAX_OFFSET_MS } from '../../host/timesync.js';
import { defineReviewCheck } from '../check.js';

export default defineReviewCheck({
  id: 'HL-TIME-001',
  title: 'Host clock not synchronised (NTP)',
  severity: 'medium',
  step: 'logging',
  docs: {
    why: 'Log lines, HEP captures and CDRs are only evidence when their times agree: an attack reconstructed from a PBX log that is minutes off cannot be matched with the firewall, the provider or the phones. A clock far off also breaks TLS certificate checks (not yet valid, expired) and time-limited tokens, and fail2ban-style windows count wrongly.',
    fix: 'Run an NTP client (chrony, systemd-timesyncd or ntpd) against reliable servers (the site router or pool.ntp.org), allow UDP 123 to them, and check with chronyc tracking, timedatectl timesync-status or ntpq -p that it has selected a source.',
    refs: ['https://chrony-project.org/doc/4.3/chronyc.html', 'RFC 5905'],
  },
  messages: {
    noClient:
      'no NTP client is installed on {host} (chrony, systemd-timesyncd, ntpd): nothing keeps the clock right',
    unsynced: 'the clock of {host} is not synchronised: {detail}',
    offset: 'the clock of {host} is {offset} off its time source although the client reports it synchronised',
  },
  run(input, report) {
    const t = input.timeSync;
    if (!t) return;
    const host = 'this host';
    const base = { target: 'host:clock', source: 'host', evidence: t.evidence };
    if (t.noClient) report({ ...base, messageId: 'noClient', data: { host } });
    else if (t.synchronised === false)
      report({ ...base, messageId: 'unsynced', data: { host, detail: t.detail } });
    else if (t.synchronised && t.offsetMs !== undefined && Math.abs(t.offsetMs) > MAX_OFFSET_MS)
      report({ ...base, messageId: 'offset', data: { host, offset: fmtMs(t.offsetMs) } });
  },
});
