// HTTP calls to DOKU's Non-SNAP API. Signing, base URL and timeouts live here; retries are
// Temporal's job. Every call is signed over the exact bytes sent (signature.ts).
import { sendHttp, parseJson, throwForHttpStatus, retryAfterMs, type HttpResponse } from '../http.js';
import { errorSchema } from './schemas.js';
import { dokuTimestamp, signedHeaders } from './signature.js';
import type { DokuSnapConfig } from './snap/client.js';

export interface DokuConfig {
  clientId: string;
  secretKey: string;
  baseUrl: string;
  timeoutMs: number;
  /**
   * Paths DOKU may have signed a notification for, besides the path it arrived on: behind a
   * proxy that strips a prefix, DOKU signs the public path (e.g. /bayar/webhooks/doku).
   */
  notificationPaths?: readonly string[];
  /**
   * How far AHEAD of now a Non-SNAP notification's Request-Timestamp may be (clock skew; default
   * five minutes). The past is not bounded: whether DOKU re-stamps its retries (30 min, 6 h, 12 h,
   * Back Office resends) is not published, so age alone refuses nothing (README.md, "Retries and
   * Request-Timestamp"). SNAP notifications and token requests keep it as a window both ways.
   */
  notificationToleranceMs?: number;
  /** DOKU SNAP keys; without them the e-wallets are not offered (Non-SNAP methods only). */
  snap?: DokuSnapConfig;
}

/** Default freshness window for notifications: five minutes. */
export const DOKU_NOTIFICATION_TOLERANCE_MS = 5 * 60_000;

export class DokuClient {
  constructor(private readonly config: DokuConfig) {}

  /**
   * One signed call. `requestId` is DOKU's idempotency key: the same Request-Id with the same
   * body is answered with the first answer again, as HTTP 409.
   */
  async call(method: 'GET' | 'POST', path: string, requestId: string, body?: unknown): Promise<HttpResponse> {
    const raw = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {
      ...signedHeaders({ clientId: this.config.clientId, requestId, timestamp: dokuTimestamp(Date.now()), target: path, body: raw }, this.config.secretKey),
      accept: 'application/json',
    };
    if (raw !== undefined) headers['content-type'] = 'application/json';
    return sendHttp('doku', { method, url: this.config.baseUrl.replace(/\/$/, '') + path, headers, body: raw, timeoutMs: this.config.timeoutMs });
  }
}

/** DOKU's error code when the body has one (`error.code`), else `HTTP_<status>`. */
export function dokuErrorCode(res: HttpResponse): string {
  const parsed = errorSchema.safeParse(parseJson(res.text));
  const code = parsed.success ? parsed.data.error?.code : undefined;
  return code ? `DOKU_${res.status}_${code}` : `DOKU_${res.status}`;
}

function dokuErrorMessage(res: HttpResponse): string {
  const parsed = errorSchema.safeParse(parseJson(res.text));
  return (parsed.success ? (parsed.data.error?.message ?? parsed.data.message) : undefined) ?? '';
}

/**
 * Anything that is not an answer we can use. 5xx and 429 are DOKU (or a bank behind it) being
 * down: retry. 400 (validation), 401 (signature, client id), 403, 404 and the rest are a definite no.
 */
export function throwFor(res: HttpResponse, what: string): never {
  const code = dokuErrorCode(res);
  const message = `doku ${what}: HTTP ${res.status} ${dokuErrorMessage(res)}`.trim();
  throwForHttpStatus('doku', res.status, message, code, retryAfterMs(res.headers));
}
