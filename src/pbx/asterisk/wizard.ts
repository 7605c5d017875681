import { ConfSection, type ConfVar } from './config.js';
import { astTrue, splitHostPort, splitList } from './values.js';

/**
 * pjsip_wizard.conf: res_pjsip_config_wizard turns each `type = wizard` section into ordinary
 * pjsip objects. hardline does the same, so every pjsip rule sees wizard objects under the names
 * Asterisk gives them (`pjsip show endpoints`): endpoint and aor `<name>`, inbound auth
 * `<name>-iauth` (when accepts_auth), outbound auth `<name>-oauth` (when sends_auth), identify
 * `<name>-identify` (remote_hosts, unless accepts_registrations) and registrations
 * `<name>-reg-<n>` (sends_registrations). Every synthesized value points at the wizard line it
 * came from.
 */

export interface WizardObjects {
  sections: ConfSection[];
  /** Each synthesized section -> the wizard section it was made from. */
  origin: Map<ConfSection, ConfSection>;
}

export function expandWizards(wizards: ConfSection[]): WizardObjects {
  const sections: ConfSection[] = [];
  const origin = new Map<ConfSection, ConfSection>();
  for (const w of wizards) {
    if (w.template || (w.value('type') ?? '').toLowerCase() !== 'wizard') continue;
    const made = expandOne(w);
    for (const s of made) origin.set(s, w);
    sections.push(...made);
  }
  return { sections, origin };
}

function expandOne(w: ConfSection): ConfSection[] {
  const flag = (name: string) => w.get(name);
  const on = (name: string) => astTrue(flag(name)?.value);
  const make = (name: string, type: string, at: ConfVar | undefined) => {
    const s = new ConfSection(name, w.file, w.line);
    s.vars.push(synth('type', type, at ?? w));
    return s;
  };
  const copy = (s: ConfSection, prefix: string) => {
    for (const v of w.vars) {
      const slash = v.name.indexOf('/');
      if (slash < 0 || v.name.slice(0, slash).toLowerCase() !== prefix) continue;
      s.vars.push({ ...v, name: v.name.slice(slash + 1) });
    }
  };
  const out: ConfSection[] = [];
  const transport = w.get('transport');
  const hosts = (w.get('remote_hosts') ? splitList(w.value('remote_hosts')) : []).filter(Boolean);
  const hostsVar = w.get('remote_hosts');

  const ep = make(w.name, 'endpoint', undefined);
  if (transport) ep.vars.push({ ...transport });
  ep.vars.push(synth('aors', w.name, w));
  if (on('accepts_auth')) ep.vars.push(synth('auth', `${w.name}-iauth`, flag('accepts_auth')!));
  if (on('sends_auth')) ep.vars.push(synth('outbound_auth', `${w.name}-oauth`, flag('sends_auth')!));
  copy(ep, 'endpoint');
  out.push(ep);

  const aor = make(w.name, 'aor', undefined);
  if (hosts.length && !on('accepts_registrations')) {
    for (const h of hosts) aor.vars.push(synth('contact', `sip:${h}`, hostsVar!));
  }
  copy(aor, 'aor');
  out.push(aor);

  if (on('accepts_auth')) {
    const a = make(`${w.name}-iauth`, 'auth', flag('accepts_auth'));
    a.vars.push(synth('username', w.name, flag('accepts_auth')!));
    copy(a, 'inbound_auth');
    out.push(a);
  }
  if (on('sends_auth')) {
    const a = make(`${w.name}-oauth`, 'auth', flag('sends_auth'));
    a.vars.push(synth('username', w.name, flag('sends_auth')!));
    copy(a, 'outbound_auth');
    out.push(a);
  }
  if (hosts.length && !on('accepts_registrations')) {
    const id = make(`${w.name}-identify`, 'identify', hostsVar);
    id.vars.push(synth('endpoint', w.name, hostsVar!));
    for (const h of hosts) id.vars.push(synth('match', splitHostPort(h).host, hostsVar!));
    copy(id, 'identify');
    out.push(id);
  }
  if (on('sends_registrations')) {
    hosts.forEach((h, i) => {
      const r = make(`${w.name}-reg-${i}`, 'registration', flag('sends_registrations'));
      if (transport) r.vars.push({ ...transport });
      r.vars.push(synth('server_uri', `sip:${h}`, hostsVar!));
      r.vars.push(synth('client_uri', `sip:${w.name}@${h}`, hostsVar!));
      r.vars.push(synth('endpoint', w.name, flag('sends_registrations')!));
      if (on('sends_auth')) r.vars.push(synth('outbound_auth', `${w.name}-oauth`, flag('sends_auth')!));
      copy(r, 'registration');
      out.push(r);
    });
  }
  if (on('has_phoneprov')) {
    const p = make(w.name, 'phoneprov', flag('has_phoneprov'));
    copy(p, 'phoneprov');
    out.push(p);
  }
  return out;
}

function synth(name: string, value: string, at: ConfVar | ConfSection): ConfVar {
  return {
    name,
    value,
    object: false,
    file: at.file,
    line: at.line,
    ...('inherited' in at && at.inherited ? { inherited: at.inherited } : {}),
  };
}
