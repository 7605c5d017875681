import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers.js';
import { SKIP_LAB } from './helper.js';

/**
 * The lab's Kamailio configurations are portable: no module path is written in them; lab.sh
 * finds the installed Kamailio's module folder (Debian multiarch: /usr/lib/<triplet>/...) and
 * passes it with -L. These tests need the kamailio package, not root.
 */
const LAB = path.join(ROOT, 'lab', 'lab.sh');
const CFG = (p: string) => path.join(ROOT, 'lab', 'kamailio', `${p}.cfg`);
const opts = SKIP_LAB ? { skip: 'HARDLINE_SKIP_LAB=1' } : {};
const hasKamailio = spawnSync('sh', ['-c', 'command -v kamailio']).status === 0;

function mpath(env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync('bash', [LAB, 'mpath'], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout.trim(), err: r.stderr };
}

function check(
  profile: string,
  modules: string,
  defines: string[] = [],
): { code: number | null; err: string } {
  const r = spawnSync(
    'kamailio',
    ['-c', '-L', modules, ...defines.flatMap((d) => ['-A', d]), '-f', CFG(profile)],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { code: r.status, err: `${r.stdout}${r.stderr}` };
}

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hl-labcfg-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('lab: Kamailio configurations are architecture-independent', () => {
  it('no configuration hard-codes a module path or an architecture', () => {
    for (const p of ['weak', 'hardened']) {
      const text = readFileSync(CFG(p), 'utf8');
      assert.doesNotMatch(text, /^\s*mpath\s*=/m, `${p}.cfg sets mpath`);
      assert.doesNotMatch(text, /x86_64|aarch64|amd64|arm64/, `${p}.cfg names an architecture`);
    }
    const script = readFileSync(LAB, 'utf8');
    assert.match(script, /-L "\$mpath"/, 'lab.sh passes the detected folder to kamailio');
    assert.doesNotMatch(script, /x86_64-linux-gnu/, 'lab.sh does not assume x86_64');
  });

  it('lab.sh finds the installed Kamailio module folder', opts, () => {
    assert.ok(hasKamailio, 'the lab tests need the kamailio package (.ci/apt-packages)');
    const r = mpath();
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(path.join(r.out, 'tm.so')), `${r.out} holds tm.so`);
    const dpkg = spawnSync('dpkg', ['-L', 'kamailio'], { encoding: 'utf8' });
    if (dpkg.status === 0)
      assert.ok(dpkg.stdout.includes(`${r.out}/tm.so`), 'the folder of the Debian package');
  });

  it('LAB_KAMAILIO_MODULES overrides detection; both profiles validate with the folder given', opts, () => {
    assert.ok(hasKamailio, 'the lab tests need the kamailio package (.ci/apt-packages)');
    const real = mpath().out;
    // The layout of another architecture (arm64), pointing at the real modules.
    const fake = path.join(dir, 'usr', 'lib', 'aarch64-linux-gnu', 'kamailio');
    mkdirSync(fake, { recursive: true });
    symlinkSync(real, path.join(fake, 'modules'));
    const chosen = mpath({ LAB_KAMAILIO_MODULES: path.join(fake, 'modules') });
    assert.equal(chosen.out, path.join(fake, 'modules'));
    const w = check('weak', chosen.out);
    assert.equal(w.code, 0, w.err);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=sip.lab.test',
        '-keyout',
        path.join(dir, 'k.pem'),
        '-out',
        path.join(dir, 'c.pem'),
      ],
      { stdio: 'ignore' },
    );
    const h = check('hardened', chosen.out, [
      'LAB_PW="not-a-secret"',
      `LAB_TLS_CERT="${path.join(dir, 'c.pem')}"`,
      `LAB_TLS_KEY="${path.join(dir, 'k.pem')}"`,
    ]);
    assert.equal(h.code, 0, h.err);
    // And the folder really is what Kamailio loads from: a wrong one fails the check.
    const bad = check('weak', path.join(dir, 'nowhere'));
    assert.notEqual(bad.code, 0);
  });
});
