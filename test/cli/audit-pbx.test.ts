import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FIXTURES, ROOT } from '../helpers.js';

function hardline(args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const NOW = ['--now', '2026-11-24T12:00:00Z'];
const json = (out: string) =>
  JSON.parse(out) as { sources: { kind: string; name: string }[]; findings: { ruleId: string }[] };

describe('hardline audit --pbx and policy defines (CLI)', () => {
  it('detects FreeSWITCH and Kamailio folders by their marker files (--pbx auto)', () => {
    const fs = hardline([
      'audit',
      path.join(FIXTURES, 'freeswitch', 'FS-SIP-001', 'bad'),
      '--format',
      'json',
      ...NOW,
    ]);
    assert.equal(fs.code, 0, fs.err);
    assert.equal(json(fs.out).sources[0]?.kind, 'freeswitch');
    const kam = hardline(['audit', path.join(FIXTURES, 'kamailio-hardened'), '--format', 'json', ...NOW]);
    assert.equal(json(kam.out).sources[0]?.kind, 'kamailio');
  });

  it('refuses a folder that looks like two PBXs unless --pbx names one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-amb-'));
    writeFileSync(path.join(dir, 'pjsip.conf'), '[t]\ntype=transport\n');
    writeFileSync(path.join(dir, 'kamailio.cfg'), 'listen=udp:127.0.0.1:5060\n');
    const r = hardline(['audit', dir, ...NOW]);
    assert.equal(r.code, 2);
    assert.match(r.err, /HL_ERR_PBX_AMBIGUOUS/);
    assert.match(r.err, /--pbx asterisk\|kamailio/);
    const k = hardline(['audit', dir, '--pbx', 'kamailio', '--format', 'json', ...NOW]);
    assert.equal(k.code, 0, k.err);
    assert.equal(json(k.out).sources[0]?.kind, 'kamailio');
  });

  it('--pbx audits a folder without marker files as the named kind', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-kind-'));
    cpSync(path.join(FIXTURES, 'kamailio-hardened', 'kamailio.cfg'), path.join(dir, 'proxy.conf'));
    assert.equal(hardline(['audit', dir, ...NOW]).code, 2, 'nothing to detect');
    // A Kamailio cfg with another extension is still found once the kind is given.
    cpSync(path.join(FIXTURES, 'kamailio-hardened', 'kamailio.cfg'), path.join(dir, 'edge.cfg'));
    const r = hardline(['audit', dir, '--pbx', 'kamailio', '--format', 'json', ...NOW]);
    assert.equal(r.code, 0, r.err);
    assert.equal(json(r.out).sources[0]?.kind, 'kamailio');
  });

  it('passes policy defines to Kamailio as if given with -A', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-def-'));
    mkdirSync(path.join(dir, 'edge'));
    cpSync(path.join(FIXTURES, 'kamailio', 'KAM-AUTH-001', 'good'), path.join(dir, 'edge'), {
      recursive: true,
    });
    // Make the auth block conditional, as the stock cfg does with WITH_AUTH.
    const cfg = path.join(dir, 'edge', 'kamailio.cfg');
    const text = readFileSync(cfg, 'utf8');
    writeFileSync(
      cfg,
      text
        .replace('route[AUTH] {\n', 'route[AUTH] {\n#!ifdef WITH_AUTH\n')
        .replace(
          '\tif (from_uri != myself && uri != myself) {',
          '#!endif\n\tif (from_uri != myself && uri != myself) {',
        ),
    );
    const policy = (defines: string) =>
      writeFileSync(
        path.join(dir, 'hardline.yaml'),
        `version: 1\npbxs:\n  - name: edge\n    kind: kamailio\n    config: edge\n${defines}`,
      );
    policy('');
    const without = json(hardline(['audit', dir, '--rule', 'KAM-AUTH-001', '--format', 'json', ...NOW]).out);
    assert.deepEqual(
      without.findings.map((f) => f.ruleId),
      ['KAM-AUTH-001'],
    );
    policy('    defines: [WITH_AUTH]\n');
    const withAuth = json(hardline(['audit', dir, '--rule', 'KAM-AUTH-001', '--format', 'json', ...NOW]).out);
    assert.deepEqual(withAuth.findings, []);
  });

  it('rejects defines on a PBX that is not Kamailio, naming the line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-defbad-'));
    writeFileSync(
      path.join(dir, 'hardline.yaml'),
      'version: 1\npbxs:\n  - name: pbx\n    kind: freeswitch\n    config: .\n    defines: [WITH_AUTH]\n',
    );
    const r = hardline(['audit', dir, ...NOW]);
    assert.equal(r.code, 2);
    assert.match(r.err, /HL_ERR_POLICY_SCHEMA/);
    assert.match(r.err, /hardline\.yaml:\d+:\d+: pbxs\.0\.defines: defines apply to kamailio only/);
  });

  it('--pbx with a policy audits only the PBXs of that kind', () => {
    const dir = path.join(FIXTURES, 'common', 'HL-CRED-001', 'bad-cross-pbx');
    const r = json(hardline(['audit', dir, '--pbx', 'kamailio', '--format', 'json', ...NOW]).out);
    assert.deepEqual(
      r.sources.map((s) => `${s.name} ${s.kind}`),
      ['edge kamailio'],
    );
  });
});
