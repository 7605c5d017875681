declare module 'nsyslog-parser' {
  /** Parses one syslog line (RFC 3164/5424); returns `{err}` instead of throwing on some input. */
  function parse(line: string, seps?: string): Record<string, unknown>;
  export default parse;
}
