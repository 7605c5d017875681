#!/usr/bin/env node
// Runs the whole test suite through node:test with an explicit file list (Node 20 runs zero
// .ts tests when given a folder) and fails when no test ran.
// Usage: npm test [-- file.test.ts ...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

function find(dir) {
  const out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e === 'fixtures' || e.startsWith('.')) continue;
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (e.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.length ? args : [...find('src'), ...find('test')].sort();
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found');
  process.exit(1);
}
mkdirSync('.tmp', { recursive: true });
const tap = path.join('.tmp', 'test-results.tap');
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, NO_COLOR: '1' } },
);
let text = '';
try {
  text = readFileSync(tap, 'utf8');
} catch {
  console.error('run-tests: the test runner wrote no results');
  process.exit(1);
}
const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
const tests = count('tests');
const pass = count('pass');
const fail = count('fail');
console.log(
  `\nrun-tests: ${files.length} files, ${tests} tests, ${pass} passed, ${fail} failed, ${count('skipped')} skipped`,
);
if (tests === 0) {
  console.error('run-tests: zero tests ran; failing');
  process.exit(1);
}
process.exit(r.status === 0 && fail === 0 ? 0 : 1);
