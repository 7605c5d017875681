import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers.js';

const BIN = path.join(ROOT, 'bin', 'hardline.js');
const dir = mkdtempSync(path.join(tmpdir(), 'hl-webcli-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

function policy(extra = ''): string {
  const f = path.join(dir, `p${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    f,
    `version: 1\nfirewall: { state_dir: ${JSON.stringify(path.join(dir, 'state'))} }\n${extra}`,
  );
  return f;
}

describe('hardline watch --web', () => {
  it('prints the token once at first start; the dashboard refuses requests without it', async () => {
    const log = path.join(dir, 'messages');
    writeFileSync(log, '');
    const p = policy();
    const start = async () => {
      const c = spawn(
        process.execPath,
        [BIN, 'watch', '--policy', p, '--log', log, '--db', path.join(dir, 'w.db'), '--web', '127.0.0.1:0'],
        {
          env: { ...process.env, NO_COLOR: '1' },
        },
      );
      children.push(c);
      const lines = createInterface({ input: c.stderr! });
      const shown: string[] = [];
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no dashboard URL: ${shown.join('\n')}`)), 20_000);
        lines.on('line', (l) => {
          shown.push(l);
          const m = /^hardline dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(l);
          if (m) {
            clearTimeout(timer);
            setTimeout(() => resolve(m[1]!), 300); // the token line follows the URL line
          }
        });
      });
      return { c, url, shown };
    };
    const first = await start();
    const token = first.shown.join('\n').match(/^ {2}(hl_[A-Za-z0-9_-]{40,})$/m)?.[1];
    assert.ok(token, first.shown.join('\n'));
    const refused = await fetch(`${first.url}api/overview`);
    assert.equal(refused.status, 401);
    const page = await fetch(first.url, { redirect: 'manual' });
    assert.equal(page.status, 303);
    const ok = await fetch(`${first.url}api/overview`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    first.c.kill('SIGTERM');
    await new Promise((r) => first.c.once('exit', r));
    // second start: no new token is printed, the old one still works
    const second = await start();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!second.shown.join('\n').includes('hl_'), 'the token is shown only at first start');
    const again = await fetch(`${second.url}api/overview`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(again.status, 200);
    second.c.kill('SIGTERM');
    await new Promise((r) => second.c.once('exit', r));
  });

  it('refuses a non-loopback address without TLS, and says why', () => {
    const log = path.join(dir, 'm2');
    writeFileSync(log, '');
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        'watch',
        '--policy',
        policy(),
        '--log',
        log,
        '--db',
        path.join(dir, 'w2.db'),
        '--web',
        '0.0.0.0:0',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /HL_ERR_WEB_UNSAFE: refusing to serve the dashboard on 0\.0\.0\.0:0 without TLS/);
    assert.match(r.stderr, /web\.tls|SSH tunnel|insecure_remote/);
  });

  it('--ban needs a policy file', () => {
    const r = spawnSync(
      process.execPath,
      [BIN, 'watch', '--log', path.join(dir, 'm3'), '--db', path.join(dir, 'w3.db'), '--ban'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--ban needs --policy/);
  });
});
