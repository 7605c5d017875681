import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModelBase, PbxKind } from '../core/rule.js';
import type { Span } from '../core/span.js';
import { asteriskCommon } from './asterisk/common.js';
import { ASTERISK_FILES, loadAsterisk } from './asterisk/model.js';
import type { CommonModel } from './common.js';
import { freeswitchCommon } from './freeswitch/common.js';
import { loadFreeswitch } from './freeswitch/model.js';
import { kamailioCommon } from './kamailio/common.js';
import { findKamailioCfg, loadKamailio } from './kamailio/model.js';

/** Markers that identify a configuration folder's PBX. */
const MARKERS: Record<PbxKind, string[]> = {
  asterisk: [...ASTERISK_FILES],
  freeswitch: ['freeswitch.xml', 'vars.xml'],
  kamailio: ['kamailio.cfg'],
};

/** Every PBX kind whose marker files are in the folder (a Kamailio cfg may have another name). */
export function detectPbxKinds(dir: string): PbxKind[] {
  const out: PbxKind[] = [];
  for (const kind of Object.keys(MARKERS) as PbxKind[]) {
    if (MARKERS[kind].some((f) => existsSync(path.join(dir, f)))) out.push(kind);
    else if (kind === 'kamailio' && findKamailioCfg(dir)) out.push(kind);
  }
  return out;
}

/** Guesses the PBX kind of a folder from the files in it (the first kind that matches). */
export function detectPbxKind(dir: string): PbxKind | undefined {
  return detectPbxKinds(dir)[0];
}

export interface LoadedModel extends ModelBase {
  /** Secret values in the configuration, used to scrub every report. */
  secrets: { value: string }[];
  /** Files read, display paths relative to the model root. */
  fileList: string[];
  /** What a static audit of this configuration cannot see. */
  blindSpots: string[];
  /** The part every PBX kind provides, read by the cross-PBX rules (src/rules/common/). */
  common: CommonModel;
  /** The same with the place in the configuration that says so (the engine makes paths relative). */
  blindSpotsAt?: { message: string; at?: Span }[];
}

export interface LoadOptions {
  /** Kamailio: defines as if given with `kamailio -A` (policy `pbxs[].defines`). */
  defines?: string[];
}

export function loadModel(kind: PbxKind, root: string, opts: LoadOptions = {}): LoadedModel {
  if (kind === 'asterisk') {
    const m = loadAsterisk(root);
    const fileList = Object.values(m.files).flatMap((f) => f?.files ?? []);
    return Object.assign(m, {
      fileList: [...new Set(fileList)],
      blindSpots: [] as string[],
      common: asteriskCommon(m),
      blindSpotsAt: m.unseen,
    });
  }
  if (kind === 'freeswitch') {
    const m = loadFreeswitch(root);
    const common = freeswitchCommon(m);
    const extra = [...m.globals.values()]
      .filter((g) => !g.runtime && /pass|secret|pin|key|token/i.test(g.name) && g.value !== '')
      .map((g) => ({ value: g.value }));
    return Object.assign(m, { secrets: [...common.secrets, ...extra], fileList: m.files, common });
  }
  const m = loadKamailio(root, { ...(opts.defines ? { defines: opts.defines } : {}) });
  const common = kamailioCommon(m);
  return Object.assign(m, { secrets: common.secrets, fileList: m.files, common });
}
