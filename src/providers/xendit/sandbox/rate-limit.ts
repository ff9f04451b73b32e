// Xendit's API rate limit, as published (docs.xendit.co/apidocs/rate-limits, read 2026-12-05):
// - a quota per endpoint per account, counted over a sliding window of one minute;
// - every answer carries Rate-Limit-Limit (the quota), Rate-Limit-Remaining (what is left in the
//   current window) and Rate-Limit-Reset (the seconds left in the window, with decimals: "58.37");
// - past the quota: HTTP 429 with error_code RATE_LIMIT_EXCEEDED, until the quota replenishes.
// The quota itself is not settled by the published material: the API reference says 60 requests
// per minute per endpoint in test mode and 600 in live mode; Xendit's help centre article "What is
// Rate Limit or RPS" says 600 and 6,000. The sandbox therefore takes the quota (and, for tests,
// the window) from its control endpoint, and is off until told: bayar's own tests and the bench
// call one endpoint far more often than either test-mode figure allows.
// Where the published page stops (what a request refused with 429 costs), the sandbox counts only
// the requests it served, so a caller that waits for Rate-Limit-Reset is served when it comes back.
import { z } from 'zod';

export const rateLimitSettingsSchema = z.strictObject({
  /** Requests served per endpoint per account in one window; null switches the limit off. */
  perWindow: z.number().int().min(1).max(100_000).nullable(),
  /** Xendit's window is one minute; tests shorten it. */
  windowMs: z.number().int().min(100).max(3_600_000).default(60_000),
});
export type RateLimitSettings = z.infer<typeof rateLimitSettingsSchema>;

export interface RateLimitVerdict {
  limited: boolean;
  /** Rate-Limit-Limit, Rate-Limit-Remaining and Rate-Limit-Reset, for the answer. */
  headers: Record<string, string>;
}

/** What a refused request looked like, for tests: when, on which endpoint and path, and the reset it was told. */
export interface RefusedRequest {
  at: number;
  endpoint: string;
  path: string;
  resetMs: number;
}

export class XenditRateLimit {
  private settings: RateLimitSettings = { perWindow: null, windowMs: 60_000 };
  /** Served requests' times per "<account> <method> <pattern>", oldest first. */
  private readonly served = new Map<string, number[]>();
  readonly refused: RefusedRequest[] = [];

  configure(settings: RateLimitSettings): void {
    this.settings = settings;
    this.served.clear();
    this.refused.length = 0;
  }

  get enabled(): boolean {
    return this.settings.perWindow !== null;
  }

  /**
   * Counts a request to `endpoint` (method and route pattern) by `account` (its credentials), or
   * refuses it. Undefined while the limit is off: the answer then carries no rate-limit headers.
   */
  take(endpoint: string, account: string, path: string, now: number): RateLimitVerdict | undefined {
    const quota = this.settings.perWindow;
    if (quota === null) return undefined;
    const { windowMs } = this.settings;
    const key = `${account} ${endpoint}`;
    const times = (this.served.get(key) ?? []).filter((t) => t > now - windowMs);
    this.served.set(key, times);
    const limited = times.length >= quota;
    if (!limited) times.push(now);
    // Sliding window: the quota comes back one request at a time, as the oldest served one leaves
    // the window; the reset names when the next one does.
    const resetMs = times.length >= quota ? times[0]! + windowMs - now : windowMs;
    if (limited) {
      this.refused.push({ at: now, endpoint, path, resetMs });
      if (this.refused.length > 1_000) this.refused.shift();
    }
    return {
      limited,
      headers: {
        'rate-limit-limit': String(quota),
        'rate-limit-remaining': String(Math.max(0, quota - times.length)),
        'rate-limit-reset': (resetMs / 1000).toFixed(2),
      },
    };
  }
}
