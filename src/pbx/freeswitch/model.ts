import path from 'node:path';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { ModelBase } from '../../core/rule.js';
import type { Span } from '../../core/span.js';
import { type Cidr, parseCidr } from '../../net/address.js';
import { type GlobalVar, type PreCommand, preprocessFreeswitch } from './preprocess.js';
import { attr, descendants, kid, kids, parseXml, type XmlElement } from './xml.js';

/**
 * The FreeSWITCH model: what the pre-processed XML document configures, with every value's
 * original file:line. Built from freeswitch.xml (or the stock layout when it is missing).
 */

export interface FsParam extends Span {
  name: string;
  /** Value after `$${}` expansion. */
  value: string;
  /** Global variables expanded on the param's line. */
  vars: string[];
}

/** Ordered name/value params (`<param>` or `<variable>`); names compare case-insensitively. */
export class ParamList {
  constructor(readonly items: FsParam[] = []) {}
  /** The effective value: the last one set, as FreeSWITCH modules read params in order. */
  get(name: string): FsParam | undefined {
    const n = name.toLowerCase();
    for (let i = this.items.length - 1; i >= 0; i--)
      if (this.items[i]!.name.toLowerCase() === n) return this.items[i];
    return undefined;
  }
  value(name: string): string | undefined {
    return this.get(name)?.value;
  }
  all(name: string): FsParam[] {
    const n = name.toLowerCase();
    return this.items.filter((p) => p.name.toLowerCase() === n);
  }
}

export interface FsGroup extends Span {
  name: string;
  params: ParamList;
  variables: ParamList;
}

export interface FsUser extends Span {
  id: string;
  domain: string;
  groups: string[];
  /** `cidr` attribute: addresses added to ACL lists that name this domain. */
  cidr?: string;
  numberAlias?: string;
  mailbox?: string;
  params: ParamList;
  variables: ParamList;
  /** Effective param (user, then its groups, then the domain), as switch_xml_locate_user_merged does. */
  param(name: string): FsParam | undefined;
  variable(name: string): FsParam | undefined;
}

export interface FsDomain extends Span {
  name: string;
  params: ParamList;
  variables: ParamList;
  groups: FsGroup[];
  users: FsUser[];
}

export interface FsGateway extends Span {
  name: string;
  profile: string;
  params: ParamList;
}

export interface SipProfile extends Span {
  name: string;
  params: ParamList;
  gateways: FsGateway[];
}

export interface AclNode extends Span {
  allow: boolean;
  /** The node as written (cidr, host/mask or domain=...). */
  text: string;
  cidr?: Cidr;
  /** `domain=`: the users' `cidr` attributes of that directory domain are added. */
  domain?: string;
}

export interface AclList extends Span {
  name: string;
  defaultAllow: boolean;
  nodes: AclNode[];
}

/** A `<configuration name="x.conf">` block with its `<settings>` params. */
export interface ConfigBlock extends Span {
  name: string;
  settings: ParamList;
  /** The `<settings>` element (where a missing param belongs), else the configuration element. */
  settingsAt: Span;
  el: XmlElement;
}

export interface VmProfile extends Span {
  name: string;
  params: ParamList;
}

export interface DpAction extends Span {
  application: string;
  data: string;
  anti: boolean;
}

export interface DpCondition extends Span {
  field?: string;
  expression?: string;
  /** `<regex field= expression=>` children (regex="all|any|xor" conditions). */
  regexes: { field: string; expression: string }[];
  actions: DpAction[];
  children: DpCondition[];
}

export interface DpExtension extends Span {
  name: string;
  context: string;
  conditions: DpCondition[];
}

export interface DpContext extends Span {
  name: string;
  extensions: DpExtension[];
}

export interface FreeswitchModel extends ModelBase {
  kind: 'freeswitch';
  /** Final global variables (vars.xml and every other X-PRE-PROCESS set). */
  globals: Map<string, GlobalVar>;
  globalHistory: GlobalVar[];
  commands: PreCommand[];
  files: string[];
  blindSpots: string[];
  /** `<configuration>` blocks by name (`sofia.conf`, `acl.conf`, ...). */
  configs: Map<string, ConfigBlock>;
  /** Modules loaded by modules.conf; undefined when modules.conf is not in the folder. */
  modules?: Set<string>;
  /** True when the module is loaded, or when modules.conf is absent (unknown). */
  moduleLoaded(name: string): boolean;
  domains: FsDomain[];
  users: FsUser[];
  profiles: SipProfile[];
  sofiaGlobal: ParamList;
  acls: Map<string, AclList>;
  voicemail: VmProfile[];
  dialplan: Map<string, DpContext>;
}

function paramsOf(el: XmlElement | undefined, tag = 'param'): ParamList {
  const items: FsParam[] = [];
  for (const p of kids(el, tag)) {
    const name = attr(p, 'name');
    if (name === undefined) continue;
    items.push({ name, value: attr(p, 'value') ?? '', vars: p.vars, file: p.file, line: p.line });
  }
  return new ParamList(items);
}

export function loadFreeswitch(root: string): FreeswitchModel {
  const abs = path.resolve(root);
  const pre = preprocessFreeswitch(abs);
  const xml = parseXml(pre.lines);
  const diagnostics: Diagnostic[] = [...pre.diagnostics, ...xml.diagnostics];
  const doc = xml.root;
  const sections = new Map<string, XmlElement[]>();
  for (const s of kids(doc, 'section')) {
    const n = attr(s, 'name') ?? '';
    sections.set(n, [...(sections.get(n) ?? []), s]);
  }
  const sectionEls = (n: string) => sections.get(n) ?? [];

  const configs = new Map<string, ConfigBlock>();
  for (const sec of sectionEls('configuration')) {
    for (const c of kids(sec, 'configuration')) {
      const name = attr(c, 'name') ?? '';
      if (configs.has(name)) {
        diagnostics.push({
          file: c.file,
          line: c.line,
          level: 'warning',
          code: 'duplicate-configuration',
          message: `configuration ${name} is defined again; FreeSWITCH uses the first one`,
        });
        continue;
      }
      const st = kid(c, 'settings') ?? c;
      configs.set(name, {
        name,
        settings: paramsOf(kid(c, 'settings')),
        settingsAt: { file: st.file, line: st.line },
        el: c,
        file: c.file,
        line: c.line,
      });
    }
  }

  let modules: Set<string> | undefined;
  const modConf = configs.get('modules.conf');
  if (modConf) {
    modules = new Set();
    for (const l of descendants(modConf.el, 'load')) {
      const m = attr(l, 'module');
      if (m) modules.add(m);
    }
  }

  const domains = buildDirectory(sectionEls('directory'), diagnostics);
  const users = domains.flatMap((d) => d.users);

  const sofia = configs.get('sofia.conf');
  const sofiaGlobal = paramsOf(kid(sofia?.el, 'global_settings'));
  const profiles: SipProfile[] = [];
  for (const p of descendants(kid(sofia?.el, 'profiles'), 'profile')) {
    const name = attr(p, 'name') ?? '';
    const gateways: FsGateway[] = [];
    for (const g of descendants(kid(p, 'gateways'), 'gateway')) {
      gateways.push({
        name: attr(g, 'name') ?? '',
        profile: name,
        params: paramsOf(g),
        file: g.file,
        line: g.line,
      });
    }
    profiles.push({ name, params: paramsOf(kid(p, 'settings')), gateways, file: p.file, line: p.line });
  }

  const acls = new Map<string, AclList>();
  for (const l of descendants(kid(configs.get('acl.conf')?.el, 'network-lists'), 'list')) {
    const name = attr(l, 'name') ?? '';
    const nodes: AclNode[] = [];
    for (const n of kids(l, 'node')) {
      const allow = (attr(n, 'type') ?? '').toLowerCase() === 'allow';
      const at = { file: n.file, line: n.line };
      const cidrText = attr(n, 'cidr');
      const host = attr(n, 'host');
      const domain = attr(n, 'domain');
      if (cidrText !== undefined) {
        for (const part of cidrText
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const c = parseCidr(part);
          if (c && part.includes('/')) nodes.push({ allow, text: part, cidr: c, ...at });
          else
            diagnostics.push({
              ...at,
              level: 'warning',
              code: 'acl-node',
              message: `acl ${name}: cidr "${part}" is not address/bits; FreeSWITCH rejects it`,
            });
        }
      } else if (host !== undefined) {
        const c = parseCidr(`${host}/${attr(n, 'mask') ?? '255.255.255.255'}`);
        if (c) nodes.push({ allow, text: `${host}/${attr(n, 'mask') ?? ''}`, cidr: c, ...at });
      } else if (domain !== undefined) {
        nodes.push({ allow, text: `domain=${domain}`, domain, ...at });
      }
    }
    const defaultAllow = (attr(l, 'default') ?? 'deny').toLowerCase() === 'allow';
    acls.set(name, { name, defaultAllow, nodes, file: l.file, line: l.line });
  }

  const voicemail: VmProfile[] = [];
  for (const p of descendants(kid(configs.get('voicemail.conf')?.el, 'profiles'), 'profile')) {
    voicemail.push({ name: attr(p, 'name') ?? '', params: paramsOf(p), file: p.file, line: p.line });
  }

  const dialplan = buildDialplan(sectionEls('dialplan'), diagnostics);

  const blindSpots = [...pre.blindSpots];
  const lua = configs.get('lua.conf');
  const handler = lua?.settings.get('xml-handler-script');
  if (handler && (modules ? modules.has('mod_lua') : true)) {
    blindSpots.push(
      `${handler.file}:${handler.line}: lua xml-handler-script ${handler.value} answers ${lua?.settings.value('xml-handler-bindings') ?? 'directory/dialplan'} lookups at runtime (FusionPBX keeps users, dialplans and gateways in its database): those are not in the files the audit read`,
    );
  }
  const curl = configs.get('xml_curl.conf');
  if (curl && descendants(curl.el, 'binding').length > 0 && (modules ? modules.has('mod_xml_curl') : true)) {
    blindSpots.push('xml_curl.conf bindings fetch configuration over HTTP at runtime: not audited');
  }

  return {
    kind: 'freeswitch',
    root: abs,
    diagnostics,
    globals: pre.globals,
    globalHistory: pre.history,
    commands: pre.commands,
    files: pre.files,
    blindSpots,
    configs,
    ...(modules ? { modules } : {}),
    moduleLoaded: (name) => (modules ? modules.has(name) : true),
    domains,
    users,
    profiles,
    sofiaGlobal,
    acls,
    voicemail,
    dialplan,
  };
}

function buildDirectory(sections: XmlElement[], diagnostics: Diagnostic[]): FsDomain[] {
  const domains: FsDomain[] = [];
  for (const sec of sections) {
    for (const d of kids(sec, 'domain')) {
      const name = attr(d, 'name') ?? '';
      const dParams = paramsOf(kid(d, 'params'));
      const dVars = paramsOf(kid(d, 'variables'), 'variable');
      const groups: FsGroup[] = [];
      const users: FsUser[] = [];
      const seen = new Map<string, FsUser>();
      const memberOf = new Map<XmlElement, FsGroup>();
      for (const g of descendants(kid(d, 'groups'), 'group')) {
        const group: FsGroup = {
          name: attr(g, 'name') ?? '',
          params: paramsOf(kid(g, 'params')),
          variables: paramsOf(kid(g, 'variables'), 'variable'),
          file: g.file,
          line: g.line,
        };
        groups.push(group);
        for (const u of descendants(g, 'user')) memberOf.set(u, group);
      }
      const groupsOf = new Map<string, FsGroup[]>();
      for (const u of descendants(d, 'user')) {
        const id = attr(u, 'id') ?? '';
        const g = memberOf.get(u);
        if (g) groupsOf.set(id, [...(groupsOf.get(id) ?? []), g]);
        if ((attr(u, 'type') ?? '').toLowerCase() === 'pointer') continue;
        if (seen.has(id)) {
          diagnostics.push({
            file: u.file,
            line: u.line,
            level: 'warning',
            code: 'duplicate-user',
            message: `user ${id}@${name} is defined again; FreeSWITCH finds the first one`,
          });
          continue;
        }
        const params = paramsOf(kid(u, 'params'));
        const variables = paramsOf(kid(u, 'variables'), 'variable');
        const cidr = attr(u, 'cidr');
        const numberAlias = attr(u, 'number-alias');
        const mailbox = attr(u, 'mailbox');
        const user: FsUser = {
          id,
          domain: name,
          groups: [],
          ...(cidr !== undefined ? { cidr } : {}),
          ...(numberAlias !== undefined ? { numberAlias } : {}),
          ...(mailbox !== undefined ? { mailbox } : {}),
          params,
          variables,
          file: u.file,
          line: u.line,
          param: (n) =>
            params.get(n) ??
            (groupsOf.get(id) ?? []).map((gr) => gr.params.get(n)).find(Boolean) ??
            dParams.get(n),
          variable: (n) =>
            variables.get(n) ??
            (groupsOf.get(id) ?? []).map((gr) => gr.variables.get(n)).find(Boolean) ??
            dVars.get(n),
        };
        seen.set(id, user);
        users.push(user);
      }
      for (const u of users) u.groups = (groupsOf.get(u.id) ?? []).map((g) => g.name);
      domains.push({ name, params: dParams, variables: dVars, groups, users, file: d.file, line: d.line });
    }
  }
  return domains;
}

function buildCondition(c: XmlElement): DpCondition {
  const actions: DpAction[] = [];
  for (const a of c.children) {
    if (a.name !== 'action' && a.name !== 'anti-action') continue;
    actions.push({
      application: attr(a, 'application') ?? '',
      data: attr(a, 'data') ?? '',
      anti: a.name === 'anti-action',
      file: a.file,
      line: a.line,
    });
  }
  const field = attr(c, 'field');
  const expression = attr(c, 'expression');
  return {
    ...(field !== undefined ? { field } : {}),
    ...(expression !== undefined ? { expression } : {}),
    regexes: kids(c, 'regex').map((r) => ({
      field: attr(r, 'field') ?? '',
      expression: attr(r, 'expression') ?? '',
    })),
    actions,
    children: kids(c, 'condition').map(buildCondition),
    file: c.file,
    line: c.line,
  };
}

function buildDialplan(sections: XmlElement[], diagnostics: Diagnostic[]): Map<string, DpContext> {
  const out = new Map<string, DpContext>();
  for (const sec of sections) {
    for (const c of kids(sec, 'context')) {
      const name = attr(c, 'name') ?? '';
      if (out.has(name)) {
        diagnostics.push({
          file: c.file,
          line: c.line,
          level: 'info',
          code: 'duplicate-context',
          message: `dialplan context ${name} is defined again; FreeSWITCH uses the first one`,
        });
        continue;
      }
      const extensions: DpExtension[] = kids(c, 'extension').map((e) => ({
        name: attr(e, 'name') ?? '',
        context: name,
        conditions: kids(e, 'condition').map(buildCondition),
        file: e.file,
        line: e.line,
      }));
      out.set(name, { name, extensions, file: c.file, line: c.line });
    }
  }
  return out;
}

/** FreeSWITCH's switch_true(). */
export function fsTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  if (/^(yes|on|true|t|enabled|active|allow)$/.test(t)) return true;
  return /^-?\d+$/.test(t) && Number(t) !== 0;
}

/** FreeSWITCH's switch_false(). */
export function fsFalse(v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  if (/^(no|off|false|f|disabled|inactive|disallow)$/.test(t)) return true;
  return /^-?\d+$/.test(t) && Number(t) === 0;
}

/** `freeswitch:user/1000@example.com` */
export function userTarget(u: FsUser): string {
  return `freeswitch:user/${u.id}@${u.domain}`;
}

export function profileTarget(p: SipProfile): string {
  return `freeswitch:profile/${p.name}`;
}

/** Where a global variable is set, for messages: `vars.xml:12`. */
export function globalWhere(g: GlobalVar | undefined): string {
  return g?.file ? `${g.file}:${g.line}` : 'FreeSWITCH core';
}
