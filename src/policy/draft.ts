import path from 'node:path';
import { Document, isMap, isPair, isScalar, type Node, type Pair, type Scalar, type YAMLMap } from 'yaml';
import type { Span } from '../core/span.js';
import { isHostname, parseCidr } from '../net/address.js';
import { readAcl } from '../pbx/asterisk/acl.js';
import { sipIsDynamic } from '../pbx/asterisk/chansip.js';
import type { ConfSection } from '../pbx/asterisk/config.js';
import { endpointAuthNames } from '../pbx/asterisk/helpers.js';
import type { AsteriskModel } from '../pbx/asterisk/model.js';
import { isTrunkEndpoint } from '../pbx/asterisk/paths.js';
import { splitHostPort, splitList } from '../pbx/asterisk/values.js';
import type { PolicyInput } from './schema.js';

/**
 * `hardline init`: drafts a site policy from an Asterisk configuration. Every value read from the
 * configuration or guessed is marked `# review:` with where it came from, so the administrator
 * checks the map instead of writing it from a blank page. The draft always loads with the policy
 * loader (tested), so `hardline audit` can run on it at once.
 */

export interface DraftOptions {
  /** Folder of the configuration, as it will be written in `pbxs[].config`. */
  configPath: string;
  /** Name of the PBX in the policy. */
  name: string;
  /** For the header comment. */
  now: Date;
}

interface Note {
  path: (string | number)[];
  text: string;
  /** `before`: a comment line above the node; otherwise at the end of its line. */
  before?: boolean;
}

const PLACEHOLDER_HOST = 'pbx.invalid';
const sameEndpoint = (a: { host: string; transport: string; port?: number }, b: typeof a) =>
  a.host === b.host && a.transport === b.transport && a.port === b.port;
const where = (s: Span) => `${s.file}:${s.line}`;
const isAny = (cidr: string) => parseCidr(cidr)?.bits === 0;

/** Cleans a host from `sip:user@host:port;params`, `[v6]:port` or `host:port`. */
function hostOf(text: string): string | undefined {
  let t = text.trim().replace(/^<|>$/g, '');
  t = t.replace(/^sips?:/i, '');
  t = t.replace(/^[^@]*@/, '');
  t = t.split(';')[0]!.split('?')[0]!;
  const { host } = splitHostPort(t);
  const h = host.trim();
  if (!h) return undefined;
  return parseCidr(h) || isHostname(h) ? h : undefined;
}

function addressOrCidr(text: string): string | undefined {
  const t = text.trim();
  const c = parseCidr(t);
  if (c) return t.includes('/') ? c.text : t;
  return isHostname(t) ? t : undefined;
}

class Collector<T> {
  readonly items: { value: T; from: string[] }[] = [];
  /** Adds a value (or one more source for a value already there); true when it is new. */
  add(value: T, from: string, same: (a: T, b: T) => boolean = (a, b) => a === b): boolean {
    const hit = this.items.find((i) => same(i.value, value));
    if (hit) {
      if (!hit.from.includes(from)) hit.from.push(from);
      return false;
    }
    this.items.push({ value, from: [from] });
    return true;
  }
}

export function draftPolicy(m: AsteriskModel, opts: DraftOptions): string {
  const notes: Note[] = [];
  const policy: PolicyInput & Record<string, unknown> = { version: 1 };
  policy.site = path.basename(path.resolve(m.root, '..')) || 'my-site';
  notes.push({ path: ['site'], text: 'review: a name for reports' });
  policy.pbxs = [{ name: opts.name, kind: 'asterisk', config: opts.configPath }];
  notes.push({ path: ['pbxs', 0, 'config'], text: 'review: relative to this file' });

  // ---- endpoints: where SIP enters
  const endpoints = new Collector<{
    name: string;
    host: string;
    transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
    port?: number;
    public: boolean;
  }>();
  const endpointWhy: string[] = [];
  for (const t of m.pjsip.transports) {
    const protocol = (t.value('protocol') ?? 'udp').toLowerCase();
    if (!['udp', 'tcp', 'tls', 'ws', 'wss'].includes(protocol)) continue;
    const bind = t.value('bind') ?? '0.0.0.0';
    const { host: bindHost, port: bindPort } = splitHostPort(bind);
    const ext = t.get('external_signaling_address');
    let host = PLACEHOLDER_HOST;
    let hostWhy = 'set the name or address phones and the provider use';
    if (ext && addressOrCidr(ext.value)) {
      host = ext.value.trim();
      hostWhy = `external_signaling_address of ${t.name} (${where(ext)})`;
    } else if (bindHost && !['0.0.0.0', '::', '[::]'].includes(bindHost) && addressOrCidr(bindHost)) {
      host = bindHost;
      hostWhy = `bind of ${t.name} (${where(t.get('bind') ?? t)})`;
    }
    const defaultPort =
      protocol === 'tls' ? 5061 : protocol === 'ws' ? 8088 : protocol === 'wss' ? 8089 : 5060;
    const port = protocol === 'ws' || protocol === 'wss' ? undefined : (bindPort ?? defaultPort);
    const users = m.pjsip.endpoints.filter((e) => (e.value('transport') ?? '') === t.name);
    const lockedOrTrunk = (e: ConfSection) => {
      if (isTrunkEndpoint(m, e)) return true;
      const acl = readAcl(e);
      return acl.hasDeny && !acl.rules.some((r) => r.action === 'permit' && r.cidr && r.cidr.bits === 0);
    };
    const isPublic = protocol === 'tls' || protocol === 'wss' || !users.length || !users.every(lockedOrTrunk);
    const added = endpoints.add(
      { name: t.name, host, transport: protocol as 'udp', ...(port ? { port } : {}), public: isPublic },
      `${t.name} (${where(t)})`,
      sameEndpoint,
    );
    if (added)
      endpointWhy.push(
        `${hostWhy}; public ${isPublic ? `since ${protocol === 'tls' || protocol === 'wss' ? 'TLS/WSS is usually for phones outside' : users.length ? 'endpoints on it have no ACL or permit everywhere' : 'no endpoint names it (pjsip picks it for anyone)'}` : 'false: only trunks and ACL-restricted endpoints use it'}`,
      );
  }
  if (m.sip.active && m.sip.general) {
    const g = m.sip.general;
    for (const [opt, proto, def] of [
      ['udpbindaddr', 'udp', 5060],
      ['tcpbindaddr', 'tcp', 5060],
      ['tlsbindaddr', 'tls', 5061],
    ] as const) {
      const v = g.get(opt);
      if (!v && opt !== 'udpbindaddr') continue;
      if (opt !== 'udpbindaddr' && proto === 'tcp' && !/^y/i.test(g.value('tcpenable') ?? 'no')) continue;
      if (opt === 'tlsbindaddr' && !/^y/i.test(g.value('tlsenable') ?? 'no')) continue;
      const { port } = splitHostPort(v?.value ?? '0.0.0.0');
      const ext = g.value('externip') ?? g.value('externhost');
      endpoints.add(
        {
          name: `chan_sip-${proto}`,
          host: ext && addressOrCidr(ext) ? ext : PLACEHOLDER_HOST,
          transport: proto,
          port: port ?? def,
          public: true,
        },
        `sip.conf ${opt}`,
      );
      endpointWhy.push(
        `chan_sip ${proto} listener (${v ? where(v) : 'default'}); host from externip/externhost if set`,
      );
    }
  }
  policy.endpoints = endpoints.items.map((i) => i.value);
  endpoints.items.forEach((_, i) => {
    notes.push({ path: ['endpoints', i], text: `review: ${endpointWhy[i]}`, before: true });
  });

  // ---- trunks
  const trunks: { name: string; addresses: Collector<string> }[] = [];
  const trunk = (name: string) => {
    let t = trunks.find((x) => x.name === name);
    if (!t) {
      t = { name, addresses: new Collector<string>() };
      trunks.push(t);
    }
    return t;
  };
  for (const ep of m.pjsip.endpoints) {
    if (!isTrunkEndpoint(m, ep) || endpointAuthNames(ep).length > 0) continue;
    const t = trunk(ep.name);
    for (const id of m.pjsip.identifiesOf(ep.name))
      for (const v of id.all('match'))
        for (const item of splitList(v.value)) {
          const a = addressOrCidr(item);
          if (a) t.addresses.add(a, `identify ${id.name} match (${where(v)})`);
        }
    for (const aor of ep.all('aors').flatMap((v) => splitList(v.value))) {
      for (const c of m.pjsip.find('aor', aor)?.all('contact') ?? []) {
        const h = hostOf(c.value);
        if (h) t.addresses.add(h, `aor ${aor} contact (${where(c)})`);
      }
    }
  }
  for (const r of m.pjsip.registrations) {
    const h = hostOf(r.value('server_uri') ?? '');
    if (!h) continue;
    const owner =
      r.value('endpoint') ??
      m.pjsip.endpoints.find(
        (e) => r.value('outbound_auth') && e.value('outbound_auth') === r.value('outbound_auth'),
      )?.name ??
      r.name;
    trunk(owner).addresses.add(h, `registration ${r.name} server_uri (${where(r.get('server_uri') ?? r)})`);
  }
  if (m.sip.active) {
    for (const p of m.sip.peers) {
      const host = p.value('host');
      if (!host || sipIsDynamic(p)) continue;
      const h = hostOf(host);
      if (h) trunk(p.name).addresses.add(h, `chan_sip peer ${p.name} host (${where(p.get('host')!)})`);
    }
    for (const r of m.sip.registrations) {
      const h = hostOf(r.value.split('/')[0]!.replace(/^.*@/, ''));
      if (h) trunk(`sip-register-${h}`).addresses.add(h, `sip.conf register (${where(r)})`);
    }
  }
  const usedTrunks = trunks.filter((t) => t.addresses.items.length > 0);
  policy.trunks = usedTrunks.map((t) => ({ name: t.name, addresses: t.addresses.items.map((a) => a.value) }));
  usedTrunks.forEach((t, i) => {
    notes.push({
      path: ['trunks', i],
      text: `review: provider trunk ${t.name}; list every address it sends SIP from`,
      before: true,
    });
    t.addresses.items.forEach((a, j) => {
      notes.push({ path: ['trunks', i, 'addresses', j], text: `review: ${a.from.join('; ')}` });
    });
  });

  // ---- networks
  const trunkAddrs = new Set(usedTrunks.flatMap((t) => t.addresses.items.map((a) => a.value)));
  const nets: Record<string, Collector<string>> = {
    lan: new Collector(),
    phones: new Collector(),
    mgmt: new Collector(),
  };
  const addNet = (name: 'lan' | 'phones' | 'mgmt', text: string, from: string) => {
    const c = parseCidr(text);
    if (!c || c.bits === 0 || trunkAddrs.has(c.text) || trunkAddrs.has(text.trim())) return;
    const elsewhere = Object.entries(nets).some(
      ([n, col]) => n !== name && col.items.some((i) => i.value === c.text),
    );
    if (!elsewhere) nets[name]!.add(c.text, from);
  };
  for (const t of m.pjsip.transports)
    for (const v of t.all('local_net')) addNet('lan', v.value, `local_net of ${t.name} (${where(v)})`);
  if (m.sip.active)
    for (const v of m.sip.general?.all('localnet') ?? [])
      addNet('lan', v.value, `sip.conf localnet (${where(v)})`);
  // Permits show which networks the administrator trusts, even where the ACL lacks its deny.
  const permitsOf = (s: ConfSection, name: 'phones' | 'mgmt', label: string) => {
    for (const prefix of ['', 'contact_']) {
      for (const r of readAcl(s, prefix).rules) {
        if (r.action !== 'permit' || !r.cidr || isAny(r.cidr.text)) continue;
        const owner = r.at.inherited ? `template [${r.at.inherited}]` : label;
        addNet(name, r.text, `${prefix}permit of ${owner} (${where(r.at)})`);
      }
    }
  };
  for (const ep of m.pjsip.endpoints)
    if (!isTrunkEndpoint(m, ep)) permitsOf(ep, 'phones', `endpoint ${ep.name}`);
  for (const a of m.pjsip.acls) permitsOf(a, 'phones', `acl ${a.name}`);
  if (m.sip.active)
    for (const p of m.sip.peers) if (sipIsDynamic(p)) permitsOf(p, 'phones', `chan_sip peer ${p.name}`);
  for (const u of m.sections('manager.conf', ['general'])) permitsOf(u, 'mgmt', `AMI user ${u.name}`);
  const networks: Record<string, string[]> = {};
  for (const [name, c] of Object.entries(nets))
    if (c.items.length) networks[name] = c.items.map((i) => i.value);
  policy.networks = networks;
  for (const [name, c] of Object.entries(nets))
    c.items.forEach((item, j) => {
      const extra = item.from.length > 2 ? ` and ${item.from.length - 2} more` : '';
      notes.push({
        path: ['networks', name, j],
        text: `review: ${item.from.slice(0, 2).join('; ')}${extra}`,
      });
    });

  // ---- RTP
  const g = m.section('rtp.conf', 'general');
  const sv = g?.get('rtpstart');
  const ev = g?.get('rtpend');
  const start = sv && /^\d+$/.test(sv.value) ? Number(sv.value) : 5000;
  const end = ev && /^\d+$/.test(ev.value) ? Number(ev.value) : 31000;
  policy.rtp = { start: Math.max(1, Math.min(start, end)), end: Math.min(65535, Math.max(start, end)) };
  notes.push({
    path: ['rtp', 'start'],
    text: sv
      ? `review: rtpstart (${where(sv)})`
      : 'review: Asterisk default (rtp.conf does not set it); narrow it to about 4 ports per call',
  });
  notes.push({
    path: ['rtp', 'end'],
    text: ev ? `review: rtpend (${where(ev)})` : 'review: Asterisk default',
  });

  // ---- security
  const tlsTransports = m.pjsip.transports.filter((t) =>
    ['tls', 'wss'].includes((t.value('protocol') ?? '').toLowerCase()),
  );
  const phones = m.pjsip.endpoints.filter((e) => !isTrunkEndpoint(m, e));
  const srtpPhones = phones.filter((e) =>
    ['sdes', 'dtls'].includes((e.value('media_encryption') ?? 'no').toLowerCase()),
  );
  const srtp = phones.length && srtpPhones.length === phones.length ? 'required' : 'preferred';
  policy.security = { sip_tls: tlsTransports.length ? 'required' : 'preferred', srtp, min_tls: '1.2' };
  notes.push({
    path: ['security', 'sip_tls'],
    text: tlsTransports.length
      ? `review: TLS transport ${tlsTransports.map((t) => t.name).join(', ')} exists`
      : 'review: no TLS transport yet; set required once phones outside use TLS',
  });
  notes.push({
    path: ['security', 'srtp'],
    text: `review: ${srtpPhones.length} of ${phones.length} phone endpoints use SRTP${srtp === 'preferred' && phones.length ? '; required once the rest do (or add exceptions)' : ''}`,
  });
  notes.push({ path: ['security', 'min_tls'], text: 'review: TLS 1.2 is the floor current phones support' });

  // ---- credentials: hardline's defaults, written out so they can be tuned
  policy.credentials = { min_length: 12, min_classes: 3, pin: { min_length: 6 } };
  notes.push({ path: ['credentials', 'min_length'], text: 'review: hardline default' });
  notes.push({
    path: ['credentials', 'pin', 'min_length'],
    text: 'review: hardline default (voicemail PIN digits)',
  });
  policy.exceptions = [];

  const doc = new Document(policy);
  doc.commentBefore = [
    ` hardline site policy, drafted by \`hardline init\` from ${opts.configPath} on ${opts.now.toISOString().slice(0, 10)}.`,
    ' Every value marked "review:" was read from the configuration or guessed: check it against',
    ' your call flow, fix it, then delete the mark. Reference: docs/policy.md.',
  ].join('\n');
  for (const n of notes) {
    const node = doc.getIn(n.path, true) as Node | undefined;
    if (!node) continue;
    if (n.before) node.commentBefore = ` ${n.text}`;
    else node.comment = ` ${n.text}`;
  }
  const top = doc.contents as YAMLMap;
  const keyNode = (k: string) => {
    const pair = top.items.find(
      (p): p is Pair<Scalar, unknown> => isPair(p) && isScalar(p.key) && p.key.value === k,
    );
    return pair?.key;
  };
  const comment = (k: string, text: string) => {
    const kn = keyNode(k);
    if (kn) kn.commentBefore = text;
  };
  comment(
    'endpoints',
    ' Where SIP enters: one entry per listener. public: false = only trunks and trusted networks reach it.',
  );
  comment('trunks', ' Provider trunks: never banned; identify matches are checked against them.');
  comment(
    'networks',
    ' Trusted networks: LAN/voice VLAN (local_net), phone ACLs, management hosts (AMI permits).',
  );
  comment('rtp', ' RTP port range the firewall admits; rtp.conf must stay inside it.');
  comment(
    'exceptions',
    [
      ' Break-glass waivers, each with an approver and an expiry, e.g.:',
      '   - rule: AST-SRTP-001',
      '     target: pjsip:endpoint/fax',
      '     reason: Fax ATA cannot do SRTP',
      '     approver: J. Doe',
      '     expires: 2027-06-30',
    ].join('\n'),
  );
  if (isMap(top)) top.spaceBefore = false;
  return doc.toString({ lineWidth: 0 });
}
