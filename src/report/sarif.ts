import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { findingKey } from '../core/finding.js';
import type { RuleMeta } from '../core/rule.js';
import type { Severity } from '../core/severity.js';
import { STEP_TITLES, stepNumber } from '../core/steps.js';
import { VERSION } from './json.js';
import type { ReportData } from './model.js';

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning maps this number to its own critical/high/medium/low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.5',
};

export function ruleHelpMarkdown(rule: RuleMeta): string {
  const refs = rule.docs.refs.map((r) => `- ${/^https?:/.test(r) ? `<${r}>` : r}`).join('\n');
  return `**${rule.title}** (${rule.severity}, step ${stepNumber(rule.step)}: ${STEP_TITLES[rule.step]})\n\n${rule.docs.why}\n\n**Fix.** ${rule.docs.fix}\n\n**References**\n${refs}\n`;
}

/** SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. */
export function renderSarif(r: ReportData, absRoot: string): string {
  const fixed = r.drift?.fixedFindings ?? [];
  const used = [...new Set([...r.findings, ...fixed].map((f) => f.ruleId))];
  const ruleList = r.rules.filter((x) => used.includes(x.id) || r.rulesRun.includes(x.id));
  const index = new Map(ruleList.map((x, i) => [x.id, i]));
  const rules: Sarif.ReportingDescriptor[] = ruleList.map((x) => ({
    id: x.id,
    name: x.id.replace(/-/g, ''),
    shortDescription: { text: x.title },
    fullDescription: { text: x.docs.why },
    help: { text: `${x.docs.why}\n\nFix: ${x.docs.fix}`, markdown: ruleHelpMarkdown(x) },
    defaultConfiguration: { level: LEVEL[x.severity] },
    properties: {
      tags: ['security', `hardening-step-${stepNumber(x.step)}`, x.pbx],
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[x.severity],
    },
  }));
  const results: Sarif.Result[] = r.findings.map((f) => {
    const res: Sarif.Result = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? 0,
      level: LEVEL[f.severity],
      message: { text: f.message },
      partialFingerprints: {
        'hardlineFinding/v1': createHash('sha256').update(findingKey(f)).digest('hex').slice(0, 32),
      },
      properties: { severity: f.severity, step: f.step, target: f.target, source: f.source },
    };
    if (f.location && !path.isAbsolute(f.location.file)) {
      res.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeUri(f.location.file), uriBaseId: 'SRCROOT' },
            region: {
              startLine: Math.max(1, f.location.line),
              ...(f.location.column ? { startColumn: f.location.column } : {}),
            },
          },
        },
      ];
    } else if (f.location) {
      res.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: pathToFileURL(f.location.file).href },
            region: { startLine: Math.max(1, f.location.line) },
          },
        },
      ];
    }
    if (f.related?.length) {
      res.relatedLocations = f.related.map((s, i) => ({
        id: i + 1,
        physicalLocation: {
          artifactLocation: { uri: encodeUri(s.file), uriBaseId: 'SRCROOT' },
          region: { startLine: Math.max(1, s.line) },
        },
      }));
    }
    if (f.evidence?.length) res.message = { text: `${f.message}\n${f.evidence.join('\n')}` };
    if (f.baselineState) res.baselineState = f.baselineState;
    if (f.waived && f.waiver) {
      res.suppressions = [
        {
          kind: 'external',
          status: 'accepted',
          justification: `${f.waiver.reason} (approved by ${f.waiver.approver}, expires ${f.waiver.expires})`,
        },
      ];
    }
    return res;
  });
  // Findings of the baseline that are gone: SARIF's baselineState "absent".
  for (const f of fixed) {
    const res: Sarif.Result = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? 0,
      level: LEVEL[f.severity],
      message: { text: f.message },
      baselineState: 'absent',
      partialFingerprints: {
        'hardlineFinding/v1': createHash('sha256').update(findingKey(f)).digest('hex').slice(0, 32),
      },
      properties: { severity: f.severity, step: f.step, target: f.target, source: f.source },
    };
    if (f.location && !path.isAbsolute(f.location.file)) {
      res.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: encodeUri(f.location.file), uriBaseId: 'SRCROOT' },
            region: { startLine: Math.max(1, f.location.line) },
          },
        },
      ];
    }
    results.push(res);
  }
  const log: Sarif.Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hardline',
            semanticVersion: VERSION,
            informationUri: 'https://github.com/hardline-voip/hardline',
            rules,
          },
        },
        originalUriBaseIds: { SRCROOT: { uri: `${pathToFileURL(absRoot).href.replace(/\/?$/, '/')}` } },
        automationDetails: { id: `hardline/${r.command}/` },
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: r.diagnostics.map((d) => ({
              level: d.level === 'info' ? 'note' : d.level,
              message: { text: d.message },
              descriptor: { id: d.code },
              ...(d.line > 0 && !path.isAbsolute(d.file)
                ? {
                    locations: [
                      {
                        physicalLocation: {
                          artifactLocation: { uri: encodeUri(d.file), uriBaseId: 'SRCROOT' },
                          region: { startLine: d.line },
                        },
                      },
                    ],
                  }
                : {}),
            })),
          },
        ],
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function encodeUri(file: string): string {
  return file.split('/').map(encodeURIComponent).join('/');
}
