import type { Call, Cond } from './parse.js';

/**
 * What a request has been checked for on its way through the routes, used to tell an open relay
 * from a guarded one: `auth` (digest credentials verified), `source` (source address checked
 * against a list or a literal address), `dest` (destination chosen by the proxy: location lookup,
 * dispatcher, loose routing, `$du`, or foreign domains refused), `trans` (part of an existing
 * transaction, e.g. a CANCEL matched with t_check_trans()).
 */
export type Guard = 'auth' | 'source' | 'dest' | 'trans';

/** Functions that authenticate the caller with digest credentials. */
export const AUTH_FUNCS = new Set([
  'auth_check',
  'www_authorize',
  'proxy_authorize',
  'www_authenticate',
  'proxy_authenticate',
  'pv_www_authorize',
  'pv_proxy_authorize',
  'pv_www_authenticate',
  'pv_proxy_authenticate',
  'pv_auth_check',
  'auth_xkeys_check',
]);

/** Functions that accept a caller because of its source address. */
export const SOURCE_FUNCS = new Set([
  'allow_source_address',
  'allow_source_address_group',
  'allow_address',
  'allow_address_group',
  'allow_trusted',
  'ds_is_from_list',
  'is_in_subnet',
  'is_from_local',
]);

/** Functions after which (when they succeed) the request goes where the proxy chose. */
export const DEST_FUNCS = new Set([
  'ds_select_dst',
  'ds_select_domain',
  'ds_select',
  'ds_select_routes',
  'ds_next_dst',
  'lookup',
  'lookup_branches',
  'loose_route',
  'rewritehost',
  'rewritehostport',
  'sethost',
  'sethostport',
  'rewriteuri',
  'seturi',
  'next_gw',
  'load_gws',
  'do_routing',
]);

const TRANS_FUNCS = new Set(['t_check_trans', 't_lookup_cancel', 't_lookup_request']);

export function guardOfCall(c: Call): Guard | undefined {
  if (AUTH_FUNCS.has(c.name)) return 'auth';
  if (SOURCE_FUNCS.has(c.name)) return 'source';
  if (DEST_FUNCS.has(c.name)) return 'dest';
  if (TRANS_FUNCS.has(c.name)) return 'trans';
  return undefined;
}

/**
 * Guards a condition establishes: `pos` hold where it is true (`if (lookup("location")) {...}`),
 * `neg` where it is false, i.e. in the else branch and after an if whose then branch ends the
 * request (`if (!auth_check(...)) { auth_challenge(...); exit; }`, `if (uri!=myself) { 403; exit; }`,
 * `if (!ds_select_dst(1, "4")) { ... }`).
 */
export function guardsOfCond(c: Cond): { pos: Guard[]; neg: Guard[] } {
  const pos: Guard[] = [];
  const neg: Guard[] = [];
  for (const call of c.calls) {
    const g = guardOfCall(call);
    if (g) (call.negated ? neg : pos).push(g);
  }
  const t = c.text;
  if (/(^|[^_a-z])(uri|\$ru|\$rd)==myself/i.test(t)) pos.push('dest');
  if (/(^|[^_a-z])(uri|\$ru|\$rd)!=myself|\$rd!=|\$ru!~/i.test(t)) neg.push('dest');
  // A source address compared with a literal address (not just `myself`, the pike exclusion).
  if (/(src_ip|\$si)==\s*"?[0-9a-f[:]/i.test(t)) pos.push('source');
  if (/(src_ip|\$si)!=\s*"?[0-9a-f[:]/i.test(t)) neg.push('source');
  return { pos, neg };
}

/** Assignments that fix where the request goes. */
export function isDestTarget(target: string): boolean {
  return /^\$(du|ru|rd|rp|fs|dp)$/.test(target);
}
