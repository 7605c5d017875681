/**
 * Switching watch from detect to enforce: an attacker whose incident was raised in detect mode
 * must be banned when watch restarts in enforce mode, although the warm-up's cooldown holds back
 * a new incident; a source banned or unbanned since is left alone; detect mode stays quiet.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeNftExecutor } from '../../src/enforce/executor.js';
import { createBanManager } from '../../src/enforce/index.js';
import { memoryLogger } from '../../src/enforce/log.js';
import { renderText } from '../../src/enforce/nft.js';
import { generateRuleset } from '../../src/enforce/ruleset.js';
import { policySchema } from '../../src/policy/schema.js';
import { startWatch } from '../../src/watch/daemon.js';
import type { Incident } from '../../src/watch/incident.js';
import { BanOutput } from '../../src/watch/outputs/bans.js';
import { formatIncidentLine } from '../../src/watch/outputs/format.js';

const dir = mkdtempSync(path.join(tmpdir(), 'hl-resume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ATTACKER = '203.0.113.5';
const OTHER = '203.0.113.6';
const log = path.join(dir, 'messages');
const db = path.join(dir, 'w.db');
const stateDir = path.join(dir, 'state');
writeFileSync(log, '');

const pj = (ip: string, n: number) =>
  `NOTICE[2143]: res_pjsip/pjsip_distributor.c:676 in log_failed_request: Request 'REGISTER' from '<sip:10${n}@pbx>' failed for '${ip}:5060' (callid: c${n}) - Failed to authenticate`;

const policyFor = (mode: 'detect' | 'enforce') =>
  policySchema.parse({
    version: 1,
    trunks: [{ name: 'carrier', addresses: ['192.0.2.10'] }],
    firewall: { mode, state_dir: stateDir },
    detection: { brute_force: { failures: 3 }, scanner: { enabled: false } },
  });

async function until(pred: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  assert.ok(pred(), what);
}

/** The ban output of `watch --ban` over a stand-in nft with hardline's table loaded. */
async function banOutput(policy: ReturnType<typeof policyFor>) {
  const exec = new FakeNftExecutor();
  await exec.load(renderText(generateRuleset(policy).table));
  const { logger, records } = memoryLogger();
  const { manager } = await createBanManager({
    policy,
    executor: exec,
    logger,
    resolver: async () => [],
    host: [],
  });
  return { exec, logger, records, manager, bans: new BanOutput({ manager, logger }) };
}

/** One watch run with the ban output, like `hardline watch --ban`; `during` runs while it watches. */
async function run(mode: 'detect' | 'enforce', during: (ctx: Ctx) => Promise<void>): Promise<Ctx> {
  const { exec, records, manager, bans } = await banOutput(policyFor(mode));
  const policy = manager.policy;
  await manager.restore();
  const incidents: Incident[] = [];
  const w = await startWatch({
    policy,
    enforcing: mode === 'enforce',
    logs: [log],
    syslog: [],
    hep: [],
    db,
    fromStart: true,
    outputs: [bans, { incident: (i) => incidents.push(i) }],
    logger: pino({ level: 'silent' }),
  });
  const ctx = { records, exec, manager, bans, incidents };
  try {
    await during(ctx);
    await bans.idle();
  } finally {
    await w.stop();
  }
  return ctx;
}
type Ctx = {
  records: Record<string, unknown>[];
  exec: FakeNftExecutor;
  manager: Awaited<ReturnType<typeof createBanManager>>['manager'];
  bans: BanOutput;
  incidents: Incident[];
};
const inSet = (c: Ctx) => c.exec.tables.get('hardline')?.sets.get('ban4')?.has(ATTACKER) ?? false;
const events = (c: Ctx, e: string) => c.records.filter((r) => r['event'] === e);

describe('watch --ban: from detect to enforce across a restart', { timeout: 60_000 }, () => {
  it('detect mode says it would ban and bans nothing', async () => {
    const c = await run('detect', async (c) => {
      for (let n = 1; n <= 3; n++) appendFileSync(log, `${pj(ATTACKER, n)}\n`);
      await until(() => events(c, 'ban_dry_run').length > 0, 'a would-ban decision');
    });
    assert.match(formatIncidentLine(c.incidents[0]!), /-> would ban 203\.0\.113\.5 for 3600 s$/);
    assert.equal(inSet(c), false);
    assert.equal(c.manager.active().length, 0);
  });

  it('restarted in enforce mode, it bans the attacker detect mode reported (once)', async () => {
    const c = await run('enforce', async (c) => {
      await until(() => inSet(c), 'the attacker in the ban set after the restart');
      for (let n = 1; n <= 3; n++) appendFileSync(log, `${pj(OTHER, n)}\n`);
      await until(() => events(c, 'ban').length === 2, 'a live ban of a second attacker');
    });
    assert.equal(events(c, 'ban').length, 2);
    assert.equal(events(c, 'ban_resumed').length, 1);
    assert.deepEqual(
      c.incidents.map((i) => i.decision.source),
      [OTHER],
      'the resumed ban raises no second alert',
    );
    assert.match(formatIncidentLine(c.incidents[0]!), /-> ban 203\.0\.113\.6 for at least 3600 s$/);
    assert.deepEqual(
      c.manager
        .active()
        .map((b) => b.address)
        .sort(),
      [ATTACKER, OTHER],
    );
  });

  it('a further restart does not ban it again (no second offence)', async () => {
    const c = await run('enforce', async () => {
      await new Promise((r) => setTimeout(r, 300));
    });
    assert.equal(events(c, 'ban').length, 0);
    assert.equal(c.manager.store.read().offences[ATTACKER]?.count, 1);
  });

  it('after an operator lifts the ban, a restart leaves the source alone', async () => {
    const c = await run('enforce', async (c) => {
      await c.manager.unban(ATTACKER);
    });
    assert.equal(inSet(c), false);
    const again = await run('enforce', async () => {
      await new Promise((r) => setTimeout(r, 300));
    });
    assert.equal(events(again, 'ban').length, 0);
    assert.equal(inSet(again), false);
  });
});

describe('BanOutput.warmedUp', () => {
  const incident = (over: Partial<Incident['decision']> = {}, ageMs = 0): Incident =>
    ({
      id: `brute-force:${ATTACKER}:1`,
      detector: 'brute-force',
      title: 'Brute force',
      severity: 'high',
      time: Date.now() - ageMs,
      firstSeen: Date.now() - ageMs,
      subject: { kind: 'source', key: ATTACKER },
      summary: 'x',
      count: 3,
      events: [],
      decision: { action: 'ban', source: ATTACKER, reason: 'brute force', duration: 3600, ...over },
    }) as Incident;

  async function output(mode: 'detect' | 'enforce') {
    const policy = policyFor(mode);
    policy.firewall.state_dir = mkdtempSync(path.join(dir, 'wu-'));
    return banOutput(policy);
  }

  it('bans a fresh, never enforced ban incident in enforce mode', async () => {
    const o = await output('enforce');
    o.bans.warmedUp([incident()]);
    await o.bans.idle();
    assert.equal(o.manager.active().length, 1);
    assert.equal(o.records.filter((r) => r['event'] === 'ban_resumed').length, 1);
  });
  it('bans once per source, for the incident whose ban runs longest', async () => {
    const o = await output('enforce');
    const flood = {
      ...incident({ reason: 'request flood', duration: 600 }),
      id: `request-flood:${ATTACKER}:1`,
      detector: 'request-flood',
    };
    o.bans.warmedUp([incident({}, 500), flood]);
    await o.bans.idle();
    const resumed = o.records.filter((r) => r['event'] === 'ban_resumed');
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0]?.['incident'], `brute-force:${ATTACKER}:1`);
    const state = o.manager.store.read();
    assert.equal(state.bans.length, 1);
    assert.equal(state.bans[0]?.incidentId, `brute-force:${ATTACKER}:1`);
    const ms = Date.parse(state.bans[0]?.until ?? '') - Date.parse(state.bans[0]?.since ?? '');
    assert.equal(ms, 3600_000, 'the hour of the brute-force, not the ten minutes of the flood');
    assert.equal(o.manager.store.read().offences[ATTACKER]?.count, 1);
  });
  it('leaves alone: detect mode, a ban that would have run out, a spared source', async () => {
    for (const [mode, inc] of [
      ['detect', incident()],
      ['enforce', incident({}, 2 * 3600_000)],
      ['enforce', incident({ action: 'alert', spared: { why: 'trunk', name: 'carrier' } })],
    ] as const) {
      const o = await output(mode);
      o.bans.warmedUp([inc]);
      await o.bans.idle();
      assert.equal(o.manager.active().length, 0, `${mode} ${JSON.stringify(inc.decision)}`);
      assert.equal(o.records.filter((r) => r['event'] === 'ban_resumed').length, 0);
    }
  });
});
