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
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string): void {
    if (value.length >= MIN) {
      this.secrets.add(value);
      this.pattern = undefined;
    }
  }

  text(s: string): string {
    if (this.secrets.size === 0) return s;
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return s.replace(this.pattern, REDACTED);
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
