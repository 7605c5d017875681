import type { CommonModel, SecretPurpose } from '../common.js';
import { bindScope, isOutboundOnlyAuth, spanOf } from './helpers.js';
import type { AsteriskModel } from './model.js';
import { METHOD_FLOOR } from './tls.js';
import { astTrue, splitHostPort } from './values.js';

/**
 * The shared part of the model (see src/pbx/common.ts) from an Asterisk configuration. The
 * Asterisk rules read the Asterisk model directly; this part serves the cross-PBX rules (a secret
 * reused by another PBX of the site) and whatever else needs the same facts for every PBX kind.
 */
export function asteriskCommon(m: AsteriskModel): CommonModel {
  const c: CommonModel = { secrets: [], tls: [], srtp: [], management: [] };
  for (const s of m.secrets) {
    let purpose: SecretPurpose;
    if (s.kind === 'sip-password')
      purpose =
        s.owner.startsWith('pjsip:auth/') && isOutboundOnlyAuth(m, s.owner.slice('pjsip:auth/'.length))
          ? 'sip-outbound'
          : 'sip';
    else if (s.kind === 'ami-secret' || s.kind === 'ari-password') purpose = 'management';
    else if (s.kind === 'voicemail-pin') purpose = 'voicemail';
    else purpose = 'other';
    c.secrets.push({ purpose, owner: s.owner, value: s.value, file: s.file, line: s.line });
  }
  for (const t of m.pjsip.transports) {
    if ((t.value('protocol') ?? 'udp').toLowerCase() !== 'tls') continue;
    const method = t.get('method');
    const text = method?.value ?? 'default';
    const floor = METHOD_FLOOR[text.toLowerCase()];
    c.tls.push({
      owner: `pjsip:transport/${t.name}`,
      role: 'both',
      ...(floor !== undefined ? { minVersion: floor } : {}),
      versionText: method ? `method=${method.value}` : 'method unset (default tlsv1)',
      defaulted: !method,
      verifyPeer: astTrue(t.value('verify_server')),
      ...spanOf(method ?? t),
    });
  }
  for (const ep of m.pjsip.endpoints) {
    const v = ep.get('media_encryption');
    const value = (v?.value ?? 'no').toLowerCase();
    const optimistic = astTrue(ep.value('media_encryption_optimistic'));
    c.srtp.push({
      owner: `pjsip:endpoint/${ep.name}`,
      mode: value === 'sdes' || value === 'dtls' ? (optimistic ? 'optional' : 'mandatory') : 'off',
      text: v ? `media_encryption=${v.value}` : 'media_encryption unset (no)',
      defaulted: !v,
      ...spanOf(v ?? ep),
    });
  }
  const mgr = m.section('manager.conf', 'general');
  if (mgr && astTrue(mgr.value('enabled'))) {
    const bind = mgr.get('bindaddr');
    c.management.push({
      owner: 'manager:general',
      service: 'Asterisk Manager Interface (AMI)',
      bind: bind?.value ?? '0.0.0.0',
      scope: bindScope(bind?.value),
      port: Number(mgr.value('port') ?? 5038),
      tls: false,
      ...spanOf(bind ?? mgr),
    });
  }
  const http = m.section('http.conf', 'general');
  if (http && astTrue(http.value('enabled'))) {
    const bind = http.get('bindaddr');
    if (bind)
      c.management.push({
        owner: 'http:general',
        service: 'Asterisk HTTP server (ARI, AMI over HTTP)',
        bind: bind.value,
        scope: bindScope(bind.value),
        port: Number(http.value('bindport') ?? 8088),
        tls: false,
        ...spanOf(bind),
      });
    if (astTrue(http.value('tlsenable'))) {
      const tb = http.get('tlsbindaddr');
      c.management.push({
        owner: 'http:tls',
        service: 'Asterisk HTTPS server',
        bind: tb?.value ?? '0.0.0.0:8089',
        scope: bindScope(tb?.value),
        port: tb ? (splitHostPort(tb.value).port ?? 8089) : 8089,
        tls: true,
        ...spanOf(tb ?? http),
      });
    }
  }
  return c;
}
