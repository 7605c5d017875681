import { type Assessment, assessPassword } from '../../credentials/strength.js';
import type { Policy } from '../../policy/schema.js';
import { type FreeswitchModel, type FsParam, type FsUser, fsFalse } from './model.js';
import { hasRuntimeRef } from './preprocess.js';

/** How a directory user authenticates, and how weak that is. */
export interface UserCredential {
  kind: 'password' | 'a1-hash' | 'none' | 'runtime';
  param?: FsParam;
  /** The password is the vars.xml default_password (used by every stock user). */
  fromDefault: boolean;
  assessment: Assessment;
  /** `allow-empty-password=false` makes a user without password unusable instead of open. */
  emptyForbidden: boolean;
}

const cache = new WeakMap<FsUser, UserCredential>();

export function userCredential(m: FreeswitchModel, u: FsUser, policy: Policy): UserCredential {
  const hit = cache.get(u);
  if (hit) return hit;
  const pw = u.param('password');
  const a1 = u.param('a1-hash');
  const emptyForbidden = fsFalse(u.param('allow-empty-password')?.value);
  const def = m.globals.get('default_password');
  let c: UserCredential;
  if (pw && pw.value !== '' && hasRuntimeRef(pw.value)) {
    c = {
      kind: 'runtime',
      param: pw,
      fromDefault: false,
      assessment: { weak: false, reasons: [] },
      emptyForbidden,
    };
  } else if (pw && pw.value !== '') {
    const fromDefault =
      pw.vars.includes('default_password') || (def !== undefined && !def.runtime && def.value === pw.value);
    const names = [u.id, ...(u.numberAlias ? [u.numberAlias] : []), u.domain.split('.')[0] ?? ''];
    const a = assessPassword(pw.value, names.filter(Boolean), policy.credentials);
    const reasons = [...a.reasons];
    if (fromDefault) reasons.unshift('it is the vars.xml default_password');
    c = {
      kind: 'password',
      param: pw,
      fromDefault,
      assessment: { weak: a.weak || fromDefault, reasons },
      emptyForbidden,
    };
  } else if (a1 && a1.value !== '') {
    c = {
      kind: 'a1-hash',
      param: a1,
      fromDefault: false,
      assessment: { weak: false, reasons: [] },
      emptyForbidden,
    };
  } else {
    c = {
      kind: 'none',
      ...(pw ? { param: pw } : {}),
      fromDefault: false,
      assessment: { weak: true, reasons: ['no password and no a1-hash'] },
      emptyForbidden,
    };
  }
  cache.set(u, c);
  return c;
}
