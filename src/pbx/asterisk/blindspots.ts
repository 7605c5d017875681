import type { Span } from '../../core/span.js';
import type { ConfigFile } from './config.js';
import type { Dialplan } from './dialplan.js';

/** Something a static audit of the files cannot see, and where the configuration says so. */
export interface BlindSpot {
  message: string;
  at?: Span;
}

/** sorcery wizards that keep objects in configuration files or in memory only. */
const FILE_WIZARDS = new Set(['config', 'memory', 'memory_cache']);
/** Runtime state, not configuration: contacts and the like live in astdb/memory by design. */
const RUNTIME_TYPES = new Set(['contact', 'contact_status', 'subscription_persistence']);

export interface BlindSpotInputs {
  sorcery?: ConfigFile;
  extconfig?: ConfigFile;
  voicemail?: ConfigFile;
  dialplan: Dialplan;
  /** Every parsed file with its #exec lines, when asterisk.conf allows them to run. */
  execs: { file: string; line: number; command: string }[];
  execIncludes: boolean;
}

/**
 * Realtime and database-backed objects (sorcery.conf, extconfig.conf, realtime dialplan
 * switches), #exec output and PINs kept in the spool: reported as outside the audit's sight,
 * never silently ignored.
 */
export function findBlindSpots(x: BlindSpotInputs): BlindSpot[] {
  const out: BlindSpot[] = [];
  for (const s of x.sorcery?.sections ?? []) {
    if (s.template) continue;
    for (const v of s.vars) {
      const type = v.name.split('/')[0]!.trim().toLowerCase();
      if (RUNTIME_TYPES.has(type)) continue;
      const [wizard = '', ...args] = v.value.split(',').map((p) => p.trim());
      if (FILE_WIZARDS.has(wizard.toLowerCase())) continue;
      out.push({
        message: `${s.name} ${type} objects are loaded from ${wizard}${args.length ? ` (${args.join(', ')})` : ''}, not from files: hardline cannot audit them`,
        at: { file: v.file, line: v.line },
      });
    }
  }
  for (const s of x.extconfig?.sections ?? []) {
    if (s.template || s.name.toLowerCase() !== 'settings') continue;
    for (const v of s.vars) {
      const [driver = '', db = '', table = ''] = v.value.split(',').map((p) => p.trim());
      out.push({
        message: `realtime family ${v.name} is read from ${driver}${db ? ` database ${db}` : ''}${table ? ` table ${table}` : ''}: those rows are outside this audit`,
        at: { file: v.file, line: v.line },
      });
    }
  }
  for (const ctx of x.dialplan.contexts.values()) {
    for (const sw of ctx.switches) {
      out.push({
        message: `dialplan context ${ctx.name} also takes extensions from switch ${sw.value.split('/')[0]}: those are not analysed`,
        at: { file: sw.file, line: sw.line },
      });
    }
  }
  if (x.execIncludes) {
    for (const e of x.execs) {
      out.push({
        message: `#exec ${e.command.split(/\s+/)[0]} runs at load time; its output is not audited`,
        at: { file: e.file, line: e.line },
      });
    }
  }
  const vmGeneral = x.voicemail?.sections.find((s) => s.name.toLowerCase() === 'general');
  const loc = vmGeneral?.get('passwordlocation');
  if (loc && loc.value.trim().toLowerCase() === 'spooldir') {
    out.push({
      message:
        'voicemail PINs are kept in the spool (passwordlocation = spooldir); PINs changed by users are not audited',
      at: { file: loc.file, line: loc.line },
    });
  }
  return out;
}
