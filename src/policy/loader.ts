import { readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isPair, isScalar, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { type ErrorDetail, HardlineError } from '../core/errors.js';
import type { PolicyPath } from '../core/rule.js';
import { type Policy, policySchema } from './schema.js';

export interface LoadedPolicy {
  policy: Policy;
  /** Absolute path of the policy file, undefined when running on defaults. */
  file?: string;
  /** Top-level and security.* paths the file set explicitly. */
  provided: Set<PolicyPath>;
  /** Where each exception is declared (index -> line), for reports. */
  exceptionLines: number[];
  /** Line of a key in the policy file (e.g. ['networks', 'voice']), when the file sets it. */
  lineOf?: (path: (string | number)[]) => number | undefined;
}

export const POLICY_FILENAME = 'hardline.yaml';

/** The policy used when none is given: hardline's defaults, nothing declared. */
export function defaultPolicy(): LoadedPolicy {
  return { policy: policySchema.parse({ version: 1 }), provided: new Set(), exceptionLines: [] };
}

export function loadPolicyFile(file: string): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new HardlineError('HL_ERR_POLICY_NOT_FOUND', `cannot read policy ${file}: ${(e as Error).message}`);
  }
  return parsePolicy(text, file);
}

/** Parses policy text; every problem is reported with file:line:col and the expected shape. */
export function parsePolicy(text: string, file: string): LoadedPolicy {
  const display = path.relative(process.cwd(), file) || file;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new HardlineError(
      'HL_ERR_POLICY_SYNTAX',
      `${display} is not valid YAML`,
      doc.errors.map((e) => {
        const p = lineCounter.linePos(e.pos[0]);
        return { file: display, line: p.line, column: p.col, message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = policySchema.safeParse(data);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) =>
      issueDetail(issue, data, doc.contents, lineCounter, display),
    );
    throw new HardlineError('HL_ERR_POLICY_SCHEMA', `${display} does not match the policy schema`, details);
  }
  const provided = new Set<PolicyPath>();
  const top = (data ?? {}) as Record<string, unknown>;
  for (const k of ['credentials', 'rtp', 'trunks', 'networks', 'endpoints', 'probe'] as const) {
    if (top[k] !== undefined) provided.add(k);
  }
  const sec = (top['security'] ?? {}) as Record<string, unknown>;
  for (const k of ['sip_tls', 'srtp', 'min_tls'] as const) {
    if (sec[k] !== undefined) provided.add(`security.${k}`);
  }
  const exceptionLines = parsed.data.exceptions.map((_, i) => {
    const node = doc.getIn(['exceptions', i], true) as Node | undefined;
    return node?.range ? lineCounter.linePos(node.range[0]).line : 0;
  });
  const lineOf = (p: (string | number)[]): number | undefined => {
    const at = keyPosition(doc.contents, p);
    return at === undefined ? undefined : lineCounter.linePos(at).line;
  };
  return { policy: parsed.data, file, provided, exceptionLines, lineOf };
}

/** Offset of the key (map entries) or item (sequence entries) at `p`, if the file has it. */
function keyPosition(root: unknown, p: (string | number)[]): number | undefined {
  let node = root as Node | undefined;
  let at: number | undefined;
  for (const key of p) {
    if (!node || !('items' in node)) return undefined;
    const items = (node as YAMLMap).items as unknown[];
    if (isMap(node)) {
      const pair = items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
      if (!isPair(pair) || !isScalar(pair.key)) return undefined;
      at = pair.key.range?.[0];
      node = (pair.value as Node | null) ?? undefined;
    } else if (typeof key === 'number') {
      const item = items[key] as Node | undefined;
      if (!item) return undefined;
      at = item.range?.[0];
      node = item;
    } else return undefined;
  }
  return at;
}

function issueDetail(
  issue: z.core.$ZodIssue,
  data: unknown,
  root: unknown,
  lc: LineCounter,
  file: string,
): ErrorDetail {
  const p = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
  const where = locate(root, p, lc, issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined);
  const dotted = p.length ? p.join('.') : '(top level)';
  let message = `${dotted}: ${issue.message}`;
  let hint: string | undefined;
  if (issue.code === 'unrecognized_keys') {
    message = `${dotted}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    const allowed = allowedKeys(p);
    if (allowed.length) hint = `allowed here: ${allowed.join(', ')}`;
  } else if (issue.code === 'invalid_type' && valueAt(data, p) === undefined) {
    message = `${dotted}: required, missing`;
    hint = `expected ${issue.expected}`;
  }
  return { file, line: where.line, column: where.col, message, ...(hint ? { hint } : {}) };
}

function valueAt(data: unknown, p: (string | number)[]): unknown {
  let v = data;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** Finds the line:col of a path in the YAML tree (the key itself for unknown keys). */
function locate(
  root: unknown,
  p: (string | number)[],
  lc: LineCounter,
  unknownKey?: string,
): { line: number; col: number } {
  let node = root as Node | undefined;
  let last = node;
  for (const key of p) {
    if (!node || !('items' in node)) break;
    const coll = node as YAMLMap;
    const items = coll.items as unknown[];
    let next: Node | undefined;
    if (isMap(coll)) {
      const pair = items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
      next = isPair(pair) ? ((pair.value as Node | null) ?? (pair.key as Node)) : undefined;
    } else if (typeof key === 'number') {
      next = items[key] as Node | undefined;
    }
    if (!next) break;
    node = next;
    last = next;
  }
  if (unknownKey !== undefined && last && isMap(last)) {
    const pair = last.items.find((it) => isScalar(it.key) && it.key.value === unknownKey);
    if (pair && isScalar(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]);
  }
  const range = last?.range;
  return range ? lc.linePos(range[0]) : { line: 1, col: 1 };
}

/** Keys the schema accepts at a path, for the "allowed here" hint. */
function allowedKeys(p: (string | number)[]): string[] {
  // biome-ignore lint/suspicious/noExplicitAny: walking zod's internal definition tree
  let s: any = policySchema;
  const unwrap = () => {
    while (s?.def && ['optional', 'default', 'prefault', 'nullable', 'pipe'].includes(s.def.type)) {
      s = s.def.type === 'pipe' ? s.def.in : s.def.innerType;
    }
  };
  unwrap();
  for (const key of p) {
    if (s?.def?.type === 'object') s = s.def.shape[key];
    else if (s?.def?.type === 'array') s = s.def.element;
    else if (s?.def?.type === 'record') s = s.def.valueType;
    else return [];
    unwrap();
  }
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : [];
}
