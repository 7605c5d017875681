import type { ConfigFile, ConfVar } from './config.js';
import { astFalse } from './values.js';

/** modules.conf: which modules Asterisk loads. */
export interface Modules {
  /** False when modules.conf keeps the module from loading (noload, or autoload=no without load). */
  loaded(module: string): boolean;
  /** The `noload =>` line for a module, if any. */
  noload(module: string): ConfVar | undefined;
}

const norm = (m: string) => m.trim().toLowerCase().replace(/\.so$/, '');

export function buildModules(conf: ConfigFile | undefined): Modules {
  const section = conf?.sections.find((s) => s.name.toLowerCase() === 'modules');
  const noload = new Map<string, ConfVar>();
  const load = new Set<string>();
  for (const v of section?.vars ?? []) {
    const k = v.name.toLowerCase();
    if (k === 'noload') noload.set(norm(v.value), v);
    else if (k === 'load' || k === 'require' || k === 'preload' || k === 'preload-require')
      load.add(norm(v.value));
  }
  // Without modules.conf Asterisk loads every module it finds; autoload defaults to yes.
  const autoload = !section || !astFalse(section.value('autoload') ?? 'yes');
  return {
    loaded(module) {
      const m = norm(module);
      if (noload.has(m)) return false;
      return autoload || load.has(m);
    },
    noload: (module) => noload.get(norm(module)),
  };
}
