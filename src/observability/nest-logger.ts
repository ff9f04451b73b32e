// Nest's logger replaced by the JSON log: framework lines and bayar's own Logger calls alike.
import type { LoggerService } from '@nestjs/common';
import type { JsonLog, Level } from './log.js';

export class JsonNestLogger implements LoggerService {
  constructor(private readonly out: JsonLog) {}
  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  /** Nest passes (message, ...optional, context): the last string is the context, a stack may precede it. */
  private write(level: Level, message: unknown, rest: unknown[]): void {
    if (!this.out.enabled(level)) return;
    const args = [...rest];
    const context = typeof args[args.length - 1] === 'string' ? (args.pop() as string) : undefined;
    const stack = level === 'error' && typeof args[0] === 'string' ? (args.shift() as string) : undefined;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    this.out.log(level, text, { ...(context ? { context } : {}), ...(stack ? { stack } : {}), ...(message instanceof Error ? { error: message } : {}) });
  }
}
