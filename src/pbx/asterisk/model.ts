import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { ModelBase } from '../../core/rule.js';
import type { Span } from '../../core/span.js';
import { type BlindSpot, findBlindSpots } from './blindspots.js';
import { buildChanSip, type ChanSip } from './chansip.js';
import { type ConfigFile, type ConfSection, type ConfVar, parseConfigFile } from './config.js';
import { buildDialplan, type Dialplan } from './dialplan.js';
import { buildModules, type Modules } from './modules.js';
import { astTrue, splitList } from './values.js';
import { expandWizards } from './wizard.js';

/** The configuration files hardline reads from an Asterisk configuration folder. */
export const ASTERISK_FILES = [
  'asterisk.conf',
  'pjsip.conf',
  'pjsip_wizard.conf',
  'sip.conf',
  'voicemail.conf',
  'manager.conf',
  'http.conf',
  'ari.conf',
  'rtp.conf',
  'logger.conf',
  'extensions.conf',
  'sorcery.conf',
  'extconfig.conf',
  'phoneprov.conf',
  'modules.conf',
] as const;
export type AsteriskFileName = (typeof ASTERISK_FILES)[number];

export interface Mailbox extends Span {
  context: string;
  mailbox: string;
  /** The PIN as written (a secret: never print it). */
  pin: string;
  fullname: string;
  options: string;
}

export interface LoggerChannel extends Span {
  /** File name, `console` or `syslog.<facility>`. */
  name: string;
  levels: string[];
  format?: string;
}

/** A secret value and where it is set; used for reuse checks and to scrub reports. */
export interface SecretRef extends Span {
  kind: 'sip-password' | 'ami-secret' | 'ari-password' | 'voicemail-pin' | 'other';
  /** Who holds it, e.g. `pjsip:auth/6001`. */
  owner: string;
  value: string;
}

export interface Pjsip {
  /** Non-template sections grouped by their `type`. */
  byType(type: string): ConfSection[];
  find(type: string, name: string): ConfSection | undefined;
  endpoints: ConfSection[];
  auths: ConfSection[];
  aors: ConfSection[];
  transports: ConfSection[];
  identifies: ConfSection[];
  registrations: ConfSection[];
  acls: ConfSection[];
  global?: ConfSection;
  /** Endpoints naming an auth section in `auth=` (inbound). */
  inboundUsers(auth: string): ConfSection[];
  /** Endpoints and registrations naming an auth section in `outbound_auth=`. */
  outboundUsers(auth: string): ConfSection[];
  /** identify sections pointing at an endpoint. */
  identifiesOf(endpoint: string): ConfSection[];
}

export interface AsteriskModel extends ModelBase {
  kind: 'asterisk';
  /** Parsed files by name; absent when the file does not exist. */
  files: Partial<Record<AsteriskFileName, ConfigFile>>;
  conf(name: AsteriskFileName): ConfigFile | undefined;
  /** First non-template section with that name in a file. */
  section(file: AsteriskFileName, name: string): ConfSection | undefined;
  /** Non-template sections of a file, minus the named special ones. */
  sections(file: AsteriskFileName, except?: string[]): ConfSection[];
  execIncludes: boolean;
  pjsip: Pjsip;
  mailboxes: Mailbox[];
  logger: LoggerChannel[];
  dialplan: Dialplan;
  secrets: SecretRef[];
  /** chan_sip (sip.conf, Asterisk 20 and older). */
  sip: ChanSip;
  /** modules.conf: which modules load. */
  modules: Modules;
  /** pjsip objects made from pjsip_wizard.conf, mapped to the wizard section they come from. */
  wizardOrigin: Map<ConfSection, ConfSection>;
  /** What the files do not show: realtime/sorcery objects, #exec output, spool PINs. */
  unseen: BlindSpot[];
}

export interface LoadAsteriskOptions {
  astetcdir?: string;
}

export function loadAsterisk(root: string, opts: LoadAsteriskOptions = {}): AsteriskModel {
  const abs = path.resolve(root);
  const files: Partial<Record<AsteriskFileName, ConfigFile>> = {};
  const diagnostics: Diagnostic[] = [];
  const astConf = parseConfigFile('asterisk.conf', {
    root: abs,
    ...(opts.astetcdir ? { astetcdir: opts.astetcdir } : {}),
  });
  const astetcdir =
    opts.astetcdir ??
    astConf?.sections.find((s) => s.name === 'directories')?.value('astetcdir') ??
    '/etc/asterisk';
  for (const name of ASTERISK_FILES) {
    const f = name === 'asterisk.conf' ? astConf : parseConfigFile(name, { root: abs, astetcdir });
    if (f) {
      files[name] = f;
      diagnostics.push(...f.diagnostics);
    }
  }
  const conf = (name: AsteriskFileName) => files[name];
  const section = (file: AsteriskFileName, name: string) =>
    files[file]?.sections.find((s) => !s.template && s.name === name);
  const sections = (file: AsteriskFileName, except: string[] = []) =>
    (files[file]?.sections ?? []).filter((s) => !s.template && !except.includes(s.name.toLowerCase()));
  const execIncludes = astTrue(section('asterisk.conf', 'options')?.value('execincludes'));
  const modules = buildModules(files['modules.conf']);
  const wizards = expandWizards(files['pjsip_wizard.conf']?.sections ?? []);
  const pjsip = buildPjsip([...(files['pjsip.conf']?.sections ?? []), ...wizards.sections]);
  const mailboxes = buildMailboxes(files['voicemail.conf']);
  const logger = buildLogger(files['logger.conf']);
  const dialplan = buildDialplan(files['extensions.conf']);
  const sip = buildChanSip(files['sip.conf'], modules.loaded('chan_sip'));
  const unseen = findBlindSpots({
    ...(files['sorcery.conf'] ? { sorcery: files['sorcery.conf'] } : {}),
    ...(files['extconfig.conf'] ? { extconfig: files['extconfig.conf'] } : {}),
    ...(files['voicemail.conf'] ? { voicemail: files['voicemail.conf'] } : {}),
    dialplan,
    execs: uniqueExecs(Object.values(files).flatMap((f) => f?.execs ?? [])),
    execIncludes,
  });
  const model: AsteriskModel = {
    kind: 'asterisk',
    root: abs,
    diagnostics,
    files,
    conf,
    section,
    sections,
    execIncludes,
    pjsip,
    mailboxes,
    logger,
    dialplan,
    secrets: [],
    sip,
    modules,
    wizardOrigin: wizards.origin,
    unseen,
  };
  model.secrets = collectSecrets(model);
  return model;
}

function uniqueExecs<T extends Span>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((e) => {
    const k = `${e.file}:${e.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function buildPjsip(all: ConfSection[]): Pjsip {
  const groups = new Map<string, ConfSection[]>();
  for (const s of all) {
    if (s.template) continue;
    const type = (s.value('type') ?? '').toLowerCase();
    const list = groups.get(type) ?? [];
    list.push(s);
    groups.set(type, list);
  }
  const byType = (t: string) => groups.get(t) ?? [];
  const global = byType('global')[0];
  const byName = new Map<string, ConfSection>();
  for (const [type, list] of groups)
    for (const s of list) if (!byName.has(`${type}\u0000${s.name}`)) byName.set(`${type}\u0000${s.name}`, s);
  const index = (sections: ConfSection[], option: string) => {
    const m = new Map<string, ConfSection[]>();
    for (const s of sections) {
      for (const v of s.all(option)) {
        for (const name of splitList(v.value)) m.set(name, [...(m.get(name) ?? []), s]);
      }
    }
    return m;
  };
  const inbound = index(byType('endpoint'), 'auth');
  const outbound = index([...byType('endpoint'), ...byType('registration')], 'outbound_auth');
  const idents = index(byType('identify'), 'endpoint');
  return {
    byType,
    find: (type, name) => byName.get(`${type}\u0000${name}`),
    inboundUsers: (a) => inbound.get(a) ?? [],
    outboundUsers: (a) => outbound.get(a) ?? [],
    identifiesOf: (e) => idents.get(e) ?? [],
    endpoints: byType('endpoint'),
    auths: byType('auth'),
    aors: byType('aor'),
    transports: byType('transport'),
    identifies: byType('identify'),
    registrations: byType('registration'),
    acls: byType('acl'),
    ...(global ? { global } : {}),
  };
}

const VM_SPECIAL = new Set(['general', 'zonemessages']);

function buildMailboxes(conf: ConfigFile | undefined): Mailbox[] {
  const out: Mailbox[] = [];
  for (const s of conf?.sections ?? []) {
    if (s.template || VM_SPECIAL.has(s.name.toLowerCase())) continue;
    for (const v of s.vars) {
      const [pin = '', fullname = '', , , options = ''] = v.value.split(',');
      out.push({
        context: s.name,
        mailbox: v.name,
        pin: pin.trim(),
        fullname: fullname.trim(),
        options: options.trim(),
        file: v.file,
        line: v.line,
      });
    }
  }
  return out;
}

function buildLogger(conf: ConfigFile | undefined): LoggerChannel[] {
  const out: LoggerChannel[] = [];
  for (const s of conf?.sections ?? []) {
    if (s.template || s.name.toLowerCase() !== 'logfiles') continue;
    for (const v of s.vars) {
      let value = v.value;
      let format: string | undefined;
      const fm = /^\[([^\]]*)\]\s*(.*)$/.exec(value);
      if (fm) {
        format = fm[1];
        value = fm[2] ?? '';
      }
      out.push({
        name: v.name,
        levels: splitList(value).map((l) => l.toLowerCase()),
        ...(format !== undefined ? { format } : {}),
        file: v.file,
        line: v.line,
      });
    }
  }
  return out;
}

function pushSecret(out: SecretRef[], kind: SecretRef['kind'], owner: string, v: ConfVar | undefined): void {
  if (v && v.value !== '') out.push({ kind, owner, value: v.value, file: v.file, line: v.line });
}

function collectSecrets(m: AsteriskModel): SecretRef[] {
  const out: SecretRef[] = [];
  for (const a of m.pjsip.auths) pushSecret(out, 'sip-password', `pjsip:auth/${a.name}`, a.get('password'));
  for (const r of m.pjsip.auths) pushSecret(out, 'other', `pjsip:auth/${r.name}`, r.get('md5_cred'));
  for (const u of m.sections('manager.conf', ['general']))
    pushSecret(out, 'ami-secret', `manager:user/${u.name}`, u.get('secret'));
  for (const u of m.sections('ari.conf', ['general']))
    pushSecret(out, 'ari-password', `ari:user/${u.name}`, u.get('password'));
  for (const s of m.sections('sip.conf', ['general', 'authentication'])) {
    pushSecret(out, 'sip-password', `sip:peer/${s.name}`, s.get('secret'));
    pushSecret(out, 'other', `sip:peer/${s.name}`, s.get('md5secret'));
  }
  // pjsip_wizard.conf credentials are in m.pjsip.auths as <name>-iauth / <name>-oauth; any
  // other wizard secret (e.g. outbound_auth/password without sends_auth) is still scrubbed.
  const known = new Set(out.map((x) => x.value));
  for (const w of m.sections('pjsip_wizard.conf')) {
    for (const v of w.vars) {
      if (/\/(password|md5_cred)$/i.test(v.name) && v.value && !known.has(v.value))
        pushSecret(out, 'other', `wizard:${w.name}`, v);
    }
  }
  for (const mb of m.mailboxes) {
    const pin = mb.pin.replace(/^-/, '');
    if (pin)
      out.push({
        kind: 'voicemail-pin',
        owner: `voicemail:${mb.context}/${mb.mailbox}`,
        value: pin,
        file: mb.file,
        line: mb.line,
      });
  }
  return out;
}
