import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { STEPS } from '../../src/core/steps.js';
import { loadAsterisk } from '../../src/pbx/asterisk/model.js';
import { FORMATS, render } from '../../src/report/index.js';
import type { ReportData } from '../../src/report/model.js';
import { renderText, wantColor } from '../../src/report/text.js';
import { audit, EXAMPLE, FIXTURES } from '../helpers.js';

const require = createRequire(import.meta.url);
const result = await audit(EXAMPLE);
const absRoot = EXAMPLE;

describe('JSON report', () => {
  const doc = JSON.parse(render('json', result, { color: false, absRoot }));
  it('has the documented top-level shape', () => {
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.tool.name, 'hardline');
    assert.equal(doc.command, 'audit');
    for (const k of [
      'generatedAt',
      'root',
      'policy',
      'sources',
      'summary',
      'findings',
      'diagnostics',
      'rulesRun',
    ])
      assert.ok(k in doc, k);
  });
  it('every finding has ruleId, severity, step, title, message, location {file, line}, waived', () => {
    assert.ok(doc.findings.length > 10);
    for (const f of doc.findings) {
      assert.match(f.ruleId, /^[A-Z]+-[A-Z0-9]+-\d{3}$/);
      assert.ok(['critical', 'high', 'medium', 'low', 'info'].includes(f.severity));
      assert.ok((STEPS as readonly string[]).includes(f.step));
      assert.equal(typeof f.title, 'string');
      assert.equal(typeof f.message, 'string');
      assert.equal(typeof f.location.file, 'string');
      assert.ok(Number.isInteger(f.location.line) && f.location.line >= 1);
      assert.equal(typeof f.waived, 'boolean');
      if (f.waived) assert.ok(f.waiver.approver && f.waiver.expires && f.waiver.reason);
    }
  });
  it('summary counts agree with the findings', () => {
    const active = doc.findings.filter((f: { waived: boolean }) => !f.waived);
    assert.equal(doc.summary.active, active.length);
    assert.equal(doc.summary.waived, doc.findings.length - active.length);
    const sum = Object.values(doc.summary.bySeverity as Record<string, number>).reduce((a, b) => a + b, 0);
    assert.equal(sum, active.length);
  });
});

describe('SARIF report', () => {
  const log = JSON.parse(render('sarif', result, { color: false, absRoot }));
  it('validates against the SARIF 2.1.0 schema', () => {
    const Ajv = require('ajv');
    const ajv = new Ajv({ schemaId: 'auto', allErrors: true });
    ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
    const validate = ajv.compile(require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'));
    assert.ok(validate(log), ajv.errorsText(validate.errors));
  });
  it('meets what GitHub code scanning requires', () => {
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0];
    const rules = run.tool.driver.rules;
    assert.ok(run.tool.driver.name);
    assert.ok(run.originalUriBaseIds.SRCROOT.uri.startsWith('file:///'));
    assert.ok(run.originalUriBaseIds.SRCROOT.uri.endsWith('/'));
    for (const r of rules) {
      assert.ok(r.shortDescription.text && r.fullDescription.text && r.help.text && r.help.markdown, r.id);
      assert.match(r.properties['security-severity'], /^\d+\.\d$/);
    }
    assert.equal(run.results.length, result.findings.length);
    for (const res of run.results) {
      assert.equal(rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      const loc = res.locations[0].physicalLocation;
      assert.equal(loc.artifactLocation.uriBaseId, 'SRCROOT');
      assert.ok(!loc.artifactLocation.uri.startsWith('/'), 'relative to the audited folder');
      assert.ok(loc.region.startLine >= 1);
      assert.ok(res.partialFingerprints['hardlineFinding/v1']);
    }
    const uris = new Set(
      run.results.map(
        (r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          r.locations[0]!.physicalLocation.artifactLocation.uri,
      ),
    );
    assert.ok(uris.has('asterisk/pjsip.conf'));
    assert.ok(uris.has('hardline.yaml'));
  });
  it('marks waived findings as accepted suppressions', () => {
    const suppressed = log.runs[0].results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    assert.equal(suppressed.length, result.findings.filter((f) => f.waived).length);
    assert.ok(suppressed.length > 0);
    assert.equal(suppressed[0].suppressions[0].status, 'accepted');
  });
});

describe('HTML report', () => {
  const html = render('html', result, { color: false, absRoot });
  it('is a self-contained page with every step and finding', () => {
    assert.match(html, /^<!doctype html>/);
    assert.doesNotMatch(html, /<script|<link|src=/i);
    for (const title of [
      'Exposure and management plane',
      'Secure transport and media',
      'Logging, alerting and time sync',
    ])
      assert.ok(html.includes(title));
    for (const f of result.findings.filter((x) => !x.waived)) assert.ok(html.includes(f.ruleId));
  });
  it('escapes text taken from configuration', async () => {
    const r = await audit(path.join(FIXTURES, 'report', 'html-escape'));
    const page = render('html', r, { color: false, absRoot: '/' });
    assert.ok(!page.includes('<img'), 'a section name with markup must be escaped');
    assert.ok(page.includes('&lt;img'));
  });
});

describe('text report', () => {
  it('lists the five steps in order and ends with a summary line', () => {
    const text = renderText(result, { color: false });
    const pos = ['1. Exposure', '2. Authentication', '3. Secure transport', '4. Firewall', '5. Logging'].map(
      (s) => text.indexOf(s),
    );
    assert.ok(
      pos.every((p, i) => p >= 0 && (i === 0 || p > pos[i - 1]!)),
      String(pos),
    );
    assert.match(
      text.trimEnd().split('\n').at(-1)!,
      /^Summary: \d+ findings \(.*critical.*\), \d+ waived; \d+ rules/,
    );
    assert.doesNotMatch(text, /\x1b\[/);
  });
  it('colours only when asked', () => {
    assert.match(renderText(result, { color: true }), /\x1b\[/);
    assert.equal(wantColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(wantColor({ isTTY: false }, {}), false);
    assert.equal(wantColor({ isTTY: true }, { TERM: 'xterm' }), true);
    assert.equal(wantColor({ isTTY: false }, { FORCE_COLOR: '1' }), true);
  });
});

describe('secrets never appear in any report', () => {
  const dirs = [EXAMPLE, path.join(FIXTURES, 'report', 'secrets')];
  for (const dir of dirs) {
    it(`${path.relative(process.cwd(), dir)}: no secret in text, json, sarif or html`, async () => {
      const r = await audit(dir);
      const model = loadAsterisk(r.sources[0]!.path === '.' ? dir : path.join(dir, r.sources[0]!.path));
      // Secrets that are also names (a password equal to its account, a PIN equal to its mailbox)
      // cannot be hidden without hiding the account; everything else must be absent.
      const names = new Set<string>();
      for (const f of Object.values(model.files)) for (const s of f?.sections ?? []) names.add(s.name);
      for (const m of model.mailboxes) names.add(m.mailbox);
      // Well-known defaults named in the rule documentation (1234, mysecret) are public text.
      const docs = r.rules.map((x) => `${x.docs.why} ${x.docs.fix}`).join(' ');
      const secrets = model.secrets
        .map((s) => s.value)
        .filter((v) => v.length >= 4 && !names.has(v) && !docs.includes(v));
      if (dir !== EXAMPLE) secrets.push('Canary-NoEquals-7x9');
      assert.ok(secrets.length >= 5, `fixture has too few secrets (${secrets.length})`);
      for (const format of FORMATS) {
        const out = render(format, r, { color: false, absRoot: dir });
        for (const s of secrets) {
          // Short PINs are only looked for as whole tokens (1234 also occurs inside hashes).
          const re = new RegExp(`(?<![A-Za-z0-9])${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`);
          const found = s.length >= 6 ? out.includes(s) : re.test(out);
          assert.ok(!found, `${format} report contains a secret (${s.slice(0, 2)}...)`);
        }
      }
    });
  }
});

describe('each command words its report for what it looked at', () => {
  const base = {
    generatedAt: '2026-11-24T12:00:00.000Z',
    durationMs: 1200,
    findings: [],
    diagnostics: [],
    ranOnDefaults: [],
    skipped: [],
    rules: [],
  };
  const probe: ReportData = {
    ...base,
    command: 'probe',
    root: 'udp:192.0.2.1:5060, tls:192.0.2.1:5061',
    sources: [
      { name: 'udp:192.0.2.1:5060', kind: 'sip udp', path: '192.0.2.1:5060', files: [], blindSpots: [] },
      {
        name: 'tls:192.0.2.1:5061',
        kind: 'sip tls',
        path: '192.0.2.1:5061',
        files: [],
        blindSpots: ['PRB-RATE-001: cut off after 15 of 40 requests'],
      },
    ],
    rulesRun: ['PRB-EXP-001', 'PRB-RATE-001'],
  };
  const firewall: ReportData = {
    ...base,
    command: 'firewall',
    root: 'nft table inet hardline',
    sources: [
      {
        name: 'nftables',
        kind: 'nftables',
        path: 'inet hardline',
        files: [],
        blindSpots: ['trunk t: hostname did not resolve'],
      },
    ],
    rulesRun: ['HL-FW-001'],
  };

  it('audit: configuration files read, and what lies outside the audit', () => {
    const text = renderText(result, { color: false });
    assert.match(text, /^asterisk pbx1: asterisk \(\d+ files read\)$/m);
    assert.match(text, /rules on 1 source in/);
  });

  it('probe: targets probed and probe notes; never files read or an audit', () => {
    for (const format of ['text', 'html'] as const) {
      const out = render(format, probe, { color: false, absRoot: '/' });
      assert.doesNotMatch(out, /files? read|\(0 files\)|audit/i, format);
      assert.match(out, /target udp:192\.0\.2\.1:5060 \(sip udp\)/, format);
      assert.match(out, /Probe note/, format);
      assert.match(out, /2 checks on 2 targets/, format);
    }
    assert.match(
      renderText(probe, { color: false }),
      /^Probe notes.*\n {2}tls:192\.0\.2\.1:5061: PRB-RATE-001: cut off/m,
    );
  });

  it('firewall --check: the live ruleset, no files (the generic fix: no file count without files)', () => {
    for (const format of ['text', 'html'] as const) {
      const out = render(format, firewall, { color: false, absRoot: '/' });
      assert.doesNotMatch(out, /files? read|\(0 files\)|audit's sight/i, format);
      assert.match(out, /live ruleset: nftables inet hardline/, format);
      assert.match(out, /1 check on 1 ruleset/, format);
    }
    const other = renderText({ ...firewall, command: 'review' }, { color: false });
    assert.doesNotMatch(other, /files? read|audit's sight/);
    assert.match(other, /^Notes$/m);
  });

  it('the JSON shape is the same for every command', () => {
    const keys = (r: ReportData) =>
      Object.keys(JSON.parse(render('json', r, { color: false, absRoot: '/' })));
    assert.deepEqual(keys(probe), keys(result));
    assert.deepEqual(keys(firewall), keys(result));
  });
});

describe('text report: repeated findings', () => {
  it('puts findings of one rule at one place on one line, and summarises long low/info lists', async () => {
    const r = await audit(EXAMPLE);
    const text = renderText(r, { color: false });
    // Nine endpoints inherit media_encryption_optimistic from template [phone] (pjsip.conf:44).
    const optimistic = text.split('\n').filter((l) => l.includes('media_encryption_optimistic=yes'));
    assert.equal(optimistic.length, 1);
    assert.match(optimistic[0]!, /\(also 102, 103, 104, 105, 106, 107, 108, 109\)/);
    // Eleven low AST-AUTH-007 findings: three lines, then a summary naming the rest.
    const start = text.indexOf('AST-AUTH-007');
    const block = text.slice(start, text.indexOf('\n  ', text.indexOf('--full lists them', start)));
    assert.match(
      block,
      /\.\.\. and 8 more like these: 104, 105, 106, 107, 108, 109, 110, provider-auth \(--full lists them\)/,
    );
    const full = renderText(r, { color: false, full: true });
    assert.equal(full.split('\n').filter((l) => l.includes('media_encryption_optimistic=yes')).length, 9);
    assert.doesNotMatch(full, /--full lists them/);
  });
});
