import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { audit, expectations, FIXTURES } from '../helpers.js';

/**
 * A configuration in FreePBX's layout: pjsip.conf and extensions.conf only #include generated
 * files (pjsip.endpoint.conf, pjsip.auth.conf, extensions_additional.conf ...) and the admin's
 * *_custom*.conf files. Every finding must point at the generated or custom file and line where
 * the setting is, marked inline with `; expect:` (all rules run).
 */
const DIR = path.join(FIXTURES, 'layouts', 'freepbx');

describe('FreePBX layout', async () => {
  const r = await audit(DIR);
  const keys = r.findings.map((f) => `${f.location?.file}:${f.location?.line}`).sort();

  it('reads the generated and custom files through the includes', () => {
    const files = r.sources[0]!.files;
    for (const f of [
      'pjsip.endpoint.conf',
      'pjsip.auth.conf',
      'pjsip.transports.conf',
      'pjsip.aor.conf',
      'pjsip.identify.conf',
      'pjsip.endpoint_custom_post.conf',
      'extensions_additional.conf',
      'extensions_custom.conf',
    ])
      assert.ok(files.includes(f), f);
    assert.deepEqual(r.diagnostics, []);
  });
  it('reports exactly the marked lines of the generated files', () => {
    assert.deepEqual(keys, expectations(DIR));
  });
  it('applies the custom_post (+type=endpoint) override: the trunk is identified by IP only', () => {
    assert.ok(!r.findings.some((f) => f.ruleId === 'AST-AUTH-003'));
  });
  it('shows the toll-fraud chain through the custom include, file by file', () => {
    const f = r.findings.find((x) => x.ruleId === 'AST-DP-001' && x.target.startsWith('dialplan:from-pstn/'));
    assert.ok(f);
    assert.deepEqual(
      f.evidence?.map((e) => e.split('  ')[0]),
      [
        'pjsip.endpoint.conf:36',
        'extensions_additional.conf:48',
        'extensions_custom.conf:4',
        'extensions.conf:11',
        'extensions_additional.conf:11',
        'extensions_additional.conf:24',
        'extensions_additional.conf:28',
        'extensions_additional.conf:29',
        'extensions_additional.conf:40',
      ],
    );
    assert.match(f.evidence!.at(-1)!, /dials PJSIP\/\{_011\.\}@Provider \(trunk endpoint Provider\)/);
  });
  it('decides constant GotoIf conditions: with ALLOW_SIP_ANON=no the anonymous path is closed', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'hl-freepbx-'));
    cpSync(DIR, copy, { recursive: true });
    const add = path.join(copy, 'extensions_additional.conf');
    writeFileSync(add, readFileSync(add, 'utf8').replace('ALLOW_SIP_ANON = yes', 'ALLOW_SIP_ANON = no'));
    const r2 = await audit(copy, ['AST-DP-001']);
    assert.deepEqual(
      r2.findings.map((f) => f.target),
      ['dialplan:from-pstn/outrt-1/_011.'],
    );
  });
});
