// Writes docs/probe/<ID>.md and docs/probe/README.md from the probe checks' metadata and the
// scenarios their tests run (test/probe/scenarios.ts). A meta test fails when a page is missing
// or stale: run `npm run docs` after changing a check or its scenarios.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadChecks } from '../src/probe/index.js';
import { renderProbeDoc, renderProbeIndex } from '../src/report/probedoc.js';
import { SCENARIOS } from '../test/probe/scenarios.js';

const root = path.resolve(import.meta.dirname, '..');
const out = path.join(root, 'docs', 'probe');
mkdirSync(out, { recursive: true });
const checks = await loadChecks();
const keep = new Set(checks.map((c) => `${c.id}.md`).concat('README.md'));
for (const f of readdirSync(out)) if (!keep.has(f)) rmSync(path.join(out, f));
for (const c of checks)
  writeFileSync(
    path.join(out, `${c.id}.md`),
    renderProbeDoc(
      c,
      SCENARIOS.filter((s) => s.check === c.id),
    ),
  );
writeFileSync(path.join(out, 'README.md'), renderProbeIndex(checks));
console.log(`wrote ${checks.length} probe check pages to ${path.relative(process.cwd(), out)}`);
