import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadPolicyFile } from '../src/policy/loader.js';
import { audit, FIXTURES, ROOT } from './helpers.js';

/**
 * Every Kamailio configuration hardline ships (rule fixtures, the hardened configuration,
 * examples) is a configuration Kamailio 5.6 itself accepts: `kamailio -c` parses it with the real
 * grammar and checks every function and parameter against the loaded modules. A fixture that
 * only hardline could read would prove nothing about real configurations.
 */
const KAMAILIO = ['/usr/sbin/kamailio', '/usr/local/sbin/kamailio'].find((p) => existsSync(p));
const HARDENED = path.join(FIXTURES, 'kamailio-hardened');

function kamailioCheck(cfg: string, defines: string[] = []) {
  const r = spawnSync(KAMAILIO!, ['-c', '-f', cfg, ...defines.flatMap((d) => ['-A', d])], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Folders holding a Kamailio cfg, with the defines their hardline.yaml passes. */
function cfgFolders(dir: string): { cfg: string; defines: string[] }[] {
  const out: { cfg: string; defines: string[] }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = path.join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e === 'kamailio.cfg') {
        const yaml = [path.join(d, 'hardline.yaml'), path.join(path.dirname(d), 'hardline.yaml')].find(
          existsSync,
        );
        const pbx = yaml
          ? loadPolicyFile(yaml).policy.pbxs.find(
              (x) => x.kind === 'kamailio' && path.resolve(path.dirname(yaml), x.config) === d,
            )
          : undefined;
        out.push({ cfg: p, defines: pbx?.defines ?? [] });
      }
    }
  };
  walk(dir);
  return out.sort((a, b) => a.cfg.localeCompare(b.cfg));
}

describe('Kamailio accepts every configuration hardline ships (kamailio -c)', () => {
  it('kamailio is installed (see .ci/apt-packages)', () => {
    assert.ok(
      KAMAILIO,
      'install the Debian packages kamailio, kamailio-tls-modules and kamailio-mysql-modules',
    );
  });
  const folders = [
    ...cfgFolders(path.join(FIXTURES, 'kamailio')),
    ...cfgFolders(path.join(FIXTURES, 'common')),
    ...cfgFolders(HARDENED),
    ...cfgFolders(path.join(ROOT, 'examples')),
  ];
  it('found the configurations', () => assert.ok(folders.length >= 40, `${folders.length}`));
  for (const f of folders) {
    it(path.relative(ROOT, f.cfg) + (f.defines.length ? ` -A ${f.defines.join(' -A ')}` : ''), {
      skip: !KAMAILIO,
    }, () => {
      const r = kamailioCheck(f.cfg, f.defines);
      assert.equal(
        r.code,
        0,
        r.out
          .split('\n')
          .filter((l) => /ERROR|CRITICAL/.test(l))
          .join('\n'),
      );
    });
  }
  it('kamailio -c does fail on a broken configuration (the check is real)', { skip: !KAMAILIO }, () => {
    const broken = path.join(FIXTURES, 'kamailio', 'KAM-AUTH-001', 'bad', 'kamailio.cfg');
    // The bad fixture of KAM-AUTH-001 does not load auth_db: asking for its functions must fail.
    const r = spawnSync(KAMAILIO!, ['-c', '-f', '/dev/stdin'], {
      input: `${readFileSync(broken, 'utf8')}\nroute[EXTRA] { auth_check("$fd", "subscriber", "1"); }\n`,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
  });
});

describe('the hardened Kamailio configuration', () => {
  it('audits clean of high and critical findings (in fact of any finding)', async () => {
    const r = await audit(HARDENED);
    assert.deepEqual(
      r.findings.map((f) => `${f.ruleId} ${f.severity} ${f.location?.file}:${f.location?.line}`),
      [],
    );
    assert.deepEqual(r.diagnostics, []);
    assert.ok(r.rulesRun.filter((id) => id.startsWith('KAM-')).length >= 12);
  });
  it('still audits clean when the policy requires TLS and declares its networks', async () => {
    const r = await audit(path.join(FIXTURES, 'kamailio', 'KAM-TLS-001', 'good'));
    assert.deepEqual(
      r.findings.filter((f) => f.severity === 'critical' || f.severity === 'high'),
      [],
    );
  });
});

const LAB = path.join(ROOT, 'lab', 'kamailio');
describe('the lab Kamailio profiles (issue 5), once merged', () => {
  it('hardened.cfg has no high or critical findings; weak.cfg has critical ones', {
    skip: !existsSync(path.join(LAB, 'hardened.cfg')) && 'lab/kamailio not in this tree yet',
  }, async () => {
    for (const [name, wantCritical] of [
      ['hardened.cfg', false],
      ['weak.cfg', true],
    ] as const) {
      const dir = mkdtempSync(path.join(tmpdir(), 'hl-lab-'));
      copyFileSync(path.join(LAB, name), path.join(dir, 'kamailio.cfg'));
      const r = await audit(dir);
      const severe = r.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
      if (wantCritical)
        assert.ok(
          r.findings.some((f) => f.severity === 'critical'),
          name,
        );
      else
        assert.deepEqual(
          severe.map((f) => `${f.ruleId} ${f.message}`),
          [],
          name,
        );
    }
  });
});
