import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SEVERITIES } from '../src/core/severity.js';
import { STEPS } from '../src/core/steps.js';
import { fixtureDir, renderRuleDoc, renderRuleIndex } from '../src/report/ruledoc.js';
import { loadRules } from '../src/rules/index.js';
import { ROOT } from './helpers.js';

/** Fails the build when a rule lacks metadata, docs or examples (ESLint/Trivy style meta test). */
const rules = await loadRules();

describe('rule catalog meta', () => {
  it('has at least 15 rules covering every hardening step', () => {
    assert.ok(rules.length >= 15);
    for (const step of STEPS)
      assert.ok(
        rules.some((r) => r.step === step && r.pbx === 'asterisk'),
        `no Asterisk rule for step ${step}`,
      );
  });
  for (const r of rules) {
    it(`${r.id}: complete metadata, fixtures and an up-to-date docs page`, () => {
      assert.match(r.id, /^[A-Z]+-[A-Z0-9]+-\d{3}$/);
      assert.ok(r.title.length >= 10 && r.title.length <= 80, 'title length');
      assert.ok((SEVERITIES as readonly string[]).includes(r.severity));
      assert.ok((STEPS as readonly string[]).includes(r.step));
      assert.ok(r.docs.why.length >= 60, 'docs.why explains the attack');
      assert.ok(r.docs.fix.length >= 30, 'docs.fix says what to change');
      assert.ok(r.docs.refs.length >= 1, 'at least one reference');
      assert.ok(Object.keys(r.messages).length >= 1);
      for (const m of Object.values(r.messages))
        assert.ok(
          !/password|secret|pin/i.test(m.match(/\{(\w+)\}/g)?.join('') ?? ''),
          `message placeholders must not carry secrets: ${m}`,
        );
      assert.ok(existsSync(path.join(ROOT, fixtureDir(r), 'bad')), 'bad fixture');
      assert.ok(existsSync(path.join(ROOT, fixtureDir(r), 'good')), 'good fixture');
      const page = path.join(ROOT, 'docs', 'rules', `${r.id}.md`);
      assert.ok(existsSync(page), `docs/rules/${r.id}.md is missing: run npm run docs`);
      assert.equal(
        readFileSync(page, 'utf8'),
        renderRuleDoc(r, ROOT),
        `docs/rules/${r.id}.md is stale: run npm run docs`,
      );
    });
  }
  it('docs/rules/README.md lists every rule', () => {
    assert.equal(readFileSync(path.join(ROOT, 'docs', 'rules', 'README.md'), 'utf8'), renderRuleIndex(rules));
  });
  it('rule ids are unique and files are named after them (the registry enforces it)', () => {
    assert.equal(new Set(rules.map((r) => r.id)).size, rules.length);
  });
});
