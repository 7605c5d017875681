import type { PbxKind, Rule, RuleContext } from '../core/rule.js';
import type { Span } from '../core/span.js';
import { type Cidr, isLoopback, isUnspecified, parseCidr, parseIp } from '../net/address.js';
import { NEVER_SOURCE, publicPart, subtract } from '../net/cidrset.js';
import type { Policy } from '../policy/schema.js';

/**
 * The part of the model every PBX kind provides, so that cross-PBX rules (a secret reused
 * anywhere, TLS minimums, SRTP policy, management exposure) are written once. Each PBX model
 * fills it from its own settings; spans are relative to that PBX's configuration folder.
 */

export type SecretPurpose = 'sip' | 'sip-outbound' | 'management' | 'voicemail' | 'database' | 'other';

export interface SharedSecret extends Span {
  purpose: SecretPurpose;
  /** Who holds it, e.g. `freeswitch:user/1000@example.com`. Never contains the value. */
  owner: string;
  /** The secret itself: only for comparisons and redaction, never printed. */
  value: string;
}

export interface TlsSetting extends Span {
  /** e.g. `freeswitch:profile/internal`, `kamailio:tls/server:default`. */
  owner: string;
  /** Server (accepts connections), client (connects out) or both. */
  role: 'server' | 'client' | 'both';
  /** Lowest protocol version the setting accepts: 0.2 SSLv2, 0.3 SSLv3, 1.0, 1.1, 1.2, 1.3. */
  minVersion?: number;
  /** The setting as written (or the default, described). */
  versionText: string;
  /** The version comes from the PBX's built-in default, not from the configuration. */
  defaulted: boolean;
  /** Is the peer's certificate verified (client role: the server's; server role: the client's)? */
  verifyPeer?: boolean;
}

export interface SrtpSetting extends Span {
  /** Whose calls this governs, e.g. `freeswitch:user/1000@example.com`. */
  owner: string;
  /** mandatory: calls without SRTP fail; optional: offered, plain RTP accepted; off. */
  mode: 'mandatory' | 'optional' | 'off';
  /** The setting as written, or a description of the default. */
  text: string;
  defaulted: boolean;
}

export type BindScope = 'loopback' | 'all' | 'address' | 'unresolved';

export interface ManagementListener extends Span {
  owner: string;
  /** Human name, e.g. "FreeSWITCH event socket (ESL)". */
  service: string;
  /** Listen address as written (or the default). */
  bind: string;
  scope: BindScope;
  port?: number;
  /**
   * Source restriction the service applies itself (an ACL name). `restricts` says whether it
   * limits sources to loopback or declared trusted networks.
   */
  acl?: { name: string; restricts: boolean; span?: Span };
  tls: boolean;
}

export interface CommonModel {
  secrets: SharedSecret[];
  tls: TlsSetting[];
  srtp: SrtpSetting[];
  management: ManagementListener[];
}

export function emptyCommon(): CommonModel {
  return { secrets: [], tls: [], srtp: [], management: [] };
}

/** One audited source's common part, as the engine hands it to cross-PBX rules. */
export interface CommonSource extends CommonModel {
  /** Source name (the policy's PBX name). */
  source: string;
  kind: PbxKind;
  /** Absolute configuration folder (spans are relative to it). */
  root: string;
}

/** What a cross-PBX rule checks: one source, plus every other source of the same run. */
export interface CommonView extends CommonSource {
  others: CommonSource[];
}

export type CommonRule = Rule<CommonView, Policy>;
export type CommonRuleContext = RuleContext<Policy>;

/** Declares a cross-PBX rule (runs once per audited source over its common part). */
export function defineCommonRule(rule: Omit<CommonRule, 'pbx'>): CommonRule {
  return { ...rule, pbx: 'any' };
}

/** Classifies a listen address: loopback only, every interface, one non-loopback address. */
export function bindScopeOf(host: string | undefined): BindScope {
  if (host === undefined) return 'all';
  const h = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (h === '' || h === '*') return 'all';
  const ip = parseIp(h);
  if (!ip) return h.toLowerCase() === 'localhost' ? 'loopback' : 'unresolved';
  if (isUnspecified(ip)) return 'all';
  return isLoopback(ip) ? 'loopback' : 'address';
}

/** Lowest TLS version named in a protocol list or method (`tlsv1,tlsv1.2`, `TLSv1.2+`, `sslv23`). */
export function lowestTlsVersion(text: string): number | undefined {
  let lowest: number | undefined;
  for (const raw of text.split(/[\s,:;|]+/)) {
    const t = raw.trim().toLowerCase().replace(/_/g, '.');
    if (!t) continue;
    let v: number | undefined;
    if (t === 'sslv2') v = 0.2;
    else if (t === 'sslv3') v = 0.3;
    else if (t === 'sslv23' || t === 'any' || t === 'all') v = 0.2;
    else {
      const m = /^tlsv?(1)(?:\.(\d))?\+?$/.exec(t);
      if (m) v = Number(`1.${m[2] ?? '0'}`);
    }
    if (v !== undefined && (lowest === undefined || v < lowest)) lowest = v;
  }
  return lowest;
}

/** `1.0` -> "TLS 1.0", `0.3` -> "SSLv3". */
export function tlsName(v: number): string {
  if (v < 1) return `SSLv${Math.round(v * 10)}`;
  return `TLS ${v.toFixed(1)}`;
}

/**
 * Addresses the policy trusts: its networks and the literal addresses of its trunks (hostnames
 * cannot be resolved offline), plus loopback.
 */
export function trustedCidrs(policy: Policy): Cidr[] {
  const out: Cidr[] = [...LOOPBACK];
  for (const list of Object.values(policy.networks)) for (const t of list) pushCidr(out, t);
  for (const t of policy.trunks) for (const a of t.addresses) pushCidr(out, a);
  return out;
}

const LOOPBACK: Cidr[] = ['127.0.0.0/8', '::1/128'].map((t) => parseCidr(t)!);

function pushCidr(out: Cidr[], text: string): void {
  const c = parseCidr(text);
  if (c) out.push(c);
}

export type Breadth = 'public' | 'private' | 'trusted';

/**
 * How far an allowed address set reaches beyond what the policy trusts: `public` when it admits
 * Internet addresses that are neither trunks nor trusted networks, `private` when it only admits
 * extra private space (other VLANs, the whole of RFC 1918), `trusted` when it stays inside.
 */
export function breadthOf(allowed: Cidr[], policy: Policy): { breadth: Breadth; beyond: Cidr[] } {
  const beyond = subtract(allowed, [...trustedCidrs(policy), ...NEVER_SOURCE]);
  if (beyond.length === 0) return { breadth: 'trusted', beyond };
  const pub = publicPart(beyond);
  return pub.length ? { breadth: 'public', beyond: pub } : { breadth: 'private', beyond };
}
