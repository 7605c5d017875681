import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HardlineError } from '../../src/core/errors.js';
import { TokenVerifier } from '../../src/web/auth.js';
import { openGeo } from '../../src/web/geo.js';
import { hostAllowed } from '../../src/web/server.js';
import { selfSigned } from '../alerts/fixtures.js';
import { EXAMPLE, ROOT } from '../helpers.js';
import { login, makeMmdb, type WebEnv, webEnv } from './env.js';

let env: WebEnv;
before(async () => {
  env = await webEnv();
});
after(() => env?.cleanup());

/** Every page and API route, with the method it takes. */
const ROUTES: [string, string][] = [
  ['GET', '/'],
  ['GET', '/assets/app.js'],
  ['GET', '/assets/uplot.js'],
  ['GET', '/assets/uplot.css'],
  ['GET', '/api/session'],
  ['GET', '/api/overview'],
  ['GET', '/api/rates'],
  ['GET', '/api/incidents'],
  ['GET', '/api/incidents/x'],
  ['POST', '/api/incidents/x/ack'],
  ['GET', '/api/bans'],
  ['POST', '/api/bans/203.0.113.77/unban'],
  ['GET', '/api/inventory'],
  ['GET', '/api/findings'],
  ['GET', '/api/exceptions'],
  ['GET', '/api/stream'],
  ['POST', '/logout'],
  ['GET', '/no/such/page'],
];

describe('dashboard API: authentication', () => {
  it('refuses every page and API call without the token (401, or a redirect to the login page)', async () => {
    for (const [method, url] of ROUTES) {
      const r = await env.dashboard.app.inject({ method: method as 'GET', url });
      if (method === 'GET' && !url.startsWith('/api/') && !url.startsWith('/assets/')) {
        assert.equal(r.statusCode, 303, `${method} ${url}`);
        assert.equal(r.headers.location, '/login');
      } else assert.equal(r.statusCode, 401, `${method} ${url}: ${r.statusCode}`);
      assert.ok(!r.body.includes('203.0.113.77'), `${method} ${url} leaks nothing`);
    }
    // a session cookie that was never issued is no better
    const r = await env.dashboard.app.inject({ url: '/api/overview', cookies: { hl_session: 'forged' } });
    assert.equal(r.statusCode, 401);
  });

  it('accepts the token as a login (session cookie) and as a Bearer token', async () => {
    const bearer = await env.dashboard.app.inject({
      url: '/api/overview',
      headers: { authorization: `Bearer ${env.token}` },
    });
    assert.equal(bearer.statusCode, 200);
    const form = await env.dashboard.app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(env.token)}`,
    });
    assert.equal(form.statusCode, 303);
    assert.equal(form.headers.location, '/');
    const setCookie = String(form.headers['set-cookie']);
    assert.match(
      setCookie,
      /^hl_session=[A-Za-z0-9_-]{40,}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    const page = await env.dashboard.app.inject({ url: '/', headers: { cookie: setCookie.split(';')[0]! } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<meta name="hl-csrf" content="[A-Za-z0-9_-]{40,}">/);
  });

  it('a wrong token is refused, logged and fed to the detectors as a security event', async () => {
    const before = env.securityEvents.length;
    const form = await env.dashboard.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '198.51.100.66',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'token=hl_guessing-the-token',
    });
    assert.equal(form.statusCode, 303);
    assert.equal(form.headers.location, '/login?failed');
    const api = await env.dashboard.app.inject({
      url: '/api/overview',
      remoteAddress: '198.51.100.66',
      headers: { authorization: 'Bearer hl_wrong-token-value' },
    });
    assert.equal(api.statusCode, 401);
    const evs = env.securityEvents.slice(before);
    assert.equal(evs.length, 2);
    for (const e of evs) {
      assert.equal(e.kind, 'auth-failure');
      assert.equal(e.service, 'hardline-web');
      assert.equal(e.source?.ip, '198.51.100.66');
      assert.ok(!e.evidence.raw.includes('guessing'), 'the presented token is never recorded');
    }
  });

  it('rate-limits login attempts per source (429) and counts them as failures', async () => {
    const before = env.securityEvents.length;
    const codes: number[] = [];
    for (let k = 0; k < 8; k++) {
      const r = await env.dashboard.app.inject({
        method: 'POST',
        url: '/login',
        remoteAddress: '203.0.113.200',
        headers: { 'content-type': 'application/json' },
        payload: { token: `hl_attempt-${k}-xxxxxxxx` },
      });
      codes.push(r.statusCode);
    }
    assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429, 429]);
    const evs = env.securityEvents.slice(before).filter((e) => e.source?.ip === '203.0.113.200');
    assert.equal(evs.length, 8);
    assert.equal(evs.filter((e) => e.reason === 'rate limited').length, 3);
    // another source is not affected
    const other = await env.dashboard.app.inject({
      method: 'POST',
      url: '/login',
      remoteAddress: '203.0.113.201',
      headers: { 'content-type': 'application/json' },
      payload: { token: env.token },
    });
    assert.equal(other.statusCode, 200);
  });

  it('answers only to IP literals, localhost and web.hosts (DNS rebinding)', async () => {
    const r = await env.dashboard.app.inject({
      url: '/api/overview',
      headers: { host: 'evil.example:8090', authorization: `Bearer ${env.token}` },
    });
    assert.equal(r.statusCode, 421);
    assert.ok(hostAllowed('127.0.0.1:8090', []));
    assert.ok(hostAllowed('[::1]:8090', []));
    assert.ok(hostAllowed('pbx.example.com', ['pbx.example.com']));
    assert.ok(!hostAllowed('pbx.example.com.evil.example', ['pbx.example.com']));
  });

  it('keeps only the scrypt hash of the token, mode 0600', async () => {
    const f = path.join(env.policy.firewall.state_dir, 'web-token.json');
    const text = readFileSync(f, 'utf8');
    assert.ok(!text.includes(env.token));
    assert.match(text, /"algorithm": "scrypt"/);
    assert.equal(statSync(f).mode & 0o777, 0o600);
    const again = await TokenVerifier.open(f);
    assert.equal(again.created, undefined, 'no new token on the next start');
    assert.equal(await again.verifier.verify(env.token), true);
    assert.equal(await again.verifier.verify(`${env.token}x`), false);
  });
});

describe('dashboard API: CSRF and headers', () => {
  let s: { cookie: string; csrf: string };
  before(async () => {
    s = await login(env.dashboard, env.token);
  });
  const ack = (headers: Record<string, string>) =>
    env.dashboard.app.inject({
      method: 'POST',
      url: `/api/incidents/${encodeURIComponent(env.incident.id)}/ack`,
      headers: { cookie: s.cookie, 'content-type': 'application/json', ...headers },
      payload: { note: 'looked at it' },
    });

  it('refuses state changes without the CSRF token, with a wrong one, or from another origin', async () => {
    const origin = 'http://localhost:80';
    const cases: [Record<string, string>, RegExp][] = [
      [{ origin }, /CSRF token/],
      [{ origin, 'x-csrf-token': 'wrong' }, /CSRF token/],
      [{ 'x-csrf-token': s.csrf }, /missing Origin/],
      [
        { origin: 'https://evil.example', 'x-csrf-token': s.csrf },
        /cross-origin request from https:\/\/evil\.example/,
      ],
      [{ origin, 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' }, /Sec-Fetch-Site/],
    ];
    for (const [h, why] of cases) {
      const r = await ack(h);
      assert.equal(r.statusCode, 403, JSON.stringify(h));
      assert.match(r.json().message, why);
    }
    const unban = await env.dashboard.app.inject({
      method: 'POST',
      url: '/api/bans/203.0.113.77/unban',
      headers: { cookie: s.cookie, origin: 'https://evil.example', 'x-csrf-token': s.csrf },
    });
    assert.equal(unban.statusCode, 403);
    const ok = await ack({ origin, 'x-csrf-token': s.csrf });
    assert.equal(ok.statusCode, 200);
    const inc = await env.dashboard.app.inject({
      url: `/api/incidents/${encodeURIComponent(env.incident.id)}`,
      headers: { cookie: s.cookie },
    });
    assert.equal(inc.json().incident.ack.note, 'looked at it');
  });

  it('refuses a cross-origin login', async () => {
    const r = await env.dashboard.app.inject({
      method: 'POST',
      url: '/login',
      headers: { origin: 'https://evil.example', 'content-type': 'application/json' },
      payload: { token: env.token },
    });
    assert.equal(r.statusCode, 403);
  });

  it('sends strict security headers on pages and API calls', async () => {
    for (const url of ['/', '/api/overview', '/login', '/assets/app.js']) {
      const r = await env.dashboard.app.inject({ url, headers: { cookie: s.cookie } });
      assert.equal(r.statusCode, 200, url);
      const csp = String(r.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.equal(r.headers['referrer-policy'], 'same-origin');
      assert.equal(r.headers['x-frame-options'], 'DENY');
      assert.equal(r.headers['cache-control'], 'no-store');
      assert.equal(r.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP');
    }
    const page = await env.dashboard.app.inject({ url: '/', headers: { cookie: s.cookie } });
    assert.ok(!/<script(?![^>]*\bsrc=)/.test(page.body), 'no inline scripts');
    assert.ok(!/ style=|<style/.test(page.body), 'no inline styles');
    assert.ok(!/https?:\/\//.test(page.body.replace(/<meta[^>]*>/g, '')), 'no external resources');
  });
});

describe('dashboard API: content', () => {
  let h: Record<string, string>;
  let post: Record<string, string>;
  before(async () => {
    const s = await login(env.dashboard, env.token);
    h = { cookie: s.cookie };
    post = { cookie: s.cookie, origin: 'http://localhost:80', 'x-csrf-token': s.csrf };
  });
  const get = async (url: string) => {
    const r = await env.dashboard.app.inject({ url, headers: h });
    assert.equal(r.statusCode, 200, `${url}: ${r.body}`);
    return r.json();
  };

  it('overview: incidents of the last 24 h, top sources, bans', async () => {
    const o = await get('/api/overview');
    assert.equal(o.incidentCount, 1);
    assert.equal(o.incidents[0].id, env.incident.id);
    assert.equal(o.incidents[0].events, undefined, 'summaries, not the evidence');
    assert.equal(o.topSources[0].ip, '203.0.113.77');
    assert.equal(o.topSources[0].failures, 10);
    assert.ok(
      !o.topSources.some((x: { ip: string }) => x.ip === '192.168.1.21'),
      'registrations are not attacks',
    );
    assert.equal(o.bans.mode, 'enforce');
  });

  it('rates: per-kind series over 24 h with a baseline learned from the previous days', async () => {
    const r = await get('/api/rates');
    assert.equal(r.bucketSec, 300);
    assert.equal(r.n, 288);
    assert.equal(
      r.kinds['auth-failure'].reduce((a: number, b: number) => a + b, 0),
      10,
    );
    assert.ok(r.baselineDays >= 7, `baseline from ${r.baselineDays} days`);
    const base: number[] = r.baseline.registration;
    assert.equal(base.length, 288);
    assert.equal(Math.max(...base), 1, 'one registration per 30 min: at most 1 per 5-min slot');
    assert.equal(base.filter((x) => x === 1).length, 48, 'every half hour of the day');
    // live: the event hook adds to the current bucket without the database
    env.dashboard.event({
      kind: 'auth-failure',
      time: Date.now(),
      evidence: { raw: '', format: 't', decoder: 't' },
    });
    const r2 = await get('/api/rates');
    assert.equal(r2.totals['auth-failure'], 11);
  });

  it('incident detail carries its events with raw evidence and the decision', async () => {
    const d = await get(`/api/incidents/${encodeURIComponent(env.incident.id)}`);
    assert.equal(d.incident.events.length, 10);
    assert.match(d.incident.events[0].evidence.raw, /auth-failure from 203\.0\.113\.77/);
    assert.equal(d.incident.decision.action, 'ban');
    const missing = await env.dashboard.app.inject({ url: '/api/incidents/nope', headers: h });
    assert.equal(missing.statusCode, 404);
  });

  it('bans: an incident ban reaches nft through the ban manager; unban lifts it and is recorded', async () => {
    env.bans.incident(env.incident);
    await env.bans.idle();
    assert.deepEqual(
      (await env.exec.listElements('hardline', 'ban4'))?.map((e) => e.value),
      ['203.0.113.77'],
    );
    const b = await get('/api/bans');
    assert.equal(b.bans[0].address, '203.0.113.77');
    assert.equal(b.bans[0].incidentId, env.incident.id);
    assert.ok(b.bans[0].remainingSec > 3000);
    assert.equal(b.history[0].action, 'banned');
    const bad = await env.dashboard.app.inject({
      method: 'POST',
      url: '/api/bans/not-an-ip/unban',
      headers: post,
    });
    assert.equal(bad.statusCode, 400);
    const r = await env.dashboard.app.inject({
      method: 'POST',
      url: '/api/bans/203.0.113.77/unban',
      headers: post,
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().removed, true);
    assert.deepEqual(await env.exec.listElements('hardline', 'ban4'), []);
    const after = await get('/api/bans');
    assert.equal(after.bans.length, 0);
    assert.deepEqual(
      after.history.map((x: { action: string; actor: string }) => `${x.action}/${x.actor}`),
      ['unban/dashboard', 'banned/watch'],
    );
    const d = await get(`/api/incidents/${encodeURIComponent(env.incident.id)}`);
    assert.equal(d.enforcement[0].action, 'banned');
  });

  it('inventory flags what is unusual', async () => {
    const { rows } = await get('/api/inventory');
    const lan = rows.filter((r: { sourceIp: string }) => r.sourceIp === '192.168.1.21');
    assert.equal(lan.length, 2, 'two firmware versions: two rows');
    assert.ok(lan[0].flags.includes('2 different User-Agents on this account'));
    assert.equal(lan[0].network, 'network lan');
    const out = rows.find((r: { account: string }) => r.account === '103');
    assert.ok(out.flags.includes('cleartext signalling (udp) where the policy requires TLS'), out.flags);
    assert.ok(
      out.flags.some((f: string) => f.startsWith('outside its expected networks')),
      out.flags,
    );
    assert.equal(out.network, '198.51.100.0/24');
  });

  it('exceptions with expiry status', async () => {
    const { exceptions } = await get('/api/exceptions');
    assert.deepEqual(
      exceptions.map((e: { rule: string; status: string }) => `${e.rule}:${e.status}`),
      ['AST-RTP-001:expired', 'AST-SRTP-001:active'],
    );
  });

  it('the live stream pushes incidents, enforcement and unbans', async () => {
    const { url } = await env.dashboard.listen('127.0.0.1:0');
    const res = await fetch(`${url}api/stream`, { headers: { cookie: h.cookie! } });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const reader = res.body!.getReader();
    let text = '';
    const until = async (re: RegExp) => {
      const end = Date.now() + 5000;
      while (!re.test(text) && Date.now() < end) {
        const { value } = await reader.read();
        text += Buffer.from(value ?? []).toString('utf8');
      }
      assert.match(text, re);
    };
    await until(/^retry: 3000/);
    const i2 = {
      ...env.incident,
      id: 'brute-force:203.0.113.78:1',
      subject: { kind: 'source' as const, key: '203.0.113.78', source: '203.0.113.78' },
    };
    env.dashboard.incident(i2);
    await until(/event: incident\ndata: \{"id":"brute-force:203\.0\.113\.78:1"/);
    await until(/event: tick\ndata: \{"time":\d+,"events":\d+\}/);
    await reader.cancel();
  });
});

describe('dashboard: findings, GeoIP, TLS, refusing an unsafe bind', () => {
  it('findings: the latest audit report grouped by the five hardening steps', async () => {
    const e2 = await webEnv({
      extraPolicy: 'web: { reports: { audit: audit.json, probe: missing.json } }\n',
    });
    try {
      const out = execFileSync(
        process.execPath,
        [path.join(ROOT, 'bin', 'hardline.js'), 'audit', EXAMPLE, '--format', 'json'],
        {
          encoding: 'utf8',
        },
      );
      writeFileSync(path.join(e2.dir, 'audit.json'), out);
      const r = await e2.dashboard.app.inject({
        url: '/api/findings',
        headers: { authorization: `Bearer ${e2.token}` },
      });
      const { reports } = r.json();
      assert.equal(reports.length, 2);
      const a = reports[0];
      assert.equal(a.kind, 'audit');
      assert.deepEqual(
        a.steps.map((s: { n: number; title: string }) => `${s.n} ${s.title}`),
        [
          '1 Exposure and management plane',
          '2 Authentication of SIP accounts and voicemail',
          '3 Secure transport and media',
          '4 Firewall and media port narrowing',
          '5 Logging, alerting and time sync',
        ],
      );
      const json = JSON.parse(out) as { summary: { active: number } };
      const total = a.steps.reduce((n: number, s: { findings: unknown[] }) => n + s.findings.length, 0);
      assert.equal(total, json.summary.active);
      assert.ok(a.steps[0].findings.some((f: { ruleId: string }) => f.ruleId === 'AST-AMI-001'));
      assert.equal(a.steps[0].findings[0].severity, 'critical', 'most severe first');
      assert.match(reports[1].error, /cannot read: ENOENT/);
    } finally {
      await e2.cleanup();
    }
  });

  it('GeoIP: country and network of the top sources from a local MaxMind database', async () => {
    const e2 = await webEnv();
    try {
      const file = makeMmdb(e2.dir);
      const geo = (await openGeo([file]))!;
      assert.deepEqual(geo.lookup('203.0.113.77'), {
        country: 'NL',
        countryName: 'Netherlands',
        asn: 64500,
        org: 'Example Hosting BV',
      });
      assert.equal(geo.lookup('2001:db8:bad::5')?.org, 'Exempel Nät AB');
      assert.equal(geo.lookup('10.1.2.3'), undefined);
      assert.equal(geo.lookup('not an ip'), undefined);
      await assert.rejects(openGeo([path.join(e2.dir, 'nope.mmdb')]), /cannot open the MaxMind database/);
    } finally {
      await e2.cleanup();
    }
  });

  it('refuses plain HTTP on a non-loopback address unless web.insecure_remote says so', async () => {
    await assert.rejects(env.dashboard.listen('0.0.0.0:0'), (e: HardlineError) => {
      assert.equal(e.code, 'HL_ERR_WEB_UNSAFE');
      assert.match(
        e.message,
        /without TLS: the token and the session cookie would cross the network in clear/,
      );
      return true;
    });
    await assert.rejects(env.dashboard.listen('[::]:0'), /HL_ERR_WEB_UNSAFE|without TLS/);
  });

  it('TLS: HTTPS with HSTS and a Secure __Host- session cookie', async () => {
    const dir = env.dir;
    const certs = selfSigned(dir);
    const e2 = await webEnv({
      tls: { cert: readFileSync(certs.cert, 'utf8'), key: readFileSync(certs.key, 'utf8') },
    });
    try {
      const { url, port } = await e2.dashboard.listen('127.0.0.1:0');
      assert.match(url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await new Promise<{ status: number; headers: Record<string, unknown> }>(
        (resolve, reject) => {
          const req = httpsRequest(
            {
              host: '127.0.0.1',
              port,
              path: '/login',
              method: 'POST',
              ca: readFileSync(certs.cert),
              headers: {
                'content-type': 'application/json',
                origin: `https://127.0.0.1:${port}`,
                host: `127.0.0.1:${port}`,
              },
            },
            (r) => {
              r.resume();
              r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers }));
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify({ token: e2.token }));
        },
      );
      assert.equal(res.status, 200);
      assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
      assert.match(
        String(res.headers['set-cookie']),
        /^__Host-hl_session=[^;]+; Max-Age=43200; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
      );
    } finally {
      await e2.cleanup();
    }
  });
});

void HardlineError;
