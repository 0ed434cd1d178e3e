import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  service: string;
  pod: string;
  level?: string;
  /** `json`: one line per entry; `json-pretty`: the same JSON, indented (Connaisseur's default). */
  format?: 'json' | 'json-pretty';
  /**
   * Censor fields that could hold credentials (costly: pino's wildcard redaction doubles the cost
   * of a line). On for the apps that handle credentials (validators, alerting); management holds
   * none and logs a line per admission.
   */
  redact?: boolean;
  destination?: DestinationStream;
}

/** Paths that could hold credentials or key material; never written to a log. */
const REDACT = [
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'auth',
  '*.auth',
  'key',
  '*.key',
  'token',
  '*.token',
];

/** Structured JSON logs to stdout, with the service and pod in every line. */
export function createLogger(settings: LoggerSettings): Logger {
  const destination =
    settings.destination ??
    (settings.format === 'json-pretty'
      ? { write: (line: string) => void process.stdout.write(`${JSON.stringify(JSON.parse(line), null, 2)}\n`) }
      : pino.destination({ dest: 1, sync: false }));
  return pino(
    {
      level: settings.level ?? 'info',
      base: { service: settings.service, pod: settings.pod },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(settings.redact ? { redact: { paths: REDACT, censor: '[redacted]' } } : {}),
    },
    destination,
  );
}

/** Nest's own log lines (start-up, routes, errors) through the same pino logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
  fatal(message: unknown, context?: string) {
    this.logger.fatal({ context }, String(message));
  }
}
