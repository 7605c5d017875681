/**
 * Detect mode on the dashboard: a ban decision handed to the ban manager in
 * `firewall.mode: detect` is recorded as "would ban" (history, overview counter, the Bans page in
 * a real browser), a spared trunk incident as a refusal, and nothing reaches nftables.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BrowserContext, chromium } from 'playwright-core';
import type { Incident } from '../../src/watch/incident.js';
import { banIncident, ev, login, type WebEnv, webEnv } from '../web/env.js';

const CHROMIUM = process.env['HARDLINE_CHROMIUM'] ?? '/usr/bin/chromium';
let env: WebEnv;
let headers: Record<string, string>;

before(async () => {
  env = await webEnv();
  // the same policy object drives the manager and the dashboard
  env.policy.firewall.mode = 'detect';
  const s = await login(env.dashboard, env.token);
  headers = { cookie: s.cookie };
});
after(async () => {
  await env?.cleanup();
});

const get = async (url: string) => {
  const r = await env.dashboard.app.inject({ url, headers });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
};

describe('dashboard in detect mode', () => {
  it('records "would ban" and the trunk refusal; nothing in nft', async () => {
    const now = Date.now();
    const trunkEvents = Array.from({ length: 10 }, (_, k) =>
      ev('auth-failure', now - 60_000 + k, '192.0.2.10'),
    );
    const trunk: Incident = {
      ...banIncident('192.0.2.10', now - 59_000, trunkEvents),
      severity: 'info',
      decision: {
        action: 'alert',
        source: '192.0.2.10',
        reason: "password guessing; never banned: trunk 'carrier'",
        spared: { why: 'trunk', name: 'carrier' },
      },
    };
    env.bans.incident(env.incident);
    env.bans.incident(trunk);
    await env.bans.idle();
    assert.deepEqual(await env.exec.listElements('hardline', 'ban4'), []);
    const b = await get('/api/bans');
    assert.equal(b.mode, 'detect');
    assert.deepEqual(b.bans, []);
    assert.deepEqual(
      b.history.map((h: { action: string; address: string }) => `${h.action} ${h.address}`),
      ['refused 192.0.2.10', 'dry-run 203.0.113.77'],
    );
    const o = await get('/api/overview');
    assert.equal(o.bans.wouldBan24h, 1);
    assert.equal(o.bans.refused24h, 1);
    assert.equal(o.bans.banned24h, 0);
    const d = await get(`/api/incidents/${encodeURIComponent(env.incident.id)}`);
    assert.equal(d.enforcement[0].action, 'dry-run');
  });

  it('the Bans page reads "would ban" in a browser', async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install chromium (see .ci/apt-packages)`);
    const { url } = await env.dashboard.listen('127.0.0.1:0');
    let ctx: BrowserContext | undefined;
    try {
      ctx = await chromium.launchPersistentContext(path.join(env.dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      });
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      await page.goto(url);
      await page.fill('#token', env.token);
      await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
      await page.goto(`${url}#/bans`);
      await page.waitForSelector('#no-bans');
      const text = (await page.textContent('main')) ?? '';
      assert.match(text, /Detect mode \(firewall\.mode: detect\)/);
      assert.match(text, /would ban\s*203\.0\.113\.77/);
      assert.match(text, /refused\s*192\.0\.2\.10/);
      assert.doesNotMatch(text, /dry-run/);
    } finally {
      await ctx?.close();
    }
  });
});
