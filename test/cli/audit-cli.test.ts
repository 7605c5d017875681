import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXAMPLE, FIXTURES, ROOT } from '../helpers.js';

/** Runs the built CLI exactly as a user does (npm test builds first). */
function hardline(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const NOW = ['--now', '2026-11-24T12:00:00Z'];

describe('hardline audit (CLI)', () => {
  it("prints the example's hardening report and exits 0 by default", () => {
    const r = hardline(['audit', EXAMPLE, ...NOW]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^hardline audit: /);
    assert.match(r.out, /1\. Exposure and management plane/);
    assert.match(r.out, /AST-AMI-001/);
    assert.match(r.out, /Summary: \d+ findings/);
    assert.doesNotMatch(r.out, /\x1b\[/, 'no colour when stdout is not a terminal');
    assert.equal(r.err, '');
  });

  it('--fail-on exits 1 when an active finding reaches the threshold, 0 otherwise', () => {
    assert.equal(hardline(['audit', EXAMPLE, '--fail-on', 'critical', ...NOW]).code, 1);
    const clean = path.join(FIXTURES, 'asterisk', 'AST-RTP-002', 'good');
    assert.equal(hardline(['audit', clean, '--fail-on', 'low', ...NOW]).code, 0);
    const lowOnly = path.join(FIXTURES, 'asterisk', 'AST-VM-003', 'bad');
    assert.equal(hardline(['audit', lowOnly, '--fail-on', 'high', ...NOW]).code, 0);
    assert.equal(hardline(['audit', lowOnly, '--fail-on', 'medium', ...NOW]).code, 1);
  });

  it('a waived finding does not trip --fail-on; once the exception expires it does', () => {
    const dir = path.join(FIXTURES, 'policy', 'HL-POL-001', 'good');
    assert.equal(hardline(['audit', dir, '--fail-on', 'high', '--rule', 'AST-SRTP-001', ...NOW]).code, 0);
    assert.equal(
      hardline(['audit', dir, '--fail-on', 'high', '--rule', 'AST-SRTP-001', '--now', '2027-02-01']).code,
      1,
    );
  });

  it('writes every format to --output', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'hl-cli-'));
    for (const [format, check] of [
      ['json', (t: string) => JSON.parse(t).schemaVersion === 1],
      ['sarif', (t: string) => JSON.parse(t).version === '2.1.0'],
      ['html', (t: string) => t.startsWith('<!doctype html>')],
      ['text', (t: string) => t.includes('Summary:')],
    ] as const) {
      const file = path.join(out, `report.${format}`);
      const r = hardline(['audit', EXAMPLE, '--format', format, '--output', file, ...NOW]);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, '');
      assert.ok(check(readFileSync(file, 'utf8')), format);
    }
  });

  it('runs without a policy and says which checks needed one', () => {
    const r = hardline(['audit', path.join(EXAMPLE, 'asterisk'), ...NOW]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /policy: none/);
    assert.match(r.out, /not run, they need a policy value: .*AST-SRTP-001 \(security\.srtp\)/);
    assert.match(r.out, /ran on hardline defaults: .*AST-AUTH-001 \(credentials\)/);
  });

  it('rejects a broken policy with file:line:col and exit 2', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-cli-'));
    writeFileSync(path.join(dir, 'pjsip.conf'), '[a]\ntype=endpoint\n');
    writeFileSync(path.join(dir, 'hardline.yaml'), 'version: 1\nsecurity:\n  srtp: always\n');
    const r = hardline(['audit', dir]);
    assert.equal(r.code, 2);
    assert.match(r.err, /HL_ERR_POLICY_SCHEMA/);
    assert.match(r.err, /hardline\.yaml:3:9: security\.srtp/);
  });

  it('explains a missing path or a folder with no PBX configuration (exit 2)', () => {
    const missing = hardline(['audit', '/nonexistent/hardline']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /HL_ERR_PATH_NOT_FOUND/);
    const empty = hardline(['audit', mkdtempSync(path.join(tmpdir(), 'hl-cli-'))]);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /HL_ERR_PBX_UNKNOWN/);
  });

  it('rejects unknown options and formats with usage help (exit 1 from commander)', () => {
    const r = hardline(['audit', EXAMPLE, '--format', 'pdf']);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /Allowed choices are text, json, sarif, html/);
  });
});

describe('hardline rules (CLI)', () => {
  it('lists the catalog and shows one rule', () => {
    const list = hardline(['rules']);
    assert.equal(list.code, 0);
    assert.match(list.out, /AST-AMI-001\s+critical/);
    const n = Number(/(\d+) rules/.exec(list.out)?.[1]);
    assert.ok(n >= 15);
    const one = hardline(['rules', 'ast-vm-001']);
    assert.match(one.out, /Weak or missing voicemail PIN/);
    assert.match(one.out, /Fix: /);
  });
});
