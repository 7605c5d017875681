import type { FlowEvent, KamailioModel } from './model.js';

export { AUTH_FUNCS, DEST_FUNCS, SOURCE_FUNCS } from './guards.js';

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
