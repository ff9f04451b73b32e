// HTTP calls to DOKU SNAP: the B2B access token (cached, refreshed before it runs out, fetched
// once however many calls wait for it), and symmetric-signed transaction calls. Retries are
// Temporal's job; the one retry here is a call refused for a token DOKU no longer knows.
import { randomInt } from 'node:crypto';
import { parseJson, sendHttp, throwForHttpStatus, retryAfterMs, type HttpResponse } from '../../http.js';
import { ProviderUnavailable } from '../../provider.js';
import { DOKU_SNAP_PATHS } from '../capabilities.js';
import { snapErrorSchema, tokenResponseSchema } from './schemas.js';
import { asymmetricSignature, snapTimestamp, symmetricSignature } from './signature.js';

export interface DokuSnapConfig {
  /** HMAC-SHA512 key of every transaction call and of DOKU's notifications. */
  clientSecret: string;
  /** Ours (PEM): signs B2B token requests and the tokens bayar issues to DOKU. */
  privateKey: string;
  /** DOKU's (PEM): verifies DOKU's token requests before a notification. */
  dokuPublicKey: string;
  /** Where DANA / ShopeePay send the customer afterwards when the payment names no returnUrl. */
  returnUrl?: string;
  /**
   * The BIN (partnerServiceId, digits) DOKU assigned the account per VA bank, by bayar method
   * (VA_BCA: "19008"). Only the VAs listed here are offered (DOKU_SNAP_VA_PARTNER_SERVICE_IDS).
   */
  vaPartnerServiceIds?: Partial<Record<string, string>>;
}

export interface DokuSnapClientConfig {
  clientId: string;
  baseUrl: string;
  timeoutMs: number;
  snap: DokuSnapConfig;
}

/** Refresh the token this long before DOKU says it expires, so no call goes out with a dying one. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

let sequence = randomInt(0, 1_000_000);

/**
 * X-EXTERNAL-ID: a numeric string unique within the day, 27 digits (SNAP allows 36): the ms clock,
 * a per-process sequence (a million per millisecond before it wraps) and 8 random digits, so two
 * calls in one millisecond, or two workers, do not collide (DOKU refuses a repeat: 409xx00).
 */
export function externalId(now = Date.now()): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${now}${String(sequence).padStart(6, '0')}${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export class DokuSnapClient {
  private token?: { value: string; refreshAt: number };
  private inFlight?: Promise<string>;

  constructor(private readonly config: DokuSnapClientConfig) {}

  /** The cached B2B token, or a new one when there is none or it is about to expire. */
  async accessToken(now = Date.now()): Promise<string> {
    if (this.token && now < this.token.refreshAt) return this.token.value;
    this.inFlight ??= this.fetchToken().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Forget the token (DOKU refused it): the next call fetches a new one. */
  dropToken(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const timestamp = snapTimestamp(Date.now());
    const body = JSON.stringify({ grantType: 'client_credentials' });
    const res = await sendHttp('doku', {
      method: 'POST',
      url: this.url(DOKU_SNAP_PATHS.token),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-client-key': this.config.clientId,
        'x-timestamp': timestamp,
        'x-signature': asymmetricSignature(this.config.snap.privateKey, this.config.clientId, timestamp),
      },
      body,
      timeoutMs: this.config.timeoutMs,
    });
    if (res.status !== 200) snapThrowFor(res, 'access token');
    const parsed = tokenResponseSchema.safeParse(parseJson(res.text));
    if (!parsed.success || !(parsed.data.expiresIn > 0)) throw new ProviderUnavailable('doku snap access token: unexpected response shape', 'doku', 'BAD_RESPONSE');
    const lifetimeMs = parsed.data.expiresIn * 1000;
    // Half the lifetime for very short tokens, else a minute before the end.
    this.token = { value: parsed.data.accessToken, refreshAt: Date.now() + Math.max(lifetimeMs / 2, lifetimeMs - TOKEN_REFRESH_MARGIN_MS) };
    return parsed.data.accessToken;
  }

  /**
   * One signed POST. The body is serialised once; those bytes are hashed, signed and sent. A 401
   * whose case code is 01 ("Invalid Token (B2B)": expired or unknown at DOKU) drops the token and
   * tries once more with a new one.
   */
  async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    return this.send('POST', path, body, headers);
  }

  /** As post, with another method: SNAP's delete-va is a DELETE with a JSON body (the SDK's doDeletePaymentCode). */
  async send(method: 'POST' | 'DELETE', path: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const raw = JSON.stringify(body);
    const first = await this.once(method, path, raw, headers);
    if (first.status === 401 && /^401\d{2}01$/.test(snapResponseCode(first) ?? '')) {
      this.dropToken();
      return this.once(method, path, raw, headers);
    }
    return first;
  }

  private async once(method: 'POST' | 'DELETE', path: string, raw: string, extra: Record<string, string>): Promise<HttpResponse> {
    const token = await this.accessToken();
    const timestamp = snapTimestamp(Date.now());
    const signature = symmetricSignature({ method, path, accessToken: token, body: raw, timestamp }, this.config.snap.clientSecret);
    return sendHttp('doku', {
      method,
      url: this.url(path),
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        'x-partner-id': this.config.clientId,
        'x-external-id': externalId(),
        'x-timestamp': timestamp,
        'x-signature': signature,
        // SNAP's CHANNEL-ID; the SDK's jump-app call sends it as X-CHANNEL-ID "DH". Both are sent.
        'channel-id': 'DH',
        'x-channel-id': 'DH',
        ...extra,
      },
      body: raw,
      timeoutMs: this.config.timeoutMs,
    });
  }

  private url(path: string): string {
    return this.config.baseUrl.replace(/\/$/, '') + path;
  }
}

export function snapResponseCode(res: HttpResponse): string | undefined {
  const parsed = snapErrorSchema.safeParse(parseJson(res.text));
  return parsed.success ? parsed.data.responseCode : undefined;
}

/**
 * Anything that is not an answer we can use. 5xx and 429 are DOKU (or the wallet behind it)
 * being down: retry, and an unknown outcome is resolved by the status look-up. 400 (validation),
 * 401 (signature, token, client), 403, 404 and 409 are a definite no.
 */
export function snapThrowFor(res: HttpResponse, what: string): never {
  const parsed = snapErrorSchema.safeParse(parseJson(res.text));
  const code = parsed.success ? parsed.data.responseCode : undefined;
  const message = `doku snap ${what}: HTTP ${res.status} ${(parsed.success ? parsed.data.responseMessage : undefined) ?? ''}`.trim();
  const errorCode = code && /^\d{7}$/.test(code) ? `DOKU_SNAP_${code}` : `DOKU_SNAP_HTTP_${res.status}`;
  throwForHttpStatus('doku', res.status, message, errorCode, retryAfterMs(res.headers));
}
