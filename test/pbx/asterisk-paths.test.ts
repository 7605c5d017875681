import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadAsterisk } from '../../src/pbx/asterisk/model.js';
import {
  decideCondition,
  dialTargets,
  type Env,
  expand,
  explore,
  findEntries,
  maskSecrets,
  showExpanded,
} from '../../src/pbx/asterisk/paths.js';
import { parsePattern } from '../../src/pbx/asterisk/pattern.js';

function model(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-paths-'));
  for (const [n, t] of Object.entries(files)) writeFileSync(path.join(dir, n), t);
  return loadAsterisk(dir);
}

describe('untrusted entries', () => {
  it('finds anonymous, trunks, open endpoints, guests, chan_sip trunks, context-less phones and [public]/[default]', () => {
    const m = model({
      'pjsip.conf': [
        '[anonymous]\ntype=endpoint\ncontext=anon',
        '[carrier]\ntype=endpoint\ncontext=from-carrier\nidentify_by=ip',
        '[carrier]\ntype=identify\nendpoint=carrier\nmatch=198.51.100.20',
        '[door]\ntype=endpoint\ncontext=door',
        '[101]\ntype=endpoint\nauth=101',
        '[102]\ntype=endpoint\nauth=102\ncontext=phones',
        '[ipphone]\ntype=endpoint\nidentify_by=ip\ncontext=nowhere',
      ].join('\n'),
      'sip.conf':
        '[general]\ncontext=guests\n[itsp]\ntype=peer\nhost=198.51.100.30\ninsecure=port,invite\ncontext=from-itsp\n[200]\ntype=friend\nhost=dynamic\nsecret=Gd8!rT2q-Wz5mLp7\n',
      'extensions.conf': '[public]\nexten => s,1,Hangup()\n',
    });
    assert.deepEqual(
      findEntries(m).map(
        (e) =>
          `${e.kind} ${e.context} ${e.untrusted ? 'untrusted' : 'trusted'}${e.fromTrunk ? ' trunk' : ''}`,
      ),
      [
        'anonymous anon untrusted',
        'trunk from-carrier untrusted trunk',
        'open door untrusted',
        'no-context default trusted',
        'guest guests untrusted',
        'trunk from-itsp untrusted trunk',
        'convention public trusted',
      ],
    );
  });
  it('pjsip_wizard objects are entries too', () => {
    const m = model({
      'pjsip_wizard.conf':
        '[carrier]\ntype=wizard\nremote_hosts=sip.carrier.example\nendpoint/context=from-carrier\nendpoint/identify_by=ip\n',
    });
    const e = findEntries(m);
    assert.equal(e[0]?.kind, 'trunk');
    assert.equal(e[0]?.context, 'from-carrier');
    assert.deepEqual(e[0]?.at, { file: 'pjsip_wizard.conf', line: 1 });
  });
});

describe('variable expansion', () => {
  const m = model({
    'extensions.conf':
      '[globals]\nOUT_1=PJSIP/carrier\nPREFIX=00\nNESTED=${OUT_1}\n[x]\nexten => s,1,NoOp()\n',
  });
  const taint = (pattern: string): Env =>
    new Map([
      [
        'EXTEN',
        {
          t: 'taint',
          taint: {
            kind: 'number',
            patterns: [parsePattern(pattern)],
            transform: { prepend: '', skip: 0 },
            exact: true,
            filtered: false,
            origin: { context: 'x', label: pattern, at: { file: 'extensions.conf', line: 1 } },
          },
        },
      ],
      ['T', { t: 'const', v: '1' }],
    ]);
  it('resolves globals, nested names and substrings', () => {
    const x = expand('${OUT_${T}:0:5}/${PREFIX}${EXTEN:1}@${OUT_${T}:6}', taint('_9.'), m);
    assert.equal(x.unresolved, false);
    assert.equal(showExpanded(x), 'PJSIP/00{_9.}@carrier');
    assert.deepEqual(x.taints[0]?.transform, { prepend: '', skip: 1 });
    assert.equal(expand('${NESTED}', new Map(), m).text, 'PJSIP/carrier');
  });
  it('marks caller ID and headers as caller-controlled, FILTER() as filtered', () => {
    const c = expand('PJSIP/${CALLERID(num)}@carrier', new Map(), m);
    assert.equal(c.taints[0]?.kind, 'callerid');
    const f = expand('${FILTER(0-9,${EXTEN})}', taint('_X.'), m);
    assert.equal(f.taints.at(-1)?.filtered, true);
  });
  it('never shows a password written into a dial string', () => {
    assert.equal(maskSecrets('IAX2/acme:s3cret@iax.example/${EXTEN}'), 'IAX2/acme:***@iax.example/${EXTEN}');
    assert.equal(maskSecrets('SIP/acme:s3cret@sip.example'), 'SIP/acme:***@sip.example');
    assert.equal(maskSecrets('PJSIP/p/sip:acme:s3cret@sip.example'), 'PJSIP/p/sip:acme:***@sip.example');
    assert.equal(maskSecrets('PJSIP/p/sip:{_011.}@sip.example'), 'PJSIP/p/sip:{_011.}@sip.example');
  });
  it('leaves unknown variables unresolved', () => {
    assert.equal(expand('${DIAL_OPTS}', new Map(), m).unresolved, true);
  });
  it('decides GotoIf conditions on constants only', () => {
    const env: Env = new Map([['A', { t: 'const', v: 'yes' }]]);
    assert.equal(decideCondition('$["${A}"="yes"]', env, m), true);
    assert.equal(decideCondition('$["${A}" = "no"]', env, m), false);
    assert.equal(decideCondition('$[${A}!=yes]', env, m), false);
    assert.equal(decideCondition('$["${UNSET}"="yes"]', env, m), undefined);
    assert.equal(decideCondition('$[${EXTEN} = 1]', taint('_X'), m), undefined);
    assert.equal(decideCondition('${PREFIX}', env, m), true);
  });
});

describe('exploration', () => {
  const m = model({
    'pjsip.conf':
      '[carrier]\ntype=endpoint\ncontext=in\nidentify_by=ip\n[carrier]\ntype=identify\nendpoint=carrier\nmatch=198.51.100.20\n',
    'extensions.conf': [
      '[in]',
      'exten => 100,1,Goto(menu,s,1)',
      'exten => 200,1,Dial(Local/${EXTEN}@relay)',
      '[menu]',
      'exten => s,1,Background(hello)',
      ' same => n,WaitExten()',
      'include => dialout',
      '[relay]',
      'exten => _X.,1,Gosub(sub-out,s,1(${EXTEN}))',
      '[sub-out]',
      'exten => s,1,Dial(PJSIP/${ARG1}@carrier)',
      '[dialout]',
      'exten => _00.,1,Dial(PJSIP/${EXTEN}@carrier)',
      '[unreached]',
      'exten => _X.,1,Dial(PJSIP/${EXTEN}@carrier)',
    ].join('\n'),
  });
  const ex = explore(m, [{ context: 'in', chain: [] }]);
  it('follows Goto into a menu whose WaitExten opens its includes', () => {
    assert.ok(ex.contexts.has('dialout'));
    assert.deepEqual(
      ex.contexts.get('dialout')!.map((h) => h.text),
      [
        '[in] 100: Goto(menu,s,1)',
        '[menu] s: Background() lets the caller dial any extension of [menu]',
        '[menu] include => dialout',
      ],
    );
    assert.ok(!ex.contexts.has('unreached'));
  });
  it('follows Dial(Local/...) and Gosub with arguments, keeping what the caller controls', () => {
    const dial = ex.reached.find((r) => r.context === 'sub-out');
    assert.ok(dial);
    const t = dialTargets(m, dial.step, dial.env);
    assert.equal(t[0]?.trunk, 'trunk endpoint carrier');
    assert.equal(t[0]?.number?.taint.origin.label, '_X.');
  });
  it('is bounded and says when it stopped', () => {
    const small = explore(m, [{ context: 'in', chain: [] }], 2);
    assert.equal(small.truncated, true);
    assert.equal(ex.truncated, false);
  });
});
