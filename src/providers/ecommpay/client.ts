// HTTP calls to ecommpay's Gate. Every request is a signed JSON POST: the signature covers the
// whole body and goes in general.signature (signature.ts). Base URL and timeouts live here;
// retries are Temporal's job.
import { parseJson, sendHttp, type HttpResponse } from '../http.js';
import { ProviderRejected, ProviderUnavailable } from '../provider.js';
import { gateAnswerSchema } from './schemas.js';
import { signRequest } from './signature.js';

export interface EcommpayConfig {
  projectId: number;
  secretKey: string;
  /** https://api.ecommpay.com, or the local sandbox. */
  baseUrl: string;
  timeoutMs: number;
}

/** A request body as the adapter builds it: the client adds general.project_id and general.signature. */
export type UnsignedRequest<T extends { general: object }> = Omit<T, 'general'> & { general: { payment_id: string } & Record<string, unknown> };

export class EcommpayClient {
  constructor(private readonly config: EcommpayConfig) {}

  /** `general.project_id` is filled in and the body signed; the body is serialised once and sent as signed. */
  async post(path: string, body: { general: { payment_id: string } } & Record<string, unknown>): Promise<HttpResponse> {
    const signed = signRequest({ ...body, general: { ...body.general, project_id: this.config.projectId } }, this.config.secretKey);
    return sendHttp('ecommpay', {
      method: 'POST',
      url: this.config.baseUrl.replace(/\/$/, '') + path,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(signed),
      timeoutMs: this.config.timeoutMs,
    });
  }
}

/** ecommpay's unified code when the answer has one (`code`), as `ECOMMPAY_<http>_<code>`. */
export function ecommpayErrorCode(res: HttpResponse): string {
  const parsed = gateAnswerSchema.safeParse(parseJson(res.text));
  const code = parsed.success ? parsed.data.code : undefined;
  return code ? `ECOMMPAY_${res.status}_${code}` : `ECOMMPAY_${res.status}`;
}

/**
 * Anything that is not an answer we can use. 5xx and 429 are ecommpay (or the bank behind it)
 * being down: retry. A 4xx — signature, validation, unknown bank, a payment id used for another
 * payment — is a definite no.
 */
export function throwFor(res: HttpResponse, what: string): never {
  const parsed = gateAnswerSchema.safeParse(parseJson(res.text));
  const message = `ecommpay ${what}: HTTP ${res.status} ${(parsed.success ? parsed.data.message : undefined) ?? ''}`.trim();
  if (res.status >= 500 || res.status === 429) throw new ProviderUnavailable(message, 'ecommpay', ecommpayErrorCode(res));
  throw new ProviderRejected(message, 'ecommpay', ecommpayErrorCode(res));
}
