// HTTP calls to Indodana's merchant API. Auth, base URL and timeouts live here; retries are
// Temporal's job. Every call carries a freshly signed Authorization (a new nonce each time).
import { parseJson, sendHttp, throwForHttpStatus, retryAfterMs, type HttpResponse } from '../http.js';
import { errorSchema } from './schemas.js';
import { authorizationHeader } from './signature.js';

export interface IndodanaConfig {
  apiKey: string;
  secretKey: string;
  /** Up to and including Indodana's path prefix, e.g. https://api.indodanafinance.co.id/chermes/merchant. */
  baseUrl: string;
  timeoutMs: number;
  /** Where Indodana sends notifications (approvedNotificationUrl): bayar's public /webhooks/indodana. */
  notificationUrl: string;
  /** Cancellation (refund) path; unpublished for QRIS, see README.md. */
  refundPath: string;
}

export class IndodanaClient {
  constructor(private readonly config: IndodanaConfig) {}

  async call(method: 'GET' | 'POST', path: string, options: { query?: Record<string, string>; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpResponse> {
    const query = options.query ? '?' + new URLSearchParams(options.query).toString() : '';
    const headers: Record<string, string> = {
      authorization: authorizationHeader(this.config.apiKey, this.config.secretKey),
      accept: 'application/json',
      ...options.headers,
    };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    return sendHttp('indodana', {
      method,
      url: this.config.baseUrl.replace(/\/$/, '') + path + query,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      timeoutMs: this.config.timeoutMs,
    });
  }
}

/** `INDODANA_<http>_<kind>` when the body is Indodana's error shape, else `INDODANA_<http>`. */
export function indodanaErrorCode(res: HttpResponse): string {
  const parsed = errorSchema.safeParse(parseJson(res.text));
  const kind = parsed.success ? parsed.data.error?.kind : undefined;
  return kind && /^[A-Za-z0-9_]{1,50}$/.test(kind) ? `INDODANA_${res.status}_${kind.toUpperCase()}` : `INDODANA_${res.status}`;
}

function indodanaErrorMessage(res: HttpResponse): string {
  const parsed = errorSchema.safeParse(parseJson(res.text));
  const message = parsed.success ? parsed.data.error?.message : undefined;
  return typeof message === 'string' ? message.slice(0, 200) : '';
}

/**
 * Anything that is not an answer we can use. 5xx and 429 are Indodana being down or busy: retry.
 * 400, 401, 404, 409, 422 (Indodana's published codes) are a definite no.
 */
export function throwFor(res: HttpResponse, what: string): never {
  const code = indodanaErrorCode(res);
  const message = `indodana ${what}: HTTP ${res.status} ${indodanaErrorMessage(res)}`.trim();
  throwForHttpStatus('indodana', res.status, message, code, retryAfterMs(res.headers));
}
