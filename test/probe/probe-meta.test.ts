import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SEVERITIES } from '../../src/core/severity.js';
import { STEPS } from '../../src/core/steps.js';
import { loadChecks } from '../../src/probe/index.js';
import { renderProbeDoc, renderProbeIndex } from '../../src/report/probedoc.js';
import { loadRules } from '../../src/rules/index.js';
import { ROOT } from '../helpers.js';
import { reported, SCENARIOS } from './scenarios.js';

/**
 * Fails the build when a probe check lacks metadata, scenarios or an up-to-date page
 * (docs/probe/<ID>.md), like test/meta.test.ts does for the audit rules.
 */
const checks = await loadChecks();
const DIR = path.join(ROOT, 'docs', 'probe');

describe('probe check catalog meta', () => {
  it('has checks for exposure, authentication and transport, with ids unique across rules and checks', async () => {
    for (const step of ['exposure', 'authentication', 'transport'])
      assert.ok(
        checks.some((c) => c.step === step),
        `no probe check for step ${step}`,
      );
    const ids = [...checks.map((c) => c.id), ...(await loadRules()).map((r) => r.id)];
    assert.equal(new Set(ids).size, ids.length, 'a probe check id is also a rule id');
  });

  for (const c of checks) {
    it(`${c.id}: complete metadata, scenarios and an up-to-date docs/probe page`, () => {
      assert.match(c.id, /^PRB-[A-Z]+-\d{3}$/);
      assert.ok(c.title.length >= 10 && c.title.length <= 80, 'title length');
      assert.ok((SEVERITIES as readonly string[]).includes(c.severity));
      assert.ok((STEPS as readonly string[]).includes(c.step));
      assert.ok(c.scope === 'endpoint' || c.scope === 'host');
      for (const t of c.transports ?? []) assert.ok(['udp', 'tcp', 'tls', 'ws', 'wss'].includes(t), t);
      assert.ok(Number.isInteger(c.order) && c.order >= 0 && c.order <= 99, 'order 0..99');
      assert.ok(c.sends.length >= 60, 'sends: what goes on the wire and how answers are judged');
      assert.ok(c.docs.why.length >= 60, 'docs.why explains the attack');
      assert.ok(c.docs.fix.length >= 30, 'docs.fix says what to change');
      assert.ok(c.docs.refs.length >= 1, 'at least one reference');
      assert.ok(Object.keys(c.messages).length >= 1);
      for (const m of Object.values(c.messages))
        assert.ok(
          !/password|secret|pin/i.test(m.match(/\{(\w+)\}/g)?.join('') ?? ''),
          `message placeholders must not carry secrets: ${m}`,
        );
      const mine = SCENARIOS.filter((s) => s.check === c.id);
      assert.ok(mine.some(reported), 'a scenario that must be reported');
      assert.ok(
        mine.some((s) => !reported(s)),
        'a scenario that must not be reported',
      );
      for (const s of mine) assert.ok(s.description.length >= 20, `${s.name}: description`);
      const page = path.join(DIR, `${c.id}.md`);
      assert.ok(existsSync(page), `docs/probe/${c.id}.md is missing: run npm run docs`);
      assert.equal(
        readFileSync(page, 'utf8'),
        renderProbeDoc(c, mine),
        `docs/probe/${c.id}.md is stale: run npm run docs`,
      );
    });
  }

  it('docs/probe/README.md lists every check, and no page is left for a removed check', () => {
    assert.equal(readFileSync(path.join(DIR, 'README.md'), 'utf8'), renderProbeIndex(checks));
    const pages = readdirSync(DIR).filter((f) => f !== 'README.md');
    assert.deepEqual(pages.sort(), checks.map((c) => `${c.id}.md`).sort());
  });
});
