// Indodana's one authentication scheme, used both ways: `Authorization: Bearer
// {apiKey}:{nonce}:{signature}`, signature = lowercase hex HMAC-SHA256(secret, "apiKey:nonce"),
// nonce = Unix time in seconds (seed 001; indodana-paylater-sdk-php IndodanaApiSecurity.php).
// We sign our requests with it, and Indodana signs its notifications to us with the same
// merchant key and secret (paylater-ecommerce-plugin-php Notify.php). Pure functions, no I/O.
//
// The signature covers the key and the nonce only — not the body, the path or the method. So it
// proves only that the sender holds (or once saw) a header signed with our secret: bayar treats an
// Indodana notification as a wake-up and confirms it with check-status (README.md,
// "Notifications"). A nonce window would add nothing to that and refuse Indodana's genuine
// resends, so notifications are verified without one; the sandbox, playing Indodana's API, may
// still ask for a fresh nonce by passing nowSeconds.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** hex HMAC-SHA256(secret, `${apiKey}:${nonce}`). */
export function indodanaSignature(apiKey: string, nonce: string | number, secret: string): string {
  return createHmac('sha256', secret).update(`${apiKey}:${nonce}`, 'utf8').digest('hex');
}

/** The Authorization header value for one request; the nonce is the current Unix second. */
export function authorizationHeader(apiKey: string, secret: string, nonce: number = Math.floor(Date.now() / 1000)): string {
  return `Bearer ${apiKey}:${nonce}:${indodanaSignature(apiKey, nonce, secret)}`;
}

/** How far a nonce may lag (a notification in flight, clock drift) or lead (clock drift) our clock. */
export const NONCE_MAX_AGE_SECONDS = 300;
export const NONCE_MAX_LEAD_SECONDS = 60;

export interface VerifyOptions {
  apiKey: string;
  secret: string;
  /** When given, the nonce must lie within the window around it; omitted, its age is not checked. */
  nowSeconds?: number;
  maxAgeSeconds?: number;
  maxLeadSeconds?: number;
}

export type Verification = { ok: true; nonce: number } | { ok: false; reason: string };

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;
const NONCE = /^\d{1,12}$/;

/**
 * Checks a received Authorization header. The key is compared as a hash and the signature as
 * decoded bytes, both with timingSafeEqual, so neither comparison leaks how much of it matched;
 * a malformed header is refused before any comparison. Reasons never contain the header itself.
 */
export function verifyAuthorization(header: string | undefined, options: VerifyOptions): Verification {
  if (header === undefined || header === '') return { ok: false, reason: 'Authorization header missing' };
  const match = /^Bearer (.+)$/.exec(header.trim());
  if (!match) return { ok: false, reason: 'Authorization is not a Bearer credential' };
  const parts = match[1]!.split(':');
  if (parts.length !== 3) return { ok: false, reason: 'credential is not apiKey:nonce:signature' };
  const [key, nonceText, signature] = parts as [string, string, string];
  if (!NONCE.test(nonceText)) return { ok: false, reason: 'nonce is not a Unix time in seconds' };
  if (!SHA256_HEX.test(signature)) return { ok: false, reason: 'signature is not 64 hex digits' };
  const keyMatches = timingSafeEqual(sha256(key), sha256(options.apiKey));
  const expected = Buffer.from(indodanaSignature(options.apiKey, nonceText, options.secret), 'hex');
  const signatureMatches = timingSafeEqual(expected, Buffer.from(signature, 'hex'));
  if (!keyMatches || !signatureMatches) return { ok: false, reason: 'signature does not match' };
  // Freshness last: a forged header is reported as forged, whatever its nonce.
  const nonce = Number(nonceText);
  if (options.nowSeconds === undefined) return { ok: true, nonce };
  const age = options.nowSeconds - nonce;
  if (age > (options.maxAgeSeconds ?? NONCE_MAX_AGE_SECONDS)) return { ok: false, reason: `nonce is ${age} s old (replayed or stale)` };
  if (-age > (options.maxLeadSeconds ?? NONCE_MAX_LEAD_SECONDS)) return { ok: false, reason: `nonce is ${-age} s in the future` };
  return { ok: true, nonce };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
