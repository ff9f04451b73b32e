// The Temporal Runtime's logger (SDK, workflow and activity log lines) written as bayar's JSON.
// Workflow ids are payment ids, so the SDK's own workflowId attribute becomes paymentId.
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import type { JsonLog, Level } from './log.js';

const LEVELS: Record<LogLevel, Level> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' };

const DUMPS = new Set(['jobs', 'commands', 'activation', 'completion', 'payloads', 'arguments', 'input', 'result']);

export class JsonTemporalLogger implements Logger {
  constructor(private readonly out: JsonLog) {}
  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(meta)) {
      // The SDK's debug lines dump activations and completions with their payloads base64
      // encoded: a secret inside would slip past the scrubber, so they are never written.
      if (DUMPS.has(key)) fields[key] = '[omitted]';
      else fields[key] = value;
    }
    if (typeof meta.workflowId === 'string') fields.paymentId = meta.workflowId;
    this.out.log(LEVELS[level], message, fields);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
