import type { Span } from './span.js';

/**
 * A problem found while reading input (not a security finding): a malformed config line, a
 * missing include. Parsers return diagnostics and go on; they never throw on bad input.
 */
export interface Diagnostic extends Span {
  level: 'error' | 'warning' | 'info';
  code: string;
  message: string;
}
