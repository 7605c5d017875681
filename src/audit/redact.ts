import type { Finding } from '../core/finding.js';

/**
 * Last line of defence for "secrets never leave": every text that goes into a report is scrubbed
 * of the secret values found in the configuration. Rules already avoid quoting secrets; this
 * catches mistakes. Very short values (PINs of 1-5 characters) are skipped: they collide with
 * extension numbers and line numbers, and rules never print them.
 */
export const REDACTED = '[redacted]';
const MIN = 6;

export class Redactor {
  /** Secrets indexed by their first MIN characters: one map lookup per text position. */
  private readonly byPrefix = new Map<string, string[]>();

  add(value: string): void {
    if (value.length < MIN) return;
    const key = value.slice(0, MIN);
    const list = this.byPrefix.get(key) ?? [];
    if (!list.includes(value)) {
      list.push(value);
      list.sort((a, b) => b.length - a.length);
    }
    this.byPrefix.set(key, list);
  }

  text(s: string): string {
    if (this.byPrefix.size === 0 || s.length < MIN) return s;
    let out = '';
    let from = 0;
    for (let i = 0; i + MIN <= s.length; ) {
      const hit = this.byPrefix.get(s.slice(i, i + MIN))?.find((v) => s.startsWith(v, i));
      if (hit) {
        out += s.slice(from, i) + REDACTED;
        i += hit.length;
        from = i;
      } else i++;
    }
    return from === 0 ? s : out + s.slice(from);
  }

  finding(f: Finding): Finding {
    return {
      ...f,
      message: this.text(f.message),
      target: this.text(f.target),
      ...(f.evidence ? { evidence: f.evidence.map((e) => this.text(e)) } : {}),
    };
  }
}
