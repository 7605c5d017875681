import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { HardlineError } from '../../src/core/errors.js';
import { durationText, renderJson, renderText } from '../../src/enforce/nft.js';
import { generateRuleset, type Resolver, resolveTrunkHosts } from '../../src/enforce/ruleset.js';
import { loadPolicyFile, parsePolicy } from '../../src/policy/loader.js';
import { EXAMPLE } from '../helpers.js';

const resolver: Resolver = async (h) => {
  if (h === 'sip.provider.example') return ['198.51.100.20', '2001:db8:5::20'];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};

const policyOf = (yaml: string) => parsePolicy(`version: 1\n${yaml}`, '/tmp/hardline.yaml').policy;

function schemaErrors(yaml: string) {
  try {
    policyOf(yaml);
  } catch (e) {
    assert.ok(e instanceof HardlineError);
    return e.details;
  }
  assert.fail('expected the policy to be rejected');
}

describe('policy: firewall section', () => {
  it('has safe defaults', () => {
    const fw = policyOf('').firewall;
    assert.equal(fw.table, 'hardline');
    assert.equal(fw.mode, 'detect');
    assert.deepEqual(
      fw.management.ports.map((p) => p.port),
      [22, 80, 443, 5038, 8021, 8088, 8089],
    );
    assert.deepEqual(fw.bans.ladder, [600, 3600, 21600, 86400, 604800]);
    assert.equal(fw.bans.when_full, 'evict');
    assert.deepEqual(fw.rtp_guard, { start: 10000, end: 32767 });
  });

  it('parses durations and custom management ports', () => {
    const fw = policyOf(
      'networks: { ops: [10.0.0.0/24] }\nfirewall:\n  management: { networks: [ops], ports: [{ name: ssh, port: 2222 }] }\n  bans: { ladder: [90s, 10m, 2h, 1d, 2w], repeat_window: 7d }\n  rtp_guard: false',
    ).firewall;
    assert.deepEqual(fw.bans.ladder, [90, 600, 7200, 86400, 1209600]);
    assert.equal(fw.bans.repeat_window, 604800);
    assert.deepEqual(fw.management.ports, [{ name: 'ssh', port: 2222, protocol: 'tcp' }]);
    assert.equal(fw.rtp_guard, false);
  });

  it('rejects unknown keys and bad durations with line:col and the allowed keys', () => {
    const errs = schemaErrors('firewall:\n  mode: enforce\n  bans:\n    ladder: [10 minutes]\n  tabel: x\n');
    const by = Object.fromEntries(errs.map((e) => [e.message.split(':')[0], e]));
    assert.match(by['firewall.bans.ladder.0']!.message, /duration such as 90s/);
    assert.equal(by['firewall.bans.ladder.0']!.line, 5);
    assert.match(by['firewall']!.message, /unknown key 'tabel'/);
    assert.equal(by['firewall']!.line, 6);
    assert.match(by['firewall']!.hint ?? '', /table, priority, interfaces, mode/);
  });

  it('rejects a management network the policy does not declare, at its line', () => {
    const errs = schemaErrors(
      'networks: { mgmt: [10.0.0.0/24] }\nfirewall:\n  management:\n    networks: [mgmt, admins]\n',
    );
    assert.equal(errs.length, 1);
    assert.match(
      errs[0]!.message,
      /firewall\.management\.networks\.1: network 'admins' is not declared under networks \(declared: mgmt\)/,
    );
    assert.equal(errs[0]!.line, 5);
  });
});

describe('nft rendering', () => {
  it('writes exact nft durations', () => {
    assert.equal(durationText(3), '3s');
    assert.equal(durationText(3600), '1h');
    assert.equal(durationText(90061), '1d1h1m1s');
  });

  it('renders the same table as text and as libnftables JSON', () => {
    const t = {
      family: 'inet' as const,
      name: 't',
      sets: [
        {
          name: 'ban4',
          type: 'ipv4_addr' as const,
          flags: ['timeout' as const],
          size: 10,
          elements: [{ value: '192.0.2.1/32', timeoutSec: 60 }],
        },
        {
          name: 'k4',
          type: 'ipv4_addr' as const,
          flags: ['interval' as const],
          elements: [{ value: '10.0.0.0/8' }],
        },
      ],
      chains: [
        {
          name: 'input',
          base: { hook: 'input' as const, priority: -10, policy: 'accept' as const },
          rules: [
            {
              exprs: [
                { kind: 'dport' as const, proto: 'udp' as const, ports: { from: 10000, to: 10999 } },
                { kind: 'accept' as const },
              ],
            },
            {
              exprs: [
                { kind: 'dport' as const, proto: 'tcp' as const, ports: [22, 5038] },
                { kind: 'counter' as const },
                { kind: 'drop' as const },
              ],
            },
          ],
        },
      ],
    };
    const text = renderText(t);
    assert.match(text, /^table inet t \{\}\ndelete table inet t\ntable inet t \{/);
    assert.match(text, /elements = \{\n {6}192\.0\.2\.1 timeout 1m\n/);
    assert.match(text, /type filter hook input priority filter - 10; policy accept;/);
    assert.match(text, /udp dport 10000-10999 accept/);
    assert.match(text, /tcp dport \{ 22, 5038 \} counter drop/);
    const json = renderJson(t).nftables;
    assert.deepEqual(json.slice(0, 2), [
      { add: { table: { family: 'inet', name: 't' } } },
      { delete: { table: { family: 'inet', name: 't' } } },
    ]);
    assert.deepEqual(
      json
        .filter((c) => (c['add'] as Record<string, unknown>)?.['element'])
        .map((c) => (c['add'] as { element: { elem: unknown } }).element.elem),
      [[{ elem: { val: '192.0.2.1', timeout: 60 } }], [{ prefix: { addr: '10.0.0.0', len: 8 } }]],
    );
    const rules = json.filter((c) => (c['add'] as Record<string, unknown>)?.['rule']);
    assert.deepEqual((rules[1]!['add'] as { rule: { expr: unknown[] } }).rule.expr, [
      {
        match: {
          op: '==',
          left: { payload: { protocol: 'tcp', field: 'dport' } },
          right: { set: [22, 5038] },
        },
      },
      { counter: null },
      { drop: null },
    ]);
  });
});

describe('ruleset generator', () => {
  const example = loadPolicyFile(path.join(EXAMPLE, 'hardline.yaml')).policy;

  it('the example: trunks (resolved), networks, management, SIP, RTP in the order that keeps trunks safe', async () => {
    const resolved = await resolveTrunkHosts(example, resolver);
    const g = generateRuleset(example, { resolved });
    assert.deepEqual(g.blockers, []);
    const text = renderText(g.table);
    const known4 = g.table.sets.find((s) => s.name === 'known4')!.elements.map((e) => e.value);
    assert.ok(known4.includes('198.51.100.20/32'), 'resolved trunk hostname');
    assert.ok(known4.includes('203.0.113.10/32') && known4.includes('192.168.99.0/28'));
    assert.deepEqual(g.table.sets.find((s) => s.name === 'known6')!.elements, [
      { value: '2001:db8:5::20/128' },
    ]);
    assert.deepEqual(
      g.table.sets.find((s) => s.name === 'mgmt4')!.elements.map((e) => e.value),
      ['10.8.0.0/24', '192.168.99.0/28'],
    );
    const lines = text.split('\n').map((l) => l.trim());
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    // trunks/trusted pass before the ban check; bans before everything public
    assert.ok(at(/^ip saddr @known4 goto known$/) < at(/^ip saddr @ban4 counter drop$/));
    assert.ok(
      at(/^icmpv6 type \{ nd-neighbor-solicit, nd-neighbor-advert \} accept$/) <
        at(/^ip saddr @ban4 counter drop$/),
    );
    assert.ok(
      at(/^ip6 saddr @ban6 counter drop$/) <
        at(/^tcp dport \{ 22, 80, 443, 5038, 8021, 8088, 8089 \} counter drop$/),
    );
    // public TLS endpoint: rate-limited new connections; trunk-only UDP 5060: dropped for strangers
    assert.ok(
      at(
        /^tcp dport 5061 ct state new update @sip_cps4 \{ ip saddr limit rate over 30\/minute burst 20 packets \} counter drop$/,
      ) >= 0,
    );
    assert.ok(at(/^udp dport 5060 counter drop$/) > at(/^tcp dport 5061 accept$/));
    assert.ok(at(/^udp dport 10000-10999 accept$/) >= 0);
    assert.ok(at(/^udp dport 11000-32767 counter drop$/) > at(/^udp dport 10000-10999 accept$/));
    // management only from mgmt/vpn inside `known`
    assert.ok(
      at(/^tcp dport \{ 22, 80, 443, 5038, 8021, 8088, 8089 \} ip saddr @mgmt4 accept$/) >
        at(/^chain known \{$/),
    );
  });

  it('an unresolved trunk hostname and a policy without a management network are blockers', async () => {
    const resolved = await resolveTrunkHosts(example, async () => {
      throw Object.assign(new Error('x'), { code: 'ENOTFOUND' });
    });
    const g = generateRuleset(example, { resolved });
    assert.equal(g.blockers.length, 1);
    assert.match(g.blockers[0]!, /sip\.provider\.example did not resolve \(ENOTFOUND\)/);
    const p = policyOf(
      'networks: { lan: [192.168.1.0/24] }\nendpoints: [{ host: 192.0.2.1, transport: udp }]',
    );
    const g2 = generateRuleset(p);
    assert.match(
      g2.blockers.join('\n'),
      /no management network \(mgmt or vpn\).*closed to every address but loopback/,
    );
  });

  it('public UDP is rate-limited per packet for v4 and v6; trunk-only endpoints get no limiter', () => {
    const p = policyOf(
      'endpoints:\n  - { host: 192.0.2.1, transport: udp, port: 5060 }\n  - { host: 192.0.2.1, transport: udp, port: 5080, public: false }\nfirewall: { rate_limit: { packets_per_second: 5, burst: 10 } }',
    );
    const text = renderText(generateRuleset(p).table);
    assert.match(
      text,
      /udp dport 5060 update @sip_pps4 \{ ip saddr limit rate over 5\/second burst 10 packets \} counter drop/,
    );
    assert.match(
      text,
      /udp dport 5060 update @sip_pps6 \{ ip6 saddr limit rate over 5\/second burst 10 packets \} counter drop/,
    );
    assert.match(text, /udp dport 5080 counter drop/);
    assert.doesNotMatch(text, /udp dport 5080 update/);
    assert.doesNotMatch(text, /sip_cps4/);
  });

  it('a management port that is also a SIP port stays SIP, with a warning', () => {
    const p = policyOf('endpoints: [{ host: 192.0.2.1, transport: wss }]\nnetworks: { mgmt: [10.0.0.0/24] }');
    const g = generateRuleset(p);
    assert.match(g.warnings.join('\n'), /asterisk-https tcp\/8089 is also a SIP endpoint port/);
    assert.match(renderText(g.table), /tcp dport \{ 22, 80, 443, 5038, 8021, 8088 \} counter drop/);
  });

  it('the RTP guard is split around SIP ports inside it, and can be off', () => {
    const p = policyOf(
      'endpoints: [{ host: 192.0.2.1, transport: udp, port: 15060, public: false }]\nrtp: { start: 10000, end: 10999 }\nfirewall: { rtp_guard: { start: 10000, end: 20000 } }',
    );
    const text = renderText(generateRuleset(p).table);
    assert.match(text, /udp dport 11000-15059 counter drop/);
    assert.match(text, /udp dport 15061-20000 counter drop/);
    const off = renderText(
      generateRuleset(policyOf('rtp: { start: 10000, end: 10999 }\nfirewall: { rtp_guard: false }')).table,
    );
    assert.doesNotMatch(off, /udp dport 11000/);
  });

  it('carries active bans into the table, collapses overlapping networks, filters only named interfaces', () => {
    const p = policyOf(
      'networks: { lan: [10.0.0.0/8], voice: [10.1.0.0/16] }\nfirewall: { interfaces: [eth0], allow: [10.2.3.4, 2001:db8::/32] }',
    );
    const g = generateRuleset(p, {
      bans: [
        { address: '192.0.2.9', remainingSec: 61.2 },
        { address: '2001:db8:ff::1', remainingSec: 5 },
      ],
    });
    assert.deepEqual(g.table.sets.find((s) => s.name === 'known4')!.elements, [{ value: '10.0.0.0/8' }]);
    assert.deepEqual(g.table.sets.find((s) => s.name === 'ban4')!.elements, [
      { value: '192.0.2.9/32', timeoutSec: 62 },
    ]);
    assert.deepEqual(g.table.sets.find((s) => s.name === 'ban6')!.elements, [
      { value: '2001:db8:ff::1/128', timeoutSec: 5 },
    ]);
    assert.match(renderText(g.table), /iifname != \{ "eth0" \} accept/);
  });
});
