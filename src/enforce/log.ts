import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * hardline's structured log (pino, JSON lines). Enforcement decisions, refusals above all, are
 * logged with their reason so an operator can answer "why was X (not) banned?" later.
 * Level from HARDLINE_LOG_LEVEL (default info); lines go to stderr unless a stream is given.
 */
export function createLogger(
  stream?: DestinationStream,
  level = process.env['HARDLINE_LOG_LEVEL'] ?? 'info',
): Logger {
  return pino({ name: 'hardline', level, base: { name: 'hardline' } }, stream ?? pino.destination(2));
}

/** A logger that keeps its records in memory (tests, dry runs that report what they logged). */
export function memoryLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const stream = {
    write(line: string) {
      records.push(JSON.parse(line) as Record<string, unknown>);
    },
  };
  return { logger: pino({ level: 'debug' }, stream), records };
}
