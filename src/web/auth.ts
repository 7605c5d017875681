import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HardlineError } from '../core/errors.js';
import { writeFileAtomic } from '../enforce/state.js';

/**
 * Dashboard credentials: one random access token, generated at first start and shown once;
 * only its scrypt hash is stored (mode 0600). Logging in with the token gives a session: a
 * random id in an HttpOnly, SameSite=Strict cookie (Secure under TLS) and a per-session CSRF
 * token that every state-changing request must echo.
 */

interface StoredToken {
  version: 1;
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
  created: string;
}

const PARAMS = { N: 1 << 15, r: 8, p: 1, keylen: 32 };

function scryptAsync(secret: string, salt: Buffer, s: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, PARAMS.keylen, { ...s, maxmem: 256 * s.N * s.r + 1024 * 1024 }, (e, k) =>
      e ? reject(e) : resolve(k),
    ),
  );
}

/** A new token: `hl_` and 32 random bytes, base64url. */
export function newToken(): string {
  return `hl_${randomBytes(32).toString('base64url')}`;
}

export async function writeTokenFile(file: string, token: string): Promise<void> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(token, salt, PARAMS);
  const doc: StoredToken = {
    version: 1,
    algorithm: 'scrypt',
    N: PARAMS.N,
    r: PARAMS.r,
    p: PARAMS.p,
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    created: new Date().toISOString(),
  };
  try {
    writeFileAtomic(file, `${JSON.stringify(doc, null, 2)}\n`);
  } catch (e) {
    throw new HardlineError(
      'HL_ERR_WEB',
      `cannot write the dashboard token hash to ${file}: ${(e as Error).message}`,
      [{ message: 'give a writable folder with --state-dir (or firewall.state_dir in the policy)' }],
    );
  }
}

function readTokenFile(file: string): StoredToken | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HardlineError('HL_ERR_WEB', `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const t = JSON.parse(text) as StoredToken;
    if (t.version !== 1 || t.algorithm !== 'scrypt' || !t.salt || !t.hash) throw new Error('unknown format');
    return t;
  } catch (e) {
    throw new HardlineError(
      'HL_ERR_WEB',
      `${file} is not a hardline dashboard token file (${(e as Error).message}); delete it to get a new token`,
    );
  }
}

/**
 * Checks presented tokens against the stored hash. scrypt runs on libuv's thread pool (never on
 * the ingest thread); a token that passed once is remembered by a keyed digest so API clients
 * sending it on every request do not pay scrypt each time.
 */
export class TokenVerifier {
  private readonly key = randomBytes(32);
  private readonly good = new Set<string>();

  private constructor(private readonly stored: StoredToken) {}

  /**
   * Loads the token hash from `file`; without one, creates a token, stores its hash and returns
   * the token in `created` (the caller shows it once).
   */
  static async open(file: string): Promise<{ verifier: TokenVerifier; created?: string }> {
    let stored = readTokenFile(file);
    let created: string | undefined;
    if (!stored) {
      created = newToken();
      await writeTokenFile(file, created);
      stored = readTokenFile(file)!;
    }
    return { verifier: new TokenVerifier(stored), ...(created ? { created } : {}) };
  }

  private digest(token: string): string {
    return createHash('sha256').update(this.key).update(token).digest('base64');
  }

  async verify(token: string): Promise<boolean> {
    if (typeof token !== 'string' || token.length < 8 || token.length > 256) return false;
    const d = this.digest(token);
    if (this.good.has(d)) return true;
    const s = this.stored;
    const want = Buffer.from(s.hash, 'base64');
    const got = await scryptAsync(token, Buffer.from(s.salt, 'base64'), s);
    const ok = got.length === want.length && timingSafeEqual(got, want);
    if (ok) this.good.add(d);
    return ok;
  }
}

export interface Session {
  /** sha256 of the cookie value (the value itself is not kept). */
  key: string;
  csrf: string;
  created: number;
  expires: number;
  ip: string;
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Logged-in sessions, in memory (a restart logs everyone out), bounded. */
export class Sessions {
  private readonly map = new Map<string, Session>();
  constructor(
    private readonly lifetimeSec: number,
    private readonly now: () => number = Date.now,
    private readonly max = 256,
  ) {}

  private static key(id: string): string {
    return createHash('sha256').update(id).digest('base64');
  }

  create(ip: string): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const session: Session = {
      key: Sessions.key(id),
      csrf: randomBytes(32).toString('base64url'),
      created: now,
      expires: now + this.lifetimeSec * 1000,
      ip,
    };
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(session.key, session);
    return { id, session };
  }

  get(id: string | undefined): Session | undefined {
    if (!id || id.length > 128) return undefined;
    const k = Sessions.key(id);
    const s = this.map.get(k);
    if (!s) return undefined;
    if (s.expires <= this.now()) {
      this.map.delete(k);
      return undefined;
    }
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.map.delete(Sessions.key(id));
  }

  get size(): number {
    return this.map.size;
  }
}
