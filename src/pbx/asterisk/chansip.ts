import type { ConfigFile, ConfSection, ConfVar } from './config.js';
import { astTrue, splitList } from './values.js';

/**
 * chan_sip (sip.conf), the SIP channel driver of Asterisk 20 and older (removed in 21). Peers are
 * the non-template sections other than [general] and [authentication].
 */
export interface ChanSip {
  /** sip.conf exists and modules.conf does not keep chan_sip from loading. */
  active: boolean;
  general?: ConfSection;
  peers: ConfSection[];
  /** `register =>` lines in [general]. */
  registrations: ConfVar[];
}

export function buildChanSip(conf: ConfigFile | undefined, loaded: boolean): ChanSip {
  const sections = (conf?.sections ?? []).filter((s) => !s.template);
  const general = sections.find((s) => s.name.toLowerCase() === 'general');
  const peers = sections.filter((s) => !['general', 'authentication'].includes(s.name.toLowerCase()));
  return {
    active: Boolean(conf) && loaded,
    ...(general ? { general } : {}),
    peers,
    registrations: general?.all('register') ?? [],
  };
}

/** A peer's effective option: its own value, else [general]'s. */
export function sipOption(sip: ChanSip, peer: ConfSection, name: string): ConfVar | undefined {
  return peer.get(name) ?? sip.general?.get(name);
}

/** `type`: friend, peer or user (chan_sip treats a missing type as peer). */
export function sipPeerType(peer: ConfSection): 'friend' | 'peer' | 'user' {
  const t = (peer.value('type') ?? 'peer').toLowerCase();
  return t === 'friend' || t === 'user' ? t : 'peer';
}

export function sipIsDynamic(peer: ConfSection): boolean {
  return (peer.value('host') ?? '').toLowerCase() === 'dynamic';
}

/** The peer authenticates callers with secret= or md5secret=. */
export function sipHasSecret(peer: ConfSection): boolean {
  return Boolean(peer.value('secret') || peer.value('md5secret') || peer.value('remotesecret'));
}

/** insecure= options that skip authentication of INVITEs (invite, very, or port,invite). */
export function sipInsecureInvite(sip: ChanSip, peer: ConfSection): ConfVar | undefined {
  const v = sipOption(sip, peer, 'insecure');
  if (!v) return undefined;
  const parts = splitList(v.value).map((p) => p.toLowerCase());
  return parts.includes('invite') || parts.includes('very') ? v : undefined;
}

/** The context calls from this peer start in (chan_sip's built-in default is `default`). */
export function sipContext(sip: ChanSip, peer: ConfSection | undefined): string {
  return (peer?.value('context') ?? sip.general?.value('context') ?? 'default').trim();
}

/** allowguest: chan_sip accepts calls from unknown callers into [general] context (default yes). */
export function sipAllowGuest(sip: ChanSip): { on: boolean; at?: ConfVar } {
  const v = sip.general?.get('allowguest');
  return { on: v ? astTrue(v.value) : true, ...(v ? { at: v } : {}) };
}
