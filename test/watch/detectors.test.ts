import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PolicyInput, policySchema } from '../../src/policy/schema.js';
import { DetectionEngine, loadDetectors } from '../../src/watch/detector.js';
import type { EventKind, SecurityEvent } from '../../src/watch/event.js';
import type { Incident } from '../../src/watch/incident.js';

const T0 = Date.UTC(2021, 2, 3, 10, 0, 0); // a Wednesday; event time, far from wall time

function ev(
  kind: EventKind,
  ip: string | undefined,
  extra: Partial<SecurityEvent> = {},
  t = T0,
): SecurityEvent {
  return {
    kind,
    time: t,
    ...(ip ? { source: { ip, port: 5060, transport: 'udp' as const } } : {}),
    evidence: { raw: `${kind} ${ip}`, format: 'test', decoder: 'test' },
    ...extra,
  };
}

async function engine(policy: Partial<PolicyInput> = {}, only?: string[]) {
  const incidents: Incident[] = [];
  const e = await DetectionEngine.create({
    policy: policySchema.parse({ version: 1, ...policy }),
    ...(only ? { only } : {}),
    onIncident: (i) => incidents.push(i),
  });
  return { e, incidents };
}

describe('detector registry', () => {
  it('discovers every detector file, each with docs', async () => {
    const ids = (await loadDetectors()).map((d) => d.id).sort();
    assert.deepEqual(ids, [
      'after-hours',
      'brute-force',
      'call-failures',
      'cleartext',
      'concurrent-calls',
      'distributed-brute-force',
      'enumeration',
      'new-user-agent',
      'registration-network',
      'request-flood',
      'scanner',
      'toll-destination',
    ]);
    for (const d of await loadDetectors())
      assert.ok(d.docs.why.length > 20 && d.docs.tune.includes('`'), d.id);
  });
});

describe('brute-force', () => {
  it('raises once at the threshold in event time, with the events, and suggests a ban', async () => {
    const { e, incidents } = await engine({}, ['brute-force']);
    for (let i = 0; i < 9; i++)
      e.onEvent(ev('auth-failure', '203.0.113.5', { account: '100' }, T0 + i * 1000));
    assert.equal(incidents.length, 0);
    e.onEvent(ev('auth-failure', '203.0.113.5', { account: '100' }, T0 + 9000));
    assert.equal(incidents.length, 1);
    const i = incidents[0]!;
    assert.equal(i.events.length, 10);
    assert.equal(i.time, T0 + 9000);
    assert.deepEqual(i.decision, {
      action: 'ban',
      source: '203.0.113.5',
      reason: 'password guessing',
      duration: 3600,
    });
    // further failures inside the cooldown do not raise again
    for (let i = 10; i < 25; i++) e.onEvent(ev('auth-failure', '203.0.113.5', {}, T0 + i * 1000));
    assert.equal(incidents.length, 1);
  });

  it('does not count failures spread beyond the window, nor challenges', async () => {
    const { e, incidents } = await engine({ detection: { brute_force: { failures: 3, window: '1m' } } }, [
      'brute-force',
    ]);
    for (let i = 0; i < 10; i++) e.onEvent(ev('auth-failure', '198.51.100.1', {}, T0 + i * 31_000));
    for (let i = 0; i < 10; i++) e.onEvent(ev('auth-challenge', '198.51.100.2', {}, T0 + i));
    assert.equal(incidents.length, 0);
  });

  it('never bans a trunk or a trusted network (informational), nor a source that authenticated', async () => {
    const { e, incidents } = await engine(
      {
        trunks: [{ name: 'carrier', addresses: ['192.0.2.0/28'] }],
        networks: { lan: ['10.0.0.0/8'] },
        detection: { brute_force: { failures: 2 } },
      },
      ['brute-force'],
    );
    for (const ip of ['192.0.2.5', '10.1.2.3', '198.51.100.50']) {
      if (ip === '198.51.100.50') e.onEvent(ev('auth-success', ip, { account: '101' }, T0 - 60_000));
      e.onEvent(ev('auth-failure', ip, {}, T0));
      e.onEvent(ev('auth-failure', ip, {}, T0 + 1));
    }
    assert.deepEqual(
      incidents.map((i) => [i.subject.source, i.decision.action, i.decision.spared?.why, i.severity]),
      [
        ['192.0.2.5', 'alert', 'trunk', 'info'],
        ['10.1.2.3', 'alert', 'trusted-network', 'info'],
        ['198.51.100.50', 'alert', 'authenticated', 'high'],
      ],
    );
  });
});

describe('distributed brute force, enumeration, scanner', () => {
  it('distributed: many sources on one account raise an account alert listing the sources', async () => {
    const { e, incidents } = await engine({}, ['distributed-brute-force', 'brute-force']);
    for (let i = 0; i < 25; i++)
      e.onEvent(ev('auth-failure', `198.51.100.${i % 5}`, { account: '100' }, T0 + i * 1000));
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.detector, 'distributed-brute-force');
    assert.equal(incidents[0]!.subject.account, '100');
    assert.equal(incidents[0]!.sources?.length, 5);
    assert.equal(incidents[0]!.decision.action, 'alert');
  });

  it('enumeration counts distinct accounts per source, not repeats', async () => {
    const { e, incidents } = await engine({}, ['enumeration']);
    for (let i = 0; i < 30; i++) e.onEvent(ev('auth-challenge', '203.0.113.8', { account: '100' }, T0 + i));
    assert.equal(incidents.length, 0);
    for (let i = 0; i < 10; i++)
      e.onEvent(ev('unknown-account', '203.0.113.9', { account: `u${i}` }, T0 + i));
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.decision.source, '203.0.113.9');
    assert.equal(incidents[0]!.events.length, 10);
  });

  it('scanner: a tool User-Agent with failures is ban-worthy on the TRANSPORT source, a sweep too', async () => {
    const { e, incidents } = await engine({}, ['scanner']);
    e.onEvent(
      ev('unknown-account', '203.0.113.20', { account: 'x', userAgent: 'friendly-scanner 192.0.2.1' }),
    );
    e.onEvent(ev('registration', '203.0.113.21', { account: '5', userAgent: 'sipcli/v1.8' }));
    for (const n of [200, 202, 201, 204, 203])
      e.onEvent(ev('unknown-account', '203.0.113.22', { account: String(n) }, T0 + n));
    assert.deepEqual(
      incidents.map((i) => [i.subject.source, i.decision.action, i.decision.source ?? null]),
      [
        ['203.0.113.20', 'ban', '203.0.113.20'],
        ['203.0.113.21', 'alert', null],
        ['203.0.113.22', 'ban', '203.0.113.22'],
      ],
    );
    assert.match(incidents[2]!.summary, /200\.\.204/);
  });
});

describe('request flood', () => {
  it('per source and global against the configured baseline', async () => {
    const { e, incidents } = await engine(
      {
        detection: {
          request_flood: { per_source: { max: 5, window: '2s' }, global: { max: 50, window: '10s' } },
        },
      },
      ['request-flood'],
    );
    for (let i = 0; i < 5; i++) e.onEvent(ev('request', '203.0.113.30', {}, T0 + i * 100));
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.decision.action, 'ban');
    for (let i = 0; i < 50; i++) e.onEvent(ev('request', `198.18.${i >> 8}.${i & 255}`, {}, T0 + 1000 + i));
    assert.equal(incidents.length, 2);
    assert.equal(incidents[1]!.subject.kind, 'global');
  });
});

describe('registration network', () => {
  it('flags an account outside its expected networks, and a first-seen network', async () => {
    const { e, incidents } = await engine(
      {
        networks: { office: ['192.168.10.0/24'] },
        detection: {
          registration_network: { accounts: [{ account: '1*', networks: ['office', '203.0.113.0/24'] }] },
        },
      },
      ['registration-network'],
    );
    e.onEvent(ev('registration', '192.168.10.5', { account: '101' }, T0));
    e.onEvent(ev('registration', '203.0.113.4', { account: '101' }, T0 + 1));
    assert.equal(incidents.length, 1); // first-seen of the second network, inside expectations
    assert.match(incidents[0]!.summary, /first time from network 203\.0\.113\.0\/24/);
    e.onEvent(ev('auth-success', '198.51.100.77', { account: '102' }, T0 + 2));
    const outside = incidents.find((i) => i.subject.key.startsWith('outside:'));
    assert.ok(outside);
    assert.equal(outside.subject.account, '102');
    assert.equal(outside.decision.action, 'alert');
  });
});

describe('toll fraud', () => {
  it('rejected international calls from a stranger are ban-worthy; premium calls by an account alert', async () => {
    const { e, incidents } = await engine({}, ['toll-destination']);
    e.onEvent(ev('call-rejected', '203.0.113.40', { destination: '00972599123456', account: 'anonymous' }));
    e.onEvent(ev('call-attempt', undefined, { destination: '+881234567', account: '101' }));
    e.onEvent(ev('call-attempt', undefined, { destination: '0301234567', account: '101' }));
    assert.deepEqual(
      incidents.map((i) => [i.subject.kind, i.decision.action]),
      [
        ['source', 'ban'],
        ['account', 'alert'],
      ],
    );
  });

  it('after hours in the policy time zone', async () => {
    const { e, incidents } = await engine(
      {
        detection: {
          toll_fraud: { business_hours: { start: '08:00', end: '18:00', timezone: 'Europe/Berlin' } },
        },
      },
      ['after-hours'],
    );
    e.onEvent(
      ev('call-attempt', undefined, { destination: '0044123', account: '101' }, Date.UTC(2021, 2, 3, 12)),
    );
    assert.equal(incidents.length, 0);
    e.onEvent(
      ev('call-attempt', undefined, { destination: '0044123', account: '101' }, Date.UTC(2021, 2, 3, 17, 30)),
    );
    assert.equal(incidents.length, 1); // 18:30 in Berlin
    e.onEvent(
      ev('call-attempt', undefined, { destination: '0044123', account: '102' }, Date.UTC(2021, 2, 6, 12)),
    );
    assert.equal(incidents.length, 2); // Saturday
  });

  it('concurrent calls per account, ended calls no longer count', async () => {
    const { e, incidents } = await engine({ detection: { toll_fraud: { concurrent_calls: 3 } } }, [
      'concurrent-calls',
    ]);
    for (let i = 0; i < 3; i++) {
      e.onEvent(
        ev('call-attempt', undefined, { account: '101', destination: '1', sip: { callId: `c${i}` } }, T0 + i),
      );
      e.onEvent(ev('call-ended', undefined, { account: '101', sip: { callId: `c${i}` } }, T0 + i + 1));
    }
    assert.equal(incidents.length, 0);
    for (let i = 0; i < 4; i++)
      e.onEvent(
        ev(
          'call-attempt',
          undefined,
          { account: '102', destination: '00', sip: { callId: `d${i}` } },
          T0 + i,
        ),
      );
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.count, 4);
  });
});

describe('cleartext, call failures, new User-Agent', () => {
  it('cleartext signalling and media when the policy requires TLS and SRTP', async () => {
    const { e, incidents } = await engine(
      { security: { sip_tls: 'required', srtp: 'required' }, networks: { lan: ['10.0.0.0/8'] } },
      ['cleartext'],
    );
    e.onEvent(ev('registration', '198.51.100.1', { account: '101' }));
    e.onEvent({
      ...ev('registration', '198.51.100.2', { account: '102' }),
      source: { ip: '198.51.100.2', transport: 'tls' },
    });
    e.onEvent(ev('registration', '10.0.0.5', { account: '103' }));
    e.onEvent(ev('media-negotiated', '198.51.100.2', { account: '102', media: { protection: 'none' } }));
    e.onEvent(ev('media-negotiated', '198.51.100.2', { account: '104', media: { protection: 'dtls-srtp' } }));
    assert.deepEqual(
      incidents.map((i) => i.subject.key),
      ['sip:101:udp', 'media:102'],
    );
  });

  it('is off unless the policy requires TLS or SRTP', async () => {
    const { e, incidents } = await engine({}, ['cleartext']);
    assert.deepEqual(e.active, []);
    e.onEvent(ev('registration', '198.51.100.1', { account: '101' }));
    assert.equal(incidents.length, 0);
  });

  it('call failures by SIP code', async () => {
    const { e, incidents } = await engine({ detection: { call_failures: { max: 5, window: '1m' } } }, [
      'call-failures',
    ]);
    for (let i = 0; i < 4; i++) e.onEvent(ev('call-rejected', '203.0.113.1', { sip: { code: 404 } }, T0 + i));
    for (let i = 0; i < 4; i++) e.onEvent(ev('call-rejected', '203.0.113.1', { sip: { code: 403 } }, T0 + i));
    assert.equal(incidents.length, 0);
    e.onEvent(ev('call-rejected', '203.0.113.2', { sip: { code: 404 } }, T0 + 10));
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.subject.key, 'code:404');
  });

  it('new User-Agent vs firmware change', async () => {
    const { e, incidents } = await engine({}, ['new-user-agent']);
    e.onEvent(
      ev('registration', '198.51.100.1', { account: '101', userAgent: 'Yealink SIP-T46S 66.86.0.15' }),
    );
    e.onEvent(
      ev('registration', '198.51.100.1', { account: '101', userAgent: 'Yealink SIP-T46S 66.86.0.15' }),
    );
    assert.equal(incidents.length, 0);
    e.onEvent(
      ev('registration', '198.51.100.1', { account: '101', userAgent: 'Yealink SIP-T46S 66.86.0.20' }),
    );
    e.onEvent(ev('registration', '203.0.113.9', { account: '101', userAgent: 'Zoiper rv2.10.19.3' }));
    assert.deepEqual(
      incidents.map((i) => [i.severity, /firmware/.test(i.summary)]),
      [
        ['info', true],
        ['low', false],
      ],
    );
  });
});

describe('bounded state', () => {
  it('caps keys per detector and evicts the least recently used', async () => {
    const { e } = await engine({ detection: { state_cap: 100 } });
    for (let i = 0; i < 20_000; i++) {
      e.onEvent(
        ev(
          'auth-failure',
          `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
          { account: String(i) },
          T0 + i,
        ),
      );
    }
    const s = e.stateStats();
    assert.ok(s.keys <= 100 * 12, `keys ${s.keys}`);
    assert.ok(s.evictions > 19_000);
  });
});
