/**
 * Real-component tests: the generated ruleset loaded by the real nft inside a network namespace
 * `srv`, reached over veth pairs from `out` (the Internet, with a trunk address) and `mgmt` (the
 * management network). Needs root; skipped only with HARDLINE_SKIP_NETNS=1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

const SKIP = process.env['HARDLINE_SKIP_NETNS'] === '1';
const isRoot = process.getuid?.() === 0;
const PEER = path.join(ROOT, 'test', 'enforce', 'netns-peer.mjs');
const id = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const NS = { srv: `hls${id}`, out: `hlo${id}`, mgmt: `hlm${id}` };
const TABLE = `hl_${id}`;

function sh(cmd: string[], opts: { allowFail?: boolean; input?: string } = {}) {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', input: opts.input ?? '', timeout: 30_000 });
  if (!opts.allowFail && r.status !== 0)
    throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r;
}
const inNs = (ns: string, cmd: string[], opts?: { allowFail?: boolean; input?: string }) =>
  sh(['ip', 'netns', 'exec', ns, ...cmd], opts);

function hardline(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Does `proto host:port` answer from namespace `ns` (optionally from a given source address)? */
function reaches(ns: string, proto: 'tcp' | 'udp', host: string, port: number, from = '-'): boolean {
  return (
    inNs(ns, [process.execPath, PEER, 'probe', proto, host, String(port), from, '700'], { allowFail: true })
      .status === 0
  );
}

function policyYaml(stateDir: string, extra = ''): string {
  return [
    'version: 1',
    'site: netns test',
    'endpoints:',
    '  - { name: trunk, host: 198.51.100.1, transport: udp, port: 5060, public: false }',
    '  - { name: phones, host: 198.51.100.1, transport: tls, port: 5061 }',
    '  - { name: roaming, host: 198.51.100.1, transport: udp, port: 5080 }',
    'trunks: [{ name: carrier, addresses: [198.51.100.10] }]',
    'networks: { mgmt: [192.168.99.0/28] }',
    'rtp: { start: 10000, end: 10099 }',
    'firewall:',
    `  table: ${TABLE}`,
    '  mode: enforce',
    `  state_dir: ${stateDir}`,
    '  rtp_guard: { start: 10000, end: 20000 }',
    '  bans: { ladder: [3s, 6s] }',
    extra,
  ].join('\n');
}

describe('firewall and bans in network namespaces (real nft)', {
  skip: SKIP && 'HARDLINE_SKIP_NETNS=1',
}, () => {
  let server: ChildProcess | undefined;
  let dir = '';
  let policy = '';
  let stateDir = '';

  before(async () => {
    assert.ok(
      isRoot,
      'these tests create network namespaces and load nftables rules: run them as root (or set HARDLINE_SKIP_NETNS=1 to skip them)',
    );
    for (const tool of ['ip', 'nft'])
      assert.equal(
        spawnSync('sh', ['-c', `command -v ${tool}`]).status,
        0,
        `${tool} is missing: install iproute2 and nftables (.ci/apt-packages)`,
      );
    dir = mkdtempSync(path.join(tmpdir(), 'hl-netns-'));
    stateDir = path.join(dir, 'state');
    policy = path.join(dir, 'hardline.yaml');
    writeFileSync(policy, policyYaml(stateDir));
    for (const ns of Object.values(NS)) sh(['ip', 'netns', 'add', ns]);
    for (const ns of Object.values(NS)) inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    const link = (a: string, aName: string, b: string, bName: string) => {
      sh(['ip', 'link', 'add', aName, 'netns', a, 'type', 'veth', 'peer', 'name', bName, 'netns', b]);
      inNs(a, ['ip', 'link', 'set', aName, 'up']);
      inNs(b, ['ip', 'link', 'set', bName, 'up']);
    };
    link(NS.srv, `so${id}`, NS.out, `os${id}`);
    link(NS.srv, `sm${id}`, NS.mgmt, `ms${id}`);
    inNs(NS.srv, ['ip', 'addr', 'add', '198.51.100.1/24', 'dev', `so${id}`]);
    inNs(NS.srv, ['ip', '-6', 'addr', 'add', '2001:db8:1::1/64', 'dev', `so${id}`, 'nodad']);
    inNs(NS.srv, ['ip', 'addr', 'add', '192.168.99.1/28', 'dev', `sm${id}`]);
    inNs(NS.out, ['ip', 'addr', 'add', '198.51.100.2/24', 'dev', `os${id}`]);
    inNs(NS.out, ['ip', 'addr', 'add', '198.51.100.10/24', 'dev', `os${id}`]);
    inNs(NS.out, ['ip', '-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', `os${id}`, 'nodad']);
    inNs(NS.mgmt, ['ip', 'addr', 'add', '192.168.99.2/28', 'dev', `ms${id}`]);
    server = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS.srv,
        process.execPath,
        PEER,
        'serve',
        'tcp:22,tcp:5038,udp:5060,tcp:5061,udp:5080,udp:10050,udp:15000',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('listeners did not start')), 10_000);
      server!.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
  });

  after(() => {
    server?.kill('SIGKILL');
    for (const ns of Object.values(NS)) spawnSync('ip', ['netns', 'del', ns]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('everything answers before the ruleset is loaded (the test setup works)', () => {
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5038));
    assert.ok(reaches(NS.out, 'udp', '198.51.100.1', 15000));
    assert.ok(reaches(NS.out, 'udp', '198.51.100.1', 5060, '198.51.100.2'));
  });

  it('hardline firewall --apply loads the table; --check finds no drift', () => {
    const r = hardline([
      'firewall',
      '--apply',
      '--confirm-timeout',
      '0',
      '--policy',
      policy,
      '--netns',
      NS.srv,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(inNs(NS.srv, ['nft', 'list', 'table', 'inet', TABLE]).stdout, /set ban4/);
    const c = hardline(['firewall', '--check', '--policy', policy, '--netns', NS.srv]);
    assert.equal(c.code, 0, c.out + c.err);
    assert.match(c.out, /Summary: 0 findings/);
  });

  it('AMI and SSH: blocked from outside, admitted from the management network', () => {
    assert.equal(reaches(NS.out, 'tcp', '198.51.100.1', 5038), false, 'AMI from outside');
    assert.equal(reaches(NS.out, 'tcp', '198.51.100.1', 22), false, 'SSH from outside');
    assert.equal(reaches(NS.out, 'tcp', '198.51.100.1', 22, '198.51.100.10'), false, 'SSH from the trunk');
    assert.ok(reaches(NS.mgmt, 'tcp', '192.168.99.1', 5038), 'AMI from mgmt');
    assert.ok(reaches(NS.mgmt, 'tcp', '192.168.99.1', 22), 'SSH from mgmt');
  });

  it('SIP on the trunk-only endpoint: admitted from the trunk address, dropped from others', () => {
    assert.ok(reaches(NS.out, 'udp', '198.51.100.1', 5060, '198.51.100.10'), 'from the trunk');
    assert.equal(reaches(NS.out, 'udp', '198.51.100.1', 5060, '198.51.100.2'), false, 'from a stranger');
    assert.ok(
      reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2'),
      'public TLS endpoint from a stranger',
    );
  });

  it('public UDP SIP is rate-limited per source; the trunk is not', () => {
    const flood = (from: string) =>
      Number(
        inNs(NS.out, [
          process.execPath,
          PEER,
          'flood',
          'udp',
          '198.51.100.1',
          '5080',
          '200',
          from,
        ]).stdout.trim(),
      );
    const stranger = flood('198.51.100.2');
    // burst 40 plus 20/s while the flood lasts: far below 200, well above 0
    assert.ok(stranger >= 30 && stranger <= 80, `a stranger got ${stranger} of 200 answered`);
    assert.equal(flood('198.51.100.10'), 200, 'the trunk is never rate-limited');
  });

  it('RTP: admitted inside the declared range, dropped outside it', () => {
    assert.ok(reaches(NS.out, 'udp', '198.51.100.1', 10050, '198.51.100.2'), 'RTP port 10050');
    assert.equal(reaches(NS.out, 'udp', '198.51.100.1', 15000, '198.51.100.2'), false, 'UDP 15000');
  });

  it('a banned address is dropped and the ban expires after its timeout (IPv4 and IPv6)', async () => {
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2'));
    assert.ok(reaches(NS.out, 'tcp', '2001:db8:1::1', 5061), 'IPv6 before the ban');
    const b = hardline([
      'ban',
      'add',
      '198.51.100.2',
      '--duration',
      '8s',
      '--reason',
      'test',
      '--policy',
      policy,
      '--netns',
      NS.srv,
    ]);
    assert.equal(b.code, 0, b.err);
    assert.match(b.out, /^banned 198\.51\.100\.2 for 8s/);
    const b6 = hardline([
      'ban',
      'add',
      '2001:db8:1::2',
      '--duration',
      '8s',
      '--policy',
      policy,
      '--netns',
      NS.srv,
    ]);
    assert.equal(b6.code, 0, b6.err);
    const started = Date.now();
    const list = hardline(['ban', 'list', '--policy', policy, '--netns', NS.srv, '--format', 'json']);
    const listed = JSON.parse(list.out) as { bans: { address: string; live: number | null }[] };
    assert.deepEqual(listed.bans.map((x) => x.address).sort(), ['198.51.100.2', '2001:db8:1::2']);
    assert.ok(
      listed.bans.every((x) => x.live !== null),
      'both are in the live nft sets',
    );
    assert.equal(
      reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2'),
      false,
      'banned v4 source is dropped',
    );
    assert.equal(reaches(NS.out, 'tcp', '2001:db8:1::1', 5061), false, 'banned v6 source is dropped');
    assert.ok(reaches(NS.out, 'udp', '198.51.100.1', 5060, '198.51.100.10'), 'the trunk still gets through');
    await new Promise((r) => setTimeout(r, Math.max(0, 8200 - (Date.now() - started))));
    const eventually = async (probe: () => boolean) => {
      for (let i = 0; i < 10; i++) {
        if (probe()) return true;
        await new Promise((r) => setTimeout(r, 300));
      }
      return false;
    };
    assert.ok(
      await eventually(() => reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2')),
      'the v4 ban expired',
    );
    assert.ok(await eventually(() => reaches(NS.out, 'tcp', '2001:db8:1::1', 5061)), 'the v6 ban expired');
    assert.equal(
      inNs(NS.srv, ['nft', 'list', 'set', 'inet', TABLE, 'ban4']).stdout.includes('198.51.100.2'),
      false,
    );
  });

  it('the allowlist refuses to ban a trunk address, and logs why', () => {
    const r = hardline(['ban', 'add', '198.51.100.10', '--policy', policy, '--netns', NS.srv]);
    assert.equal(r.code, 1);
    assert.match(r.out, /refused: 198\.51\.100\.10 is not banned: allowlisted as trunk carrier/);
    const log = r.err
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      log.some(
        (l) =>
          l['event'] === 'ban_refused' && l['reason'] === 'allowlisted' && l['address'] === '198.51.100.10',
      ),
    );
    assert.equal(
      inNs(NS.srv, ['nft', 'list', 'set', 'inet', TABLE, 'ban4']).stdout.includes('198.51.100.10'),
      false,
    );
    assert.ok(reaches(NS.out, 'udp', '198.51.100.1', 5060, '198.51.100.10'));
  });

  it('bans survive a re-apply and come back with ban restore after the set is flushed', () => {
    assert.equal(
      hardline(['ban', 'add', '198.51.100.2', '--duration', '1h', '--policy', policy, '--netns', NS.srv])
        .code,
      0,
    );
    const r = hardline([
      'firewall',
      '--apply',
      '--confirm-timeout',
      '0',
      '--policy',
      policy,
      '--netns',
      NS.srv,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(
      inNs(NS.srv, ['nft', 'list', 'set', 'inet', TABLE, 'ban4']).stdout,
      /198\.51\.100\.2 timeout (1h|59m\d+s) expires/,
    );
    inNs(NS.srv, ['nft', 'flush', 'set', 'inet', TABLE, 'ban4']);
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2'));
    const restore = hardline(['ban', 'restore', '--policy', policy, '--netns', NS.srv]);
    assert.equal(restore.code, 0, restore.err);
    assert.match(restore.out, /restored 1 bans/);
    assert.equal(reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2'), false);
    assert.equal(hardline(['ban', 'remove', '198.51.100.2', '--policy', policy, '--netns', NS.srv]).code, 0);
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5061, '198.51.100.2'));
  });

  it('--check reports a rule added and a rule deleted by hand', () => {
    inNs(NS.srv, ['nft', 'insert', 'rule', 'inet', TABLE, 'input', 'tcp', 'dport', '5038', 'accept']);
    const r = hardline(['firewall', '--check', '--policy', policy, '--netns', NS.srv, '--format', 'json']);
    assert.equal(r.code, 1, r.err);
    const rep = JSON.parse(r.out) as { command: string; findings: { ruleId: string; message: string }[] };
    assert.equal(rep.command, 'firewall');
    assert.deepEqual(
      rep.findings.map((f) => [f.ruleId, f.message]),
      [['HL-FW-003', 'chain input: unexpected rule: tcp dport 5038 accept']],
    );
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5038), 'the hand-made hole is real');
    const handles = inNs(NS.srv, ['nft', '-a', 'list', 'chain', 'inet', TABLE, 'input']).stdout;
    const h1 = /tcp dport 5038 accept # handle (\d+)/.exec(handles)![1]!;
    const h2 = /udp dport 10100-20000 counter .* # handle (\d+)/.exec(handles)![1]!;
    inNs(NS.srv, ['nft', 'delete', 'rule', 'inet', TABLE, 'input', 'handle', h1]);
    inNs(NS.srv, ['nft', 'delete', 'rule', 'inet', TABLE, 'input', 'handle', h2]);
    const r2 = hardline(['firewall', '--check', '--policy', policy, '--netns', NS.srv]);
    assert.equal(r2.code, 1);
    assert.match(r2.out, /HL-FW-002 {2}Firewall rule, chain or set missing/);
    assert.match(r2.out, /chain input: rule missing: udp dport 10100-20000 counter drop/);
  });

  it('--apply rolls back to the previous table unless confirmed; --confirm keeps it', async () => {
    // Start from the policy's table, then try a policy that also lets the outside reach AMI.
    assert.equal(
      hardline(['firewall', '--apply', '--confirm-timeout', '0', '--policy', policy, '--netns', NS.srv]).code,
      0,
    );
    const open = path.join(dir, 'open.yaml');
    writeFileSync(
      open,
      policyYaml(stateDir).replace('mgmt: [192.168.99.0/28]', 'mgmt: [192.168.99.0/28, 198.51.100.2/32]'),
    );
    const r = hardline([
      'firewall',
      '--apply',
      '--confirm-timeout',
      '2',
      '--policy',
      open,
      '--netns',
      NS.srv,
    ]);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /rolled back \(no confirmation in time\)/);
    assert.equal(
      hardline(['firewall', '--check', '--policy', policy, '--netns', NS.srv]).code,
      0,
      'back to the old table',
    );
    assert.equal(reaches(NS.out, 'tcp', '198.51.100.1', 5038), false);

    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'hardline.js'),
        'firewall',
        '--apply',
        '--confirm-timeout',
        '20',
        '--policy',
        open,
        '--netns',
        NS.srv,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 100 && !/rolling back in 20 s/.test(err); i++)
      await new Promise((res) => setTimeout(res, 100));
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5038), 'the new table is live while waiting');
    const c = hardline(['firewall', '--confirm', '--state-dir', stateDir]);
    assert.equal(c.code, 0, c.err);
    assert.equal(await exited, 0, err);
    assert.match(err, /confirmed: table inet/);
    assert.equal(hardline(['firewall', '--check', '--policy', open, '--netns', NS.srv]).code, 0);
    assert.ok(reaches(NS.out, 'tcp', '198.51.100.1', 5038));
  });
});
