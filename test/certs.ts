import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Test certificates made with the openssl command line: a CA, leaves it signs with exact
 * validity dates (past, near expiry, future) and names, and self-signed ones.
 */

export interface Pem {
  key: string;
  cert: string;
  /** The certificate's file (PEM). */
  certFile: string;
}

function run(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** openssl ca date format: YYYYMMDDHHMMSSZ */
export function caDate(d: Date): string {
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export class TestCa {
  readonly dir: string;
  readonly pem: Pem;
  private n = 0;
  private constructor(dir: string, pem: Pem) {
    this.dir = dir;
    this.pem = pem;
  }

  static create(dir: string, cn = 'hardline test CA'): TestCa {
    mkdirSync(dir, { recursive: true });
    run(
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '3650',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
      ],
      dir,
    );
    writeFileSync(path.join(dir, 'index.txt'), '');
    writeFileSync(path.join(dir, 'serial'), '01\n');
    writeFileSync(
      path.join(dir, 'ca.cnf'),
      [
        '[ ca ]',
        'default_ca = CA_default',
        '[ CA_default ]',
        `dir = ${dir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir',
        'serial = $dir/serial',
        'default_md = sha256',
        'policy = policy_any',
        'copy_extensions = copy',
        'unique_subject = no',
        '[ policy_any ]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    return new TestCa(dir, {
      key: readFileSync(path.join(dir, 'ca.key'), 'utf8'),
      cert: readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
      certFile: path.join(dir, 'ca.pem'),
    });
  }

  /** A leaf signed by this CA, valid from `start` to `end`, with the given subjectAltName. */
  leaf(o: { cn: string; san: string; start: Date; end: Date }): Pem {
    const name = `leaf${++this.n}`;
    run(
      [
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${o.cn}`,
        '-addext',
        `subjectAltName=${o.san}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      ],
      this.dir,
    );
    run(
      [
        'ca',
        '-batch',
        '-config',
        'ca.cnf',
        '-cert',
        'ca.pem',
        '-keyfile',
        'ca.key',
        '-in',
        `${name}.csr`,
        '-out',
        `${name}.pem`,
        '-startdate',
        caDate(o.start),
        '-enddate',
        caDate(o.end),
        '-notext',
      ],
      this.dir,
    );
    return {
      key: readFileSync(path.join(this.dir, `${name}.key`), 'utf8'),
      cert: readFileSync(path.join(this.dir, `${name}.pem`), 'utf8'),
      certFile: path.join(this.dir, `${name}.pem`),
    };
  }
}

/** A self-signed certificate (trusted by nobody). */
export function selfSigned(dir: string, cn: string, san: string): Pem {
  mkdirSync(dir, { recursive: true });
  run(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${cn}`,
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      'self.key',
      '-out',
      'self.pem',
    ],
    dir,
  );
  return {
    key: readFileSync(path.join(dir, 'self.key'), 'utf8'),
    cert: readFileSync(path.join(dir, 'self.pem'), 'utf8'),
    certFile: path.join(dir, 'self.pem'),
  };
}
