// Writes docs/rules/<ID>.md and docs/rules/README.md from the rule metadata and fixtures.
// The meta test fails when a page is missing or stale: run `npm run docs` after changing a rule.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderRuleDoc, renderRuleIndex } from '../src/report/ruledoc.js';
import { loadRules } from '../src/rules/index.js';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'docs', 'rules');
mkdirSync(out, { recursive: true });
const rules = await loadRules();
const keep = new Set(rules.map((r) => `${r.id}.md`).concat('README.md'));
for (const f of readdirSync(out)) if (!keep.has(f)) rmSync(path.join(out, f));
for (const r of rules) writeFileSync(path.join(out, `${r.id}.md`), renderRuleDoc(r, root));
writeFileSync(path.join(out, 'README.md'), renderRuleIndex(rules));
console.log(`wrote ${rules.length} rule pages to ${path.relative(process.cwd(), out)}`);
