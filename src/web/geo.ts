import maxmind, { type Reader, type Response } from 'maxmind';
import { HardlineError } from '../core/errors.js';

/** What the dashboard shows next to a source address. */
export interface GeoInfo {
  /** ISO 3166 code, e.g. `NL`. */
  country?: string;
  countryName?: string;
  city?: string;
  asn?: number;
  /** Network operator (autonomous system organisation). */
  org?: string;
}

export interface GeoLookup {
  lookup(ip: string): GeoInfo | undefined;
}

type Record_ = {
  country?: { iso_code?: string; names?: Record<string, string> };
  registered_country?: { iso_code?: string; names?: Record<string, string> };
  city?: { names?: Record<string, string> };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
  traits?: { autonomous_system_number?: number; autonomous_system_organization?: string };
};

/** Reads a record of any MaxMind-format database (Country, City, ASN, or a merged one). */
export function geoFromRecord(r: Record_ | null | undefined): GeoInfo | undefined {
  if (!r) return undefined;
  const out: GeoInfo = {};
  const c = r.country ?? r.registered_country;
  if (c?.iso_code) out.country = c.iso_code;
  if (c?.names?.['en']) out.countryName = c.names['en'];
  if (r.city?.names?.['en']) out.city = r.city.names['en'];
  const asn = r.autonomous_system_number ?? r.traits?.autonomous_system_number;
  const org = r.autonomous_system_organization ?? r.traits?.autonomous_system_organization;
  if (asn !== undefined) out.asn = asn;
  if (org) out.org = org;
  return Object.keys(out).length ? out : undefined;
}

/** Lookups across several readers (a country and an ASN database, typically), merged. */
export class MaxmindGeo implements GeoLookup {
  constructor(private readonly readers: Pick<Reader<Response>, 'get'>[]) {}

  lookup(ip: string): GeoInfo | undefined {
    if (!maxmind.validate(ip)) return undefined;
    let out: GeoInfo | undefined;
    for (const r of this.readers) {
      let rec: Record_ | null = null;
      try {
        rec = r.get(ip) as Record_ | null;
      } catch {
        continue;
      }
      const g = geoFromRecord(rec);
      if (g) out = { ...g, ...(out ?? {}) };
    }
    return out;
  }
}

/** Opens local .mmdb files (no download, no update watching). */
export async function openGeo(files: string[]): Promise<GeoLookup | undefined> {
  if (!files.length) return undefined;
  const readers: Reader<Response>[] = [];
  for (const f of files) {
    try {
      readers.push(await maxmind.open<Response>(f, { cache: { max: 10_000 } }));
    } catch (e) {
      throw new HardlineError('HL_ERR_WEB', `cannot open the MaxMind database ${f}: ${(e as Error).message}`);
    }
  }
  return new MaxmindGeo(readers);
}
