import type { FlowEvent, KamailioModel } from './model.js';

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

/** Functions after which the request goes to a destination the proxy chose, not the caller. */
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
  'route_if_exists',
]);

export const RELAY_FUNCS = new Set([
  't_relay',
  't_relay_to',
  't_relay_to_udp',
  't_relay_to_tcp',
  't_relay_to_tls',
  't_relay_to_sctp',
  'forward',
  'forward_udp',
  'forward_tcp',
  'forward_tls',
  't_forward_nonack',
]);

export function isCall(e: FlowEvent, names: Set<string>): boolean {
  return e.kind === 'call' && names.has(e.call.name);
}

/** The request_route flow (empty when the cfg has none, e.g. KEMI). */
export function requestFlow(m: KamailioModel): FlowEvent[] {
  const r = m.route('request');
  return r ? m.flow(r) : [];
}

/** Does a condition compare the request URI or domain with the proxy's own (`uri==myself`)? */
export function isDestinationGuard(e: FlowEvent): boolean {
  return e.kind === 'cond' && /(^|[^_a-z])(uri|\$ru|\$rd)(==|!=)myself|\$rd(==|!=)/i.test(e.cond.text);
}

/** Is this event a source-address check (`src_ip==...`, `$si==...`)? */
export function isSourceCondition(e: FlowEvent): boolean {
  return e.kind === 'cond' && /(src_ip|\$si)\s*(==|!=|=~|!~)/.test(e.cond.text);
}

/** Assignments that fix where the request goes. */
export function isDestAssign(e: FlowEvent): boolean {
  return e.kind === 'assign' && /^\$(du|ru|rd|rp|fs|dp)$/.test(e.target);
}
