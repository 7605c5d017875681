import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { AuditSource } from '../audit/engine.js';
import { HardlineError } from '../core/errors.js';
import type { PbxKind } from '../core/rule.js';
import { detectPbxKinds } from '../pbx/index.js';
import { defaultPolicy, type LoadedPolicy, loadPolicyFile, POLICY_FILENAME } from '../policy/loader.js';

export interface ResolvedTarget {
  policy: LoadedPolicy;
  sources: AuditSource[];
  /** Folder report paths are relative to. */
  reportRoot: string;
  /** Path as the user gave it, for display. */
  display: string;
}

/**
 * Works out what to audit from PATH and --policy:
 * - PATH is a PBX configuration folder: audit it (with --policy, or a hardline.yaml inside it);
 * - PATH is a folder holding hardline.yaml (or the yaml file itself): audit every PBX it lists.
 */
export function resolveTarget(
  pathArg: string | undefined,
  policyArg: string | undefined,
  pbx: PbxKind | 'auto' = 'auto',
): ResolvedTarget {
  const given = pathArg ?? '.';
  const abs = path.resolve(given);
  if (!existsSync(abs)) throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `${given} does not exist`);
  let dir = abs;
  let policyFile = policyArg ? path.resolve(policyArg) : undefined;
  if (statSync(abs).isFile()) {
    if (!/\.ya?ml$/i.test(abs)) {
      throw new HardlineError(
        'HL_ERR_USAGE',
        `${given} is a file; give a configuration folder or a ${POLICY_FILENAME}`,
      );
    }
    policyFile ??= abs;
    dir = path.dirname(abs);
  } else if (!policyFile && existsSync(path.join(abs, POLICY_FILENAME))) {
    policyFile = path.join(abs, POLICY_FILENAME);
  }
  const policy = policyFile ? loadPolicyFile(policyFile) : defaultPolicy();
  const detected = detectPbxKinds(dir);
  const named = policy.policy.pbxs.find(
    (p) => path.resolve(path.dirname(policyFile ?? dir), p.config) === dir,
  );
  let ownKind: PbxKind | undefined;
  if (detected.length > 0 || (pbx !== 'auto' && policy.policy.pbxs.length === 0)) {
    if (pbx !== 'auto') ownKind = pbx;
    else if (named) ownKind = named.kind;
    else if (detected.length > 1) {
      throw new HardlineError(
        'HL_ERR_PBX_AMBIGUOUS',
        `${given} looks like more than one PBX (${detected.join(', ')})`,
        [
          {
            message: `marker files of ${detected.join(' and ')} are all present`,
            hint: `choose one with --pbx ${detected.join('|')}`,
          },
        ],
      );
    } else ownKind = detected[0];
  }
  let sources: AuditSource[];
  if (ownKind) {
    const defines = named?.kind === ownKind ? named.defines : undefined;
    sources = [
      {
        name: named?.name ?? (path.basename(dir) || ownKind),
        kind: ownKind,
        root: dir,
        ...(defines ? { defines } : {}),
      },
    ];
  } else if (policy.policy.pbxs.length > 0) {
    const base = path.dirname(policyFile!);
    const listed = policy.policy.pbxs.filter((p) => pbx === 'auto' || p.kind === pbx);
    if (listed.length === 0) {
      throw new HardlineError('HL_ERR_PBX_UNKNOWN', `the policy lists no ${pbx} PBX`, [
        {
          file: path.relative(process.cwd(), policyFile!),
          message: `pbxs: ${policy.policy.pbxs.map((p) => `${p.name} (${p.kind})`).join(', ')}`,
          hint: 'drop --pbx, or use --pbx auto',
        },
      ]);
    }
    sources = listed.map((p) => {
      const root = path.resolve(base, p.config);
      if (!existsSync(root)) {
        throw new HardlineError(
          'HL_ERR_PATH_NOT_FOUND',
          `PBX ${p.name}: configuration folder ${p.config} does not exist`,
          [
            {
              file: path.relative(process.cwd(), policyFile!),
              message: `pbxs: ${p.name}.config = ${p.config} (resolved to ${root})`,
            },
          ],
        );
      }
      return { name: p.name, kind: p.kind, root, ...(p.defines ? { defines: p.defines } : {}) };
    });
  } else {
    throw new HardlineError(
      'HL_ERR_PBX_UNKNOWN',
      `${given} holds no Asterisk, FreeSWITCH or Kamailio configuration${policyFile ? ' and the policy lists no pbxs' : ''}`,
      [
        {
          message:
            'expected pjsip.conf/extensions.conf (Asterisk), freeswitch.xml/vars.xml (FreeSWITCH) or kamailio.cfg (Kamailio)',
          hint: `or a folder with ${POLICY_FILENAME} listing pbxs, or name the kind with --pbx`,
        },
      ],
    );
  }
  return { policy, sources, reportRoot: dir, display: given };
}
