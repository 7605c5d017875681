/**
 * The generated rulesets and the executor against the real nft binary, inside a network namespace
 * this test creates. Needs root; skipped only with HARDLINE_SKIP_NETNS=1.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RealNftExecutor } from '../../src/enforce/executor.js';
import { renderJson, renderText } from '../../src/enforce/nft.js';
import { generateRuleset, resolveTrunkHosts } from '../../src/enforce/ruleset.js';
import { loadPolicyFile } from '../../src/policy/loader.js';
import { EXAMPLE, ROOT } from '../helpers.js';

const SKIP = process.env['HARDLINE_SKIP_NETNS'] === '1';
const NS = `hln${process.pid.toString(36)}${Math.random().toString(36).slice(2, 5)}`;

function cli(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    cwd: EXAMPLE,
  });
}

describe('generated rulesets and the executor with the real nft', {
  skip: SKIP && 'HARDLINE_SKIP_NETNS=1',
}, () => {
  const exec = new RealNftExecutor({ prefix: ['ip', 'netns', 'exec', NS] });
  before(() => {
    assert.equal(
      process.getuid?.(),
      0,
      'run as root (nft and ip netns need it), or set HARDLINE_SKIP_NETNS=1',
    );
    assert.equal(spawnSync('ip', ['netns', 'add', NS]).status, 0, 'ip netns add (install iproute2)');
  });
  after(() => {
    spawnSync('ip', ['netns', 'del', NS]);
  });

  it('the CLI output for the bundled example passes nft -c -f', () => {
    const r = cli(['firewall']);
    assert.equal(r.status, 0, r.stderr);
    const c = spawnSync('ip', ['netns', 'exec', NS, 'nft', '-c', '-f', '-'], {
      input: r.stdout,
      encoding: 'utf8',
    });
    assert.equal(c.status, 0, c.stderr);
  });

  it('text and JSON renderings load to the same table', async () => {
    const policy = loadPolicyFile(path.join(EXAMPLE, 'hardline.yaml')).policy;
    const resolved = await resolveTrunkHosts(policy, async () => ['198.51.100.20', '2001:db8:5::20']);
    const g = generateRuleset(policy, { resolved, bans: [{ address: '192.0.2.66', remainingSec: 3600 }] });
    await exec.load(renderText(g.table));
    const fromText = spawnSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'table', 'inet', 'hardline'], {
      encoding: 'utf8',
    }).stdout;
    await exec.deleteTable('hardline');
    assert.equal(await exec.listTable('hardline'), undefined);
    await exec.loadJson(renderJson(g.table));
    const fromJson = spawnSync('ip', ['netns', 'exec', NS, 'nft', 'list', 'table', 'inet', 'hardline'], {
      encoding: 'utf8',
    }).stdout;
    const strip = (t: string) => t.replace(/ expires [\dhms]+/g, '');
    assert.equal(strip(fromJson), strip(fromText));
    assert.match(fromText, /192\.0\.2\.66 timeout 1h/);
    const canon = await exec.canonicalize(renderText(g.table), 'hardline');
    assert.ok(canon.json.nftables.some((o) => (o as { chain?: { name: string } }).chain?.name === 'known'));
  });

  it('adds, re-times, lists and removes set elements (absent ones are no error)', async () => {
    await exec.addElements('hardline', 'ban4', [{ value: '192.0.2.7', timeoutSec: 30 }]);
    await exec.addElements('hardline', 'ban4', [{ value: '192.0.2.7', timeoutSec: 7200 }]);
    await exec.addElements('hardline', 'ban6', [{ value: '2001:db8::7', timeoutSec: 60 }]);
    const v4 = await exec.listElements('hardline', 'ban4');
    const el = v4!.find((e) => e.value === '192.0.2.7')!;
    assert.equal(el.timeoutSec, 7200, 'the second add replaced the timeout');
    assert.ok(el.expiresSec! > 7000);
    assert.deepEqual(
      (await exec.listElements('hardline', 'ban6'))!.map((e) => e.value),
      ['2001:db8::7'],
    );
    await exec.deleteElements('hardline', 'ban4', ['192.0.2.7', '192.0.2.250']);
    assert.equal(
      (await exec.listElements('hardline', 'ban4'))!.some((e) => e.value === '192.0.2.7'),
      false,
    );
    assert.equal(await exec.listElements('nope', 'ban4'), undefined);
  });

  it('reports nft errors with a stable code', async () => {
    await assert.rejects(
      exec.load('table inet x { chain c { tcp dport bogus accept } }'),
      /HL_ERR_NFT|nft -f \(load\) failed/,
    );
  });
});
