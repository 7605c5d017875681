import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScriptedRunner, SystemRunner } from '../../src/host/exec.js';
import {
  checkTimeSync,
  parseChronyTracking,
  parseNtpqPeers,
  parseTimedatectlShow,
  parseTimesyncStatus,
} from '../../src/host/timesync.js';
import { FIXTURES } from '../helpers.js';

const fx = (name: string) => readFileSync(path.join(FIXTURES, 'timesync', name), 'utf8');

describe('time sync: parsers', () => {
  it('chronyc tracking: synchronised, offset sign from fast/slow', () => {
    const s = parseChronyTracking(fx('chrony-tracking-synced.txt')).status!;
    assert.equal(s.synchronised, true);
    assert.equal(s.source, '127.0.0.1');
    assert.equal(s.stratum, 9);
    assert.ok(Math.abs(s.offsetMs! - 0.000883) < 1e-9);
    const slow = parseChronyTracking(
      fx('chrony-tracking-synced.txt').replace('0.000000883 seconds fast', '1.500000000 seconds slow'),
    ).status!;
    assert.equal(slow.offsetMs, -1500);
  });
  it('chronyc tracking: not synchronised (leap status, reference 00000000)', () => {
    const s = parseChronyTracking(fx('chrony-tracking-unsynced.txt')).status!;
    assert.equal(s.synchronised, false);
    assert.match(s.detail, /not synchronised \(leap status: Not synchronised\)/);
    assert.ok(parseChronyTracking('506 Cannot talk to daemon').unknown);
  });
  it('timedatectl show and timesync-status', () => {
    assert.equal(parseTimedatectlShow(fx('timedatectl-show-synced.txt')).status!.synchronised, true);
    const un = parseTimedatectlShow(fx('timedatectl-show-unsynced.txt')).status!;
    assert.equal(un.synchronised, false);
    assert.match(un.detail, /NTP=no: network time is switched off/);
    assert.deepEqual(parseTimesyncStatus(fx('timedatectl-timesync-status.txt')), {
      source: '192.168.10.1 (ntp.acme-dental.example)',
      stratum: 2,
      offsetMs: -1.095,
    });
    assert.ok(parseTimedatectlShow('').unknown);
  });
  it('ntpq -pn: the * peer is the reference; none means not synchronised', () => {
    const s = parseNtpqPeers(fx('ntpq-pn-synced.txt')).status!;
    assert.deepEqual(
      { sync: s.synchronised, source: s.source, stratum: s.stratum, offset: s.offsetMs },
      { sync: true, source: '192.0.2.10', stratum: 1, offset: -0.123 },
    );
    const un = parseNtpqPeers(fx('ntpq-pn-unsynced.txt')).status!;
    assert.equal(un.synchronised, false);
    assert.match(un.detail, /no system peer among 2 peers/);
  });
});

describe('time sync: checkTimeSync with a scripted runner', () => {
  it('chrony answers first', async () => {
    const runner = new ScriptedRunner({
      'chronyc -n tracking': { stdout: fx('chrony-tracking-synced.txt') },
    });
    const s = await checkTimeSync(runner);
    assert.equal(s.daemon, 'chrony');
    assert.equal(s.synchronised, true);
    assert.deepEqual(runner.calls, ['chronyc -n tracking']);
  });
  it('chrony installed but not running, timesyncd answers (with server and offset)', async () => {
    const s = await checkTimeSync(
      new ScriptedRunner({
        'chronyc -n tracking': { code: 1, stdout: '506 Cannot talk to daemon\n' },
        'timedatectl show': { stdout: fx('timedatectl-show-synced.txt') },
        'timedatectl timesync-status': { stdout: fx('timedatectl-timesync-status.txt') },
      }),
    );
    assert.equal(s.daemon, 'systemd-timesyncd');
    assert.equal(s.synchronised, true);
    assert.equal(s.offsetMs, -1.095);
    assert.match(
      s.detail,
      /synchronised to 192\.168\.10\.1 \(ntp\.acme-dental\.example\) \(stratum 2\), offset -1\.1 ms/,
    );
    assert.deepEqual(s.evidence.slice(0, 1), ['chronyc tracking: 506 Cannot talk to daemon']);
  });
  it('ntpd not synchronised', async () => {
    const s = await checkTimeSync(new ScriptedRunner({ 'ntpq -pn': { stdout: fx('ntpq-pn-unsynced.txt') } }));
    assert.equal(s.daemon, 'ntpd');
    assert.equal(s.synchronised, false);
  });
  it('no client installed is a finding; installed but silent is "could not tell"', async () => {
    const none = await checkTimeSync(new ScriptedRunner({}));
    assert.equal(none.noClient, true);
    assert.equal(none.synchronised, false);
    const silent = await checkTimeSync(
      new ScriptedRunner({
        'timedatectl show': {
          code: 1,
          stderr: "System has not been booted with systemd as init system (PID 1). Can't operate.\n",
        },
      }),
    );
    assert.equal(silent.noClient, false);
    assert.equal(silent.synchronised, undefined);
    assert.match(silent.detail, /could not tell .*timedatectl show: System has not been booted with systemd/);
  });
  it('a synchronised clock more than a second off says so', async () => {
    const s = await checkTimeSync(
      new ScriptedRunner({
        'chronyc -n tracking': {
          stdout: fx('chrony-tracking-synced.txt').replace(
            '0.000000883 seconds fast',
            '2.500000000 seconds fast',
          ),
        },
      }),
    );
    assert.match(s.detail, /offset \+2\.50 s \(more than 1000 ms off\)/);
  });
});

const haveChrony = spawnSync('sh', ['-c', 'command -v chronyd && command -v chronyc']).status === 0;
const SKIP = process.env['HARDLINE_SKIP_NETNS'] === '1';

describe('time sync against the real tools', () => {
  it('timedatectl on this host (no systemd here: "could not tell", never a crash)', async () => {
    if (spawnSync('sh', ['-c', 'command -v timedatectl']).status !== 0) return;
    const s = await checkTimeSync(new SystemRunner(), { chronycArgs: ['-h', '/nonexistent/hardline.sock'] });
    assert.ok(
      s.evidence.some((e) => e.startsWith('timedatectl show: ')),
      s.evidence.join('\n'),
    );
    assert.notEqual(s.noClient, true);
  });

  describe('chronyd -x (never touches the clock) in a network namespace', {
    skip: (SKIP && 'HARDLINE_SKIP_NETNS=1') || (!haveChrony && 'chrony is not installed (.ci/apt-packages)'),
  }, () => {
    const ns = `hlc${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;
    let dir = '';
    const daemons: ChildProcess[] = [];
    const chronyd = async (name: string, conf: string[]) => {
      const file = path.join(dir, `${name}.conf`);
      const sock = `${dir}/${name}.sock`;
      writeFileSync(
        file,
        [...conf, 'cmdport 0', `bindcmdaddress ${sock}`, `pidfile ${dir}/${name}.pid`, ''].join('\n'),
      );
      // -x: never control the system clock; -n: stay in the foreground, so this test owns (and
      // ends) the process.
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns,
          'chronyd',
          '-x',
          '-n',
          '-u',
          'root',
          '-f',
          file,
          '-L',
          '0',
          '-l',
          `${dir}/${name}.log`,
        ],
        { stdio: 'ignore' },
      );
      daemons.push(child);
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      assert.ok(existsSync(sock), `chronyd ${name} did not start (see ${dir}/${name}.log)`);
    };
    const runner = new SystemRunner(['ip', 'netns', 'exec', ns]);
    before(async () => {
      assert.equal(process.getuid?.(), 0, 'run as root (ip netns), or set HARDLINE_SKIP_NETNS=1');
      dir = mkdtempSync(path.join(tmpdir(), 'hl-chrony-'));
      assert.equal(spawnSync('ip', ['netns', 'add', ns]).status, 0);
      spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      // A local reference server and a client polling it every 1/16 s; a client with a dead server.
      await chronyd('server', ['port 11123', 'allow 127.0.0.1', 'local stratum 8']);
      await chronyd('client', ['server 127.0.0.1 port 11123 iburst minpoll -4 maxpoll -4', 'port 0']);
      await chronyd('lonely', ['server 127.0.0.1 port 11999 iburst minpoll -4 maxpoll -4', 'port 0']);
    });
    after(() => {
      for (const d of daemons) d.kill('SIGTERM');
      spawnSync('ip', ['netns', 'del', ns]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a client following a server is synchronised (chronyc tracking)', async () => {
      let s = await checkTimeSync(runner, { chronycArgs: ['-h', `${dir}/client.sock`] });
      for (let i = 0; i < 40 && !s.synchronised; i++) {
        await new Promise((r) => setTimeout(r, 250));
        s = await checkTimeSync(runner, { chronycArgs: ['-h', `${dir}/client.sock`] });
      }
      assert.equal(s.daemon, 'chrony');
      assert.equal(s.synchronised, true, s.detail);
      assert.equal(s.source, '127.0.0.1');
      assert.equal(s.stratum, 9);
    });

    it('a client whose server never answers is not synchronised', async () => {
      const s = await checkTimeSync(runner, { chronycArgs: ['-h', `${dir}/lonely.sock`] });
      assert.equal(s.daemon, 'chrony');
      assert.equal(s.synchronised, false);
      assert.match(s.detail, /Not synchronised/);
    });

    it('chronyc without a daemon to talk to: falls through to the next client', async () => {
      const s = await checkTimeSync(runner, { chronycArgs: ['-h', `${dir}/none.sock`] });
      assert.notEqual(s.daemon, 'chrony');
      assert.ok(s.evidence[0]?.startsWith('chronyc tracking: '), s.evidence.join('\n'));
    });
  });
});
