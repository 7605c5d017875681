import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import type { ReportData } from './model.js';
import { renderSarif } from './sarif.js';
import { renderText } from './text.js';

export const FORMATS = ['text', 'json', 'sarif', 'html'] as const;
export type Format = (typeof FORMATS)[number];

export function render(
  format: Format,
  r: ReportData,
  opts: { color: boolean; absRoot: string; full?: boolean },
): string {
  switch (format) {
    case 'text':
      return renderText(r, { color: opts.color, full: opts.full ?? false });
    case 'json':
      return renderJson(r);
    case 'sarif':
      return renderSarif(r, opts.absRoot);
    case 'html':
      return renderHtml(r);
  }
}
