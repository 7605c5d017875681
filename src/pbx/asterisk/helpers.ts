import type { Span } from '../../core/span.js';
import { isLoopback, isUnspecified, parseIp } from '../../net/address.js';
import type { ConfSection, ConfVar } from './config.js';
import type { AsteriskModel } from './model.js';
import { splitHostPort, splitList } from './values.js';

export function spanOf(v: ConfVar | ConfSection | Span): Span {
  return { file: v.file, line: v.line };
}

/** ` (from template [name])` when a value was inherited, else ''. For messages. */
export function via(v: ConfVar | undefined): string {
  return v?.inherited ? ` (from template [${v.inherited}])` : '';
}

export type BindScope = 'loopback' | 'all' | 'address' | 'unresolved';

/** Classifies a bind address: loopback only, every interface, one non-loopback address. */
export function bindScope(value: string | undefined): BindScope {
  if (value === undefined || value.trim() === '') return 'all';
  const { host } = splitHostPort(value);
  const ip = parseIp(host);
  if (!ip) return host.toLowerCase() === 'localhost' ? 'loopback' : 'unresolved';
  if (isUnspecified(ip)) return 'all';
  return isLoopback(ip) ? 'loopback' : 'address';
}

/** Inbound auth sections an endpoint names with `auth=`. */
export function endpointAuthNames(ep: ConfSection): string[] {
  return ep.all('auth').flatMap((v) => splitList(v.value));
}

/** Is this auth section used only as an outbound credential (registration/outbound_auth)? */
export function isOutboundOnlyAuth(m: AsteriskModel, authName: string): boolean {
  const inbound = m.pjsip.endpoints.some((ep) => endpointAuthNames(ep).includes(authName));
  if (inbound) return false;
  const outbound =
    m.pjsip.endpoints.some((ep) =>
      ep.all('outbound_auth').some((v) => splitList(v.value).includes(authName)),
    ) ||
    m.pjsip.registrations.some((r) =>
      r.all('outbound_auth').some((v) => splitList(v.value).includes(authName)),
    );
  return outbound;
}

/** identify sections that point at an endpoint. */
export function identifiesFor(m: AsteriskModel, endpoint: string): ConfSection[] {
  return m.pjsip.identifiesOf(endpoint);
}

/** The pjsip identify_by methods of an endpoint (default username,ip). */
export function identifyBy(ep: ConfSection): string[] {
  const v = ep.value('identify_by');
  return v ? splitList(v).map((s) => s.toLowerCase()) : ['username', 'ip'];
}

/** The endpoint's dialplan context (pjsip default `default`). */
export function endpointContext(ep: ConfSection): string {
  return ep.value('context') ?? 'default';
}

/** Names around a credential that must not be the password: section, username, endpoints. */
export function identityNames(m: AsteriskModel, auth: ConfSection): string[] {
  const names = new Set<string>([auth.name]);
  const user = auth.value('username');
  if (user) names.add(user);
  for (const ep of m.pjsip.inboundUsers(auth.name)) {
    {
      names.add(ep.name);
      const cid = ep.value('callerid');
      const num = cid ? /<([^>]+)>/.exec(cid)?.[1] : undefined;
      if (num) names.add(num);
    }
  }
  return [...names];
}
