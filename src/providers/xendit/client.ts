// HTTP calls to Xendit. Auth, base URL and timeouts live here; retries are Temporal's job.
import { sendHttp, parseJson, throwForHttpStatus, type HttpResponse } from '../http.js';
import { xenditRetryAfterMs } from './rate-limit.js';
import { basicAuthHeader } from './signature.js';
import { errorSchema } from './schemas.js';

export interface XenditConfig {
  secretKey: string;
  callbackToken: string;
  baseUrl: string;
  timeoutMs: number;
  /** Return page for redirect e-wallets when the payment request names none (XENDIT_RETURN_URL). */
  defaultReturnUrl?: string;
}

export class XenditClient {
  constructor(private readonly config: XenditConfig) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      authorization: basicAuthHeader(this.config.secretKey),
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    return sendHttp('xendit', {
      method,
      url: this.config.baseUrl.replace(/\/$/, '') + path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.config.timeoutMs,
    });
  }
}

/** Xendit's error envelope is `{error_code, message}`; its code decides retry vs reject. */
export function xenditErrorCode(res: HttpResponse): string {
  const parsed = errorSchema.safeParse(parseJson(res.text));
  return parsed.success ? parsed.data.error_code : `HTTP_${res.status}`;
}

export function throwForStatus(res: HttpResponse, what: string): never {
  const code = xenditErrorCode(res);
  throwForHttpStatus('xendit', res.status, `xendit ${what}: HTTP ${res.status} ${code}`, code, xenditRetryAfterMs(res.headers));
}
