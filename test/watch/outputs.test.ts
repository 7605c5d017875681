import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createAlerts } from '../../src/alerts/index.js';
import type { AlertMessage } from '../../src/alerts/message.js';
import { FakeNftExecutor } from '../../src/enforce/executor.js';
import { createBanManager } from '../../src/enforce/index.js';
import { memoryLogger } from '../../src/enforce/log.js';
import { renderText } from '../../src/enforce/nft.js';
import { generateRuleset } from '../../src/enforce/ruleset.js';
import { parsePolicy } from '../../src/policy/loader.js';
import { startWatch } from '../../src/watch/daemon.js';
import type { Incident } from '../../src/watch/incident.js';
import { BanOutput, type Enforcement } from '../../src/watch/outputs/bans.js';

const silent = pino({ level: 'silent' });
const dir = mkdtempSync(path.join(tmpdir(), 'hl-outputs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pj = (ip: string, n: number) =>
  `NOTICE[2143]: res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'REGISTER' from '<sip:10${n}@pbx>' failed for '${ip}:5060' (callid: c${n}) - Failed to authenticate`;

async function run(mode: 'detect' | 'enforce') {
  const sub = mkdtempSync(path.join(dir, `${mode}-`));
  const policy = parsePolicy(
    [
      'version: 1',
      'trunks: [{ name: carrier, addresses: [192.0.2.10] }]',
      `firewall: { mode: ${mode}, state_dir: ${JSON.stringify(sub)} }`,
      'detection: { brute_force: { failures: 3 } }',
      'alerts:',
      '  channels:',
      '    - { type: syslog, target: "udp://127.0.0.1:9", min_severity: high, digest: 1h }',
    ].join('\n'),
    path.join(sub, 'hardline.yaml'),
  ).policy;
  const exec = new FakeNftExecutor();
  await exec.load(renderText(generateRuleset(policy).table));
  const { logger, records: logs } = memoryLogger();
  const { manager } = await createBanManager({
    policy,
    executor: exec,
    logger,
    resolver: async () => [],
    host: [],
  });
  const bans = new BanOutput({ manager, logger: silent });
  const decisions: Enforcement[] = [];
  bans.onEnforcement((e) => decisions.push(e));
  const sent: AlertMessage[] = [];
  const alerts = createAlerts(policy, {
    logger: silent,
    baseDir: sub,
    transport: () => ({ type: 'test', send: async (m) => void sent.push(m) }),
  })!;
  const seen: { events: number; incidents: Incident[]; storedWhenSeen: number[] } = {
    events: 0,
    incidents: [],
    storedWhenSeen: [],
  };
  const w = await startWatch({
    policy,
    logs: [],
    syslog: [],
    hep: [],
    db: path.join(sub, 'w.db'),
    logger: silent,
    outputs: [
      { event: () => void seen.events++, incident: (i) => void seen.incidents.push(i) },
      bans,
      alerts,
    ],
  });
  // an output that throws is logged; ingest goes on
  w.addOutput({
    event: () => {
      throw new Error('broken output');
    },
    incident: (i) => {
      seen.storedWhenSeen.push(w.store.incidents().filter((x) => x.id === i.id).length);
      throw new Error('broken output');
    },
  });
  const t = Date.now();
  for (const [k, ip] of [
    '203.0.113.5',
    '203.0.113.5',
    '203.0.113.5',
    '192.0.2.10',
    '192.0.2.10',
    '192.0.2.10',
  ].entries())
    w.pipeline.line(pj(ip, k), { fallbackTime: t + k, refTime: t + k });
  w.flush();
  await bans.idle();
  const ban4 = (await exec.listElements('hardline', 'ban4'))?.map((e) => e.value) ?? [];
  await w.stop();
  return { seen, decisions, ban4, sent, alerts, logs, nftCalls: exec.calls };
}

describe('watch outputs: hooks, ban manager, alert channels', () => {
  it('enforce: the ban decision reaches nft; the trunk incident is refused and logged, never banned; alerts digest at stop', async () => {
    const r = await run('enforce');
    assert.equal(r.seen.events, 6);
    assert.deepEqual(
      r.seen.incidents.map((i) => `${i.decision.action} ${i.subject.key}`),
      ['ban 203.0.113.5', 'alert 192.0.2.10'],
    );
    assert.deepEqual(r.seen.storedWhenSeen, [1, 1], 'outputs see incidents after they are committed');
    assert.deepEqual(r.ban4, ['203.0.113.5']);
    // the trunk's incident reaches the manager only to be refused (and logged): never nft
    assert.deepEqual(
      r.decisions.map((d) => [d.decision.action, d.decision.address]),
      [
        ['banned', '203.0.113.5'],
        ['refused', '192.0.2.10'],
      ],
    );
    const refused = r.decisions[1]!.decision;
    assert.ok(refused.action === 'refused' && refused.reason === 'allowlisted');
    assert.equal(refused.detail, 'trunk carrier');
    assert.ok(
      r.logs.some(
        (l) => l['event'] === 'ban_refused' && l['address'] === '192.0.2.10' && l['reason'] === 'allowlisted',
      ),
      'the refusal is logged',
    );
    // the syslog channel (min high, digest 1h) sends its pending digest when watch stops
    assert.equal(r.sent.length, 1);
    assert.ok(r.sent[0]!.kind === 'digest' && r.sent[0]!.items.length === 1);
  });

  it('detect: the ban manager only says what it would do (log and decision), nft untouched', async () => {
    const r = await run('detect');
    assert.deepEqual(r.ban4, []);
    assert.deepEqual(
      r.decisions.map((d) => [d.decision.action, d.decision.address]),
      [
        ['dry-run', '203.0.113.5'],
        ['refused', '192.0.2.10'],
      ],
    );
    const dry = r.logs.find((l) => l['event'] === 'ban_dry_run');
    assert.equal(dry?.['address'], '203.0.113.5');
    assert.match(String(dry?.['msg']), /^would ban 203\.0\.113\.5 for 3600s \(firewall\.mode: detect\)$/);
    assert.deepEqual(
      r.nftCalls.filter((c) => c !== 'load' && c !== 'listElements'),
      [],
      'no nft write in detect mode',
    );
  });
});
