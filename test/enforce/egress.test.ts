import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HardlineError } from '../../src/core/errors.js';
import { egressHostnames, resolveEgressHosts } from '../../src/enforce/egress.js';
import { renderJson, renderText } from '../../src/enforce/nft.js';
import { generateRuleset, type Resolver } from '../../src/enforce/ruleset.js';
import { parsePolicy } from '../../src/policy/loader.js';

const policyOf = (yaml: string) => parsePolicy(`version: 1\n${yaml}`, '/tmp/hardline.yaml').policy;

const BASE = [
  'trunks: [{ name: carrier, addresses: [203.0.113.10, 2001:db8:5::10] }]',
  'networks:',
  '  voice: [192.168.20.0/24, 2001:db8:20::/64]',
  '  mgmt: [192.168.99.0/28]',
].join('\n');

const FULL = `${BASE}
firewall:
  egress:
    pbx: [192.168.20.5, pbx.example]
    dns: [192.168.20.1]
    ntp: [ntp.example]
    update_servers: [198.51.100.80, { host: 198.51.100.81, ports: [69], protocol: udp }, fw.vendor.example]
`;

const resolver: Resolver = async (h) => {
  if (h === 'pbx.example') return ['2001:db8:20::5'];
  if (h === 'ntp.example') return ['198.51.100.123'];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

function chain(text: string, name: string): string[] {
  const m = new RegExp(`chain ${name} \\{\\n([\\s\\S]*?)\\n  \\}`).exec(text);
  assert.ok(m, `chain ${name} in the ruleset`);
  return m[1]!
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('firewall.egress: policy', () => {
  it('is optional; when present it needs pbx and declared networks', () => {
    assert.equal(policyOf(BASE).firewall.egress, undefined);
    const e = policyOf(`${BASE}\nfirewall: { egress: { pbx: [192.168.20.5] } }`).firewall.egress!;
    assert.deepEqual(e.from, ['voice']);
    assert.equal(e.trunks, true);
    assert.equal(e.log, true);
    assert.throws(
      () => policyOf(`${BASE}\nfirewall: { egress: { dns: [192.168.20.1] } }`),
      (err: HardlineError) => err.details.some((d) => /firewall\.egress\.pbx: required/.test(d.message)),
    );
    assert.throws(
      () => policyOf(`${BASE}\nfirewall: { egress: { from: [phones], pbx: [192.168.20.5] } }`),
      (err: HardlineError) =>
        err.details.some((d) => /network 'phones' is not declared/.test(d.message) && d.line === 6),
    );
    assert.throws(
      () => policyOf(`${BASE}\nfirewall: { egress: { pbx: [192.168.20.5], dns: [resolver.example] } }`),
      (err: HardlineError) => err.details.some((d) => /egress\.dns\.0/.test(d.message)),
    );
  });

  it('lists and resolves the hostnames it names', async () => {
    const p = policyOf(FULL);
    assert.deepEqual(egressHostnames(p), [
      { host: 'pbx.example', role: 'egress.pbx' },
      { host: 'ntp.example', role: 'egress.ntp' },
      { host: 'fw.vendor.example', role: 'egress.update_servers' },
    ]);
    const r = await resolveEgressHosts(p, resolver, new Date('2026-11-24T12:00:00Z'));
    assert.deepEqual(r.addresses.get('pbx.example'), ['2001:db8:20::5']);
    assert.deepEqual(r.failures, [
      { host: 'fw.vendor.example', trunk: 'egress.update_servers', error: 'ENOTFOUND' },
    ]);
  });
});

describe('firewall.egress: generated rules', () => {
  it('no egress section: no forward chain (the input part is unchanged)', () => {
    const g = generateRuleset(policyOf(BASE));
    assert.deepEqual(
      g.table.chains.map((c) => c.name),
      ['input', 'known'],
    );
    assert.ok(!g.table.sets.some((s) => s.name.startsWith('voice') || s.name.startsWith('egress')));
  });

  it('voice_out admits replies, the voice networks, PBX and trunks, DNS, NTP, update servers; logs and drops the rest', async () => {
    const p = policyOf(FULL);
    const g = generateRuleset(p, { egressResolved: await resolveEgressHosts(p, resolver) });
    const text = renderText(g.table);
    assert.deepEqual(chain(text, 'forward'), [
      'type filter hook forward priority filter - 10; policy accept;',
      'ip saddr @voice4 jump voice_out',
      'ip6 saddr @voice6 jump voice_out',
    ]);
    assert.deepEqual(chain(text, 'voice_out'), [
      'ct state established,related accept',
      'ip daddr @voice4 accept',
      'ip6 daddr @voice6 accept',
      'ip daddr @egress_any4 accept',
      'ip6 daddr @egress_any6 accept',
      'ip daddr @egress_dns4 udp dport 53 accept',
      'ip daddr @egress_dns4 tcp dport 53 accept',
      'ip daddr @egress_ntp4 udp dport 123 accept',
      'ip daddr @egress_upd1_4 tcp dport { 80, 443 } accept',
      'ip daddr @egress_upd2_4 udp dport 69 accept',
      'limit rate 10/minute burst 5 packets log prefix "hardline egress drop: "',
      'counter drop',
    ]);
    const set = (n: string) => g.table.sets.find((s) => s.name === n)?.elements.map((e) => e.value);
    // The PBX (literal and resolved) and the trunks, every port.
    assert.deepEqual(set('egress_any4'), ['192.168.20.5/32', '203.0.113.10/32']);
    assert.deepEqual(set('egress_any6'), ['2001:db8:5::10/128', '2001:db8:20::5/128']);
    assert.deepEqual(set('egress_ntp4'), ['198.51.100.123/32']);
    assert.deepEqual(set('voice4'), ['192.168.20.0/24']);
    // The unresolved update server is a warning, not a blocker (calls still work).
    assert.ok(g.warnings.some((w) => /fw\.vendor\.example did not resolve/.test(w)));
    assert.deepEqual(g.blockers, []);
    assert.ok(g.notes.some((n) => /forward hook/.test(n)));
    // JSON form: jump, limit and log statements.
    const json = JSON.stringify(renderJson(g.table));
    assert.match(json, /"jump":\{"target":"voice_out"\}/);
    assert.match(json, /"limit":\{"rate":10,"burst":5,"per":"minute"\}/);
    assert.match(json, /"log":\{"prefix":"hardline egress drop: "\}/);
    assert.match(json, /"hook":"forward"/);
  });

  it('an unresolvable PBX name blocks --apply (phones would lose the PBX); trunks: false leaves them out', () => {
    const p = policyOf(
      `${BASE}\nfirewall:\n  egress: { pbx: [pbx.example], trunks: false, log: false, dns: [192.168.20.1], ntp: [192.168.20.1] }`,
    );
    const g = generateRuleset(p);
    assert.ok(g.blockers.some((b) => /egress\.pbx: hostname pbx\.example did not resolve/.test(b)));
    assert.equal(
      g.table.sets.find((s) => s.name === 'egress_any4'),
      undefined,
      'no PBX address, no trunks: no every-port set',
    );
    const text = renderText(g.table);
    assert.doesNotMatch(text, /log prefix/);
    assert.equal(chain(text, 'voice_out').at(-1), 'counter drop');
  });

  it('warns when DNS or NTP is not declared', () => {
    const g = generateRuleset(policyOf(`${BASE}\nfirewall: { egress: { pbx: [192.168.20.5] } }`));
    assert.ok(g.warnings.some((w) => /no DNS resolvers declared/.test(w)));
    assert.ok(g.warnings.some((w) => /no NTP servers declared/.test(w)));
  });
});

const SKIP = process.env['HARDLINE_SKIP_NETNS'] === '1';
const NS = `hle${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;

describe('firewall.egress with the real nft (nft -c inside a network namespace)', {
  skip: SKIP && 'HARDLINE_SKIP_NETNS=1',
}, () => {
  before(() => {
    assert.equal(process.getuid?.(), 0, 'run as root (nft needs it), or set HARDLINE_SKIP_NETNS=1');
    assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0, 'ip netns add (install iproute2)');
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });
  it('nft accepts the text and the JSON form', async () => {
    const p = policyOf(FULL);
    const g = generateRuleset(p, { egressResolved: await resolveEgressHosts(p, resolver) });
    const c = spawnSync('ip', ['netns', 'exec', NS, 'nft', '-c', '-f', '-'], {
      input: renderText(g.table),
      encoding: 'utf8',
    });
    assert.equal(c.status, 0, `nft -c -f -: ${c.stderr}`);
    // nft -j cannot read JSON from a pipe: a file, as the executor does.
    const dir = mkdtempSync(path.join(tmpdir(), 'hl-egress-'));
    try {
      const file = path.join(dir, 'ruleset.json');
      writeFileSync(file, JSON.stringify(renderJson(g.table)));
      const j = spawnSync('ip', ['netns', 'exec', NS, 'nft', '-j', '-c', '-f', file], { encoding: 'utf8' });
      assert.equal(j.status, 0, `nft -j -c -f: ${j.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
