// Structured logs: one JSON object per line on stdout, from the API and the worker alike, so a
// log pipeline can index them and an operator can follow one payment across both processes.
// The request id and payment id come from an AsyncLocalStorage scope the API opens per request
// (and the worker per activity), so every line written inside it carries them without callers
// passing them around. Secrets are scrubbed from every line before it is written.
import { AsyncLocalStorage } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const SEVERITY: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogScope {
  requestId?: string;
  paymentId?: string;
}

const scope = new AsyncLocalStorage<LogScope>();

/** Runs `fn` with `fields` added to every log line written inside it (nested scopes merge). */
export function withLogScope<T>(fields: LogScope, fn: () => T): T {
  return scope.run({ ...scope.getStore(), ...fields }, fn);
}

/** Adds fields to the current scope (e.g. the payment id once a request has resolved it). */
export function setLogScope(fields: LogScope): void {
  const store = scope.getStore();
  if (store) Object.assign(store, fields);
}

export function currentLogScope(): LogScope {
  return scope.getStore() ?? {};
}

/** Payment ids have one shape; anything else in a path or message is not treated as one. */
export const PAYMENT_ID = /\b(pay|po)_[0-9a-f]{24}\b/;

export class JsonLog {
  private secrets: string[] = [];
  private readonly threshold: number;

  constructor(
    readonly service: 'api' | 'worker' | 'sandbox',
    level: Level,
    private readonly write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {
    this.threshold = SEVERITY[level];
  }

  /**
   * Values that must never be written: API keys, webhook secrets, provider keys, the data key.
   * Short values are ignored, since masking "1" everywhere would only garble lines.
   */
  redact(values: Iterable<string>): this {
    this.secrets = [...new Set([...this.secrets, ...[...values].filter((v) => v.length >= 8)])].sort((a, b) => b.length - a.length);
    return this;
  }

  enabled(level: Level): boolean {
    return SEVERITY[level] >= this.threshold;
  }

  /** Lifecycle lines (started, polling) are written whatever the level: supervisors wait for them. */
  notice(message: string, fields: Record<string, unknown> = {}): void {
    this.write(this.scrub(safeStringify({ time: new Date().toISOString(), level: 'info', service: this.service, ...fields, message })));
  }

  log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return;
    const span = trace.getActiveSpan()?.spanContext();
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      level,
      service: this.service,
      ...currentLogScope(),
      ...fields,
      ...(span ? { traceId: span.traceId, spanId: span.spanId } : {}),
      message,
    };
    let line = safeStringify(entry);
    // A payment id mentioned only in the message or a nested field still makes the line findable by payment.
    if (entry.paymentId === undefined) {
      const found = PAYMENT_ID.exec(line);
      if (found) line = safeStringify({ ...entry, paymentId: found[0] });
    }
    this.write(this.scrub(line));
  }

  scrub(line: string): string {
    for (const secret of this.secrets) {
      if (line.includes(secret)) line = line.split(secret).join('[REDACTED]');
      // JSON escaping changes secrets holding quotes, backslashes or newlines (PEM keys).
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret && line.includes(escaped)) line = line.split(escaped).join('[REDACTED]');
    }
    return line;
  }
}

function safeStringify(entry: Record<string, unknown>): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(entry, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
    if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
    if (value && typeof value === 'object') {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
}
