import { readdirSync } from 'node:fs';
import type { ProbeCheck } from './check.js';

/**
 * The probe check registry: one file per check in src/probe/checks/ named after its id
 * (prb-exp-001.ts), default export made with defineCheck. Discovered, loaded once.
 */
const FILE = /^prb-[a-z0-9]+-\d{3}\.(ts|js)$/;
let cache: Promise<ProbeCheck[]> | undefined;

export function loadChecks(): Promise<ProbeCheck[]> {
  cache ??= discover();
  return cache;
}

async function discover(): Promise<ProbeCheck[]> {
  const base = new URL('./checks/', import.meta.url);
  const out: ProbeCheck[] = [];
  for (const f of readdirSync(base)
    .filter((x) => FILE.test(x))
    .sort()) {
    const mod = (await import(new URL(f, base).href)) as { default?: ProbeCheck };
    const c = mod.default;
    if (!c || typeof c.run !== 'function') throw new Error(`probe check ${f} has no default export`);
    if (c.id !== f.replace(/\.(ts|js)$/, '').toUpperCase())
      throw new Error(`probe check ${f} declares id ${c.id}; the file must be named after its id`);
    out.push(c);
  }
  return out;
}
