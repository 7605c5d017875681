import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HardlineError } from '../core/errors.js';
import { loadAsterisk } from '../pbx/asterisk/model.js';
import { detectPbxKind } from '../pbx/index.js';
import { draftPolicy } from '../policy/draft.js';
import { parsePolicy } from '../policy/loader.js';

export interface InitCliOptions {
  output?: string;
  force?: boolean;
  name: string;
}

/** `hardline init <confdir>`: drafts hardline.yaml from an Asterisk configuration folder. */
export async function initCommand(confdir: string, o: InitCliOptions): Promise<number> {
  const abs = path.resolve(confdir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `${confdir} is not a folder`);
  const kind = detectPbxKind(abs);
  if (kind !== 'asterisk') {
    throw new HardlineError(
      'HL_ERR_PBX_UNKNOWN',
      kind
        ? `init drafts policies from Asterisk configuration only so far (${confdir} looks like ${kind})`
        : `${confdir} holds no Asterisk configuration`,
      [{ message: 'expected pjsip.conf, extensions.conf, sip.conf ... in the folder' }],
    );
  }
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name))
    throw new HardlineError('HL_ERR_USAGE', `--name ${o.name}: use letters, digits, _ . - only`);
  const out = o.output ? path.resolve(o.output) : undefined;
  if (out && existsSync(out) && !o.force)
    throw new HardlineError('HL_ERR_OUTPUT', `${o.output} exists; use --force to overwrite it`);
  const base = out ? path.dirname(out) : process.cwd();
  const configPath = path.relative(base, abs).split(path.sep).join('/') || '.';
  const m = loadAsterisk(abs);
  const text = draftPolicy(m, { configPath, name: o.name, now: new Date() });
  // The draft must load: a draft that does not would be a bug, not the user's problem.
  parsePolicy(text, out ?? path.join(base, 'hardline.yaml'));
  if (out) {
    try {
      writeFileSync(out, text);
    } catch (e) {
      throw new HardlineError('HL_ERR_OUTPUT', `cannot write ${o.output}: ${(e as Error).message}`);
    }
    process.stderr.write(
      `wrote ${o.output}: review every line marked "review:", then run hardline audit ${path.relative(process.cwd(), base) || '.'}\n`,
    );
  } else process.stdout.write(text);
  return 0;
}
