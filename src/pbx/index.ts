import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ModelBase, PbxKind } from '../core/rule.js';
import type { Span } from '../core/span.js';
import { ASTERISK_FILES, loadAsterisk } from './asterisk/model.js';

/** Markers that identify a configuration folder's PBX. */
const MARKERS: Record<PbxKind, string[]> = {
  asterisk: [...ASTERISK_FILES],
  freeswitch: ['freeswitch.xml', 'vars.xml'],
  kamailio: ['kamailio.cfg'],
};

/** Guesses the PBX kind of a folder from the files in it. */
export function detectPbxKind(dir: string): PbxKind | undefined {
  for (const kind of Object.keys(MARKERS) as PbxKind[]) {
    if (MARKERS[kind].some((f) => existsSync(path.join(dir, f)))) return kind;
  }
  return undefined;
}

export interface LoadedModel extends ModelBase {
  /** Secret values in the configuration, used to scrub every report. */
  secrets: { value: string }[];
  /** Files read, display paths relative to the model root. */
  fileList: string[];
  /** What a static audit of this configuration cannot see. */
  blindSpots: string[];
  /** The same with the place in the configuration that says so (the engine makes paths relative). */
  blindSpotsAt?: { message: string; at?: Span }[];
}

export function loadModel(kind: PbxKind, root: string): LoadedModel {
  if (kind === 'asterisk') {
    const m = loadAsterisk(root);
    const fileList = Object.values(m.files).flatMap((f) => f?.files ?? []);
    return Object.assign(m, {
      fileList: [...new Set(fileList)],
      blindSpots: [] as string[],
      blindSpotsAt: m.unseen,
    });
  }
  throw new Error(`no ${kind} support yet`);
}
