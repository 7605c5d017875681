import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exceptionCommand } from '../../src/cli/exception.js';
import { HardlineError } from '../../src/core/errors.js';
import {
  addException,
  exceptionId,
  expireException,
  listExceptions,
  parseExpiry,
  removeException,
} from '../../src/policy/edit.js';
import { parsePolicy } from '../../src/policy/loader.js';
import { audit, EXAMPLE, NOW, ROOT } from '../helpers.js';

const NOW_TEXT = NOW.toISOString();
const FILE = '/tmp/hardline.yaml';
const EXAMPLE_TEXT = readFileSync(path.join(EXAMPLE, 'hardline.yaml'), 'utf8');

const FAX = {
  rule: 'AST-SRTP-003',
  target: 'pjsip:endpoint/109',
  reason: 'Old handset on SDES over UDP until the replacement arrives',
  approver: 'M. Jones',
  expires: '2026-11-26T12:00:00Z',
};

/** `after` is `before` with `inserted` added at one place, nothing else changed. */
function assertInsertedOnly(before: string, after: string): string {
  let i = 0;
  while (i < before.length && before[i] === after[i]) i++;
  let j = 0;
  while (j < before.length - i && before[before.length - 1 - j] === after[after.length - 1 - j]) j++;
  assert.equal(before.length - i - j, 0, 'the original text is unchanged around the insertion');
  return after.slice(i, after.length - j);
}

function refused(fn: () => unknown, re: RegExp) {
  assert.throws(
    fn,
    (e: unknown) =>
      e instanceof HardlineError && re.test(e.message + e.details.map((d) => d.message).join(' ')),
  );
}

describe('exception edits keep the policy file byte for byte', () => {
  it('add: appends one entry after the last exception; every other byte (comments, blank lines, flow lists) stays', () => {
    const out = addException(EXAMPLE_TEXT, FILE, FAX, { now: NOW });
    const inserted = assertInsertedOnly(EXAMPLE_TEXT, out);
    assert.equal(
      inserted,
      [
        '  # break-glass: added with hardline exception add on 2026-11-24 12:00:00 UTC',
        '  - rule: AST-SRTP-003',
        '    target: pjsip:endpoint/109',
        '    reason: Old handset on SDES over UDP until the replacement arrives',
        '    approver: M. Jones',
        '    expires: 2026-11-26T12:00:00Z',
        '',
      ].join('\n'),
    );
    // Inserted right after the last exception, before the firewall section's comment.
    assert.ok(out.indexOf(inserted) < out.indexOf('# Enforcement (hardline firewall'));
    const ex = parsePolicy(out, FILE).policy.exceptions;
    assert.equal(ex.length, 4);
    assert.equal(ex[3]!.expires, '2026-11-26T12:00:00.000Z');
  });

  it('add: quotes values YAML would misread, and they read back as given', () => {
    const tricky = { ...FAX, reason: 'ticket #42: "temporary", see: wiki', approver: 'yes' };
    const out = addException(EXAMPLE_TEXT, FILE, tricky, { now: NOW });
    const ex = parsePolicy(out, FILE).policy.exceptions.at(-1)!;
    assert.equal(ex.reason, tricky.reason);
    assert.equal(ex.approver, 'yes');
  });

  it('add: a policy without exceptions, with `exceptions: []`, and with a flow list', () => {
    const none = 'version: 1 # the policy\nsite: x\n';
    const a = addException(none, FILE, FAX, { now: NOW });
    assert.ok(a.startsWith(none));
    assert.equal(parsePolicy(a, FILE).policy.exceptions.length, 1);
    const empty = 'version: 1\nexceptions: [] # none yet\nfirewall: {}\n';
    const b = addException(empty, FILE, FAX, { now: NOW });
    assert.match(b, /^version: 1\nexceptions: # none yet\n {2}# break-glass/);
    assert.match(b, /\nfirewall: \{\}\n$/);
    assert.equal(parsePolicy(b, FILE).policy.exceptions.length, 1);
    const flow =
      'version: 1\nexceptions: [{ rule: AST-RTP-001, target: "rtp:range", reason: wide range, approver: ops, expires: 2027-01-31 }]\n';
    const c = parsePolicy(addException(flow, FILE, FAX, { now: NOW }), FILE).policy.exceptions;
    assert.deepEqual(
      c.map((e) => e.rule),
      ['AST-RTP-001', 'AST-SRTP-003'],
    );
  });

  it('add: refuses a duplicate unless --replace (renewal), which keeps one entry', () => {
    const once = addException(EXAMPLE_TEXT, FILE, FAX, { now: NOW });
    refused(() => addException(once, FILE, FAX, { now: NOW }), /already exists/);
    const renewed = addException(
      once,
      FILE,
      { ...FAX, expires: '2026-11-28T12:00:00Z' },
      { now: NOW, replace: true },
    );
    const list = parsePolicy(renewed, FILE).policy.exceptions.filter((e) => e.rule === FAX.rule);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.expires, '2026-11-28T12:00:00.000Z');
    assert.equal(
      (renewed.match(/break-glass: added/g) ?? []).length,
      1,
      'the old marker comment went with the old entry',
    );
  });

  it('expire: changes only the expires value of that entry; the id stays', () => {
    const id = exceptionId({ rule: 'AST-SRTP-001', target: 'pjsip:endpoint/110' });
    const r = expireException(EXAMPLE_TEXT, FILE, id, NOW);
    assert.equal(r.entry.index, 1);
    const before = EXAMPLE_TEXT.split('\n');
    const after = r.text.split('\n');
    assert.equal(after.length, before.length);
    const changed = before.map((l, i) => (l === after[i] ? undefined : [l, after[i]])).filter(Boolean);
    assert.deepEqual(changed, [['    expires: 2027-03-31', '    expires: 2026-11-24T12:00:00Z']]);
    assert.equal(listExceptions(r.text, FILE, NOW)[0]!.id, id);
    refused(() => expireException(r.text, FILE, id, new Date(NOW.getTime() + 1000)), /already expired/);
  });

  it('remove: deletes the entry (and only it) by id or #N', () => {
    const r = removeException(EXAMPLE_TEXT, FILE, '#3', NOW);
    assert.equal(r.entry.exception.rule, 'AST-RTP-001');
    const removed = EXAMPLE_TEXT.length - r.text.length;
    assert.equal(
      EXAMPLE_TEXT.slice(
        EXAMPLE_TEXT.indexOf('  - rule: AST-RTP-001'),
        EXAMPLE_TEXT.indexOf('  - rule: AST-RTP-001') + removed,
      ),
      [
        '  - rule: AST-RTP-001',
        '    target: rtp:range',
        '    reason: Wide RTP range kept until the firewall migration',
        '    approver: IT contractor',
        '    expires: 2026-09-30',
        '',
      ].join('\n'),
    );
    assertInsertedOnly(r.text, EXAMPLE_TEXT);
    const last = removeException(
      'version: 1\nexceptions:\n  - { rule: AST-RTP-001, target: "rtp:range", reason: wide, approver: ops, expires: 2027-01-31 }\nsite: x\n',
      FILE,
      '1',
      NOW,
    );
    assert.equal(last.text, 'version: 1\nexceptions: []\nsite: x\n');
  });

  it('ids: a short stable hash of rule, source and target; ambiguous ids ask for #N', () => {
    assert.match(exceptionId(FAX), /^[0-9a-f]{6}$/);
    const renewed = { ...FAX, reason: 'other', expires: '2030-01-01' };
    assert.equal(exceptionId(FAX), exceptionId(renewed));
    assert.notEqual(exceptionId(FAX), exceptionId({ ...FAX, source: 'pbx1' }));
    const twice = `version: 1\nexceptions:\n  - { rule: AST-RTP-001, target: "rtp:range", reason: old one, approver: ops, expires: 2026-01-31 }\n  - { rule: AST-RTP-001, target: "rtp:range", reason: new one, approver: ops, expires: 2027-01-31 }\n`;
    const id = exceptionId({ rule: 'AST-RTP-001', target: 'rtp:range' });
    refused(() => removeException(twice, FILE, id, NOW), /names 2 exceptions \(#1, #2\)/);
    assert.equal(removeException(twice, FILE, '#1', NOW).entry.exception.reason, 'old one');
    refused(() => removeException(twice, FILE, '#7', NOW), /no exception #7/);
    refused(() => removeException(twice, FILE, 'abcdef', NOW), /no exception with id abcdef/);
  });

  it('--expires: durations from now, dates as the end of that day (UTC)', () => {
    assert.equal(parseExpiry('4h', NOW), '2026-11-24T16:00:00Z');
    assert.equal(parseExpiry('2d', NOW), '2026-11-26T12:00:00Z');
    assert.equal(parseExpiry('90m', NOW), '2026-11-24T13:30:00Z');
    assert.equal(parseExpiry('2026-12-31', NOW), '2026-12-31T23:59:59Z');
    assert.equal(parseExpiry('2026-12-01T08:00:00Z', NOW), '2026-12-01T08:00:00Z');
    refused(() => parseExpiry('soon', NOW), /expected a duration/);
  });
});

describe('hardline exception (CLI) on a copy of the example policy', () => {
  let dir = '';
  let policy = '';
  const run = async (action: string, ref: string | undefined, o: Record<string, unknown>) => {
    let out = '';
    const code = await exceptionCommand(action, ref, { policy, now: NOW_TEXT, ...o }, (s) => {
      out += s;
    });
    return { code, out };
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'hl-exc-'));
    cpSync(EXAMPLE, dir, { recursive: true });
    policy = path.join(dir, 'hardline.yaml');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an exception without approver or expiry, an unknown rule, a bare *, a past or far expiry', async () => {
    const base = {
      rule: 'AST-SRTP-003',
      target: 'pjsip:endpoint/109',
      reason: 'old handset',
      approver: 'M. Jones',
      expires: '2d',
    };
    await assert.rejects(
      run('add', undefined, { ...base, approver: undefined }),
      /refused: an exception needs --approver/,
    );
    await assert.rejects(
      run('add', undefined, { ...base, expires: undefined }),
      /refused: an exception needs --expires/,
    );
    await assert.rejects(run('add', undefined, { ...base, approver: '  ' }), /needs --approver/);
    await assert.rejects(
      run('add', undefined, { ...base, rule: 'AST-NOPE-001' }),
      /not a rule or check id hardline knows/,
    );
    await assert.rejects(
      run('add', undefined, { ...base, target: '*' }),
      /would waive every AST-SRTP-003 finding/,
    );
    await assert.rejects(run('add', undefined, { ...base, expires: '2020-01-01' }), /in the past/);
    await assert.rejects(
      run('add', undefined, { ...base, expires: '2028-01-01' }),
      /more than 366 days away/,
    );
    assert.equal(readFileSync(policy, 'utf8'), EXAMPLE_TEXT, 'refused edits leave the file alone');
  });

  it('add, list, expire, remove, with the audit following each step', async () => {
    const before = await audit(dir);
    const sdes = () => before.findings.find((f) => f.ruleId === 'AST-SRTP-003')!;
    assert.equal(sdes().waived, false);

    const add = await run('add', undefined, {
      rule: 'ast-srtp-003',
      target: 'pjsip:endpoint/109',
      reason: 'Old handset on SDES over UDP until the replacement arrives',
      approver: 'M. Jones',
      expires: '2d',
    });
    const id = exceptionId({ rule: 'AST-SRTP-003', target: 'pjsip:endpoint/109' });
    assert.match(
      add.out,
      new RegExp(
        `^added exception ${id} \\(#4\\) to .*hardline\\.yaml:64: AST-SRTP-003 on pjsip:endpoint/109, approved by M\\. Jones, expires 2026-11-26T12:00:00Z`,
      ),
    );
    assertInsertedOnly(EXAMPLE_TEXT, readFileSync(policy, 'utf8'));
    const waived = await audit(dir);
    assert.equal(waived.findings.find((f) => f.ruleId === 'AST-SRTP-003')!.waived, true);

    const list = await run('list', undefined, {});
    assert.match(
      list.out,
      new RegExp(
        `${id} {2}#4 {2}AST-SRTP-003 {2}pjsip:endpoint/109\\n {8}expires in 2 days; approved by M\\. Jones`,
      ),
    );
    assert.match(list.out, /#3 {2}AST-RTP-001 {2}rtp:range\n {8}EXPIRED 55 days ago/);
    const json = JSON.parse((await run('list', undefined, { format: 'json' })).out) as {
      id: string;
      state: string;
    }[];
    assert.deepEqual(
      json.map((e) => e.state),
      ['active', 'active', 'expired', 'expiring'],
    );

    const exp = await run('expire', id, { now: '2026-11-25T09:00:00Z' });
    assert.match(exp.out, /now ends at 2026-11-25T09:00:00Z/);
    const later = await audit(dir, undefined, new Date('2026-11-25T10:00:00Z'));
    assert.equal(
      later.findings.find((f) => f.ruleId === 'AST-SRTP-003')!.waived,
      false,
      'the finding is back',
    );
    assert.ok(
      later.findings.some(
        (f) => f.ruleId === 'HL-POL-001' && f.target === 'exception/AST-SRTP-003/pjsip:endpoint/109',
      ),
      'and the expired exception is a finding until removed',
    );

    const rm = await run('remove', id, {});
    assert.match(rm.out, new RegExp(`removed exception ${id} \\(#4\\)`));
    assert.equal(readFileSync(policy, 'utf8'), EXAMPLE_TEXT, 'add then remove gives the original file back');
  });

  it('the installed command line works the same (bin/hardline.js exception add --dry-run)', () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'hardline.js'),
        'exception',
        'add',
        '--policy',
        policy,
        '--rule',
        'AST-TLS-001',
        '--target',
        'pjsip:transport/transport-tls',
        '--reason',
        'vendor firmware update pending',
        '--approver',
        'IT contractor',
        '--expires',
        '4h',
        '--now',
        NOW_TEXT,
        '--dry-run',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^would add exception [0-9a-f]{6} \(#4\) .* expires 2026-11-24T16:00:00Z/);
    assert.equal(readFileSync(policy, 'utf8'), EXAMPLE_TEXT);
    const no = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'hardline.js'),
        'exception',
        'add',
        '--policy',
        policy,
        '--rule',
        'AST-TLS-001',
        '--target',
        'x',
        '--reason',
        'why not',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(no.status, 2);
    assert.match(no.stderr, /HL_ERR_USAGE: refused: an exception needs --approver, --expires/);
  });

  it('a policy with CRLF line ends keeps them', async () => {
    const crlf = path.join(dir, 'crlf.yaml');
    const original = 'version: 1\r\n# ops policy\r\nexceptions: []\r\n';
    writeFileSync(crlf, original);
    await exceptionCommand(
      'add',
      undefined,
      {
        policy: crlf,
        now: NOW_TEXT,
        rule: 'AST-TLS-001',
        target: 'pjsip:transport/transport-tls',
        reason: 'firmware pending',
        approver: 'ops',
        expires: '1d',
      },
      () => {},
    );
    const after = readFileSync(crlf, 'utf8');
    assert.ok(after.startsWith('version: 1\r\n# ops policy\r\nexceptions:\r\n'));
    assert.doesNotMatch(after.replace(/\r\n/g, ''), /\n/, 'no bare LF');
    assert.equal(parsePolicy(after, crlf).policy.exceptions.length, 1);
  });

  it('a file that is not valid YAML is not touched', async () => {
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nexceptions: [\n');
    await assert.rejects(
      exceptionCommand(
        'add',
        undefined,
        {
          policy: bad,
          now: NOW_TEXT,
          rule: 'AST-TLS-001',
          target: 'x',
          reason: 'why not',
          approver: 'a',
          expires: '1d',
        },
        () => {},
      ),
      /HL_ERR_POLICY_SYNTAX|not valid YAML/,
    );
    assert.equal(readFileSync(bad, 'utf8'), 'version: 1\nexceptions: [\n');
  });
});
