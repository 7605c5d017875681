/** Asterisk's ast_true(): yes, true, y, t, 1, on (case-insensitive). */
export function astTrue(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true|y|t|1|on)$/i.test(v.trim());
}

/** Asterisk's ast_false(): no, false, n, f, 0, off. */
export function astFalse(v: string | undefined): boolean {
  return v !== undefined && /^(no|false|n|f|0|off)$/i.test(v.trim());
}

/** Splits a comma-separated option value, trimming and dropping empties. */
export function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Splits `host:port`, `[v6]:port`, a bare v6 address, or a bare host. */
export function splitHostPort(v: string): { host: string; port?: number } {
  const t = v.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  if (v6) return v6[2] ? { host: v6[1]!, port: Number(v6[2]) } : { host: v6[1]! };
  if ((t.match(/:/g) ?? []).length > 1) return { host: t };
  const m = /^(.*):(\d+)$/.exec(t);
  return m ? { host: m[1]!, port: Number(m[2]) } : { host: t };
}
