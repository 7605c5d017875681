import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { loadPolicyFile } from '../../src/policy/loader.js';
import { loadChecks } from '../../src/probe/index.js';
import { runProbe } from '../../src/probe/runner.js';
import { TestCa } from '../certs.js';
import { loopbackAddress } from '../fake-sip.js';
import { reported, SCENARIOS, type Scenario, type ScenarioEnv } from './scenarios.js';

/**
 * Every probe check against a scripted SIP server on loopback: each has scenarios that must be
 * reported and scenarios that must not (test/probe/scenarios.ts), so a broken check fails here
 * without the network-namespace lab.
 */
const host = loopbackAddress();
let root: string;
let ca: TestCa;
before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'hl-probe-'));
  ca = TestCa.create(path.join(root, 'ca'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Fast settings: the fake answers at once, so short timeouts keep the suite quick. */
const FAST = { rate: 200, timeout_ms: 600, max_time: 60 };

async function run(s: Scenario) {
  const dir = path.join(root, s.check, s.name);
  mkdirSync(dir, { recursive: true });
  const env: ScenarioEnv = { host, dir, ca };
  const setup = await s.setup(env);
  const saved: Record<string, string | undefined> = {};
  try {
    const policy = { version: 1, ...setup.policy } as Record<string, unknown>;
    policy['probe'] = { ...FAST, ...(setup.policy['probe'] as object | undefined) };
    const file = path.join(dir, 'hardline.yaml');
    writeFileSync(file, stringify(policy));
    for (const [k, v] of Object.entries(setup.env ?? {})) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    const result = await runProbe({
      policy: loadPolicyFile(file),
      only: [s.check],
      ...(setup.targets ? { targets: setup.targets } : {}),
      ...(setup.monitor ? { monitor: setup.monitor } : {}),
    });
    return {
      result,
      findings: result.findings.filter((f) => f.ruleId === s.check),
      notes: result.notes.filter((n) => n.checkId === s.check).map((n) => n.text),
      fakes: setup.fakes,
    };
  } finally {
    // Let the last datagrams (an ACK after a final answer) arrive before the server closes.
    await new Promise((r) => setTimeout(r, 100));
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all(setup.fakes.map((f) => f.close()));
    await Promise.all((setup.close ?? []).map((c) => c()));
  }
}

const checks = await loadChecks();

describe('probe checks against a scripted SIP server on loopback', () => {
  it('every check has a scenario that must be reported and one that must not', () => {
    for (const c of checks) {
      const mine = SCENARIOS.filter((s) => s.check === c.id);
      assert.ok(mine.some(reported), `${c.id}: no bad-* scenario`);
      assert.ok(
        mine.some((s) => !reported(s)),
        `${c.id}: no good-* scenario`,
      );
    }
    for (const s of SCENARIOS) {
      assert.ok(
        checks.some((c) => c.id === s.check),
        `scenario for unknown check ${s.check}`,
      );
      assert.match(s.name, /^(bad|good)-[a-z0-9-]+$/);
    }
  });

  for (const s of SCENARIOS) {
    it(`${s.check} ${s.name}: ${reported(s) ? 'reported' : 'not reported'}`, {
      timeout: 60_000,
    }, async () => {
      const o = await run(s);
      if (reported(s))
        assert.ok(
          o.findings.length > 0,
          `expected a ${s.check} finding; notes: ${o.notes.join('; ') || 'none'}`,
        );
      else
        assert.deepEqual(
          o.findings.map((f) => f.message),
          [],
          `expected no ${s.check} finding; notes: ${o.notes.join('; ') || 'none'}`,
        );
      assert.ok(
        o.notes.every((n) => !n.startsWith('check failed')),
        `the check did not fail: ${o.notes.join('; ')}`,
      );
      s.verify?.(o);
    });
  }
});
