import { type Cidr, parseCidr } from '../net/address.js';
import type { Expr, NftRule, NftSet, PortValue } from './nft.js';

/** Small helpers shared by the ruleset generators: address sets, port values, rules. */

export interface Tagged {
  cidr: Cidr;
}

export function split(list: Tagged[]): { v4: string[]; v6: string[] } {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const { cidr } of list) (cidr.addr.kind() === 'ipv4' ? v4 : v6).add(cidr.text);
  return { v4: collapse([...v4]), v6: collapse([...v6]) };
}

/** Drops entries covered by a wider one (nft rejects overlapping interval elements). */
export function collapse(list: string[]): string[] {
  const cidrs = list.map((t) => parseCidr(t)!).sort((a, b) => a.bits - b.bits);
  const kept: Cidr[] = [];
  for (const c of cidrs) {
    if (
      kept.some(
        (k) =>
          k.bits <= c.bits && (c.addr as { match(a: unknown, b: number): boolean }).match(k.addr, k.bits),
      )
    )
      continue;
    kept.push(c);
  }
  return kept.map((k) => k.text).sort(compareAddr);
}

export function compareAddr(a: string, b: string): number {
  const pa = parseCidr(a)!;
  const pb = parseCidr(b)!;
  const ba = pa.addr.toByteArray();
  const bb = pb.addr.toByteArray();
  for (let i = 0; i < Math.min(ba.length, bb.length); i++) if (ba[i] !== bb[i]) return ba[i]! - bb[i]!;
  return ba.length - bb.length || pa.bits - pb.bits;
}

export function intervalSet(
  name: string,
  type: 'ipv4_addr' | 'ipv6_addr',
  values: string[],
  comment: string,
): NftSet {
  return { name, type, flags: ['interval'], elements: values.map((value) => ({ value })), comment };
}

export function portsOf(list: number[]): PortValue {
  const u = [...new Set(list)].sort((a, b) => a - b);
  return u.length === 1 ? u[0]! : u;
}

export const r = (exprs: Expr[], comment?: string): NftRule => (comment ? { exprs, comment } : { exprs });
