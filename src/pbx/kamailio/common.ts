import type { Span } from '../../core/span.js';
import { bindScopeOf, type CommonModel, lowestTlsVersion } from '../common.js';
import { type KamailioModel, kamTrue, originOf } from './model.js';
import type { ModParam } from './parse.js';

/** tls module default method when neither tls.cfg nor tls_method set one: TLSv1 (1.0 only). */
export const KAM_DEFAULT_TLS_METHOD = 'TLSv1';

/** A database URL with credentials: `mysql://user:password@host/db`. */
export interface DbUrl extends Span {
  module: string;
  param: string;
  scheme: string;
  user: string;
  password: string;
  host: string;
  /** The modparam line (the define's line is the location when the URL came from a define). */
  use: Span;
}

export function dbUrls(m: KamailioModel): DbUrl[] {
  const out: DbUrl[] = [];
  for (const p of m.modparams) {
    const u = /^([a-z0-9_]+):\/\/([^:/@]+):([^@]*)@([^/]*)/i.exec(p.value);
    if (!u || !m.hasModule(p.module.split('|')[0]!)) continue;
    const at = originOf(p.valueTokens, p);
    out.push({
      module: p.module,
      param: p.param,
      scheme: u[1]!,
      user: u[2]!,
      password: u[3]!,
      host: u[4]!,
      use: { file: p.file, line: p.line },
      file: at.file,
      line: at.line,
    });
  }
  return out;
}

/** Is TLS switched on (enable_tls=yes and the tls module loaded)? */
export function tlsEnabled(m: KamailioModel): boolean {
  return kamTrue(m.global('enable_tls')?.value) && m.hasModule('tls');
}

function param(m: KamailioModel, name: string): ModParam | undefined {
  return m.modparam('tls', name);
}

/** The shared part of the model (see src/pbx/common.ts) from a Kamailio configuration. */
export function kamailioCommon(m: KamailioModel): CommonModel {
  const c: CommonModel = { secrets: [], tls: [], srtp: [], management: [] };
  const seen = new Set<string>();
  for (const u of dbUrls(m)) {
    const key = `${u.file}:${u.line}:${u.password}`;
    if (seen.has(key) || u.password === '') continue;
    seen.add(key);
    c.secrets.push({
      purpose: 'database',
      owner: `kamailio:db/${u.user}@${u.host || 'localhost'}`,
      value: u.password,
      file: u.file,
      line: u.line,
    });
  }

  if (tlsEnabled(m)) {
    const modMethod = param(m, 'tls_method');
    const modVerify = kamTrue(param(m, 'verify_certificate')?.value);
    const enable = m.global('enable_tls')!;
    if (m.tls) {
      const roles = new Set(m.tls.profiles.map((p) => `${p.role}:${p.domain}`));
      for (const p of m.tls.profiles) {
        const method = p.params.get('method') ?? p.params.get('tls_method');
        const text = method?.value ?? modMethod?.value ?? KAM_DEFAULT_TLS_METHOD;
        const verify = p.params.get('verify_certificate');
        const verifyClient = p.params.get('verify_client');
        const min = lowestTlsVersion(text);
        c.tls.push({
          owner: `kamailio:tls/${p.role}:${p.domain}`,
          role: p.role,
          ...(min !== undefined ? { minVersion: min } : {}),
          versionText: method
            ? `method = ${method.value}`
            : `method unset (${modMethod ? `tls_method ${text}` : `default ${text}`})`,
          defaulted: !method && !modMethod,
          verifyPeer:
            p.role === 'client'
              ? verify
                ? kamTrue(verify.value)
                : modVerify
              : verifyClient
                ? /^on$/i.test(verifyClient.value)
                : kamTrue(p.params.get('require_certificate')?.value) && kamTrue(verify?.value),
          file: (method ?? p).file,
          line: (method ?? p).line,
        });
      }
      // Kamailio uses the module parameters for any role tls.cfg does not define.
      if (!roles.has('client:default')) {
        const text = modMethod?.value ?? KAM_DEFAULT_TLS_METHOD;
        const min = lowestTlsVersion(text);
        c.tls.push({
          owner: 'kamailio:tls/client:default',
          role: 'client',
          ...(min !== undefined ? { minVersion: min } : {}),
          versionText: `no [client:default] in ${m.tls.file} (${modMethod ? `tls_method ${text}` : `default ${text}`})`,
          defaulted: !modMethod,
          verifyPeer: modVerify,
          file: m.tls.file,
          line: 1,
        });
      }
    } else {
      const text = modMethod?.value ?? KAM_DEFAULT_TLS_METHOD;
      const min = lowestTlsVersion(text);
      const at = modMethod ?? enable;
      c.tls.push({
        owner: 'kamailio:tls/default',
        role: 'both',
        ...(min !== undefined ? { minVersion: min } : {}),
        versionText: modMethod ? `tls_method ${text}` : `tls_method unset (default ${text})`,
        defaulted: !modMethod,
        verifyPeer: modVerify,
        file: at.file,
        line: at.line,
      });
    }
  }

  if (m.hasModule('ctl')) {
    for (const p of m.modparams.filter((x) => x.module.split('|').includes('ctl') && x.param === 'binrpc')) {
      const v = p.value.trim();
      const mm = /^(tcp|udp):(?:(.*):)?(\d+)$/i.exec(v);
      if (!mm) continue;
      const host = mm[2];
      c.management.push({
        owner: `kamailio:ctl/${v}`,
        service: 'Kamailio binrpc control socket (ctl, kamcmd)',
        bind: host ?? '(every interface)',
        scope: host === undefined ? 'all' : bindScopeOf(host),
        port: Number(mm[3]),
        tls: false,
        file: p.file,
        line: p.line,
      });
    }
  }
  return c;
}
