import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { lexKamailio } from '../../src/pbx/kamailio/lexer.js';
import { loadKamailio } from '../../src/pbx/kamailio/model.js';

function cfg(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'hl-kam-'));
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const globals = (dir: string, defines?: string[]) =>
  loadKamailio(dir, defines ? { defines } : {}).globals.map((g) => `${g.name}=${g.value}`);

describe('Kamailio pre-processor and lexer', () => {
  it('applies #!ifdef/#!ifndef/#!else/#!endif with nesting, and !! as an alias of #!', () => {
    const dir = cfg({
      'kamailio.cfg': [
        '#!KAMAILIO',
        '#!define WITH_A',
        '#!ifdef WITH_A',
        'a=1',
        '  #!ifdef WITH_B',
        'b=1',
        '  #!else',
        'b=0',
        '  #!endif',
        '#!else',
        'a=0',
        '#!endif',
        '!!ifndef WITH_C',
        'c=absent',
        '!!endif',
      ].join('\n'),
    });
    assert.deepEqual(globals(dir), ['a=1', 'b=0', 'c=absent']);
    assert.deepEqual(globals(dir, ['WITH_B', 'WITH_C']), ['a=1', 'b=1']);
  });

  it('handles trydef, redefine, undef and command-line defines with values', () => {
    const dir = cfg({
      'kamailio.cfg': [
        '#!trydef LEVEL 2',
        '#!define NAME "first"',
        '#!redefine NAME "second"',
        '#!define GONE 1',
        '#!undef GONE',
        'debug=LEVEL',
        'alias=NAME',
        '#!ifdef GONE',
        'gone=yes',
        '#!endif',
      ].join('\n'),
    });
    assert.deepEqual(globals(dir), ['debug=2', 'alias=second']);
    assert.deepEqual(globals(dir, ['LEVEL=4']), ['debug=4', 'alias=second'], '-A LEVEL=4 wins over #!trydef');
  });

  it('strips #, // and nested /* */ comments but not inside strings', () => {
    const dir = cfg({
      'kamailio.cfg': [
        'a="x#y" # a comment',
        'b=2 // another',
        '/* outer /* inner */ still comment',
        'hidden=1',
        '*/',
        'c=3',
      ].join('\n'),
    });
    assert.deepEqual(globals(dir), ['a=x#y', 'b=2', 'c=3']);
  });

  it('follows include_file and import_file (an import that is missing is fine), relative to the including file', () => {
    const dir = cfg({
      'kamailio.cfg':
        '#!include_file "sub/a.cfg"\nimport_file "missing.cfg"\ninclude_file "/etc/kamailio/b.cfg"\n',
      'sub/a.cfg': 'a=1\n#!import_file "c.cfg"\n',
      'sub/c.cfg': 'c=1\n',
      'b.cfg': 'b=1\n',
    });
    const m = loadKamailio(dir);
    assert.deepEqual(
      m.globals.map((g) => `${g.name}=${g.value} ${g.file}:${g.line}`),
      ['a=1 sub/a.cfg:1', 'c=1 sub/c.cfg:1', 'b=1 b.cfg:1'],
    );
    assert.deepEqual(m.diagnostics, []);
  });

  it('reports a missing include_file and unbalanced #!ifdef as diagnostics', () => {
    const m = loadKamailio(cfg({ 'kamailio.cfg': 'include_file "nope.cfg"\n#!ifdef X\na=1\n' }));
    assert.deepEqual(
      m.diagnostics.map((d) => `${d.code} ${d.file}:${d.line}`),
      ['include-missing kamailio.cfg:1', 'unbalanced-ifdef kamailio.cfg:2'],
    );
  });

  it('applies #!subst to strings, #!substdef also defines the ID; #!ifexp evaluates expressions', () => {
    const dir = cfg({
      'kamailio.cfg': [
        '#!subst "/PASSWD/s3cret/g"',
        '#!substdef "!MYIP!192.0.2.7!g"',
        '#!define VER 57',
        'dburl="mysql://k:PASSWD@h/k"',
        'ip="MYIP"',
        'listen=udp:MYIP:5060',
        '#!ifexp VER >= 56 && defined(MYIP)',
        'new=yes',
        '#!else',
        'new=no',
        '#!endif',
      ].join('\n'),
    });
    assert.deepEqual(globals(dir), [
      'dburl=mysql://k:s3cret@h/k',
      'ip=192.0.2.7',
      'listen=udp:192.0.2.7:5060',
      'new=yes',
    ]);
  });

  it('remembers where a define was written for tokens that came from it', () => {
    const dir = cfg({
      'kamailio.cfg':
        '#!define DBURL "mysql://kamailio:kamailiorw@localhost/kamailio"\nloadmodule "auth_db.so"\nmodparam("auth_db", "db_url", DBURL)\n',
    });
    const lex = lexKamailio(path.join(dir, 'kamailio.cfg'), dir);
    const tok = lex.tokens.find((t) => t.type === 'string' && t.value.startsWith('mysql:'))!;
    assert.equal(tok.line, 3, 'the token is where it is used');
    assert.deepEqual(tok.fromDefine, { name: 'DBURL', file: 'kamailio.cfg', line: 1 });
  });

  it('a comment on a #!define line becomes part of its value, as in Kamailio (which then fails to parse)', () => {
    const dir = cfg({ 'kamailio.cfg': '#!define X 5 # five\na=X\nb=2\n' });
    assert.deepEqual(globals(dir), ['a=5', 'b=2']);
  });
});
