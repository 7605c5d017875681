import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureDir } from '../src/report/ruledoc.js';
import { loadRules } from '../src/rules/index.js';
import { audit, expectations, FIXTURES, findingKeys, ROOT } from './helpers.js';

/**
 * Walks every rule's fixtures (test/fixtures/<asterisk|freeswitch|kamailio|common|policy>/<ID>/): in each `bad*` folder the rule must report exactly the lines
 * marked `expect: <ID>`; in each `good*` folder it must report nothing.
 */
const rules = await loadRules();

function fixtureRoot(rule: (typeof rules)[number]): string {
  return path.join(ROOT, fixtureDir(rule));
}

describe('rule fixtures', () => {
  for (const rule of rules) {
    const root = fixtureRoot(rule);
    const cases = existsSync(root) ? readdirSync(root).sort() : [];
    describe(rule.id, () => {
      it('has a bad and a good fixture', () => {
        assert.ok(
          cases.some((c) => c.startsWith('bad')),
          `missing ${path.relative(FIXTURES, root)}/bad`,
        );
        assert.ok(
          cases.some((c) => c.startsWith('good')),
          `missing ${path.relative(FIXTURES, root)}/good`,
        );
      });
      for (const c of cases) {
        const dir = path.join(root, c);
        it(`${c}: ${c.startsWith('bad') ? 'reports the marked lines' : 'reports nothing'}`, async () => {
          // Policy rules look at what the other rules found, so they run with all of them.
          const result = await audit(dir, rule.id.startsWith('HL-POL-') ? undefined : [rule.id]);
          const got = findingKeys(result, rule.id);
          if (c.startsWith('bad')) {
            const want = expectations(dir, rule.id);
            assert.ok(want.length > 0, `${c} has no '; expect: ${rule.id}' marker`);
            assert.deepEqual(got, want);
          } else {
            assert.deepEqual(
              got,
              [],
              `unexpected findings:\n${result.findings.map((f) => `${f.location?.file}:${f.location?.line} ${f.message}`).join('\n')}`,
            );
          }
          const crashed = result.diagnostics.filter((d) => d.code === 'rule-crashed');
          assert.deepEqual(crashed, []);
        });
      }
    });
  }
});
