import type { DpAction, DpCondition, DpContext, DpExtension, FreeswitchModel, SipProfile } from './model.js';
import { fsTrue } from './model.js';

/**
 * Toll-fraud reachability in the XML dialplan: which contexts send which dialled numbers to a
 * gateway, and which contexts hand calls on to others with `transfer`/`execute_extension`.
 * Regular expressions are FreeSWITCH PCRE; the common subset is evaluated with JavaScript's
 * engine and an expression that does not compile is treated as "unknown" (never as a match).
 */

/**
 * Dialled forms of one international number: NANP 011, ITU 00, E.164 +, with a 9 outside line.
 * A European national pattern such as `^0[1-9]\d+$` also accepts the 011 form; such a route
 * counts as reaching abroad for a North American caller, which it does when the trunk is NANP.
 */
export const INTERNATIONAL_SAMPLES = [
  '011442071838750',
  '00442071838750',
  '+442071838750',
  '9011442071838750',
  '900442071838750',
];

export interface PathStep {
  ext: DpExtension;
  /** Conditions from the extension down to the action. */
  conditions: DpCondition[];
  action: DpAction;
}

const cache = new Map<string, RegExp | null>();

/** PCRE -> JS for the subset dialplans use; undefined when it does not compile. */
export function toRegExp(expr: string): RegExp | undefined {
  const hit = cache.get(expr);
  if (hit !== undefined) return hit ?? undefined;
  let src = expr;
  let flags = '';
  if (src.startsWith('(?i)')) {
    src = src.slice(4);
    flags = 'i';
  }
  let re: RegExp | null = null;
  try {
    re = new RegExp(src, flags);
  } catch {
    re = null;
  }
  cache.set(expr, re);
  return re ?? undefined;
}

function isDestField(field: string | undefined): boolean {
  return field === undefined || /^(destination_number|\$\{destination_number\})$/.test(field.trim());
}

/** Every action with the chain of conditions above it (anti-actions excluded). */
export function actionPaths(ext: DpExtension): PathStep[] {
  const out: PathStep[] = [];
  const walk = (c: DpCondition, chain: DpCondition[]) => {
    const here = [...chain, c];
    for (const a of c.actions) if (!a.anti) out.push({ ext, conditions: here, action: a });
    for (const child of c.children) walk(child, here);
  };
  // Sibling conditions of an extension are ANDed: actions of a later condition require the
  // earlier ones (with their default break=on-false) to match too.
  const top = ext.conditions;
  for (const [i, c] of top.entries()) walk(c, top.slice(0, i));
  return out;
}

/** Does the chain of destination_number conditions accept this number? */
export function chainMatches(conditions: DpCondition[], number: string): boolean | undefined {
  let unknown = false;
  for (const c of conditions) {
    const field = c.field;
    if (c.expression === undefined || !isDestField(field)) continue;
    if (field === undefined && c.regexes.length === 0) continue;
    const re = toRegExp(c.expression);
    if (!re) {
      unknown = true;
      continue;
    }
    if (!re.test(number)) return false;
  }
  return unknown ? undefined : true;
}

/** The international samples a chain of conditions accepts. */
export function internationalMatches(conditions: DpCondition[]): string[] {
  return INTERNATIONAL_SAMPLES.filter((s) => chainMatches(conditions, s) === true);
}

/** Conditions in the chain that test `${toll_allow}` (FusionPBX / stock style toll restriction). */
export function tollGate(conditions: DpCondition[]): DpCondition | undefined {
  return conditions.find(
    (c) => /toll_allow/i.test(c.field ?? '') || c.regexes.some((r) => /toll_allow/i.test(r.field)),
  );
}

/** True for a bridge (or similar) that leaves the PBX through a gateway or external profile. */
export function isExternalDial(m: FreeswitchModel, a: DpAction): boolean {
  if (!/^(bridge|originate)$/i.test(a.application)) return false;
  if (/sofia\/gateway\//i.test(a.data)) return true;
  const external = m.profiles
    .filter((p) => p.gateways.length > 0 || /external/i.test(p.name))
    .map((p) => p.name);
  return external.some((p) => new RegExp(`sofia/${escapeRe(p)}/[^/]*@`, 'i').test(a.data));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface Handoff {
  step: PathStep;
  /** Target context name. */
  context: string;
  /** The destination handed on carries the dialled digits (`$1`, `${destination_number}`). */
  carriesNumber: boolean;
}

/** transfer / execute_extension actions and where they send the call. */
export function handoffs(ctx: DpContext): Handoff[] {
  const out: Handoff[] = [];
  for (const ext of ctx.extensions) {
    for (const step of actionPaths(ext)) {
      const app = step.action.application.toLowerCase();
      if (app !== 'transfer' && app !== 'execute_extension') continue;
      const parts = step.action.data.trim().split(/\s+/);
      const dest = parts[0] ?? '';
      const target = parts[2] ?? ctx.name;
      if ((parts[1] ?? 'XML').toUpperCase() !== 'XML') continue;
      out.push({
        step,
        context: target,
        carriesNumber: /\$\d|\$\{destination_number\}/.test(dest),
      });
    }
  }
  return out;
}

export interface InternationalRoute {
  step: PathStep;
  /** International samples that reach the gateway through this route. */
  samples: string[];
  /** The route requires `${toll_allow}` to allow it. */
  gated: boolean;
  /** Contexts passed through, from the start context. */
  via: string[];
}

/**
 * International-capable gateway routes reachable from a context, following transfers to other
 * contexts (bounded: each context once). A transfer only passes on numbers it matched itself.
 */
export function internationalRoutes(
  m: FreeswitchModel,
  start: string,
  maxContexts = 50,
): InternationalRoute[] {
  const out: InternationalRoute[] = [];
  const seen = new Set<string>();
  const queue: { ctx: string; via: string[]; samples: string[] }[] = [
    { ctx: start, via: [start], samples: INTERNATIONAL_SAMPLES },
  ];
  while (queue.length && seen.size < maxContexts) {
    const { ctx: name, via, samples } = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const ctx = m.dialplan.get(name);
    if (!ctx) continue;
    for (const ext of ctx.extensions) {
      for (const step of actionPaths(ext)) {
        if (!isExternalDial(m, step.action)) continue;
        const hits = samples.filter((s) => chainMatches(step.conditions, s) === true);
        if (hits.length)
          out.push({ step, samples: hits, gated: tollGate(step.conditions) !== undefined, via });
      }
    }
    for (const h of handoffs(ctx)) {
      if (!h.carriesNumber || seen.has(h.context)) continue;
      const passed = samples.filter((s) => chainMatches(h.step.conditions, s) === true);
      if (passed.length) queue.push({ ctx: h.context, via: [...via, h.context], samples: passed });
    }
  }
  return out;
}

/** Does the profile let calls in without digest authentication? (auth-calls unset = off) */
export function profileAuthCalls(p: SipProfile): boolean {
  return fsTrue(p.params.value('auth-calls'));
}

/** The dialplan context of unauthenticated calls on a profile (sofia default `public`). */
export function profileContext(p: SipProfile): string {
  return p.params.value('context') ?? 'public';
}

/** Contexts that directory users are placed in after authenticating (`user_context`). */
export function userContexts(m: FreeswitchModel): Set<string> {
  const out = new Set<string>();
  for (const u of m.users) {
    const v = u.variable('user_context')?.value;
    if (v) out.add(v);
  }
  return out;
}
