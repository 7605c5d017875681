import assert from 'node:assert/strict';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { FakeNftExecutor } from '../../src/enforce/executor.js';
import { createBanManager } from '../../src/enforce/index.js';
import { renderText } from '../../src/enforce/nft.js';
import { generateRuleset } from '../../src/enforce/ruleset.js';
import { parsePolicy } from '../../src/policy/loader.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { startWatch, type WatchHandle } from '../../src/watch/daemon.js';
import { BanOutput } from '../../src/watch/outputs/bans.js';
import { startDashboard } from '../../src/web/index.js';
import type { Dashboard } from '../../src/web/server.js';
import { EXAMPLE, ROOT } from '../helpers.js';
import { ev, makeMmdb } from './env.js';
import { attackLog } from './replay.js';

/**
 * The dashboard in a real browser (Debian's chromium driven by playwright-core): a watch follows
 * a log file, an attack is appended to it while the overview is open, the incident appears
 * without a reload, its evidence opens, the ban it caused is lifted, and the fake nftables
 * executor confirms it. Screenshots go to .tmp/screenshots (HARDLINE_UPDATE_SCREENSHOTS=1 copies
 * them to docs/images for the README).
 */

const CHROMIUM = process.env['HARDLINE_CHROMIUM'] ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, '.tmp', 'screenshots');
const dir = mkdtempSync(path.join(tmpdir(), 'hl-browser-'));
const log = path.join(dir, 'messages');
let handle: WatchHandle;
let dashboard: Dashboard;
let exec: FakeNftExecutor;
let url = '';
let token = '';
let ctx: BrowserContext;
let page: Page;

before(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: apt-get install chromium (see .ci/apt-packages)`);
  mkdirSync(SHOTS, { recursive: true });
  const mmdb = makeMmdb(dir);
  const { execFileSync } = await import('node:child_process');
  writeFileSync(
    path.join(dir, 'audit.json'),
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'bin', 'hardline.js'), 'audit', EXAMPLE, '--format', 'json'],
      {
        encoding: 'utf8',
      },
    ),
  );
  const policyFile = path.join(dir, 'hardline.yaml');
  const yaml = `version: 1
site: Example dental practice
trunks: [{ name: carrier, addresses: [192.0.2.10] }]
networks: { lan: [192.168.1.0/24] }
security: { sip_tls: required, srtp: preferred }
firewall: { mode: enforce, state_dir: ${JSON.stringify(path.join(dir, 'state'))} }
detection:
  brute_force: { failures: 10, window: 5m }
  enumeration: { accounts: 10, window: 2m }
web:
  geoip: [${JSON.stringify(mmdb)}]
  reports: { audit: audit.json }
exceptions:
  - { rule: AST-SRTP-001, target: pjsip:endpoint/110, reason: Fax ATA (Grandstream HT802) cannot do SRTP, approver: M. Jones, expires: 2099-03-31 }
  - { rule: AST-RTP-001, target: rtp:range, reason: carrier needs the wide range until the migration, approver: IT contractor, expires: 2020-09-30 }
`;
  writeFileSync(policyFile, yaml);
  const policy = parsePolicy(yaml, policyFile).policy;
  const db = path.join(dir, 'watch.db');
  // a week of history: the phones register every 20 minutes, a few failures a day (the baseline)
  const now = Date.now();
  const seed = new SqliteStore(db);
  for (let t = now - 8 * 86400_000; t < now - 2 * 3600_000; t += 1200_000) {
    seed.addEvent(ev('auth-success', t, '192.168.1.21'));
    const h = new Date(t).getHours();
    if (h >= 8 && h <= 18) seed.addEvent(ev('auth-success', t + 600_000, '192.168.1.22', { account: '102' }));
    if (t % (3 * 3600_000) < 1200_000)
      seed.addEvent(ev('auth-failure', t + 5000, '192.168.1.23', { account: '104' }));
  }
  // a softphone on account 105 used from outside over UDP, without SRTP, next to its desk phone
  const z = {
    account: '105',
    userAgent: 'Zoiper rv2.10.20.3',
    source: { ip: '198.51.100.44', port: 52011, transport: 'udp' as const },
  };
  seed.addEvent(
    ev('registration', now - 5 * 3600_000, '192.168.1.25', {
      account: '105',
      userAgent: 'Yealink SIP-T46U 108.86.0.20',
    }),
  );
  seed.addEvent(ev('registration', now - 3 * 3600_000, '198.51.100.44', z));
  seed.addEvent(
    ev('media-negotiated', now - 3 * 3600_000 + 2000, '198.51.100.44', {
      ...z,
      media: { protection: 'none' },
    }),
  );
  seed.commit();
  seed.close();
  writeFileSync(log, '');
  exec = new FakeNftExecutor();
  await exec.load(renderText(generateRuleset(policy).table));
  const logger = pino({ level: 'silent' });
  const { manager } = await createBanManager({
    policy,
    executor: exec,
    logger,
    resolver: async () => [],
    host: [],
  });
  const bans = new BanOutput({ manager, logger });
  handle = await startWatch({
    policy,
    logs: [log],
    syslog: [],
    hep: [],
    db,
    logger,
    pollMs: 100,
    outputs: [bans],
  });
  let shown = '';
  const started = await startDashboard({
    handle,
    policy,
    baseDir: dir,
    db,
    listen: '127.0.0.1:0',
    bans,
    logger,
    show: (t) => {
      shown += t;
    },
    tickMs: 1000,
  });
  dashboard = started.dashboard;
  handle.addOutput(dashboard);
  url = started.url;
  token = started.createdToken!;
  assert.ok(shown.includes(token), 'the token is shown once at first start');
  // phones authenticated during the last hour (inventory), before anyone looks
  appendFileSync(log, `${attackLog(now - 212_000).legit.join('\n')}\n`);
  ctx = await chromium.launchPersistentContext(path.join(dir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
});

after(async () => {
  await ctx?.close();
  await handle?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function shot(name: string, fullPage = true): Promise<void> {
  await page.evaluate("document.getElementById('toast')?.setAttribute('hidden', '')");
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  assert.ok(statSync(file).size > 15_000, `${name}.png has content`);
  if (process.env['HARDLINE_UPDATE_SCREENSHOTS'] === '1') {
    mkdirSync(path.join(ROOT, 'docs', 'images'), { recursive: true });
    copyFileSync(file, path.join(ROOT, 'docs', 'images', `${name}.png`));
  }
}

describe('dashboard in Chromium', () => {
  it('refuses a request without the token and sends the browser to the login page', async () => {
    const api = await page.request.get(`${url}api/overview`);
    assert.equal(api.status(), 401);
    const res = await page.goto(url);
    assert.ok(res);
    assert.match(page.url(), /\/login$/);
    assert.match(res.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
    await page.fill('#token', 'hl_not-the-token-at-all');
    await page.click('button[type=submit]');
    await page.waitForSelector('p.error');
    assert.match((await page.textContent('p.error')) ?? '', /not valid/);
    await shot('dashboard-login', false);
  });

  it('logs in, and an attack appended to the followed log appears live (no reload)', async () => {
    await page.fill('#token', token);
    await Promise.all([page.waitForURL(url), page.click('button[type=submit]')]);
    await page.waitForSelector('#no-incidents');
    await page.waitForSelector('#live.on');
    await page.evaluate('window.__sameDocument = true');
    // the replayed attack spans 3.5 minutes and ends now
    appendFileSync(log, `${attackLog(Date.now() - 212_000).attack.join('\n')}\n`);
    await page.waitForSelector('table.incidents tr[data-id^="brute-force:203.0.113.77:"]', {
      timeout: 20_000,
    });
    assert.equal(
      await page.evaluate('window.__sameDocument'),
      true,
      'the page was updated in place, not reloaded',
    );
    await page.waitForSelector('.toast:not([hidden])');
    // all incidents of the replay, then the charts and the top sources with their country
    await page.waitForFunction("document.querySelectorAll('table.incidents tbody tr').length >= 7", null, {
      timeout: 20_000,
    });
    await page.waitForSelector('.chart .uplot');
    const top = (await page.textContent('section.card:nth-of-type(3)')) ?? '';
    assert.match(top, /203\.0\.113\.66/);
    assert.match(top, /Netherlands \(NL\).*AS64500 Example Hosting BV/s);
    assert.match(top, /trunk carrier/);
    const text = (await page.textContent('main')) ?? '';
    assert.match(text, /alert only \(trunk 'carrier'\)/);
    assert.match(text, /Event rates by kind/);
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('dashboard-overview');
  });

  it('opens the incident with its evidence and the decision taken, then unbans', async () => {
    assert.deepEqual(
      (await exec.listElements('hardline', 'ban4'))?.map((e) => e.value).sort(),
      ['203.0.113.66', '203.0.113.77', '203.0.113.88'],
      'the replay banned the attackers in nft (enforce mode)',
    );
    await page.click('table.incidents tr[data-id^="brute-force:203.0.113.77:"] a');
    await page.waitForSelector('pre.evidence');
    const evidence = await page.$$eval('pre.evidence', (els) => els.map((e) => e.textContent ?? ''));
    assert.equal(evidence.length, 10);
    assert.match(evidence[0]!, /RemoteAddress="IPV4\/UDP\/203\.0\.113\.77\/5080"/);
    await page.waitForSelector('#active-ban button');
    const decision = (await page.textContent('section.card')) ?? '';
    assert.match(decision, /banned\s*203\.0\.113\.77/);
    await shot('dashboard-incident');
    await page.click('#active-ban button'); // arms
    assert.equal(await page.textContent('#active-ban button'), 'Confirm unban');
    await page.click('#active-ban button');
    await page.waitForSelector('#active-ban', { state: 'detached' });
    assert.deepEqual(
      (await exec.listElements('hardline', 'ban4'))?.map((e) => e.value).sort(),
      ['203.0.113.66', '203.0.113.88'],
      'the ban is gone from nft',
    );
    // a state change without the CSRF token is refused, even from the logged-in page
    const status = await page.evaluate(() =>
      fetch('/api/bans/203.0.113.66/unban', { method: 'POST' }).then((r) => r.status),
    );
    assert.equal(status, 403);
    assert.equal((await exec.listElements('hardline', 'ban4'))?.length, 2);
  });

  it('bans, inventory, findings and exceptions pages', async () => {
    await page.goto(`${url}#/bans`);
    await page.waitForSelector('table.bans');
    const bans = (await page.textContent('main')) ?? '';
    assert.match(bans, /unban\s*203\.0\.113\.77/);
    assert.match(bans, /203\.0\.113\.88/);
    await shot('dashboard-bans');
    await page.goto(`${url}#/inventory`);
    await page.waitForSelector('table.inventory');
    const inv = (await page.textContent('main')) ?? '';
    assert.match(inv, /198\.51\.100\.10/);
    const flagged = await page.$$eval('table.inventory tr.flagged', (rows) =>
      rows.map((r) => r.textContent ?? ''),
    );
    assert.ok(
      flagged.some((r) =>
        /198\.51\.100\.44.*cleartext signalling \(udp\).*2 different User-Agents.*registered from 2 networks/.test(
          r,
        ),
      ),
      flagged.join('\n'),
    );
    await shot('dashboard-inventory');
    await page.goto(`${url}#/findings`);
    await page.waitForSelector('details.step');
    assert.equal(await page.locator('details.step').count(), 5);
    assert.match((await page.textContent('main')) ?? '', /AST-AMI-001/);
    await shot('dashboard-findings');
    await page.goto(`${url}#/exceptions`);
    await page.waitForSelector('tr.expired');
    await shot('dashboard-exceptions', false);
  });

  it('is usable on a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}#/`);
    await page.waitForSelector('table.incidents');
    await page.waitForSelector('.chart .uplot');
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    assert.ok(
      overflow <= 1,
      `the page does not scroll sideways (${overflow}px); wide tables scroll in their box`,
    );
    await shot('dashboard-phone', false);
  });
});
