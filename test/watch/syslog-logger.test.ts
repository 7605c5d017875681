import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { policySchema } from '../../src/policy/schema.js';
import { startWatch, type WatchHandle } from '../../src/watch/daemon.js';

// The real sender: util-linux logger(1) (Debian bsdutils, an essential package).
const dir = mkdtempSync(path.join(tmpdir(), 'hl-logger-'));
let w: WatchHandle;
before(async () => {
  w = await startWatch({
    policy: policySchema.parse({ version: 1 }),
    logs: [],
    syslog: ['udp://127.0.0.1:0', 'tcp://127.0.0.1:0'],
    hep: [],
    db: path.join(dir, 'l.db'),
    logger: pino({ level: 'silent' }),
  });
});
after(async () => {
  await w?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const msg = (ip: string) =>
  `NOTICE[2143]: res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'REGISTER' from '<sip:100@pbx>' failed for '${ip}:5060' (callid: x) - No matching endpoint found`;

function send(args: string[], text: string): void {
  const r = spawnSync('logger', [...args, '-t', 'asterisk', text], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
}

describe('syslog listener with logger(1) as the sender', () => {
  it('RFC 3164 and RFC 5424 over UDP, RFC 5424 over TCP with octet counting and with newlines', async () => {
    const udp = String(w.ports['syslog udp://127.0.0.1:0']);
    const tcp = String(w.ports['syslog tcp://127.0.0.1:0']);
    send(['-n', '127.0.0.1', '-P', udp, '-d', '--rfc3164'], msg('198.51.100.1'));
    send(['-n', '127.0.0.1', '-P', udp, '-d', '--rfc5424'], msg('198.51.100.2'));
    send(['-n', '127.0.0.1', '-P', tcp, '-T', '--rfc5424', '--octet-count'], msg('198.51.100.3'));
    send(['-n', '127.0.0.1', '-P', tcp, '-T', '--rfc3164'], msg('198.51.100.4'));
    const end = Date.now() + 5000;
    while (w.pipeline.eventCount < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    w.flush();
    const evs = w.store.recentEvents(0);
    assert.deepEqual(evs.map((e) => e.source?.ip).sort(), [
      '198.51.100.1',
      '198.51.100.2',
      '198.51.100.3',
      '198.51.100.4',
    ]);
    for (const e of evs) {
      assert.equal(e.kind, 'unknown-account');
      assert.ok(Math.abs(e.time - Date.now()) < 120_000, 'time comes from the syslog header');
    }
  });
});
