import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  type ConfigFile,
  parseConfigFile,
  parseConfigText,
  stripComments,
} from '../../src/pbx/asterisk/config.js';

function tmp(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-conf-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function parse(text: string, extra: Record<string, string> = {}): ConfigFile {
  const root = tmp(extra);
  return parseConfigText(text, 'test.conf', { root });
}

function vars(c: ConfigFile, section: string, index = 0): [string, string][] {
  const s = c.sections.filter((x) => x.name === section)[index];
  assert.ok(s, `no section ${section}`);
  return s.vars.map((v) => [v.name, v.value]);
}

describe('asterisk config: comments', () => {
  it('skips a UTF-8 BOM', () => {
    const c = parse('\ufeff[general]\nenabled=yes\n');
    assert.deepEqual(vars(c, 'general'), [['enabled', 'yes']]);
    assert.deepEqual(c.diagnostics, []);
  });
  it('ends a line at ; but keeps \\; as a literal semicolon', () => {
    const c = parse('[s]\na = one ; comment\nb = two\\;three ; c\n; whole line\n');
    assert.deepEqual(vars(c, 's'), [
      ['a', 'one'],
      ['b', 'two;three'],
    ]);
  });
  it('handles nested block comments across lines and keeps text around them', () => {
    const c = parse(
      [
        '[s]',
        'a = 1 ;-- start',
        'b = 2 ;-- nested --; still comment',
        'c = 3 --; d = 4',
        'e = 5 ;-- inline --; f',
        'g = 7',
      ].join('\n'),
    );
    assert.deepEqual(vars(c, 's'), [
      ['a', '1'],
      ['d', '4'],
      ['e', '5  f'],
      ['g', '7'],
    ]);
  });
  it('does not treat ;--- as a block comment start', () => {
    const c = parse('[s]\n;------------ banner ------------\na = 1\n');
    assert.deepEqual(vars(c, 's'), [['a', '1']]);
  });
  it('reports an unterminated block comment with the line it started on', () => {
    const c = parse('[s]\na = 1\n;-- never closed\nb = 2\n');
    assert.deepEqual(vars(c, 's'), [['a', '1']]);
    const d = c.diagnostics.find((x) => x.code === 'unterminated-comment');
    assert.equal(d?.line, 3);
  });
  it('stripComments reports depth across lines', () => {
    assert.deepEqual(stripComments('x ;-- a ;-- b', 0), { text: 'x ', depth: 2, strayClose: false });
    assert.deepEqual(stripComments('c --; d --; y ; z', 2), { text: ' y ', depth: 0, strayClose: false });
  });
});

describe('asterisk config: sections and options', () => {
  it('keeps repeated keys in order, = and => alike, => flagged as object', () => {
    const c = parse('[s]\nallow = ulaw\nallow => alaw\nallow=g722\n');
    assert.deepEqual(vars(c, 's'), [
      ['allow', 'ulaw'],
      ['allow', 'alaw'],
      ['allow', 'g722'],
    ]);
    const s = c.sections[0]!;
    assert.deepEqual(
      s.vars.map((v) => v.object),
      [false, true, false],
    );
    assert.equal(s.value('allow'), 'g722');
    assert.equal(s.all('ALLOW').length, 3);
  });
  it('+= appends to the last value of that name', () => {
    const c = parse('[s]\nallow = ulaw\nallow += ,alaw\nnew += x\n');
    assert.deepEqual(vars(c, 's'), [
      ['allow', 'ulaw,alaw'],
      ['new', 'x'],
    ]);
  });
  it('copies template values first, in template order, keeping their file:line', () => {
    const text = ['[a](!)', 'x = 1', 'y = 1', '[b](!)', 'y = 2', 'z = 2', '[ep](a,b)', 'z = 3'].join('\n');
    const c = parse(text);
    const ep = c.sections.find((s) => s.name === 'ep')!;
    assert.equal(ep.template, false);
    assert.deepEqual(ep.inherits, ['a', 'b']);
    assert.deepEqual(
      ep.vars.map((v) => [v.name, v.value, v.line, v.inherited ?? '']),
      [
        ['x', '1', 2, 'a'],
        ['y', '1', 3, 'a'],
        ['y', '2', 5, 'b'],
        ['z', '2', 6, 'b'],
        ['z', '3', 8, ''],
      ],
    );
    assert.equal(ep.value('y'), '2');
    assert.equal(c.sections.filter((s) => s.template).length, 2);
  });
  it('supports a template that inherits from another: [x](!,base)', () => {
    const c = parse('[base](!)\na = 1\n[mid](!,base)\nb = 2\n[leaf](mid)\n');
    const leaf = c.sections.find((s) => s.name === 'leaf')!;
    assert.deepEqual(
      leaf.vars.map((v) => [v.name, v.inherited]),
      [
        ['a', 'base'],
        ['b', 'mid'],
      ],
    );
    assert.equal(c.sections.find((s) => s.name === 'mid')!.template, true);
  });
  it('(+) appends to the existing section; (+type=x) picks the section of that type', () => {
    const text = [
      '[6001]',
      'type = endpoint',
      '[6001]',
      'type = auth',
      '[6001](+)',
      'a = 1',
      '[6001](+type=auth)',
      'b = 2',
    ].join('\n');
    const c = parse(text);
    assert.equal(c.sections.length, 2);
    assert.deepEqual(vars(c, '6001', 0), [
      ['type', 'endpoint'],
      ['a', '1'],
    ]);
    assert.deepEqual(vars(c, '6001', 1), [
      ['type', 'auth'],
      ['b', '2'],
    ]);
  });
  it('keeps same-name sections apart (pjsip keys them by name and type)', () => {
    const c = parse('[6001]\ntype=endpoint\nauth=6001\n[6001]\ntype=auth\npassword=x\n[6001]\ntype=aor\n');
    assert.deepEqual(
      c.sections.map((s) => s.value('type')),
      ['endpoint', 'auth', 'aor'],
    );
  });
});

describe('asterisk config: directives', () => {
  it('#include with quotes, <> and globs (sorted); section carries into and out of the file', () => {
    const root = tmp({
      'main.conf':
        '[s]\na = 1\n#include "inc/one.conf"\nc = 3\n#include <inc/two.conf>\n#include inc/g-*.conf\n',
      'inc/one.conf': 'b = 2\n',
      'inc/two.conf': '[t]\nx = 1\n',
      'inc/g-b.conf': 'gb = 1\n',
      'inc/g-a.conf': 'ga = 1\n',
    });
    const c = parseConfigFile('main.conf', { root })!;
    assert.deepEqual(vars(c, 's'), [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
    assert.deepEqual(vars(c, 't'), [
      ['x', '1'],
      ['ga', '1'],
      ['gb', '1'],
    ]);
    const b = c.sections[0]!.get('b')!;
    assert.equal(b.file, 'inc/one.conf');
    assert.equal(b.line, 1);
    assert.deepEqual(c.files, ['main.conf', 'inc/one.conf', 'inc/two.conf', 'inc/g-a.conf', 'inc/g-b.conf']);
    assert.deepEqual(c.diagnostics, []);
  });
  it('#tryinclude of a missing file is silent; #include of one is a warning', () => {
    const c = parse('[s]\n#tryinclude missing.conf\n#include missing2.conf\na = 1\n');
    assert.deepEqual(vars(c, 's'), [['a', '1']]);
    assert.deepEqual(
      c.diagnostics.map((d) => [d.code, d.line]),
      [['include-missing', 3]],
    );
  });
  it('detects include cycles and stops', () => {
    const root = tmp({ 'a.conf': '[s]\n#include b.conf\nx = 1\n', 'b.conf': 'y = 1\n#include a.conf\n' });
    const c = parseConfigFile('a.conf', { root })!;
    assert.deepEqual(vars(c, 's'), [
      ['y', '1'],
      ['x', '1'],
    ]);
    const d = c.diagnostics.find((x) => x.code === 'include-cycle');
    assert.ok(d);
    assert.match(d.message, /a\.conf -> b\.conf -> a\.conf/);
    assert.equal(d.file, 'b.conf');
  });
  it('maps absolute includes under astetcdir to the audited folder', () => {
    const root = tmp({ 'main.conf': '[s]\n#include /etc/asterisk/extra.conf\n', 'extra.conf': 'a = 1\n' });
    const c = parseConfigFile('main.conf', { root })!;
    assert.deepEqual(vars(c, 's'), [['a', '1']]);
  });
  it('records #exec without running it', () => {
    const c = parse('[s]\n#exec /usr/local/bin/gen-peers.sh\n');
    assert.deepEqual(c.execs, [{ file: 'test.conf', line: 2, command: '/usr/local/bin/gen-peers.sh' }]);
  });
});

describe('asterisk config: malformed input', () => {
  it('reports each problem with file:line and goes on', () => {
    const text = [
      'orphan = 1', // 1: no section
      '[broken', // 2: no ]
      '[ok]',
      'no equals sign here', // 4
      '#frobnicate x', // 5
      '#include', // 6
      '[x](missingtemplate)', // 7
      '[y](+)', // 8: append to missing
      'lost = 1', // 9: dropped (no current section after failed append)
      '[ok](+)',
      'good = 1',
      ' = novalue', // 12
    ].join('\n');
    const c = parse(text);
    assert.deepEqual(
      c.diagnostics.map((d) => [d.line, d.code]),
      [
        [1, 'no-section'],
        [2, 'no-closing-bracket'],
        [4, 'no-equals'],
        [5, 'unknown-directive'],
        [6, 'directive-argument'],
        [7, 'template-missing'],
        [8, 'append-missing'],
        [9, 'no-section'],
        [12, 'empty-name'],
      ],
    );
    assert.deepEqual(vars(c, 'ok'), [['good', '1']]);
    assert.ok(c.sections.find((s) => s.name === 'x'));
  });
  it('never quotes a line without = back (it may be a secret)', () => {
    const c = parse('[s]\nS3cretWithoutEquals\n');
    assert.equal(c.diagnostics.length, 1);
    assert.doesNotMatch(c.diagnostics[0]!.message, /S3cret/);
  });
  it('never throws on random or binary input', () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const alphabet = '[]()!+=>;-\\#"<>*?,\n\r\t abc\u0000\ufeff';
    for (let i = 0; i < 500; i++) {
      let s = '';
      const n = rnd() % 400;
      for (let k = 0; k < n; k++) s += alphabet[rnd() % alphabet.length];
      assert.doesNotThrow(() => parse(s));
    }
  });
  it('finishes on a very long line and on deep comment nesting', { timeout: 20_000 }, () => {
    const long = `[s]\na = ${'x;'.repeat(100_000)}\n${';--'.repeat(1000)}\n`;
    const c = parse(long);
    assert.ok(c.diagnostics.some((d) => d.code === 'comment-nesting'));
  });
});
