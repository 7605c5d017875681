import { HardlineError } from '../core/errors.js';
import type { Policy } from '../policy/schema.js';
import { canonicalIp, type NetEndpoint, parseHostPort, type Transport } from './event.js';

/**
 * Which side of a captured SIP packet is the PBX. A SIP transaction decoder must know it to
 * tell the remote party (whose address becomes the event source) from the PBX itself, and to
 * ignore requests the PBX sends (to trunks, to the phones it calls). The rule, in order:
 *
 * 1. Configured PBX addresses: `--pbx-address IP[:PORT]` (repeatable) and the policy's
 *    `endpoints` whose host is a literal IP. A packet with one of them on exactly one side is
 *    settled by it (between two of them: internal, ignored).
 * 2. The capture agent: the address the HEP packet came from (Kamailio siptrace and Asterisk
 *    res_hep send from the PBX host). When it equals one side's IP, that side is the PBX.
 * 3. Otherwise the receiver of a request is taken as the PBX (a capture on the PBX host mostly
 *    sees requests coming in). Configure rule 1 when the PBX also sends requests (trunk
 *    registrations, calls to phones), or they would be read as coming from the PBX.
 *
 * Nothing here ever reads addresses from the SIP text (From, To, Contact, Via, User-Agent).
 */

export interface PbxAddress {
  ip: string;
  port?: number;
  /** Transport the policy declares for this endpoint (refines a captured `tcp`). */
  transport?: Transport;
  /**
   * Whether `port` must match for the address to count as the PBX. True for `--pbx-address
   * IP:PORT`; false for policy endpoints (the host is the PBX's whatever port it sends from).
   */
  matchPort?: boolean;
}

export type Direction = 'inbound' | 'outbound' | 'internal';

/** Parses `--pbx-address` values: `IP`, `IP:PORT`, `[IPv6]:PORT`, `IPv6`. */
export function parsePbxAddress(text: string): PbxAddress {
  const ep = parseHostPort(text.trim());
  if (!ep)
    throw new HardlineError(
      'HL_ERR_USAGE',
      `--pbx-address ${JSON.stringify(text)} is not an IP address (expected IP, IP:PORT or [IPv6]:PORT)`,
    );
  return ep.port !== undefined ? { ip: ep.ip, port: ep.port, matchPort: true } : { ip: ep.ip };
}

/** The policy's endpoints with a literal IP host (hostnames are not resolved here). */
export function policyPbxAddresses(policy: Policy | undefined): PbxAddress[] {
  const out: PbxAddress[] = [];
  for (const e of policy?.endpoints ?? []) {
    const ip = canonicalIp(e.host);
    if (!ip) continue;
    const a: PbxAddress = { ip, transport: e.transport as Transport };
    if (e.port !== undefined) a.port = e.port;
    out.push(a);
  }
  return out;
}

export class PbxSide {
  private readonly byIp = new Map<string, PbxAddress[]>();

  constructor(addresses: PbxAddress[]) {
    for (const a of addresses) {
      const list = this.byIp.get(a.ip) ?? [];
      list.push(a);
      this.byIp.set(a.ip, list);
    }
  }

  static from(o: { pbxAddresses?: string[]; policy?: Policy }): PbxSide {
    return new PbxSide([...(o.pbxAddresses ?? []).map(parsePbxAddress), ...policyPbxAddresses(o.policy)]);
  }

  /** True when some PBX address is configured (rule 1 can decide). */
  get configured(): boolean {
    return this.byIp.size > 0;
  }

  /** Is this endpoint a configured PBX address? (IP match; a `--pbx-address` port must match too.) */
  isPbx(ep: NetEndpoint): boolean {
    const list = this.byIp.get(ep.ip);
    if (!list) return false;
    return list.some(
      (a) => !a.matchPort || a.port === undefined || ep.port === undefined || a.port === ep.port,
    );
  }

  /** The policy's transport for this PBX endpoint (ip and port), if declared. */
  transportOf(ep: NetEndpoint): Transport | undefined {
    const list = this.byIp.get(ep.ip);
    if (!list) return undefined;
    const withPort = list.find((a) => a.port !== undefined && a.port === ep.port && a.transport);
    return withPort?.transport;
  }

  /**
   * Direction of a request from `src` to `dst`: inbound (the PBX receives it), outbound (the PBX
   * sends it) or internal (both sides are the PBX).
   */
  request(src: NetEndpoint, dst: NetEndpoint, agent?: string): Direction {
    const s = this.isPbx(src);
    const d = this.isPbx(dst);
    if (s && d) return 'internal';
    if (d) return 'inbound';
    if (s) return 'outbound';
    if (agent !== undefined && agent !== src.ip && agent === dst.ip) return 'inbound';
    if (agent !== undefined && agent !== dst.ip && agent === src.ip) return 'outbound';
    return 'inbound';
  }
}
