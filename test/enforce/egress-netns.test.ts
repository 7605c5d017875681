/**
 * Egress rules against the real kernel: a phone in namespace `voice` routes through `rtr` (which
 * loads hardline's table with `hardline firewall --apply --netns`) to `wan`, where the PBX, a DNS
 * resolver, an update server and an arbitrary host listen. Needs root; skipped only with
 * HARDLINE_SKIP_NETNS=1.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

const SKIP = process.env['HARDLINE_SKIP_NETNS'] === '1';
const PEER = path.join(ROOT, 'test', 'enforce', 'netns-peer.mjs');
const id = `${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
const NS = { voice: `hev${id}`, rtr: `her${id}`, wan: `hew${id}` };
const TABLE = `hl_${id}`;
const PBX = '198.51.100.5';
const DNS = '198.51.100.53';
const UPDATES = '198.51.100.80';
const ELSEWHERE = '198.51.100.99';

function sh(cmd: string[], opts: { allowFail?: boolean } = {}) {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 30_000 });
  if (!opts.allowFail && r.status !== 0)
    throw new Error(`${cmd.join(' ')} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r;
}
const inNs = (ns: string, cmd: string[], opts?: { allowFail?: boolean }) =>
  sh(['ip', 'netns', 'exec', ns, ...cmd], opts);

function hardline(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Does the phone reach `proto host:port` (an answer comes back)? */
const phoneReaches = (proto: 'tcp' | 'udp', host: string, port: number) =>
  inNs(NS.voice, [process.execPath, PEER, 'probe', proto, host, String(port), '-', '700'], {
    allowFail: true,
  }).status === 0;

describe('egress from the voice network through a router (real nft, network namespaces)', {
  skip: SKIP && 'HARDLINE_SKIP_NETNS=1',
}, () => {
  let server: ChildProcess | undefined;
  let dir = '';
  let policy = '';

  before(async () => {
    assert.equal(process.getuid?.(), 0, 'run as root (ip netns, nft), or set HARDLINE_SKIP_NETNS=1');
    dir = mkdtempSync(path.join(tmpdir(), 'hl-egress-'));
    policy = path.join(dir, 'hardline.yaml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'site: egress test',
        'networks:',
        '  voice: [192.168.20.0/24]',
        '  mgmt: [192.168.99.0/28]',
        'firewall:',
        `  table: ${TABLE}`,
        `  state_dir: ${path.join(dir, 'state')}`,
        '  egress:',
        `    pbx: [${PBX}]`,
        `    dns: [${DNS}]`,
        `    ntp: [${DNS}]`,
        `    update_servers: [${UPDATES}]`,
      ].join('\n'),
    );
    for (const ns of Object.values(NS)) sh(['ip', 'netns', 'add', ns]);
    for (const ns of Object.values(NS)) inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    const link = (a: string, aName: string, b: string, bName: string) => {
      sh(['ip', 'link', 'add', aName, 'netns', a, 'type', 'veth', 'peer', 'name', bName, 'netns', b]);
      inNs(a, ['ip', 'link', 'set', aName, 'up']);
      inNs(b, ['ip', 'link', 'set', bName, 'up']);
    };
    link(NS.voice, `ev${id}`, NS.rtr, `rv${id}`);
    link(NS.rtr, `rw${id}`, NS.wan, `ew${id}`);
    inNs(NS.voice, ['ip', 'addr', 'add', '192.168.20.10/24', 'dev', `ev${id}`]);
    inNs(NS.voice, ['ip', 'route', 'add', 'default', 'via', '192.168.20.1']);
    inNs(NS.rtr, ['ip', 'addr', 'add', '192.168.20.1/24', 'dev', `rv${id}`]);
    inNs(NS.rtr, ['ip', 'addr', 'add', '198.51.100.1/24', 'dev', `rw${id}`]);
    inNs(NS.rtr, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    for (const a of [PBX, DNS, UPDATES, ELSEWHERE])
      inNs(NS.wan, ['ip', 'addr', 'add', `${a}/24`, 'dev', `ew${id}`]);
    inNs(NS.wan, ['ip', 'route', 'add', '192.168.20.0/24', 'via', '198.51.100.1']);
    server = spawn(
      'ip',
      ['netns', 'exec', NS.wan, process.execPath, PEER, 'serve', 'tcp:443,tcp:5061,udp:53,udp:5060,tcp:22'],
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

  it('before the table is loaded the phone reaches everything (the setup works)', () => {
    assert.ok(phoneReaches('tcp', ELSEWHERE, 443));
    assert.ok(phoneReaches('udp', ELSEWHERE, 53));
    assert.ok(phoneReaches('tcp', PBX, 5061));
  });

  it('hardline firewall --apply loads the egress chains in the router; --check finds no drift', () => {
    const r = hardline([
      'firewall',
      '--apply',
      '--confirm-timeout',
      '0',
      '--policy',
      policy,
      '--netns',
      NS.rtr,
    ]);
    assert.equal(r.code, 0, r.err);
    const listed = inNs(NS.rtr, ['nft', 'list', 'table', 'inet', TABLE]).stdout;
    assert.match(listed, /hook forward/);
    assert.match(listed, /chain voice_out/);
    const c = hardline(['firewall', '--check', '--policy', policy, '--netns', NS.rtr]);
    assert.equal(c.code, 0, c.out + c.err);
    assert.match(c.out, /Summary: 0 findings/);
  });

  it('the phone reaches the PBX (any port), DNS and the update server, and nothing else', () => {
    assert.ok(phoneReaches('tcp', PBX, 5061), 'PBX SIP over TLS');
    assert.ok(phoneReaches('udp', PBX, 5060), 'PBX SIP over UDP');
    assert.ok(phoneReaches('udp', DNS, 53), 'DNS');
    assert.ok(phoneReaches('tcp', UPDATES, 443), 'update server HTTPS');
    assert.equal(phoneReaches('tcp', UPDATES, 22), false, 'update server, another port');
    assert.equal(phoneReaches('tcp', ELSEWHERE, 443), false, 'an arbitrary address (HTTPS)');
    assert.equal(phoneReaches('udp', ELSEWHERE, 53), false, 'an arbitrary DNS resolver');
    assert.equal(phoneReaches('udp', ELSEWHERE, 5060), false, 'a foreign SIP server');
  });

  it('the router itself is not limited (egress is the voice network only)', () => {
    const r = inNs(NS.rtr, [process.execPath, PEER, 'probe', 'tcp', ELSEWHERE, '443', '-', '700'], {
      allowFail: true,
    });
    assert.equal(r.status, 0);
  });

  it('dropped attempts are counted', () => {
    const listed = inNs(NS.rtr, ['nft', 'list', 'chain', 'inet', TABLE, 'voice_out']).stdout;
    const m = /counter packets (\d+) bytes \d+ drop/.exec(listed);
    assert.ok(m && Number(m[1]) >= 3, listed);
  });
});
