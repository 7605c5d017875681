import { displayName } from './headers.js';
import type { SipMessage } from './message.js';

export interface SerializeOptions {
  /**
   * Write Content-Length from the body's real size (default true). Existing Content-Length
   * lines are replaced; one is appended when missing (mandatory on stream transports).
   */
  contentLength?: boolean;
  /** Header lines whose value is replaced by `<redacted>` (e.g. ['authorization']), for evidence. */
  redact?: readonly string[];
}

/** The header block (start line, headers, empty line) as text. */
export function serializeHead(m: SipMessage, opts: SerializeOptions = {}): string {
  const start =
    m.kind === 'request' ? `${m.method} ${m.uri} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
  let out = `${start}\r\n`;
  const fixLength = opts.contentLength !== false;
  let wroteLength = false;
  for (const h of m.headers) {
    const name = h.offset >= 0 || h.raw ? h.raw : displayName(h.name);
    if (h.name === 'content-length' && fixLength) {
      if (wroteLength) continue;
      out += `${name}: ${m.bodyLength}\r\n`;
      wroteLength = true;
      continue;
    }
    const value = opts.redact?.includes(h.name) ? redactAuth(h.value) : h.value;
    out += `${name}: ${value}\r\n`;
  }
  if (fixLength && !wroteLength) out += `Content-Length: ${m.bodyLength}\r\n`;
  return `${out}\r\n`;
}

/** Writes a message as bytes (header block in UTF-8, body as is). */
export function serialize(m: SipMessage, opts: SerializeOptions = {}): Buffer {
  const head = Buffer.from(serializeHead(m, opts), 'utf8');
  return m.bodyLength ? Buffer.concat([head, m.body]) : head;
}

/** Writes a message as text (body decoded as UTF-8). */
export function serializeText(m: SipMessage, opts: SerializeOptions = {}): string {
  return serializeHead(m, opts) + (m.bodyLength ? m.bodyText() : '');
}

/**
 * Keeps the scheme and the parameter names of an Authorization-style value but hides every
 * parameter value except username, realm, uri, algorithm and qop: the response and nonce are
 * not secrets by themselves, but an offline guesser needs them, so evidence never carries them.
 */
export function redactAuth(value: string): string {
  const sp = value.indexOf(' ');
  if (sp < 0) return '<redacted>';
  const scheme = value.slice(0, sp);
  const keep = new Set(['username', 'realm', 'uri', 'algorithm', 'qop']);
  const parts = value
    .slice(sp + 1)
    .split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) return p.trim();
      const k = p.slice(0, eq).trim();
      return keep.has(k.toLowerCase()) ? `${k}=${p.slice(eq + 1).trim()}` : `${k}=<redacted>`;
    });
  return `${scheme} ${parts.join(', ')}`;
}
