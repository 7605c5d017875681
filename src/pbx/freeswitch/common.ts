import { publicPart } from '../../net/cidrset.js';
import { bindScopeOf, type CommonModel, lowestTlsVersion, type SrtpSetting } from '../common.js';
import { resolveAcls } from './acl.js';
import { type FreeswitchModel, type FsParam, fsFalse, fsTrue, profileTarget, userTarget } from './model.js';
import { hasRuntimeRef } from './preprocess.js';

/** sofia's TLS protocol list when tls-version is not set (conf/vanilla sip_tls_version). */
export const FS_DEFAULT_TLS_VERSION = 'tlsv1,tlsv1.1,tlsv1.2';

/** The shared part of the model (see src/pbx/common.ts) from a FreeSWITCH configuration. */
export function freeswitchCommon(m: FreeswitchModel): CommonModel {
  const c: CommonModel = { secrets: [], tls: [], srtp: [], management: [] };
  const push = (
    purpose: CommonModel['secrets'][number]['purpose'],
    owner: string,
    p: FsParam | undefined,
  ) => {
    if (p && p.value !== '' && !hasRuntimeRef(p.value))
      c.secrets.push({ purpose, owner, value: p.value, file: p.file, line: p.line });
  };
  for (const u of m.users) {
    push('sip', userTarget(u), u.param('password'));
    push('voicemail', userTarget(u), u.param('vm-password'));
  }
  for (const p of m.profiles)
    for (const g of p.gateways)
      push('sip-outbound', `freeswitch:gateway/${g.name}`, g.params.get('password'));
  const esl = m.configs.get('event_socket.conf');
  if (esl && m.moduleLoaded('mod_event_socket'))
    push('management', 'freeswitch:event_socket', esl.settings.get('password'));
  const rpc = m.configs.get('xml_rpc.conf');
  if (rpc && m.moduleLoaded('mod_xml_rpc'))
    push('management', 'freeswitch:xml_rpc', rpc.settings.get('auth-pass'));

  for (const p of m.profiles) {
    const tls = p.params.get('tls');
    if (!fsTrue(tls?.value)) continue;
    const ver = p.params.get('tls-version');
    const text = ver?.value ?? FS_DEFAULT_TLS_VERSION;
    const verify = (p.params.value('tls-verify-policy') ?? 'none').toLowerCase();
    const min = lowestTlsVersion(text);
    c.tls.push({
      owner: profileTarget(p),
      role: 'both',
      ...(min !== undefined ? { minVersion: min } : {}),
      versionText: ver ? `tls-version=${text}` : `tls-version unset (default ${text})`,
      defaulted: !ver,
      verifyPeer: /\b(out|all)\b/.test(verify),
      file: (ver ?? tls)!.file,
      line: (ver ?? tls)!.line,
    });
  }

  // SRTP: rtp_secure_media is a channel variable: user/group/domain variables, else a global.
  const global = m.globals.get('rtp_secure_media');
  for (const u of m.users) {
    const v = u.variable('rtp_secure_media') ?? u.variable('rtp_secure_media_inbound');
    const text = v?.value ?? (global && !global.runtime ? global.value : undefined);
    const mode: SrtpSetting['mode'] = srtpMode(text);
    const at = v ?? (global?.file ? global : undefined) ?? u;
    c.srtp.push({
      owner: userTarget(u),
      mode,
      text: v
        ? `rtp_secure_media=${v.value}`
        : text !== undefined
          ? `rtp_secure_media=${text} (global)`
          : 'rtp_secure_media unset (plain RTP)',
      defaulted: text === undefined,
      file: at.file,
      line: at.line,
    });
  }

  if (esl && m.moduleLoaded('mod_event_socket')) {
    const ip = esl.settings.get('listen-ip');
    const port = Number(esl.settings.value('listen-port') ?? 8021);
    const aclParam = esl.settings.get('apply-inbound-acl');
    const acl = aclParam ? resolveAcls(m, [aclParam.value]) : [];
    c.management.push({
      owner: 'freeswitch:event_socket',
      service: 'FreeSWITCH event socket (ESL)',
      bind: ip?.value ?? '127.0.0.1',
      scope: ip ? scopeOfFs(ip.value) : 'loopback',
      port,
      ...(aclParam
        ? {
            acl: {
              name: aclParam.value,
              restricts:
                acl.length > 0 &&
                acl.every((a) => a.origin !== 'unknown') &&
                publicPart(acl.flatMap((a) => a.allowed)).length === 0,
              span: { file: aclParam.file, line: aclParam.line },
            },
          }
        : {}),
      tls: false,
      file: (ip ?? esl).file,
      line: (ip ?? esl).line,
    });
  }
  if (rpc && m.moduleLoaded('mod_xml_rpc')) {
    const port = rpc.settings.get('http-port');
    c.management.push({
      owner: 'freeswitch:xml_rpc',
      service: 'FreeSWITCH XML-RPC (mod_xml_rpc)',
      bind: 'every interface (mod_xml_rpc has no listen address)',
      scope: 'all',
      port: Number(port?.value ?? 8080),
      tls: false,
      file: (port ?? rpc).file,
      line: (port ?? rpc).line,
    });
  }
  return c;
}

/** Listen address scope; `$${local_ip_v4}` and friends are the machine's own (non-loopback) address. */
export function scopeOfFs(value: string) {
  if (/^\$\$\{local_ip_v[46]\}$/.test(value.trim())) return 'address' as const;
  return bindScopeOf(value);
}

export function srtpMode(text: string | undefined): SrtpSetting['mode'] {
  if (text === undefined) return 'off';
  const t = text.split(':')[0]!.trim().toLowerCase();
  if (t === 'mandatory' || fsTrue(t)) return 'mandatory';
  if (t === 'optional') return 'optional';
  if (t === 'forbidden' || fsFalse(t)) return 'off';
  return 'off';
}
