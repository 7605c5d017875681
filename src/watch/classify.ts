import { lookup } from 'node:dns/promises';
import { type Cidr, cidrContains, parseCidr, parseIp } from '../net/address.js';
import type { Policy } from '../policy/schema.js';
import { LruMap } from './state.js';

export interface Classification {
  kind: 'trunk' | 'trusted-network';
  name: string;
}

/**
 * Which addresses are the site's own: provider trunks and trusted networks from the policy.
 * Trunk hostnames are resolved once (resolveHostnames) when the network allows it.
 */
export class Classifier {
  private readonly trunks: { name: string; cidr: Cidr }[] = [];
  private readonly networks: { name: string; cidr: Cidr }[] = [];
  private cache = new LruMap<string, Classification | null>(10_000);
  readonly unresolved: string[] = [];

  constructor(private readonly policy: Policy) {
    for (const t of policy.trunks) {
      for (const a of t.addresses) {
        const c = parseCidr(a);
        if (c) this.trunks.push({ name: t.name, cidr: c });
        else this.unresolved.push(a);
      }
    }
    for (const [name, list] of Object.entries(policy.networks)) {
      for (const a of list) {
        const c = parseCidr(a);
        if (c) this.networks.push({ name, cidr: c });
      }
    }
  }

  /** Resolves trunk hostnames (A/AAAA) and adds their addresses; failures are returned. */
  async resolveHostnames(timeoutMs = 3000): Promise<string[]> {
    const failed: string[] = [];
    for (const t of this.policy.trunks) {
      for (const a of t.addresses) {
        if (parseCidr(a)) continue;
        try {
          const res = await Promise.race([
            lookup(a, { all: true }),
            new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), timeoutMs).unref()),
          ]);
          for (const r of res) {
            const c = parseCidr(r.address);
            if (c) this.trunks.push({ name: t.name, cidr: c });
          }
        } catch {
          failed.push(a);
        }
      }
    }
    this.cache = new LruMap(10_000);
    return failed;
  }

  classify(ipText: string): Classification | undefined {
    const hit = this.cache.peek(ipText);
    if (hit !== undefined) return hit ?? undefined;
    let out: Classification | undefined;
    const ip = parseIp(ipText);
    if (ip) {
      const t = this.trunks.find((x) => cidrContains(x.cidr, ip));
      if (t) out = { kind: 'trunk', name: t.name };
      else {
        const n = this.networks.find((x) => cidrContains(x.cidr, ip));
        if (n) out = { kind: 'trusted-network', name: n.name };
      }
    }
    this.cache.set(ipText, out ?? null);
    return out;
  }

  /** Networks by name (for per-account expected networks). */
  network(name: string): Cidr[] | undefined {
    const list = this.policy.networks[name];
    return list?.map((a) => parseCidr(a)).filter((c): c is Cidr => c !== undefined);
  }
}
