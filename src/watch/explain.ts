import type { LineDecoder, LineResult } from './decode.js';
import type { LineContext } from './decoder.js';
import { eventJson, formatEventLine } from './outputs/format.js';

export interface FormatCounts {
  lines: number;
  decoded: number;
  ignored: number;
  miss: number;
  unmatched: number;
}

export interface ExplainSummary {
  lines: number;
  events: number;
  byFormat: Record<string, FormatCounts>;
  byDecoder: Record<string, number>;
}

export class Explainer {
  readonly summary: ExplainSummary = { lines: 0, events: 0, byFormat: {}, byDecoder: {} };
  constructor(
    private readonly decoder: LineDecoder,
    private readonly format: 'text' | 'jsonl',
    private readonly write: (s: string) => void,
  ) {}

  line(n: number, text: string, ctx: LineContext): LineResult | undefined {
    if (text.trim() === '') return undefined;
    const r = this.decoder.decode(text, ctx);
    const s = this.summary;
    s.lines++;
    s.events += r.events.length;
    s.byFormat[r.format] ??= { lines: 0, decoded: 0, ignored: 0, miss: 0, unmatched: 0 };
    const f = s.byFormat[r.format]!;
    f.lines++;
    const st = r.outcome.status === 'events' ? 'decoded' : r.outcome.status;
    f[st]++;
    if (r.decoder && st === 'decoded') s.byDecoder[r.decoder] = (s.byDecoder[r.decoder] ?? 0) + 1;
    if (this.format === 'jsonl') {
      this.write(
        `${JSON.stringify({
          line: n,
          format: r.format,
          status: st,
          ...(r.decoder ? { decoder: r.decoder } : {}),
          ...('reason' in r.outcome ? { reason: r.outcome.reason } : {}),
          events: r.events.map(eventJson),
        })}\n`,
      );
    } else if (st === 'decoded') {
      for (const ev of r.events) this.write(`L${n}  ${r.decoder}  ${formatEventLine(ev)}\n`);
    } else {
      const reason = 'reason' in r.outcome ? r.outcome.reason : '';
      this.write(`L${n}  ${st} (${r.format}${r.decoder ? `, ${r.decoder}` : ''}): ${reason}\n`);
    }
    return r;
  }

  /** The per-format table (text) or a summary record (jsonl). */
  finish(): void {
    const s = this.summary;
    if (this.format === 'jsonl') {
      this.write(`${JSON.stringify({ summary: s })}\n`);
      return;
    }
    const rows = Object.entries(s.byFormat).sort();
    const out = [
      '',
      `${s.lines} lines, ${s.events} events`,
      'format          lines  decoded  ignored  miss  unmatched',
    ];
    for (const [name, c] of rows) {
      out.push(
        `${name.padEnd(14)} ${String(c.lines).padStart(6)} ${String(c.decoded).padStart(8)} ${String(c.ignored).padStart(8)} ${String(c.miss).padStart(5)} ${String(c.unmatched).padStart(10)}`,
      );
    }
    const decs = Object.entries(s.byDecoder).sort((a, b) => b[1] - a[1]);
    if (decs.length) out.push(`decoders: ${decs.map(([d, n]) => `${d} ${n}`).join(', ')}`);
    this.write(`${out.join('\n')}\n`);
  }
}
