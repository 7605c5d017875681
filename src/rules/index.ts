import { readdirSync } from 'node:fs';
import type { Rule } from '../core/rule.js';

/**
 * The rule registry. A rule is one file `src/rules/<folder>/<id>.ts` with a default export; the
 * registry discovers them, so adding coverage means adding a file. Loaded once, lazily.
 */

// biome-ignore lint/suspicious/noExplicitAny: rules of every model kind live in one registry
export type AnyRule = Rule<any, any>;

const FILE = /^[a-z]+-[a-z0-9]+-\d{3}\.(ts|js)$/;
let cache: Promise<AnyRule[]> | undefined;

export function loadRules(): Promise<AnyRule[]> {
  cache ??= discover();
  return cache;
}

async function discover(): Promise<AnyRule[]> {
  const base = new URL('./', import.meta.url);
  const rules: AnyRule[] = [];
  const folders = readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  for (const folder of folders) {
    const files = readdirSync(new URL(`./${folder}/`, base))
      .filter((f) => FILE.test(f))
      .sort();
    for (const f of files) {
      const mod = (await import(new URL(`./${folder}/${f}`, base).href)) as { default?: AnyRule };
      const rule = mod.default;
      if (!rule || typeof rule.check !== 'function')
        throw new Error(`rule file ${folder}/${f} has no default rule export`);
      const expected = f.replace(/\.(ts|js)$/, '').toUpperCase();
      if (rule.id !== expected)
        throw new Error(
          `rule file ${folder}/${f} declares id ${rule.id}; the file must be named after its id`,
        );
      rules.push(rule);
    }
  }
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.id)) throw new Error(`duplicate rule id ${r.id}`);
    seen.add(r.id);
  }
  return rules;
}

export async function ruleById(id: string): Promise<AnyRule | undefined> {
  return (await loadRules()).find((r) => r.id === id);
}
