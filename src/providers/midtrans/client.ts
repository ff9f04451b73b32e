// HTTP calls to Midtrans' Core API. Auth, base URL and timeouts live here; retries are Temporal's job.
// Midtrans often answers HTTP 200 and puts the real outcome in the body's string `status_code`,
// so every answer is reduced to that one code before anyone looks at it.
import { sendHttp, parseJson, httpStatusOutcome, throwForHttpStatus, retryAfterMs, type HttpResponse } from '../http.js';
import { basicAuthHeader } from './signature.js';
import { answerSchema } from './schemas.js';

export interface MidtransConfig {
  serverKey: string;
  baseUrl: string;
  timeoutMs: number;
}

export interface MidtransAnswer {
  /** The body's status_code when there is one, else the HTTP status, as a string. */
  code: string;
  message: string;
  httpStatus: number;
  body: unknown;
  /** The answer's headers (a 429's Retry-After). */
  headers?: Record<string, string>;
}

export class MidtransClient {
  constructor(private readonly config: MidtransConfig) {}

  async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<MidtransAnswer> {
    const headers: Record<string, string> = {
      authorization: basicAuthHeader(this.config.serverKey),
      accept: 'application/json',
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await sendHttp('midtrans', {
      method,
      url: this.config.baseUrl.replace(/\/$/, '') + path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: this.config.timeoutMs,
    });
    return toAnswer(res);
  }
}

export function toAnswer(res: HttpResponse): MidtransAnswer {
  const body = parseJson(res.text);
  const parsed = answerSchema.safeParse(body);
  if (parsed.success) {
    const detail = parsed.data.validation_messages?.length ? ` (${parsed.data.validation_messages.join('; ')})` : '';
    return { code: parsed.data.status_code, message: (parsed.data.status_message ?? '') + detail, httpStatus: res.status, body, headers: res.headers };
  }
  return { code: String(res.status), message: `HTTP ${res.status} without a Midtrans status_code`, httpStatus: res.status, body, headers: res.headers };
}

/**
 * Anything that is not a transaction answer. 5xx, 429 and GoPay's 900 (GENERIC_SERVICE_ERROR) are
 * Midtrans or a bank being down: retry. An HTTP 5xx wins over a body code, since a proxy's error
 * page may carry anything. Everything else (400 validation, 401 key, 412 state) is a definite no.
 */
export function throwFor(answer: MidtransAnswer, what: string): never {
  const code = Number(answer.code);
  // Midtrans repeats HTTP statuses as body codes (status_code "500", "429"): the same rule applies to both.
  const status = httpStatusOutcome(answer.httpStatus) === 'retryable' ? answer.httpStatus : code;
  throwForHttpStatus('midtrans', status, `midtrans ${what}: ${answer.code} ${answer.message}`.trim(), `MIDTRANS_${answer.code}`, retryAfterMs(answer.headers));
}
