/**
 * Every error hardline raises on purpose carries a stable code. The CLI prints `code: message`
 * and, for errors located in a file, one line per problem with file:line:col.
 */
export type ErrorCode =
  | 'HL_ERR_USAGE'
  | 'HL_ERR_POLICY_SYNTAX'
  | 'HL_ERR_POLICY_SCHEMA'
  | 'HL_ERR_POLICY_NOT_FOUND'
  | 'HL_ERR_PATH_NOT_FOUND'
  | 'HL_ERR_PBX_UNKNOWN'
  | 'HL_ERR_PBX_AMBIGUOUS'
  | 'HL_ERR_OUTPUT'
  | 'HL_ERR_INTERNAL'
  // watch
  | 'HL_ERR_STORE'
  | 'HL_ERR_SOURCE'
  | 'HL_ERR_PCAP'
  // audit
  | 'HL_ERR_BASELINE'
  // probe
  | 'HL_ERR_PROBE_SCOPE'
  | 'HL_ERR_PROBE_TARGET'
  // enforce (firewall, ban)
  | 'HL_ERR_NFT'
  | 'HL_ERR_NFT_PERMISSION'
  | 'HL_ERR_FIREWALL_UNSAFE'
  | 'HL_ERR_FIREWALL_MISSING'
  | 'HL_ERR_FIREWALL_CONFIRM'
  | 'HL_ERR_BAN_STATE'
  // review (issue 8)
  | 'HL_ERR_REVIEW_INPUT'
  | 'HL_ERR_REVIEW_STATE'
  | 'HL_ERR_WATCH_DATA'
  | 'HL_ERR_ADVISORIES'

  // dashboard and alert channels (issue 9)
  | 'HL_ERR_WEB'
  | 'HL_ERR_WEB_UNSAFE'
  | 'HL_ERR_ALERT';

export interface ErrorDetail {
  file?: string;
  line?: number;
  column?: number;
  message: string;
  hint?: string;
}

export class HardlineError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];
  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'HardlineError';
    this.code = code;
    this.details = details;
  }
}

export function formatDetail(d: ErrorDetail): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ''}` : ''}: ` : '';
  return `${where}${d.message}${d.hint ? `\n    hint: ${d.hint}` : ''}`;
}

export function formatError(e: HardlineError): string {
  const lines = [`${e.code}: ${e.message}`];
  for (const d of e.details) lines.push(`  ${formatDetail(d)}`);
  return lines.join('\n');
}
