/**
 * Durations as people write them in the policy and on the command line: `500ms`, `90s`, `10m`,
 * `1.5h`, `2d`, `1w` (a space before the unit is allowed). One parser for every place that takes
 * one, so `ban`, the firewall ladder, the detectors and `exception add --expires` agree.
 */
export const DURATION_UNITS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;

export type DurationUnit = keyof typeof DURATION_UNITS;

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;

/** Seconds for a duration text, or NaN when the text is not one. */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1]) * DURATION_UNITS[m[2] as DurationUnit];
}
