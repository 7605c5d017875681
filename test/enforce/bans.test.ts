import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { HardlineError } from '../../src/core/errors.js';
import {
  applyWithRollback,
  confirmPending,
  listingToCommands,
  pendingFile,
} from '../../src/enforce/apply.js';
import type { BanManager } from '../../src/enforce/bans.js';
import { diffTables, handleTexts } from '../../src/enforce/drift.js';
import { FakeNftExecutor, parseElement, parseNftDuration } from '../../src/enforce/executor.js';
import { createBanManager } from '../../src/enforce/index.js';
import { memoryLogger } from '../../src/enforce/log.js';
import { renderText } from '../../src/enforce/nft.js';
import { generateRuleset } from '../../src/enforce/ruleset.js';
import { BanStateStore } from '../../src/enforce/state.js';
import { parsePolicy } from '../../src/policy/loader.js';

const T0 = Date.parse('2026-11-24T12:00:00Z');

/** The test policy; `over` replaces firewall keys (mode, allow, bans). */
function policy(over: Record<string, string> = {}) {
  const fw: Record<string, string> = {
    mode: 'enforce',
    allow: '[198.51.100.7]',
    bans: '{ ladder: [10m, 1h, 1d], repeat_window: 2d, max_elements: 3 }',
    ...over,
  };
  return parsePolicy(
    [
      'version: 1',
      'trunks: [{ name: carrier, addresses: [203.0.113.10, sip.carrier.example, 2001:db8:10::/64] }]',
      'networks: { lan: [192.168.10.0/24], mgmt: [192.168.99.0/28] }',
      'firewall:',
      ...Object.entries(fw).map(([k, v]) => `  ${k}: ${v}`),
    ].join('\n'),
    '/tmp/hardline.yaml',
  ).policy;
}

async function setup(over: Record<string, string> = {}) {
  const clock = { now: T0 };
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-bans-'));
  const p = policy(over);
  p.firewall.state_dir = dir;
  const exec = new FakeNftExecutor(() => clock.now);
  await exec.load(renderText(generateRuleset(p).table));
  const { logger, records } = memoryLogger();
  const { manager } = await createBanManager({
    policy: p,
    executor: exec,
    logger,
    resolver: async (h) => (h === 'sip.carrier.example' ? ['198.51.100.50'] : []),
    host: [{ iface: 'eth0', address: '192.0.2.200' }],
    now: () => clock.now,
  });
  return { clock, dir, p, exec, records, manager };
}

const inSet = (exec: FakeNftExecutor, set: string) => [
  ...(exec.tables.get('hardline')?.sets.get(set)?.keys() ?? []),
];

describe('ban manager: allowlist enforced in code', () => {
  for (const [address, why] of [
    ['203.0.113.10', /trunk carrier \(203\.0\.113\.10\)/],
    ['198.51.100.50', /trunk carrier \(sip\.carrier\.example -> 198\.51\.100\.50\)/],
    ['2001:db8:10::99', /trunk carrier \(2001:db8:10::\/64\)/],
    ['192.168.10.77', /trusted network lan/],
    ['198.51.100.7', /firewall\.allow/],
    ['127.0.0.5', /loopback/],
    ['::1', /loopback/],
    ['192.0.2.200', /this host \(eth0 192\.0\.2\.200\)/],
    ['::ffff:203.0.113.10', /trunk carrier/],
  ] as const) {
    it(`refuses ${address} and logs the reason`, async () => {
      const { manager, exec, records } = await setup();
      const d = await manager.ban({ address, reason: 'test', origin: 'manual' });
      assert.equal(d.action, 'refused');
      assert.ok(d.action === 'refused' && d.reason === 'allowlisted');
      assert.match(d.action === 'refused' ? d.detail : '', why);
      assert.deepEqual([...inSet(exec, 'ban4'), ...inSet(exec, 'ban6')], []);
      const log = records.find((r) => r['event'] === 'ban_refused');
      assert.ok(log, 'refusal logged');
      assert.equal(log['reason'], 'allowlisted');
      assert.match(String(log['detail']), why);
    });
  }

  it('refuses what is not a unicast address', async () => {
    const { manager, records } = await setup();
    for (const a of ['not-an-ip', '0.0.0.0', '224.0.0.1', '255.255.255.255']) {
      const d = await manager.ban({ address: a, reason: 'x', origin: 'manual' });
      assert.ok(d.action === 'refused' && d.reason === 'invalid-address', a);
    }
    assert.equal(records.filter((r) => r['event'] === 'ban_refused').length, 4);
  });
});

describe('ban manager: durations, set size, modes', () => {
  it('escalates along the ladder for repeat offenders and forgets after the repeat window', async () => {
    const { manager, clock, exec } = await setup();
    const ban = () => manager.ban({ address: '192.0.2.66', reason: 'bf', origin: 'incident' });
    const d1 = await ban();
    assert.ok(d1.action === 'banned' && d1.durationSec === 600 && d1.offence === 1);
    assert.deepEqual(inSet(exec, 'ban4'), ['192.0.2.66']);
    clock.now += 601_000; // expired
    const d2 = await ban();
    assert.ok(d2.action === 'banned' && d2.durationSec === 3600 && d2.offence === 2 && !d2.extended);
    clock.now += 3601_000;
    const d3 = await ban();
    assert.ok(d3.action === 'banned' && d3.durationSec === 86400 && d3.offence === 3);
    clock.now += 86401_000;
    const d4 = await ban();
    assert.ok(
      d4.action === 'banned' && d4.durationSec === 86400 && d4.offence === 4,
      'the last step repeats',
    );
    clock.now += 3 * 86400_000; // beyond repeat_window (2d) since the last offence
    const d5 = await ban();
    assert.ok(d5.action === 'banned' && d5.durationSec === 600 && d5.offence === 1);
  });

  it('a suggested duration longer than the ladder wins; a late incident does not shorten a ban', async () => {
    const { manager } = await setup();
    const d = await manager.onIncident({
      source: '192.0.2.70',
      reason: 'flood',
      suggestedDuration: 7200,
      incidentId: 'i-1',
    });
    assert.ok(d.action === 'banned' && d.durationSec === 7200);
    const again = await manager.onIncident({ source: '192.0.2.70', reason: 'flood' });
    assert.ok(again.action === 'banned' && !again.extended && again.until === d.until);
  });

  it('in detect mode onIncident only says what it would do; nothing changes', async () => {
    const { manager, exec, dir, records } = await setup({ mode: 'detect' });
    const d = await manager.onIncident({ source: '192.0.2.80', reason: 'svwar', incidentId: 'i-2' });
    assert.equal(d.action, 'dry-run');
    assert.ok(d.action === 'dry-run' && d.durationSec === 600 && d.offence === 1);
    assert.deepEqual(inSet(exec, 'ban4'), []);
    assert.equal(existsSync(path.join(dir, 'bans.json')), false);
    assert.ok(records.some((r) => r['event'] === 'ban_dry_run' && r['incidentId'] === 'i-2'));
    const refused = await manager.onIncident({ source: '203.0.113.10', reason: 'spoofed failures' });
    assert.equal(refused.action, 'refused', 'dry-run still refuses the trunk');
  });

  it('a full set evicts the soonest-expiring ban (when_full: evict)', async () => {
    const { manager, exec } = await setup();
    await manager.ban({ address: '192.0.2.1', reason: 'a', origin: 'manual', durationSec: 300 });
    await manager.ban({ address: '192.0.2.2', reason: 'b', origin: 'manual', durationSec: 100 });
    await manager.ban({ address: '192.0.2.3', reason: 'c', origin: 'manual', durationSec: 900 });
    const v6 = await manager.ban({
      address: '2001:db8:99::1',
      reason: 'v6 has its own set',
      origin: 'manual',
    });
    assert.equal(v6.action, 'banned');
    const d = await manager.ban({ address: '192.0.2.4', reason: 'd', origin: 'manual' });
    assert.ok(d.action === 'banned' && d.evicts === '192.0.2.2');
    assert.deepEqual(inSet(exec, 'ban4').sort(), ['192.0.2.1', '192.0.2.3', '192.0.2.4']);
  });

  it('a full set refuses new bans when when_full: refuse, and logs it', async () => {
    const { manager, records } = await setup({ bans: '{ max_elements: 1, when_full: refuse }' });
    await manager.ban({ address: '192.0.2.1', reason: 'a', origin: 'manual' });
    const d = await manager.ban({ address: '192.0.2.2', reason: 'b', origin: 'manual' });
    assert.ok(d.action === 'refused' && d.reason === 'set-full');
    assert.ok(records.some((r) => r['event'] === 'ban_refused' && r['reason'] === 'set-full'));
  });

  it('dry-run add and remove change neither state nor nft', async () => {
    const { manager, exec, dir } = await setup();
    const d = await manager.ban({ address: '192.0.2.9', reason: 'x', origin: 'manual', dryRun: true });
    assert.equal(d.action, 'dry-run');
    assert.equal(existsSync(path.join(dir, 'bans.json')), false);
    await manager.ban({ address: '192.0.2.9', reason: 'x', origin: 'manual' });
    const r = await manager.unban('192.0.2.9', { dryRun: true });
    assert.equal(r.removed, true);
    assert.deepEqual(inSet(exec, 'ban4'), ['192.0.2.9']);
  });

  it('unban lifts the ban but remembers the offence', async () => {
    const { manager, exec } = await setup();
    await manager.ban({ address: '192.0.2.9', reason: 'x', origin: 'incident' });
    assert.equal((await manager.unban('192.0.2.9')).removed, true);
    assert.deepEqual(inSet(exec, 'ban4'), []);
    const again = await manager.ban({ address: '192.0.2.9', reason: 'x', origin: 'incident' });
    assert.ok(again.action === 'banned' && again.offence === 2 && again.durationSec === 3600);
  });

  it('an incident the detector spared is refused and logged, in both modes, without nft', async () => {
    for (const mode of ['enforce', 'detect']) {
      const { manager, exec, records } = await setup({ mode });
      const calls = exec.calls.length;
      // 192.0.2.81 is on no allowlist: only the detector's verdict spares it
      const auth = await manager.onIncident({
        source: '192.0.2.81',
        reason: 'password guessing',
        incidentId: 'i-3',
        spared: { why: 'authenticated' },
      });
      assert.ok(auth.action === 'refused' && auth.reason === 'authenticated', mode);
      const trunk = await manager.onIncident({
        source: '203.0.113.10',
        reason: 'password guessing',
        spared: { why: 'trunk', name: 'carrier' },
      });
      assert.ok(
        trunk.action === 'refused' && trunk.reason === 'allowlisted' && trunk.detail === 'trunk carrier',
      );
      assert.equal(exec.calls.length, calls, `${mode}: no nft call for a spared source`);
      assert.deepEqual(inSet(exec, 'ban4'), []);
      const logged = records.filter((r) => r['event'] === 'ban_refused');
      assert.deepEqual(
        logged.map((r) => [r['address'], r['reason'], r['mode']]),
        [
          ['192.0.2.81', 'authenticated', mode],
          ['203.0.113.10', 'allowlisted', mode],
        ],
      );
      assert.equal(logged[0]!['incidentId'], 'i-3');
    }
  });

  it('tableStatus says whether the ban sets exist where the executor acts', async () => {
    const { manager, exec } = await setup();
    assert.deepEqual(await manager.tableStatus(), { loaded: true, missing: [] });
    exec.tables.get('hardline')!.sets.delete('ban6');
    assert.deepEqual(await manager.tableStatus(), { loaded: false, missing: ['ban6'] });
    exec.tables.clear();
    assert.deepEqual(await manager.tableStatus(), { loaded: false, missing: ['ban4', 'ban6'] });
  });

  it('says clearly when the table is not loaded', async () => {
    const { manager, exec } = await setup();
    exec.tables.clear();
    await assert.rejects(
      manager.ban({ address: '192.0.2.9', reason: 'x', origin: 'manual' }),
      (e: HardlineError) =>
        e.code === 'HL_ERR_FIREWALL_MISSING' && /hardline firewall --apply/.test(e.message),
    );
  });
});

describe('ban manager: persistence', () => {
  it('state survives a restart and restore re-adds the remaining time; expired bans are dropped', async () => {
    const { manager, exec, clock, p, dir } = await setup();
    await manager.ban({ address: '192.0.2.10', reason: 'a', origin: 'manual', durationSec: 600 });
    await manager.ban({ address: '192.0.2.11', reason: 'b', origin: 'manual', durationSec: 60 });
    await manager.ban({ address: '2001:db8:99::5', reason: 'c', origin: 'manual', durationSec: 600 });
    const state = JSON.parse(readFileSync(path.join(dir, 'bans.json'), 'utf8'));
    assert.equal(state.version, 1);
    assert.equal(state.bans.length, 3);
    // "reboot": the sets are empty, 2 minutes later
    clock.now += 120_000;
    await exec.load(renderText(generateRuleset(p).table));
    const r = await manager.restore();
    assert.deepEqual(r, { restored: 2, expired: 1, lifted: 0 });
    const live = await exec.listElements('hardline', 'ban4');
    assert.deepEqual(live, [{ value: '192.0.2.10', expiresSec: 480 }]);
    assert.deepEqual(inSet(exec, 'ban6'), ['2001:db8:99::5']);
    const l = await manager.list();
    assert.equal(l.tableLoaded, true);
    assert.deepEqual(
      l.bans.map((b) => [b.address, b.remainingSec, b.live]),
      [
        ['192.0.2.10', 480, 480],
        ['2001:db8:99::5', 480, 480],
      ],
    );
    assert.deepEqual(manager.active(), [
      { address: '192.0.2.10', remainingSec: 480 },
      { address: '2001:db8:99::5', remainingSec: 480 },
    ]);
  });

  it('restore lifts a ban whose address became allowlisted (a new trunk), and logs it', async () => {
    const { manager, dir, records } = await setup();
    await manager.ban({ address: '192.0.2.12', reason: 'a', origin: 'manual' });
    const s = new BanStateStore(path.join(dir, 'bans.json')).read();
    assert.equal(s.bans.length, 1);
    const { manager: m2, records: r2 } = await setup({ allow: '[192.0.2.12]' });
    m2.store.write(s);
    const r = await m2.restore();
    assert.equal(r.lifted, 1);
    assert.ok(r2.some((x) => x['event'] === 'ban_lifted'));
    assert.ok(records.length > 0);
  });

  it('a corrupt state file is moved aside (logged) and the manager starts empty', async () => {
    const { manager, dir, records } = await setup();
    writeFileSync(path.join(dir, 'bans.json'), '{ not json');
    const l = await manager.list();
    assert.deepEqual(l.bans, []);
    assert.ok(readdirSync(dir).some((f) => f.startsWith('bans.json.corrupt-')));
    assert.ok(records.some((r) => r['event'] === 'ban_state_corrupt'));
  });

  it('the lock serialises concurrent writers and a stale lock is taken over', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-lock-'));
    const store = new BanStateStore(path.join(dir, 'bans.json'));
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        store.withLock(async () => {
          order.push(`${k}+`);
          await new Promise((r) => setTimeout(r, 20));
          order.push(`${k}-`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) assert.equal(order[i]!.slice(0, 1), order[i + 1]!.slice(0, 1));
    writeFileSync(path.join(dir, 'bans.json.lock'), '999999999');
    assert.equal(await store.withLock(async () => 'took over'), 'took over');
  });
});

describe('firewall apply with rollback (fake nft)', () => {
  const text = renderText(generateRuleset(policy()).table);

  it('rolls back to the saved table when nobody confirms in time', async () => {
    const exec = new FakeNftExecutor();
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-apply-'));
    const { logger, records } = memoryLogger();
    const lines: string[] = [];
    const outcome = await applyWithRollback({
      executor: exec,
      table: 'hardline',
      text,
      stateDir: dir,
      timeoutSec: 0.3,
      logger,
      pollMs: 20,
      say: (l) => lines.push(l),
    });
    assert.equal(outcome, 'rolled-back');
    assert.equal(exec.tables.has('hardline'), false, 'there was no table before: it is removed again');
    assert.equal(existsSync(pendingFile(dir)), false);
    assert.ok(records.some((r) => r['event'] === 'firewall_rolled_back'));
    assert.match(lines.join('\n'), /rolling back in 0\.3 s unless confirmed/);
  });

  it('keeps the table when confirmed through the state file or on the TTY', async () => {
    const exec = new FakeNftExecutor();
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-apply-'));
    const { logger } = memoryLogger();
    const p = applyWithRollback({
      executor: exec,
      table: 'hardline',
      text,
      stateDir: dir,
      timeoutSec: 5,
      logger,
      pollMs: 20,
    });
    for (let i = 0; i < 50 && !existsSync(pendingFile(dir)); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(confirmPending(dir).confirmed, true);
    assert.equal(await p, 'confirmed');
    assert.ok(exec.tables.has('hardline'));
    const tty = await applyWithRollback({
      executor: exec,
      table: 'hardline',
      text,
      stateDir: dir,
      timeoutSec: 5,
      logger,
      pollMs: 20,
      ask: async () => 'yes',
    });
    assert.equal(tty, 'confirmed');
    const no = await applyWithRollback({
      executor: exec,
      table: 'hardline',
      text,
      stateDir: dir,
      timeoutSec: 5,
      logger,
      pollMs: 20,
      ask: async () => 'no',
    });
    assert.equal(no, 'rolled-back');
    assert.ok(exec.calls.includes('loadJson'), 'the previous table is restored from its JSON listing');
  });

  it('--confirm without a waiting apply is a clear error', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-apply-'));
    assert.throws(() => confirmPending(dir), /nothing is waiting for confirmation/);
  });

  it('turns a listing into add commands without handles or metainfo', () => {
    const cmds = listingToCommands({
      json: {
        nftables: [
          { metainfo: { version: '1.0.6' } },
          { table: { family: 'inet', name: 'hardline', handle: 3 } },
          {
            rule: { family: 'inet', table: 'hardline', chain: 'input', handle: 9, expr: [{ accept: null }] },
          },
        ],
      },
      text: '',
    });
    assert.deepEqual(cmds.nftables, [
      { add: { table: { family: 'inet', name: 'hardline' } } },
      { add: { rule: { family: 'inet', table: 'hardline', chain: 'input', expr: [{ accept: null }] } } },
    ]);
  });
});

describe('drift (diffTables)', () => {
  const listing = (
    rules: { h: number; expr: unknown[]; text: string }[],
    setElems: unknown[] = ['10.0.0.1'],
  ) => ({
    json: {
      nftables: [
        { metainfo: {} },
        { table: { family: 'inet', name: 'hl', handle: 1 } },
        {
          set: {
            family: 'inet',
            name: 'known4',
            table: 'hl',
            type: 'ipv4_addr',
            handle: 2,
            flags: ['interval'],
            elem: setElems,
          },
        },
        {
          set: {
            family: 'inet',
            name: 'ban4',
            table: 'hl',
            type: 'ipv4_addr',
            handle: 3,
            flags: ['timeout'],
            elem: [{ elem: { val: '1.2.3.4', timeout: 9, expires: 3 } }],
          },
        },
        {
          chain: {
            family: 'inet',
            table: 'hl',
            name: 'input',
            handle: 4,
            type: 'filter',
            hook: 'input',
            prio: -10,
            policy: 'accept',
          },
        },
        ...rules.map((r) => ({
          rule: { family: 'inet', table: 'hl', chain: 'input', handle: r.h, expr: r.expr },
        })),
      ],
    },
    text: `table inet hl { # handle 1\n\tchain input { # handle 4\n${rules.map((r) => `\t\t${r.text} # handle ${r.h}`).join('\n')}\n\t}\n}\n`,
  });
  const A = {
    expr: [
      { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 22 } },
      { counter: { packets: 5, bytes: 300 } },
      { drop: null },
    ],
    text: 'tcp dport 22 counter packets 5 bytes 300 drop',
  };
  const B = { expr: [{ accept: null }], text: 'accept' };

  it('equal tables (other handles, counters and ban elements) have no drift', () => {
    const e = listing([
      { h: 10, ...A, expr: [A.expr[0], { counter: { packets: 0, bytes: 0 } }, A.expr[2]] },
      { h: 11, ...B },
    ]);
    const l = listing([
      { h: 20, ...A },
      { h: 21, ...B },
    ]);
    assert.deepEqual(diffTables('hl', e, l), []);
  });

  it('reports a missing table, missing and unexpected rules, order and set changes', () => {
    const e = listing([
      { h: 10, ...A },
      { h: 11, ...B },
    ]);
    assert.deepEqual(
      diffTables('hl', e, undefined).map((f) => f.ruleId),
      ['HL-FW-001'],
    );
    const missing = diffTables('hl', e, listing([{ h: 11, ...B }]));
    assert.deepEqual(
      missing.map((f) => [f.ruleId, f.message]),
      [['HL-FW-002', 'chain input: rule missing: tcp dport 22 counter drop']],
    );
    const extra = diffTables('hl', listing([{ h: 11, ...B }]), e);
    assert.deepEqual(
      extra.map((f) => [f.ruleId, f.severity]),
      [['HL-FW-003', 'medium']],
    );
    const order = diffTables(
      'hl',
      e,
      listing([
        { h: 11, ...B },
        { h: 12, ...A },
      ]),
    );
    assert.deepEqual(
      order.map((f) => f.ruleId),
      ['HL-FW-004'],
    );
    const sets = diffTables(
      'hl',
      e,
      listing(
        [
          { h: 10, ...A },
          { h: 11, ...B },
        ],
        ['10.0.0.1', '10.9.9.9'],
      ),
    );
    assert.deepEqual(
      sets.map((f) => [f.ruleId, f.target]),
      [['HL-FW-004', 'nft:inet/hl/set/known4']],
    );
  });

  it('reads rule texts by handle', () => {
    assert.deepEqual(
      [
        ...handleTexts(
          'chain input { # handle 4\n\t\tudp dport 5060 counter packets 1 bytes 2 drop # handle 7\n',
        ),
      ],
      [[7, 'udp dport 5060 counter drop']],
    );
  });
});

describe('executor helpers', () => {
  it('parses nft elements and durations', () => {
    assert.deepEqual(parseElement('1.2.3.4'), { value: '1.2.3.4' });
    assert.deepEqual(parseElement({ prefix: { addr: '10.0.0.0', len: 8 } }), { value: '10.0.0.0/8' });
    assert.deepEqual(parseElement({ elem: { val: '::1', timeout: 60, expires: 42 } }), {
      value: '::1',
      timeoutSec: 60,
      expiresSec: 42,
    });
    assert.equal(parseNftDuration('1h2m3s'), 3723);
    assert.equal(parseNftDuration('59m59s968ms'), 3599.968);
  });
});

export type { BanManager };
