// DOKU Non-SNAP request signing, used in both directions: bayar signs every call to DOKU, and
// DOKU signs every HTTP notification it sends us the same way (developers.doku.com, "Signature
// Component from Request Header"; jokul-nodejs-library getSignature). Pure functions, no I/O.
//
//   Client-Id:<Client-Id header>
//   Request-Id:<Request-Id header>
//   Request-Timestamp:<Request-Timestamp header>
//   Request-Target:<path only: /bca-virtual-account/v2/payment-code, or our notification path>
//   Digest:<base64(SHA-256(raw body))>            ← POST only; a GET has no Digest line
//
// lines joined by "\n", no trailing newline, no space after the colons;
// Signature header = "HMACSHA256=" + base64(HMAC-SHA256(secret key, that string)).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_PREFIX = 'HMACSHA256=';

export interface SignatureComponents {
  clientId: string;
  requestId: string;
  /** UTC to the second with a Z: "2020-08-11T08:45:42Z". */
  timestamp: string;
  /** Path only, no host and no query: the API path we call, or the path DOKU notified. */
  target: string;
  /**
   * The raw body exactly as sent (the digest is over these bytes, so it is never re-serialised
   * before verifying). Undefined for a GET, which signs without a Digest line.
   */
  body?: Buffer | string;
}

/** base64(SHA-256(raw body)). */
export function bodyDigest(body: Buffer | string): string {
  return createHash('sha256').update(body).digest('base64');
}

/** The five (GET: four) signed values, with the digest already computed. */
export interface StringToSignFields {
  clientId: string;
  requestId: string;
  timestamp: string;
  target: string;
  /** base64(SHA-256(raw body)); undefined for a GET. */
  digest?: string;
}

export function stringToSign(f: StringToSignFields): string {
  const lines = [`Client-Id:${f.clientId}`, `Request-Id:${f.requestId}`, `Request-Timestamp:${f.timestamp}`, `Request-Target:${f.target}`];
  if (f.digest !== undefined) lines.push(`Digest:${f.digest}`);
  return lines.join('\n');
}

function fieldsOf(c: SignatureComponents): StringToSignFields {
  const { body, ...rest } = c;
  return body === undefined ? rest : { ...rest, digest: bodyDigest(body) };
}

function hmac(c: SignatureComponents, secretKey: string): Buffer {
  return createHmac('sha256', secretKey)
    .update(stringToSign(fieldsOf(c)), 'utf8')
    .digest();
}

/** The `Signature` header value: "HMACSHA256=" + base64 HMAC-SHA256. */
export function signature(c: SignatureComponents, secretKey: string): string {
  return SIGNATURE_PREFIX + hmac(c, secretKey).toString('base64');
}

/** 32 bytes of HMAC in standard base64: 43 characters and one "=". */
const HMAC_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * Constant-time check of a received `Signature` header. The base64 part is validated before it
 * is decoded (Buffer.from(x, 'base64') silently skips what it cannot read), and the decoded
 * bytes are compared, so equivalent spellings cannot slip past and lengths never leak.
 */
export function signatureMatches(c: SignatureComponents, received: string | undefined, secretKey: string): boolean {
  if (received === undefined || !received.startsWith(SIGNATURE_PREFIX)) return false;
  const encoded = received.slice(SIGNATURE_PREFIX.length);
  if (!HMAC_BASE64.test(encoded)) return false;
  return timingSafeEqual(hmac(c, secretKey), Buffer.from(encoded, 'base64'));
}

/** DOKU's Request-Timestamp: ISO 8601 in UTC to the second, "2020-08-11T08:45:42Z". */
export function dokuTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

export const DOKU_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

/** ISO 8601 with a zone: DOKU's documented form, and the same with a fraction or an offset. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A received Request-Timestamp as epoch ms; undefined when it is not an ISO 8601 time with a
 * zone. Lenient beyond DOKU's documented "2020-08-11T08:45:42Z" (a fraction or an offset is
 * read too): the value is covered by the signature, so leniency here opens nothing.
 */
export function parseDokuTimestamp(text: string): number | undefined {
  if (!ISO_WITH_ZONE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The four headers of a signed Non-SNAP request (or notification). */
export function signedHeaders(c: SignatureComponents, secretKey: string): Record<string, string> {
  return {
    'Client-Id': c.clientId,
    'Request-Id': c.requestId,
    'Request-Timestamp': c.timestamp,
    Signature: signature(c, secretKey),
  };
}
