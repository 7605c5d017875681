import type { Finding } from '../core/finding.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { formatSpan } from '../core/span.js';
import { STEP_TITLES, STEPS } from '../core/steps.js';
import { VERSION } from './json.js';
import { type ReportData, severityCounts, summarize } from './model.js';
import { countOf, wordingFor } from './wording.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

const COLORS: Record<Severity, string> = {
  critical: '#8b1a8b',
  high: '#c62828',
  medium: '#b26a00',
  low: '#1565c0',
  info: '#555',
};

/** A self-contained HTML page (no external resources, no scripts). */
export function renderHtml(r: ReportData): string {
  const s = summarize(r.findings);
  const rules = new Map(r.rules.map((x) => [x.id, x]));
  const active = r.findings.filter((f) => !f.waived);
  const sections = STEPS.map((step, i) => {
    const inStep = active.filter((f) => f.step === step);
    const byRule = new Map<string, Finding[]>();
    for (const f of inStep) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
    const body = [...byRule.entries()]
      .map(([id, list]) => {
        const rule = rules.get(id);
        const items = list
          .map(
            (f) =>
              `<li><code class="loc">${esc(f.location ? formatSpan(f.location) : f.source)}</code> ${f.baselineState === 'new' ? '<b class="new">new</b> ' : ''}${f.severity !== list[0]!.severity ? badge(f.severity) : ''}${esc(f.message)}${
                f.evidence?.length ? `<pre>${esc(f.evidence.join('\n'))}</pre>` : ''
              }</li>`,
          )
          .join('');
        return `<article class="rule">
<h3>${badge(list[0]!.severity)} <span class="id">${esc(id)}</span> ${esc(list[0]!.title)} <span class="count">${list.length}</span></h3>
<ul>${items}</ul>
${rule ? `<details><summary>Why and how to fix</summary><p>${esc(rule.docs.why)}</p><p><b>Fix.</b> ${esc(rule.docs.fix)}</p><ul class="refs">${rule.docs.refs.map((x) => `<li>${/^https?:\/\//.test(x) ? `<a href="${esc(x)}">${esc(x)}</a>` : esc(x)}</li>`).join('')}</ul></details>` : ''}
</article>`;
      })
      .join('\n');
    const counts = summarize(inStep).bySeverity;
    return `<section><h2><span class="step">${i + 1}</span> ${esc(STEP_TITLES[step])} <small>${inStep.length ? esc(severityCounts(counts)) : 'no findings'}</small></h2>
${body || '<p class="ok">Nothing to fix in this step.</p>'}</section>`;
  }).join('\n');
  const waived = r.findings.filter((f) => f.waived);
  const waivedHtml = waived.length
    ? `<section><h2>Waived by policy exceptions</h2><table><tr><th>Rule</th><th>Target</th><th>Approver</th><th>Expires</th><th>Reason</th></tr>${waived
        .map(
          (f) =>
            `<tr><td>${esc(f.ruleId)}</td><td><code>${esc(f.target)}</code></td><td>${esc(f.waiver!.approver)}</td><td>${esc(f.waiver!.expires.slice(0, 10))}</td><td>${esc(f.waiver!.reason)}</td></tr>`,
        )
        .join('')}</table></section>`
    : '';
  const d = r.drift;
  const driftHtml = d
    ? `<section><h2>Drift since ${esc(d.baseline.file)}</h2><p>${d.new} new, ${d.fixed} fixed, ${d.unchanged} unchanged${d.baseline.generatedAt ? ` (baseline from ${esc(d.baseline.generatedAt)})` : ''}.</p>${
        d.fixedFindings.length
          ? `<table><tr><th>Fixed</th><th>Severity</th><th>Where</th><th>Target</th></tr>${d.fixedFindings
              .map(
                (f) =>
                  `<tr><td>${esc(f.ruleId)}</td><td>${esc(f.severity)}</td><td><code>${esc(f.location ? formatSpan(f.location) : f.source)}</code></td><td><code>${esc(f.target)}</code></td></tr>`,
              )
              .join('')}</table>`
          : ''
      }</section>`
    : '';
  const notes: string[] = [];
  if (r.skipped.length)
    notes.push(
      `Not run, they need a policy value: ${r.skipped.map((x) => `${x.ruleId} (${x.uses.join(', ')})`).join('; ')}`,
    );
  if (r.ranOnDefaults.length)
    notes.push(
      `Ran on hardline defaults: ${r.ranOnDefaults.map((x) => `${x.ruleId} (${x.uses.join(', ')})`).join('; ')}`,
    );
  const words = wordingFor(r.command);
  for (const src of r.sources)
    for (const b of src.blindSpots) notes.push(`${words.notePrefix(src.name)}: ${b}`);
  const diags = r.diagnostics.length
    ? `<section><h2>Input problems</h2><ul>${r.diagnostics.map((d) => `<li><code>${esc(formatSpan(d))}</code> ${esc(d.level)}: ${esc(d.message)}</li>`).join('')}</ul></section>`
    : '';
  const tiles = SEVERITIES.map(
    (k) =>
      `<div class="tile" style="border-color:${COLORS[k]}"><b style="color:${COLORS[k]}">${s.bySeverity[k]}</b><span>${k}</span></div>`,
  ).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>hardline ${esc(r.command)}: ${esc(r.root)}</title>
<style>
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1000px;padding:1rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0} h2{font-size:1.15rem;border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
h2 small{font-weight:normal;color:#666;font-size:.85rem;margin-left:.5rem} .step{display:inline-block;background:#333;color:#fff;border-radius:50%;width:1.5em;height:1.5em;text-align:center;line-height:1.5em;font-size:.9em}
h3{font-size:1rem;margin:.8rem 0 .3rem} .id{font-family:ui-monospace,monospace} .count{color:#666;font-weight:normal;font-size:.85rem}
.badge{display:inline-block;color:#fff;border-radius:3px;padding:0 .4em;font-size:.75rem;text-transform:uppercase;vertical-align:middle}
ul{margin:.2rem 0;padding-left:1.2rem} li{margin:.15rem 0} code{font-family:ui-monospace,monospace;font-size:.85em;background:#f4f4f4;padding:0 .2em}
pre{background:#f6f6f6;padding:.4rem;overflow-x:auto;font-size:.8rem} details{margin:.3rem 0 .6rem;color:#333} summary{cursor:pointer;color:#1565c0}
.tiles{display:flex;gap:.5rem;flex-wrap:wrap;margin:1rem 0} .tile{border:2px solid;border-radius:6px;padding:.3rem .8rem;min-width:5rem;text-align:center}
.new{color:#fff;background:#c62828;border-radius:3px;padding:0 .3em;font-size:.75rem} .tile b{display:block;font-size:1.5rem} .ok{color:#2e7d32} .meta{color:#555;font-size:.9rem} table{border-collapse:collapse;width:100%} td,th{border:1px solid #ddd;padding:.3rem;text-align:left;font-size:.9rem}
</style></head><body>
<header><h1>hardline ${esc(r.command)} report</h1>
<p class="meta">${esc(r.root)} &middot; policy: ${esc(r.policyFile ?? 'none (defaults)')} &middot; ${esc(r.generatedAt)} &middot; hardline ${esc(VERSION)}<br>
${r.sources.map((x) => esc(words.source(x))).join(' &middot; ')}</p>
<div class="tiles">${tiles}<div class="tile"><b>${s.waived}</b><span>waived</span></div></div></header>
${driftHtml}
${sections}
${waivedHtml}
${notes.length ? `<section><h2>Notes</h2><ul>${notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>` : ''}
${diags}
<footer class="meta"><p>${s.active} active findings; ${esc(countOf(r.rulesRun.length, words.ruleNoun))} on ${esc(countOf(r.sources.length, words.sourceNoun))}; ${(r.durationMs / 1000).toFixed(2)} s.</p></footer>
</body></html>
`;
}

function badge(s: Severity): string {
  return `<span class="badge" style="background:${COLORS[s]}">${s}</span>`;
}
