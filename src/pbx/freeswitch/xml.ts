import { SaxesParser } from 'saxes';
import type { Diagnostic } from '../../core/diagnostic.js';
import type { Span } from '../../core/span.js';
import type { OutLine } from './preprocess.js';

/**
 * The pre-processed FreeSWITCH document as a light element tree. Every element carries the
 * ORIGINAL file:line of its start tag (through the pre-processor's source map) and the global
 * variables that were expanded on that line. Malformed XML becomes diagnostics with file:line;
 * parsing goes on where saxes can, and nothing throws.
 */
export interface XmlElement extends Span {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  parent?: XmlElement;
  /** `$${name}` variables expanded on the start tag's line. */
  vars: string[];
  /** The element comes from hardline's assumed freeswitch.xml, not from a file. */
  synthetic?: boolean;
}

export interface ParsedXml {
  root?: XmlElement;
  diagnostics: Diagnostic[];
}

const MAX_ERRORS = 50;

export function parseXml(lines: OutLine[]): ParsedXml {
  const diagnostics: Diagnostic[] = [];
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let startLine = 1;
  const spanAt = (docLine: number): OutLine | undefined => lines[docLine - 1];
  let errors = 0;

  parser.on('opentagstart', () => {
    startLine = parser.line;
  });
  parser.on('opentag', (tag) => {
    const src = spanAt(startLine);
    const el: XmlElement = {
      name: tag.name,
      attrs: { ...(tag.attributes as Record<string, string>) },
      children: [],
      file: src?.file ?? '',
      line: src?.line ?? 0,
      vars: src?.vars ?? [],
      ...(src?.synthetic ? { synthetic: true } : {}),
    };
    const parent = stack[stack.length - 1];
    if (parent) {
      el.parent = parent;
      parent.children.push(el);
    } else if (!root) root = el;
    else {
      // A second top-level element: keep it under the first so nothing is lost.
      el.parent = root;
      root.children.push(el);
    }
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (tag.isSelfClosing) return;
    const top = stack[stack.length - 1];
    if (top && top.name === tag.name) stack.pop();
  });
  parser.on('error', (err) => {
    errors++;
    if (errors > MAX_ERRORS) return;
    const src = spanAt(parser.line);
    const message = err.message.replace(/^[^:]*:\d+:\d+: /, '');
    diagnostics.push({
      file: src?.synthetic ? 'freeswitch.xml' : (src?.file ?? ''),
      line: src?.synthetic ? 0 : (src?.line ?? 0),
      level: 'error',
      code: 'xml',
      message: `malformed XML: ${message}`,
    });
  });
  try {
    parser.write(lines.map((l) => l.text).join('\n'));
    parser.close();
  } catch (e) {
    diagnostics.push({
      file: '',
      line: 0,
      level: 'error',
      code: 'xml',
      message: `XML parsing stopped: ${(e as Error).message}`,
    });
  }
  if (errors > MAX_ERRORS)
    diagnostics.push({
      file: '',
      line: 0,
      level: 'error',
      code: 'xml',
      message: `${errors - MAX_ERRORS} more XML errors not shown`,
    });
  return root ? { root, diagnostics } : { diagnostics };
}

/** Direct children with a given element name. */
export function kids(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

export function kid(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Every descendant with a given element name (document order). */
export function descendants(el: XmlElement | undefined, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  if (el) walk(el);
  return out;
}

/** Attribute lookup, case-insensitive on the name (FreeSWITCH code compares names loosely). */
export function attr(el: XmlElement, name: string): string | undefined {
  if (name in el.attrs) return el.attrs[name];
  const n = name.toLowerCase();
  for (const [k, v] of Object.entries(el.attrs)) if (k.toLowerCase() === n) return v;
  return undefined;
}

export function spanOf(el: Span): Span {
  return { file: el.file, line: el.line };
}
