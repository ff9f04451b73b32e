// HTTP calls to ecommpay's Gate. Every request is a signed JSON POST: the signature covers the
// whole body and goes in general.signature (signature.ts). Base URL and timeouts live here;
// retries are Temporal's job.
import { parseJson, sendHttp, throwForHttpStatus, retryAfterMs, type HttpResponse } from '../http.js';
import { ProviderUnavailable } from '../provider.js';
import { ECOMMPAY_PATHS } from './capabilities.js';
import { gateAnswerSchema, statusAnswerSchema, type EcommpayStatusAnswer } from './schemas.js';
import { signRequest, signatureMatches, withoutSignatures, type JsonValue } from './signature.js';

/** Unified codes the adapter acts on (en_platform_payment_info_codes.html). */
export const ECOMMPAY_CODES = {
  paymentIdExists: '3041',
  transactionNotFound: '3061',
} as const;

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

  /**
   * POST /v2/payment/status by payment id (a purchase's or a payout's: payment_id is one
   * namespace per project); null when ecommpay has never registered it. The status endpoint is
   * a POST, so a timeout is ProviderOutcomeUnknown, as for any POST; callers decide.
   */
  async lookup(paymentId: string): Promise<EcommpayStatusAnswer | null> {
    const res = await this.post(ECOMMPAY_PATHS.status, { general: { payment_id: paymentId } });
    const body = parseJson(res.text);
    const error = gateAnswerSchema.safeParse(body);
    if (res.status === 404 || (error.success && error.data.code === ECOMMPAY_CODES.transactionNotFound)) return null;
    if (res.status !== 200) throwFor(res, 'payment status');
    const parsed = statusAnswerSchema.safeParse(body);
    // An answer about another payment is as unusable as an unreadable one: try again later.
    if (!parsed.success || parsed.data.payment.id !== paymentId) {
      throw new ProviderUnavailable('ecommpay payment status: unexpected answer shape', 'ecommpay', 'BAD_RESPONSE');
    }
    // TLS already authenticates api.ecommpay.com; a signed answer is checked as well [? whether
    // status answers are always signed is not published, so an unsigned one is accepted].
    if (parsed.data.signature !== undefined && !signatureMatches(withoutSignatures(body as JsonValue), parsed.data.signature, this.config.secretKey)) {
      throw new ProviderUnavailable('ecommpay payment status: answer signature does not match', 'ecommpay', 'BAD_SIGNATURE');
    }
    return parsed.data;
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
  throwForHttpStatus('ecommpay', res.status, message, ecommpayErrorCode(res), retryAfterMs(res.headers));
}
