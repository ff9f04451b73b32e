// Small helpers shared by the unit tests that run a sandbox in-process.
import { createHash } from 'node:crypto';

/** Waits until `fn` returns (or resolves to) something other than undefined, polling every `everyMs`. */
export async function until<T>(fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

let counter = 0;
/** A fresh id in bayar's payment id format (`pay_` + 24 hex). */
export function randomPaymentId(): string {
  counter += 1;
  return `pay_${createHash('sha256').update(`${Date.now()}-${counter}-${Math.random()}`).digest('hex').slice(0, 24)}`;
}

/**
 * Reads `read()` every 100 ms until `done` holds or `timeoutMs` runs out, and returns the last
 * value read, so the caller's assertion shows what was there when it gave up.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}
