// Xendit's rate limit, as the adapter reads it (docs.xendit.co/apidocs/rate-limits, read
// 2026-12-05): every answer carries Rate-Limit-Reset, the seconds left in the current one-minute
// window with decimals ("58.37"), and past an endpoint's quota the answer is 429
// RATE_LIMIT_EXCEEDED. README.md, "Retries", has the rest (the quota, and where the published
// pages disagree on it).
import { heldWait, retryAfterMs } from '../http.js';

/** How long a 429 asks bayar to wait: Rate-Limit-Reset, or a standard Retry-After, the longer (heldWait). */
export function xenditRetryAfterMs(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  const reset = headers?.['rate-limit-reset']?.trim();
  const resetMs = reset && /^\d+(\.\d+)?$/.test(reset) ? Number(reset) * 1000 : undefined;
  return heldWait(resetMs, retryAfterMs(headers, now));
}
