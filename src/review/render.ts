import { SEVERITIES, type Severity } from '../core/severity.js';
import { formatSpan } from '../core/span.js';
import { fmtMs } from '../host/timesync.js';
import { esc } from '../report/html.js';
import { VERSION } from '../report/json.js';
import type { FixedFinding, Review, ReviewFinding } from './build.js';

/**
 * One document model for the review, rendered as text, Markdown and HTML (JSON is the Review
 * object itself). Sections follow the hardening guide: the plan first, then what changed.
 */

type Block =
  | { kind: 'p'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][] };

interface Section {
  title: string;
  blocks: Block[];
}

export interface ReviewDoc {
  title: string;
  lead: string[];
  sections: Section[];
  footer: string[];
}

export const REVIEW_FORMATS = ['text', 'markdown', 'html', 'json'] as const;
export type ReviewFormat = (typeof REVIEW_FORMATS)[number];

const p = (text: string): Block => ({ kind: 'p', text });
const list = (items: string[]): Block => ({ kind: 'list', items });
const table = (head: string[], rows: string[][]): Block => ({ kind: 'table', head, rows });

function sevCounts(c: Record<Severity, number>): string {
  const parts = SEVERITIES.filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  return parts.length ? parts.join(', ') : 'none';
}

const day = (iso: string) => iso.slice(0, 10);
const stamp = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const where = (f: { location?: { file: string; line: number }; source: string }) =>
  f.location ? formatSpan(f.location) : f.source;

function findingLine(f: ReviewFinding | FixedFinding, mark?: string): string {
  return `${mark ? `${mark} ` : ''}${f.severity.toUpperCase()} ${f.ruleId} ${where(f)}: ${f.message}${'waived' in f && f.waived ? ' (waived)' : ''}`;
}

export function reviewDoc(r: Review, accepted?: { by: string; dir: string; id: string }): ReviewDoc {
  const lead: string[] = [];
  lead.push(
    r.previous
      ? `Compared with the review accepted by ${r.previous.by} on ${stamp(r.previous.acceptedAt)} (${r.previous.id})${r.previous.note ? `: "${r.previous.note}"` : ''}.`
      : 'Compared with: nothing yet. This is the first review; accept it to make it the baseline.',
  );
  const inp = r.inputs;
  lead.push(
    `Seen: ${[
      inp.audit ? `audit (${inp.audit.origin}, ${inp.audit.findings} findings)` : 'no audit',
      inp.probe
        ? `probe (${inp.probe.origin}, ${inp.probe.targets.length} target${inp.probe.targets.length === 1 ? '' : 's'})`
        : 'no probe',
      inp.watch ? `watch (${inp.watch.origin}, ${inp.watch.endpoints} endpoint sightings)` : 'no watch data',
      inp.host ? 'this host (time sync, Asterisk version)' : 'host not checked',
    ].join('; ')}.`,
  );

  const sections: Section[] = [];

  // Summary
  const s = r.summary;
  const sum: string[] = [
    `${s.active} open finding${s.active === 1 ? '' : 's'} (${sevCounts(s.bySeverity)})${s.waived ? `, ${s.waived} waived by exceptions` : ''}.`,
  ];
  if (s.drift) {
    const parts = Object.entries(s.drift.byOrigin).map(([o, c]) =>
      c
        ? `${o} ${c.new} new / ${c.fixed} fixed / ${c.unchanged} unchanged`
        : `${o}: not compared (no earlier data)`,
    );
    sum.push(
      `Since the last review: ${s.drift.new} new, ${s.drift.fixed} fixed, ${s.drift.unchanged} unchanged (${parts.join('; ')}).`,
    );
  }
  const next = r.plan.find((x) => x.status === 'open');
  sum.push(
    next
      ? `Next: step ${next.number}, ${next.title} (${next.open} open).`
      : 'Every assessed step of the plan is done.',
  );
  const ex = r.exceptions;
  if (ex.expiredStillPresent.length || ex.expiringSoon.length)
    sum.push(
      `Exceptions: ${ex.expiredStillPresent.length} expired with the finding still present, ${ex.expiringSoon.length} expiring within 7 days.`,
    );
  sections.push({ title: 'Summary', blocks: sum.map(p) });

  // The plan
  const planBlocks: Block[] = [];
  for (const st of r.plan) {
    const state =
      st.status === 'open'
        ? `OPEN: ${st.open} (${sevCounts(st.bySeverity)})${st.newOpen ? `, ${st.newOpen} new` : ''}`
        : st.status === 'done'
          ? `DONE: no open findings (${st.checksRun} check${st.checksRun === 1 ? '' : 's'} ran)`
          : 'NOT ASSESSED: nothing that checks this step ran';
    planBlocks.push(
      p(
        `${st.number}. ${st.title}: ${state}${st.fixed ? `; ${st.fixed} fixed since the last review` : ''}${st.waived ? `; ${st.waived} waived` : ''}`,
      ),
    );
    const items = [
      ...st.items.map(
        (it) =>
          `${it.isNew ? '[new] ' : ''}${it.severity.toUpperCase()} ${it.ruleId} ${it.title}${it.count > 1 ? ` (${it.count})` : ''}`,
      ),
      ...st.done.map((d) => `done: ${d.ruleId} ${d.target} (${d.title})`),
    ];
    if (items.length) planBlocks.push(list(items));
  }
  sections.push({ title: 'Hardening plan', blocks: planBlocks });

  // Changes
  const changes: Block[] = [];
  if (!r.previous) changes.push(p('First review: nothing to compare with.'));
  else {
    const fresh = r.findings.filter((f) => f.baselineState === 'new');
    changes.push(p(`New (${fresh.length}):`));
    if (fresh.length) changes.push(list(fresh.map((f) => findingLine(f))));
    changes.push(p(`Fixed (${r.fixed.length}):`));
    if (r.fixed.length) changes.push(list(r.fixed.map((f) => findingLine(f))));
    const same = r.findings.filter((f) => f.baselineState === 'unchanged').length;
    changes.push(p(`Unchanged: ${same}.`));
  }
  sections.push({ title: 'What changed since the last review', blocks: changes });

  // Exposure
  const exp: Block[] = [];
  if (!r.exposure) exp.push(p('Not checked: no probe results.'));
  else {
    const e = r.exposure;
    if (r.previous) {
      exp.push(p(`Reachable now, not at the last review (${e.newlyReachable.length}):`));
      if (e.newlyReachable.length) exp.push(list(e.newlyReachable.map((f) => findingLine(f))));
      exp.push(p(`No longer reachable (${e.noLongerReachable.length}):`));
      if (e.noLongerReachable.length) exp.push(list(e.noLongerReachable.map((f) => findingLine(f))));
      if (e.targetsNotProbed.length)
        exp.push(p(`Probed at the last review, not this time: ${e.targetsNotProbed.join(', ')}.`));
    }
    exp.push(p(`Answering but not declared in the policy (${e.undeclared.length}):`));
    if (e.undeclared.length) exp.push(list(e.undeclared.map((f) => findingLine(f))));
  }
  sections.push({ title: 'Exposure from outside (probe)', blocks: exp });

  // Devices and networks
  const inv: Block[] = [];
  if (!r.inventory) inv.push(p('Not reviewed: no watch data.'));
  else {
    const v = r.inventory;
    inv.push(
      p(
        `${v.accounts} account${v.accounts === 1 ? '' : 's'}, ${v.endpoints} endpoint sighting${v.endpoints === 1 ? '' : 's'}; ${v.basis}.`,
      ),
    );
    if (v.changes.length)
      inv.push(
        table(
          ['account', 'change', 'now', 'before', 'from'],
          v.changes.map((c) => [
            c.account,
            c.kind,
            c.what,
            c.before ?? '',
            `${c.address}${c.kind === 'new network' ? (c.declared ? ` (in ${c.declared})` : ' (not a declared network)') : ''}`,
          ]),
        ),
      );
    else if (r.previous) inv.push(p('No new accounts, devices, firmware or networks.'));
    inv.push(p(`Cleartext signalling or media (${v.cleartext.length}):`));
    if (v.cleartext.length)
      inv.push(
        list(
          v.cleartext.map(
            (c) =>
              `${c.isNew ? '[new] ' : ''}${c.account ?? '(no account)'} from ${c.address}${c.network ? ` (${c.network})` : ''} ${c.how}${c.violatesPolicy ? ` — the policy requires ${c.kind === 'signalling' ? 'SIP over TLS' : 'SRTP'}` : ''}`,
          ),
        ),
      );
  }
  sections.push({ title: 'Devices, User-Agents and networks (watch)', blocks: inv });

  // Exceptions
  const exb: Block[] = [];
  const exLine = (x: Review['exceptions']['expiredStillPresent'][number], tail: string) =>
    `${x.id} ${x.rule} ${x.target}${x.source ? ` (${x.source})` : ''}: ${tail}; approved by ${x.approver}: ${x.reason} (${r.policyFile ?? 'policy'}:${x.line})`;
  exb.push(p(`Expired, finding still present (${ex.expiredStillPresent.length}):`));
  if (ex.expiredStillPresent.length)
    exb.push(
      list(
        ex.expiredStillPresent.map((x) =>
          exLine(
            x,
            `expired ${day(x.expires)}, ${x.matched} finding${x.matched === 1 ? '' : 's'}; fix and remove it, or renew it (hardline exception add --replace)`,
          ),
        ),
      ),
    );
  exb.push(p(`Expiring within 7 days (${ex.expiringSoon.length}):`));
  if (ex.expiringSoon.length)
    exb.push(list(ex.expiringSoon.map((x) => exLine(x, `expires ${stamp(x.expires)}`))));
  if (ex.expiredUnused.length)
    exb.push(
      p(`Expired and matching nothing, to remove (${ex.expiredUnused.length}):`),
      list(
        ex.expiredUnused.map((x) =>
          exLine(x, `expired ${day(x.expires)}; hardline exception remove ${x.id}`),
        ),
      ),
    );
  exb.push(p(`${ex.active} exception${ex.active === 1 ? '' : 's'} in force.`));
  sections.push({ title: 'Break-glass exceptions', blocks: exb });

  // Time
  const tb: Block[] = [];
  const t = r.time;
  if (!t.sync) tb.push(p('Host clock: not checked.'));
  else {
    tb.push(
      p(
        `Host clock: ${t.sync.synchronised === true ? 'synchronised' : t.sync.synchronised === false ? 'NOT synchronised' : 'unknown'}: ${t.sync.detail}.`,
      ),
    );
    if (t.sync.evidence.length) tb.push(list(t.sync.evidence));
  }
  if (!t.skew) tb.push(p('Clock skew per event source: not measured (no watch data).'));
  else if (t.skew.length === 0) tb.push(p('Clock skew per event source: watch reported no sources.'));
  else
    tb.push(
      table(
        ['event source', 'skew (median)', 'samples', 'status'],
        t.skew.map((k) => [
          k.source,
          fmtMs(k.skewMs),
          String(k.samples),
          k.over ? `over ${t.skewLimitMs} ms` : 'ok',
        ]),
      ),
    );
  sections.push({ title: 'Time', blocks: tb });

  // Versions
  const vb: Block[] = [];
  const v = r.versions;
  vb.push(
    p(
      `Advisory table of ${v.table.date}, covering Asterisk advisories up to ${v.table.coversUntil}${v.table.stale ? ' (older than 180 days: update hardline)' : ''}.`,
    ),
  );
  if (v.judged.length)
    vb.push(
      table(
        ['source', 'version', 'seen via', 'end of life', 'fixes missing'],
        v.judged.map((j) => [
          j.source,
          j.version,
          [
            ...new Set(
              v.sightings
                .filter((x) => x.source === j.source && j.version.endsWith(` ${x.version}`))
                .map((x) => x.via),
            ),
          ].join(', '),
          j.endOfLife ? `yes${j.endOfLifeSince ? ` (since ${j.endOfLifeSince})` : ''}` : j.note ? '?' : 'no',
          j.missing.length ? j.missing.join(', ') : (j.note ?? 'none known'),
        ]),
      ),
    );
  else vb.push(p('No PBX version seen.'));
  if (v.notes.length) vb.push(list(v.notes));
  const verFindings = r.findings.filter((f) => f.ruleId.startsWith('HL-VER-') && !f.waived);
  if (verFindings.length) vb.push(list(verFindings.map((f) => findingLine(f))));
  sections.push({ title: 'Versions and advisories', blocks: vb });

  sections.push({ title: 'Not seen in this review', blocks: [list(r.unseen)] });

  const footer = accepted
    ? [
        `Accepted by ${accepted.by}: recorded as ${accepted.id} in ${accepted.dir}; the next review compares with it.`,
      ]
    : ['To make this the baseline of the next review: hardline review --accept --by NAME (same options).'];
  return {
    title: `hardline review${r.site ? `: ${r.site}` : ''}, ${stamp(r.generatedAt)}`,
    lead,
    sections,
    footer,
  };
}

function wrap(text: string, width: number, first: string, rest: string): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let cur = first;
  let empty = true;
  for (const w of words) {
    if (!empty && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = rest + w;
    } else cur += (empty ? '' : ' ') + w;
    empty = false;
  }
  if (!empty) out.push(cur);
  return out;
}

function textTable(head: string[], rows: string[][], indent: string): string[] {
  const widths = head.map((h, i) =>
    Math.min(48, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))),
  );
  const line = (cells: string[]) =>
    `${indent}${cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()}`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

export function renderReviewText(d: ReviewDoc, width = 100): string {
  const out: string[] = [d.title, '='.repeat(Math.min(width, d.title.length))];
  for (const l of d.lead) out.push(...wrap(l, width, '', ''));
  for (const s of d.sections) {
    out.push('', s.title, '-'.repeat(s.title.length));
    for (const b of s.blocks) {
      if (b.kind === 'p') out.push(...wrap(b.text, width, '', '  '));
      else if (b.kind === 'list') for (const it of b.items) out.push(...wrap(it, width, '  - ', '    '));
      else out.push(...textTable(b.head, b.rows, '  '));
    }
  }
  out.push('');
  for (const f of d.footer) out.push(...wrap(f, width, '', ''));
  return `${out.join('\n')}\n`;
}

const md = (s: string) => s.replace(/([\\`*_[\]<>|])/g, '\\$1');

export function renderReviewMarkdown(d: ReviewDoc): string {
  const out: string[] = [`# ${md(d.title)}`, ''];
  for (const l of d.lead) out.push(md(l), '');
  for (const s of d.sections) {
    out.push(`## ${md(s.title)}`, '');
    for (const b of s.blocks) {
      if (b.kind === 'p') out.push(md(b.text), '');
      else if (b.kind === 'list') out.push(...b.items.map((i) => `- ${md(i)}`), '');
      else
        out.push(
          `| ${b.head.map(md).join(' | ')} |`,
          `|${b.head.map(() => '---').join('|')}|`,
          ...b.rows.map((r) => `| ${r.map(md).join(' | ')} |`),
          '',
        );
    }
  }
  for (const f of d.footer) out.push(`_${md(f)}_`, '');
  return `${out.join('\n').trimEnd()}\n`;
}

export function renderReviewHtml(d: ReviewDoc): string {
  const body = d.sections
    .map((s) => {
      const blocks = s.blocks
        .map((b) => {
          if (b.kind === 'p') return `<p>${esc(b.text)}</p>`;
          if (b.kind === 'list') return `<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
          return `<table><tr>${b.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${b.rows
            .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
            .join('')}</table>`;
        })
        .join('\n');
      return `<section><h2>${esc(s.title)}</h2>\n${blocks}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f5}li{margin:.15em 0}footer{margin-top:2em;color:#555}
</style></head><body>
<h1>${esc(d.title)}</h1>
${d.lead.map((l) => `<p>${esc(l)}</p>`).join('\n')}
${body}
<footer>${d.footer.map((f) => `<p>${esc(f)}</p>`).join('')}<p>hardline ${esc(VERSION)}</p></footer>
</body></html>
`;
}

export function renderReview(
  format: ReviewFormat,
  r: Review,
  accepted?: { by: string; dir: string; id: string },
): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  const d = reviewDoc(r, accepted);
  if (format === 'markdown') return renderReviewMarkdown(d);
  if (format === 'html') return renderReviewHtml(d);
  return renderReviewText(d);
}
