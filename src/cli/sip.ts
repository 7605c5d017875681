import { readFileSync } from 'node:fs';
import { HardlineError } from '../core/errors.js';
import { parseChallenge } from '../sip/digest.js';
import { type NameAddr, parseNameAddr, parseVia } from '../sip/fields.js';
import { splitList } from '../sip/headers.js';
import { parse } from '../sip/parser.js';
import { analyzeSdp } from '../sip/sdp.js';
import { checkMessage } from '../sip/semantic.js';
import { redactAuth } from '../sip/serialize.js';
import { formatUri, parseUri, type Uri } from '../sip/uri.js';

const AUTH = new Set(['authorization', 'proxy-authorization']);

/** `sip:user:password@host` -> `sip:user:<redacted>@host` anywhere in a text (URIs in headers). */
export function redactUriPasswords(text: string): string {
  return text.replace(/\b(sips?:[^:@;?<>"\s]*):([^@;?<>"\s]*)@/gi, '$1:<redacted>@');
}
const NAME_ADDR = new Set([
  'from',
  'to',
  'contact',
  'route',
  'record-route',
  'refer-to',
  'p-asserted-identity',
  'path',
]);

function readInput(file: string): Buffer {
  try {
    return file === '-' ? readFileSync(0) : readFileSync(file);
  } catch (e) {
    throw new HardlineError('HL_ERR_PATH_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`);
  }
}

function uriJson(u: Uri | undefined): unknown {
  if (!u) return null;
  const { password, ...rest } = u as Uri & { password?: string };
  return { ...rest, ...(password !== undefined ? { password: '<redacted>' } : {}), text: formatUri(u) };
}

function nameAddrJson(n: NameAddr): unknown {
  return {
    displayName: n.displayName ?? null,
    uri: uriJson(n.uri),
    ...(n.uriError ? { uriError: n.uriError } : {}),
    params: Object.fromEntries(
      Object.entries(n.params).map(([k, v]) => [k, typeof v === 'string' ? redactUriPasswords(v) : v]),
    ),
  };
}

/** Structured view of one header value, for the report. */
function structured(name: string, value: string): unknown {
  if (name === 'via') {
    const v = parseVia(value);
    return v.ok ? v.value : { error: v.error };
  }
  if (NAME_ADDR.has(name)) {
    if (value === '*') return '*';
    const r = parseNameAddr(value);
    return r.ok ? nameAddrJson(r.value) : { error: r.error };
  }
  if (name === 'www-authenticate' || name === 'proxy-authenticate') {
    const c = parseChallenge(value);
    return c
      ? { scheme: c.scheme, realm: c.realm, algorithm: c.algorithm, qop: c.qop, stale: c.stale }
      : null;
  }
  return undefined;
}

export interface SipParseJson {
  ok: boolean;
  bytes: number;
  error?: { code: string; message: string; offset: number; line: number; column: number };
  message?: unknown;
  problems?: unknown[];
}

/** Byte offset -> 1-based line and column (bytes). */
function lineCol(buf: Buffer, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < Math.min(offset, buf.length); i++)
    if (buf[i] === 10) {
      line++;
      start = i + 1;
    }
  return { line, column: offset - start + 1 };
}

export function describeMessage(buf: Buffer): SipParseJson {
  const r = parse(buf);
  if (!r.ok) return { ok: false, bytes: buf.length, error: { ...r.error, ...lineCol(buf, r.error.offset) } };
  const m = r.message;
  const headers = m.headers.map((h) => {
    const value = AUTH.has(h.name) ? redactAuth(h.value) : redactUriPasswords(h.value);
    const parts = LIST_SPLIT.has(h.name) ? splitList(h.value) : [h.value];
    const s = AUTH.has(h.name)
      ? undefined
      : parts.length > 1
        ? parts.map((v) => structured(h.name, v))
        : structured(h.name, parts[0] ?? '');
    return {
      name: h.raw,
      canonical: h.name,
      value,
      ...(s !== undefined ? { parsed: s } : {}),
      ...lineCol(buf, h.offset),
    };
  });
  const ctype = m.get('content-type');
  const body =
    m.bodyLength === 0
      ? null
      : {
          contentType: ctype ?? null,
          bytes: m.bodyLength,
          ...(ctype?.toLowerCase().startsWith('application/sdp') ? { sdp: analyzeSdp(m.bodyText()) } : {}),
        };
  const ru = m.kind === 'request' ? parseUri(m.uri) : undefined;
  return {
    ok: true,
    bytes: buf.length,
    message: {
      kind: m.kind,
      ...(m.kind === 'request'
        ? {
            method: m.method,
            requestUri: ru?.ok ? uriJson(ru.uri) : { text: redactUriPasswords(m.uri), error: ru?.error },
          }
        : { status: m.status, reason: m.reason }),
      version: m.version,
      headers,
      body,
    },
    problems: checkMessage(m).map((p) => ({
      ...p,
      ...(p.offset !== undefined ? lineCol(buf, p.offset) : {}),
    })),
  };
}

const LIST_SPLIT = new Set(['via', 'contact', 'route', 'record-route', 'path']);

function textReport(d: SipParseJson, file: string): string {
  if (!d.ok) {
    const e = d.error!;
    return `${file}: not a valid SIP message\n  ${e.code} at byte ${e.offset} (line ${e.line}, column ${e.column}): ${e.message}\n`;
  }
  // biome-ignore lint/suspicious/noExplicitAny: rendering the JSON shape built above
  const m = d.message as any;
  const out: string[] = [];
  if (m.kind === 'request') {
    out.push(`${m.method} request (${d.bytes} bytes)`);
    out.push(
      `  Request-URI  ${m.requestUri.text}${m.requestUri.error ? `  (invalid: ${m.requestUri.error.message})` : describeUri(m.requestUri)}`,
    );
  } else out.push(`${m.status} ${m.reason} response (${d.bytes} bytes)`);
  out.push(`Headers (${m.headers.length})`);
  const width = Math.min(20, Math.max(...m.headers.map((h: { name: string }) => h.name.length)));
  for (const h of m.headers) {
    out.push(`  ${String(h.name).padEnd(width)}  ${h.value}`);
    const p = h.parsed;
    if (p === undefined || p === null) continue;
    for (const item of Array.isArray(p) ? p : [p]) {
      const line = summary(h.canonical, item);
      if (line) out.push(`  ${''.padEnd(width)}    -> ${line}`);
    }
  }
  if (m.body) {
    out.push(`Body: ${m.body.contentType ?? 'no Content-Type'}, ${m.body.bytes} bytes`);
    if (m.body.sdp) {
      const s = m.body.sdp;
      if (!s.ok) out.push(`  SDP unreadable: ${s.error}`);
      for (const md of s.media ?? [])
        out.push(
          `  ${md.type} port ${md.port} ${md.protocol} ${md.plain ? '(media in clear)' : `(encrypted: ${md.keying}${md.cryptoSuites.length ? ` ${md.cryptoSuites.join(' ')}` : ''}${md.fingerprint ? ` fingerprint ${md.fingerprint}` : ''})`}`,
        );
    }
  } else out.push('Body: none');
  const problems = d.problems as { level: string; message: string; line?: number }[];
  if (problems.length === 0) out.push('Problems: none');
  else {
    out.push(`Problems (${problems.length})`);
    for (const p of problems)
      out.push(`  ${p.level.padEnd(7)} ${p.line ? `line ${p.line}: ` : ''}${p.message}`);
  }
  return `${out.join('\n')}\n`;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON view
function describeUri(u: any): string {
  if (!u) return '';
  if (u.scheme === 'sip' || u.scheme === 'sips')
    return `  (${u.scheme}, user ${u.user ?? '-'}, host ${u.host} [${u.hostType}]${u.port ? `, port ${u.port}` : ''}${
      Object.keys(u.params).length
        ? `, params ${Object.entries(u.params)
            .map(([k, v]) => (v === null ? k : `${k}=${v}`))
            .join(';')}`
        : ''
    })`;
  if (u.scheme === 'tel') return `  (tel, ${u.global ? 'global' : 'local'} number ${u.number})`;
  return `  (${u.scheme})`;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON view
function summary(name: string, p: any): string {
  if (p.error) return `malformed: ${p.error.message} (at ${p.error.offset})`;
  if (name === 'via')
    return `${p.transport} ${p.hostType === 'ipv6' ? `[${p.host}]` : p.host}${p.port ? `:${p.port}` : ''}${p.branch ? ` branch=${p.branch}` : ''}${p.received ? ` received=${p.received}` : ''}${p.rport !== undefined ? ` rport${p.rport === null ? '' : `=${p.rport}`}` : ''}`;
  if (p === '*') return 'wildcard (all bindings)';
  if (p.uri !== undefined) {
    const params = Object.entries(p.params ?? {})
      .map(([k, v]) => (v === null ? k : `${k}=${v}`))
      .join(' ');
    return `${p.displayName ? `"${p.displayName}" ` : ''}${p.uri ? p.uri.text : `invalid URI (${p.uriError?.message})`}${describeUri(p.uri)}${params ? ` ${params}` : ''}`;
  }
  if (p.realm !== undefined)
    return `challenge realm=${p.realm} algorithm=${p.algorithm} qop=${p.qop.join(',') || 'none'}`;
  return '';
}

/** `hardline sip parse [FILE|-]`: prints what hardline makes of a captured SIP message. */
export async function sipParseCommand(
  file: string | undefined,
  o: { format: 'text' | 'json' },
): Promise<number> {
  const name = file ?? '-';
  const buf = readInput(name);
  const d = describeMessage(buf);
  process.stdout.write(
    o.format === 'json' ? `${JSON.stringify(d, null, 2)}\n` : textReport(d, name === '-' ? 'stdin' : name),
  );
  if (!d.ok) return 1;
  return (d.problems as { level: string }[]).some((p) => p.level === 'error') ? 1 : 0;
}
