import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isMap, isSeq, type Node, parseDocument } from 'yaml';
import { runAudit } from '../../src/audit/engine.js';
import { resolveTarget } from '../../src/cli/target.js';
import { loadAsterisk } from '../../src/pbx/asterisk/model.js';
import { draftPolicy } from '../../src/policy/draft.js';
import { loadPolicyFile, parsePolicy } from '../../src/policy/loader.js';
import { EXAMPLE, FIXTURES, NOW, ROOT } from '../helpers.js';

function hardline(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'hardline.js'), ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Every guessed value must carry a `# review:` mark, on itself or on its list item. */
function unreviewed(text: string): string[] {
  const doc = parseDocument(text);
  const missing: string[] = [];
  const has = (n: Node | undefined | null) =>
    Boolean(n && `${n.comment ?? ''} ${n.commentBefore ?? ''}`.includes('review:'));
  const need = (p: (string | number)[], alsoOn?: (string | number)[]) => {
    const n = doc.getIn(p, true) as Node | undefined;
    const parent = alsoOn ? (doc.getIn(alsoOn, true) as Node | undefined) : undefined;
    if (!has(n) && !has(parent)) missing.push(p.join('.'));
  };
  need(['pbxs', 0, 'config']);
  need(['rtp', 'start']);
  need(['rtp', 'end']);
  for (const k of ['sip_tls', 'srtp', 'min_tls']) need(['security', k]);
  const eps = doc.getIn(['endpoints'], true);
  // A comment above the first list item is attached to the list when the text is parsed back.
  if (isSeq(eps))
    for (let i = 0; i < eps.items.length; i++) need(['endpoints', i], i === 0 ? ['endpoints'] : undefined);
  const trunks = doc.getIn(['trunks'], true);
  if (isSeq(trunks))
    trunks.items.forEach((_, i) => {
      const a = doc.getIn(['trunks', i, 'addresses'], true);
      if (isSeq(a)) for (let j = 0; j < a.items.length; j++) need(['trunks', i, 'addresses', j]);
    });
  const nets = doc.getIn(['networks'], true);
  if (isMap(nets))
    for (const pair of nets.items) {
      const name = String((pair.key as { value: unknown }).value);
      const list = doc.getIn(['networks', name], true);
      if (isSeq(list)) for (let j = 0; j < list.items.length; j++) need(['networks', name, j]);
    }
  return missing;
}

describe('hardline init', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-init-'));

  it('drafts a policy for the example that loads, marks every guess and runs an audit', async () => {
    const out = path.join(dir, 'hardline.yaml');
    const r = hardline(['init', path.join(EXAMPLE, 'asterisk'), '--output', out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /wrote .*hardline\.yaml: review every line marked "review:"/);
    const text = readFileSync(out, 'utf8');
    assert.deepEqual(unreviewed(text), []);
    const loaded = loadPolicyFile(out);
    const p = loaded.policy;
    assert.equal(p.pbxs[0]?.kind, 'asterisk');
    assert.equal(path.resolve(dir, p.pbxs[0]!.config), path.join(EXAMPLE, 'asterisk'));
    assert.deepEqual(p.trunks, [{ name: 'provider', addresses: ['203.0.113.0/24', 'sip.provider.example'] }]);
    assert.deepEqual(p.networks['lan'], ['192.168.10.0/24', '192.168.20.0/24']);
    assert.deepEqual(p.networks['mgmt'], ['192.168.99.0/24', '192.168.10.21/32']);
    assert.deepEqual(p.rtp, { start: 10000, end: 20000 });
    assert.deepEqual(
      p.endpoints.map((e) => `${e.transport} ${e.host}:${e.port} public=${e.public}`),
      ['udp 198.51.100.25:5060 public=true', 'tls 198.51.100.25:5061 public=true'],
    );
    assert.equal(p.security.sip_tls, 'required');
    assert.equal(p.security.srtp, 'preferred');
    assert.match(text, /srtp: preferred # review: 9 of 10 phone endpoints use SRTP/);
    assert.match(text, /- 203\.0\.113\.0\/24 # review: identify provider-identify match \(pjsip\.conf:190\)/);
    // The drafted policy drives an audit of the example configuration.
    const t = resolveTarget(dir, undefined);
    assert.equal(t.sources[0]?.root, path.join(EXAMPLE, 'asterisk'));
    const result = await runAudit({
      sources: t.sources,
      policy: t.policy,
      reportRoot: t.reportRoot,
      now: NOW,
    });
    assert.ok(result.findings.some((f) => f.ruleId === 'AST-DP-001'));
    assert.ok(result.rulesRun.includes('AST-AUTH-005'));
    assert.deepEqual(result.skipped, [], 'every policy-dependent rule runs on the draft');
  });

  it('prints to stdout with paths relative to the current folder, and refuses to overwrite', () => {
    const r = hardline(['init', 'examples/smb-asterisk/asterisk']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /config: examples\/smb-asterisk\/asterisk # review: relative to this file/);
    const out = path.join(dir, 'exists.yaml');
    writeFileSync(out, 'version: 1\n');
    const again = hardline(['init', path.join(EXAMPLE, 'asterisk'), '--output', out]);
    assert.equal(again.code, 2);
    assert.match(again.err, /HL_ERR_OUTPUT: .*exists; use --force/);
    assert.equal(hardline(['init', path.join(EXAMPLE, 'asterisk'), '--output', out, '--force']).code, 0);
  });

  it('rejects folders without Asterisk configuration', () => {
    const fs = path.join(dir, 'fs');
    mkdirSync(fs);
    writeFileSync(path.join(fs, 'vars.xml'), '<include/>');
    const r = hardline(['init', fs]);
    assert.equal(r.code, 2);
    assert.match(r.err, /HL_ERR_PBX_UNKNOWN: init drafts policies from Asterisk configuration only so far/);
    assert.equal(hardline(['init', path.join(dir, 'missing')]).code, 2);
  });

  it('drafts from chan_sip, pjsip_wizard and minimal configurations, and the drafts load', () => {
    const cases: Record<string, string>[] = [
      {
        'sip.conf':
          '[general]\nudpbindaddr=0.0.0.0:5060\nexternip=198.51.100.7\nlocalnet=192.168.1.0/255.255.255.0\nregister => acme:pw@sip.carrier.example\n[carrier]\ntype=peer\nhost=198.51.100.20\n[100]\ntype=friend\nhost=dynamic\nsecret=x\ndeny=0.0.0.0/0.0.0.0\npermit=192.168.1.0/255.255.255.0\n',
      },
      {
        'pjsip_wizard.conf':
          '[trunk]\ntype=wizard\nsends_auth=yes\nsends_registrations=yes\nremote_hosts=sip.carrier.example:5060\noutbound_auth/username=acme\noutbound_auth/password=Xq7-vLp2!mR9tK4z\nendpoint/context=from-carrier\n',
        'pjsip.conf': '[t]\ntype=transport\nprotocol=udp\nbind=0.0.0.0:5080\n',
      },
      { 'extensions.conf': '[default]\nexten => s,1,Hangup()\n' },
    ];
    for (const files of cases) {
      const d = mkdtempSync(path.join(tmpdir(), 'hl-init-case-'));
      for (const [n, t] of Object.entries(files)) writeFileSync(path.join(d, n), t);
      const text = draftPolicy(loadAsterisk(d), { configPath: '.', name: 'pbx1', now: NOW });
      const p = parsePolicy(text, path.join(d, 'hardline.yaml')).policy;
      assert.deepEqual(unreviewed(text), [], Object.keys(files).join(','));
      if (files['sip.conf']) {
        assert.deepEqual(
          p.trunks.flatMap((t) => t.addresses),
          ['198.51.100.20', 'sip.carrier.example'],
        );
        assert.deepEqual(p.networks['lan'], ['192.168.1.0/24']);
        assert.equal(p.endpoints[0]?.host, '198.51.100.7');
      }
      if (files['pjsip_wizard.conf']) {
        assert.deepEqual(p.trunks, [{ name: 'trunk', addresses: ['sip.carrier.example'] }]);
        assert.equal(p.endpoints[0]?.port, 5080);
        assert.equal(p.endpoints[0]?.host, 'pbx.invalid');
      }
    }
  });

  it('works on the FreePBX-style fixture', () => {
    const text = draftPolicy(loadAsterisk(path.join(FIXTURES, 'layouts', 'freepbx')), {
      configPath: '.',
      name: 'freepbx',
      now: NOW,
    });
    const p = parsePolicy(text, 'hardline.yaml').policy;
    assert.ok(p.trunks.length >= 1);
    assert.deepEqual(unreviewed(text), []);
  });
});
