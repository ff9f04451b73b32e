// HTTP calls to the RSA aggregator: every request is a JSON POST whose parameters carry
// merchantCode, dateTime and our RSA `sign`; every answer may carry the platform's `platSign`,
// which is checked here. Base URL, keys and timeouts live here; retries are Temporal's job.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { parseJson, sendHttp, throwForHttpStatus, retryAfterMs } from '../http.js';
import { aggregatorDateTime } from './schemas.js';
import { PLATFORM_SIGN_FIELD, SIGN_FIELD, signParams, verifyParams, type WireValue } from './signature.js';

export interface AggregatorConfig {
  /** `merchantCode`: the merchant number the platform issued. */
  merchantId: string;
  /** Our RSA private key (PEM): signs every request. */
  privateKey: string;
  /** The platform's RSA public key (PEM): verifies every answer and callback. */
  platformPublicKey: string;
  baseUrl: string;
  timeoutMs: number;
  /** Where the platform posts callbacks: bayar's public /webhooks/aggregator. Sent with every order and disbursement. */
  notifyUrl: string;
}

/** A flat parameter map as signed on the wire; undefined when the JSON is not one. */
export type WireParams = Record<string, WireValue>;

export interface PlatformAnswer {
  httpStatus: number;
  /** The answer's headers (a 429's Retry-After). */
  headers?: Record<string, string>;
  /** The JSON object answered, if it was a flat object. */
  body?: WireParams;
  /** Whether platSign was present and valid. Answers to refused requests may carry none. */
  signature: 'valid' | 'invalid' | 'absent';
}

export class AggregatorClient {
  readonly privateKey: KeyObject;
  readonly platformKey: KeyObject;

  constructor(private readonly config: AggregatorConfig) {
    // Parsed once: a bad key fails here, at boot, not on the first payment.
    this.privateKey = createPrivateKey(config.privateKey);
    this.platformKey = createPublicKey(config.platformPublicKey);
  }

  get merchantCode(): string {
    return this.config.merchantId;
  }

  get notifyUrl(): string {
    return this.config.notifyUrl;
  }

  /** One signed call. `params` are the call's own fields; merchantCode, dateTime and sign are added. */
  async post(path: string, params: Record<string, string>): Promise<PlatformAnswer> {
    const unsigned: Record<string, string> = { ...params, merchantCode: this.config.merchantId, dateTime: aggregatorDateTime(Date.now()) };
    const body = JSON.stringify({ ...unsigned, [SIGN_FIELD]: signParams(unsigned, this.privateKey) });
    const res = await sendHttp('aggregator', {
      method: 'POST',
      url: this.config.baseUrl.replace(/\/$/, '') + path,
      headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      body,
      timeoutMs: this.config.timeoutMs,
    });
    const parsed = flatParams(parseJson(res.text));
    const signature = parsed === undefined || typeof parsed[PLATFORM_SIGN_FIELD] !== 'string' ? 'absent' : verifyParams(parsed, this.platformKey) ? 'valid' : 'invalid';
    return { httpStatus: res.status, headers: res.headers, body: parsed, signature };
  }

  /** Verifies a callback's platSign over all its other fields. */
  verifyCallback(params: WireParams): boolean {
    return verifyParams(params, this.platformKey);
  }
}

/** A JSON object of scalar values, as the platform signs them; undefined for anything else. */
export function flatParams(value: unknown): WireParams | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: WireParams = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object') return undefined;
    out[k] = v as WireValue;
  }
  return out;
}

/**
 * An HTTP answer that is not a platform answer at all. 5xx and 429 are the platform (or something
 * before it) being down; other statuses are a definite no. Callers that must never guess (a
 * disbursement) treat 5xx differently.
 */
export function throwForHttp(answer: PlatformAnswer, what: string): never {
  const message = `aggregator ${what}: HTTP ${answer.httpStatus}`;
  throwForHttpStatus('aggregator', answer.httpStatus, message, `HTTP_${answer.httpStatus}`, retryAfterMs(answer.headers));
}

/** `platRespMessage`, cut short: it is the platform's text and ends up in logs and history. */
export function platMessage(body: WireParams | undefined): string {
  const m = body?.platRespMessage;
  return typeof m === 'string' ? m.slice(0, 200) : '';
}
