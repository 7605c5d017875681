import type { Span } from '../../core/span.js';
import type { ConfigFile, ConfVar } from './config.js';

/** One dialplan step: `exten => 100,1(label),Dial(PJSIP/100)` or `same => n,...`. */
export interface DialplanStep extends Span {
  exten: string;
  priority: string;
  label?: string;
  app: string;
  args: string;
}

export interface DialplanInclude extends Span {
  context: string;
  timespec?: string;
}

export interface DialplanContext extends Span {
  name: string;
  steps: DialplanStep[];
  includes: DialplanInclude[];
  switches: (Span & { value: string })[];
  /** `ignorepat => ...` lines. */
  ignorepats: string[];
}

export interface Dialplan {
  contexts: Map<string, DialplanContext>;
  globals: Map<string, ConfVar>;
  general: Map<string, ConfVar>;
}

/**
 * Reads extensions.conf sections into contexts. A context may be split over several sections of
 * the same name (Asterisk merges them); steps keep file:line.
 */
export function buildDialplan(conf: ConfigFile | undefined): Dialplan {
  const contexts = new Map<string, DialplanContext>();
  const globals = new Map<string, ConfVar>();
  const general = new Map<string, ConfVar>();
  if (!conf) return { contexts, globals, general };
  for (const section of conf.sections) {
    if (section.template) continue;
    const lower = section.name.toLowerCase();
    if (lower === 'general') {
      for (const v of section.vars) general.set(v.name.toLowerCase(), v);
      continue;
    }
    if (lower === 'globals') {
      for (const v of section.vars) globals.set(v.name, v);
      continue;
    }
    let ctx = contexts.get(section.name);
    if (!ctx) {
      ctx = {
        name: section.name,
        file: section.file,
        line: section.line,
        steps: [],
        includes: [],
        switches: [],
        ignorepats: [],
      };
      contexts.set(section.name, ctx);
    }
    let lastExten: string | undefined;
    for (const v of section.vars) {
      const key = v.name.toLowerCase();
      if (key === 'include') {
        const [name = '', ...rest] = v.value.split(',');
        ctx.includes.push({
          context: name.trim(),
          file: v.file,
          line: v.line,
          ...(rest.length ? { timespec: rest.join(',') } : {}),
        });
      } else if (key === 'switch' || key === 'eswitch' || key === 'lswitch') {
        ctx.switches.push({ value: v.value, file: v.file, line: v.line });
      } else if (key === 'ignorepat') {
        ctx.ignorepats.push(v.value);
      } else if (key === 'exten' || key === 'same') {
        const step = parseStep(v, key === 'same' ? lastExten : undefined);
        if (step) {
          lastExten = step.exten;
          ctx.steps.push(step);
        }
      }
    }
  }
  return { contexts, globals, general };
}

/** Splits at top-level commas (not inside parentheses, brackets or quotes). */
export function splitTopLevel(s: string, sep = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
      continue;
    }
    if (c === '"') quote = !quote;
    else if (!quote && (c === '(' || c === '[')) depth++;
    else if (!quote && (c === ')' || c === ']')) depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0 && !quote) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function parseStep(v: ConfVar, sameExten: string | undefined): DialplanStep | undefined {
  const parts = splitTopLevel(v.value);
  let exten: string;
  if (sameExten !== undefined && v.name.toLowerCase() === 'same') {
    exten = sameExten;
  } else {
    exten = (parts.shift() ?? '').trim();
    // `exten => 100/_1XX,...` caller-id match: keep the extension part.
    const slash = exten.indexOf('/');
    if (slash > 0) exten = exten.slice(0, slash);
  }
  let prioText = (parts.shift() ?? '').trim();
  let label: string | undefined;
  const lm = /^([^(]*)\(([^)]*)\)$/.exec(prioText);
  if (lm) {
    prioText = lm[1]!.trim();
    label = lm[2]!.trim();
  }
  const appText = parts.join(',').trim();
  const am = /^([A-Za-z_][\w]*)\s*(?:\((.*)\)?)?$/s.exec(appText);
  const app = am?.[1] ?? appText;
  let args = am?.[2] ?? '';
  if (args.endsWith(')')) args = args.slice(0, -1);
  return { exten, priority: prioText, ...(label ? { label } : {}), app, args, file: v.file, line: v.line };
}
