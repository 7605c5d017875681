import type { Finding } from '../core/finding.js';
import type { RuleMeta } from '../core/rule.js';
import type { TableListing } from './executor.js';

/** The checks `hardline firewall --check` reports (stable ids, never reused). */
export const DRIFT_RULES: RuleMeta[] = [
  {
    id: 'HL-FW-001',
    title: "hardline's nftables table is not loaded",
    severity: 'critical',
    step: 'firewall',
    pbx: 'any',
    docs: {
      why: 'Without the table nothing narrows SIP to the trunks, keeps AMI/SSH to the management network or drops banned sources: every ban hardline records is without effect and the PBX is exposed as if there were no firewall.',
      fix: 'Load it with hardline firewall --apply, and load it at boot (a systemd unit running hardline firewall --apply --confirm-timeout 0, then hardline ban restore).',
      refs: ['nft(8)'],
    },
    messages: { missing: 'table inet {table} is not in the live ruleset' },
  },
  {
    id: 'HL-FW-002',
    title: 'Firewall rule, chain or set missing from the live table',
    severity: 'high',
    step: 'firewall',
    pbx: 'any',
    docs: {
      why: 'A missing rule reopens what the policy closes (AMI from the Internet, SIP from anyone on a trunk-only port, RTP outside the range) or stops dropping banned sources.',
      fix: 'Find out who changed the table (nft monitor, shell history, another tool), then reload it from the policy with hardline firewall --apply.',
      refs: ['nft(8)'],
    },
    messages: { missing: '{what} is missing' },
  },
  {
    id: 'HL-FW-003',
    title: 'Unexpected rule, chain or set in the live table',
    severity: 'medium',
    step: 'firewall',
    pbx: 'any',
    docs: {
      why: "A rule added by hand to hardline's table is not in the policy: it is lost at the next apply, and audit and probe reason about a firewall that is not the one running.",
      fix: 'Put the intent into hardline.yaml (networks, firewall.allow, firewall.management) and reload with hardline firewall --apply; keep other rules in your own table.',
      refs: ['nft(8)'],
    },
    messages: { extra: '{what} is not generated from the policy' },
  },
  {
    id: 'HL-FW-004',
    title: 'Live firewall set or chain differs from the policy',
    severity: 'high',
    step: 'firewall',
    pbx: 'any',
    docs: {
      why: 'Changed trunk or management addresses, a different chain priority or policy, or rules in another order change who reaches SIP and the management ports, in ways the policy does not say.',
      fix: 'Reload the table from the policy with hardline firewall --apply (trunk hostnames are resolved again at that time).',
      refs: ['nft(8)'],
    },
    messages: { differs: '{what} differs' },
  },
];

type Obj = Record<string, unknown>;

/** Sets whose elements come and go at run time: bans and per-source rate meters. */
const RUNTIME_SETS = /^(ban[46]|sip_[a-z]+[46])$/;

interface Normal {
  sets: Map<string, string>;
  chains: Map<string, string>;
  rules: Map<string, { key: string; text: string }[]>;
}

/** Strips what differs between two loads of the same ruleset: handles, counters, live elements. */
function normalise(listing: TableListing): Normal {
  const texts = handleTexts(listing.text);
  const sets = new Map<string, string>();
  const chains = new Map<string, string>();
  const rules = new Map<string, { key: string; text: string }[]>();
  for (const o of listing.json.nftables) {
    if (o['set']) {
      const s = { ...(o['set'] as Obj) };
      const name = String(s['name']);
      delete s['handle'];
      if (RUNTIME_SETS.test(name)) delete s['elem'];
      else if (Array.isArray(s['elem']))
        s['elem'] = (s['elem'] as unknown[]).map((e) => JSON.stringify(e)).sort();
      sets.set(name, JSON.stringify(s, Object.keys(s).sort()));
    } else if (o['chain']) {
      const c = { ...(o['chain'] as Obj) };
      delete c['handle'];
      chains.set(String(c['name']), JSON.stringify(c, Object.keys(c).sort()));
      if (!rules.has(String(c['name']))) rules.set(String(c['name']), []);
    } else if (o['rule']) {
      const r = o['rule'] as Obj;
      const chain = String(r['chain']);
      const expr = JSON.stringify(r['expr']).replace(
        /"counter":\{"packets":\d+,"bytes":\d+\}/g,
        '"counter":null',
      );
      const list = rules.get(chain) ?? [];
      list.push({ key: expr, text: texts.get(Number(r['handle'])) ?? expr });
      rules.set(chain, list);
    }
  }
  return { sets, chains, rules };
}

/** `nft -a list` text: handle -> rule text (counter values removed). */
export function handleTexts(text: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*(.*\S)\s+# handle (\d+)$/.exec(line);
    if (!m || /^(table|chain|set|map)\s/.test(m[1]!) || m[1]!.endsWith('{')) continue;
    out.set(Number(m[2]), m[1]!.replace(/counter packets \d+ bytes \d+/, 'counter'));
  }
  return out;
}

/**
 * Compares the live table with the kernel's rendering of what the policy generates. Both come
 * from nft itself, so equal rulesets compare equal whatever the input syntax was.
 */
export function diffTables(table: string, expected: TableListing, live: TableListing | undefined): Finding[] {
  const base = { step: 'firewall' as const, source: 'nftables', waived: false };
  const meta = new Map(DRIFT_RULES.map((r) => [r.id, r]));
  const finding = (ruleId: string, target: string, message: string, evidence: string[] = []): Finding => ({
    ...base,
    ruleId,
    severity: meta.get(ruleId)!.severity,
    title: meta.get(ruleId)!.title,
    target,
    message,
    ...(evidence.length ? { evidence } : {}),
  });
  if (!live)
    return [finding('HL-FW-001', `nft:inet/${table}`, `table inet ${table} is not in the live ruleset`)];
  const e = normalise(expected);
  const l = normalise(live);
  const out: Finding[] = [];
  for (const [name, def] of e.sets) {
    const got = l.sets.get(name);
    if (got === undefined)
      out.push(finding('HL-FW-002', `nft:inet/${table}/set/${name}`, `set ${name} is missing`));
    else if (got !== def)
      out.push(
        finding('HL-FW-004', `nft:inet/${table}/set/${name}`, `set ${name} differs from the policy`, [
          `policy: ${def}`,
          `live:   ${got}`,
        ]),
      );
  }
  for (const name of l.sets.keys())
    if (!e.sets.has(name))
      out.push(
        finding('HL-FW-003', `nft:inet/${table}/set/${name}`, `set ${name} is not generated from the policy`),
      );
  for (const [name, def] of e.chains) {
    const got = l.chains.get(name);
    if (got === undefined) {
      out.push(finding('HL-FW-002', `nft:inet/${table}/chain/${name}`, `chain ${name} is missing`));
      continue;
    }
    if (got !== def)
      out.push(
        finding(
          'HL-FW-004',
          `nft:inet/${table}/chain/${name}`,
          `chain ${name} (hook, priority or policy) differs`,
          [`policy: ${def}`, `live:   ${got}`],
        ),
      );
    const er = e.rules.get(name) ?? [];
    const lr = l.rules.get(name) ?? [];
    const remaining = [...lr];
    const missing: string[] = [];
    for (const r of er) {
      const i = remaining.findIndex((x) => x.key === r.key);
      if (i >= 0) remaining.splice(i, 1);
      else missing.push(r.text);
    }
    for (const m of missing)
      out.push(
        finding(
          'HL-FW-002',
          `nft:inet/${table}/chain/${name}/rule/${m}`,
          `chain ${name}: rule missing: ${m}`,
        ),
      );
    for (const x of remaining)
      out.push(
        finding(
          'HL-FW-003',
          `nft:inet/${table}/chain/${name}/rule/${x.text}`,
          `chain ${name}: unexpected rule: ${x.text}`,
        ),
      );
    if (
      !missing.length &&
      !remaining.length &&
      er.map((r) => r.key).join('\n') !== lr.map((r) => r.key).join('\n')
    )
      out.push(
        finding(
          'HL-FW-004',
          `nft:inet/${table}/chain/${name}/order`,
          `chain ${name}: rules are in another order than the policy's`,
          [...lr.map((r, i) => `live ${i + 1}: ${r.text}`)],
        ),
      );
  }
  for (const name of l.chains.keys())
    if (!e.chains.has(name))
      out.push(
        finding(
          'HL-FW-003',
          `nft:inet/${table}/chain/${name}`,
          `chain ${name} is not generated from the policy`,
        ),
      );
  return out;
}
