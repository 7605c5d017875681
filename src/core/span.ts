/** A place in a file. `file` is relative to the audited folder, with forward slashes. */
export interface Span {
  file: string;
  line: number;
  column?: number;
}

export function formatSpan(s: Span): string {
  return s.column ? `${s.file}:${s.line}:${s.column}` : `${s.file}:${s.line}`;
}

export function compareSpans(a: Span | undefined, b: Span | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  return (a.column ?? 0) - (b.column ?? 0);
}
