// DOKU SNAP signing, pure functions (PROVIDERS.md §1.4; developers.doku.com "Symmetric Signature",
// "Asymmetric Signature"; doku-nodejs-library 1.0.52 tokenService.js, the oracle in the tests):
//
// - B2B token request (merchant → DOKU, and DOKU → bayar before a notification):
//   X-SIGNATURE = base64(SHA256withRSA(private key, `${clientId}|${X-TIMESTAMP}`)).
// - Every transaction call (and DOKU's notifications): X-SIGNATURE = base64(HMAC-SHA512(client
//   secret, `${METHOD}:${path}:${accessToken}:${lowerhex(SHA-256(minify(body)))}:${X-TIMESTAMP}`)).
// - The tokens bayar issues to DOKU for its notifications: RS256 JWTs over {exp, iss, clientId}
//   signed with our private key, as the SDK's generateToken does, so any API instance can check one.
import { createHash, createHmac, createPublicKey, createSign, createVerify, timingSafeEqual, type KeyObject } from 'node:crypto';

const WIB_OFFSET_MS = 7 * 60 * 60_000;

/** X-TIMESTAMP as DOKU's examples write it: Jakarta local time with its offset, `2020-12-21T14:56:11+07:00`. */
export function snapTimestamp(ms: number): string {
  return new Date(ms + WIB_OFFSET_MS).toISOString().slice(0, 19) + '+07:00';
}

/** ISO 8601 with a zone, to the second, optional fraction (DOKU's notifications: `2020-12-21T07:56:11.000Z`). */
export const SNAP_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

export function parseSnapTimestamp(text: string): number | undefined {
  if (!SNAP_TIMESTAMP.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * JSON minification as the signature means it: whitespace *between* tokens goes, whitespace inside
 * strings stays (DOKU's published body keeps `"  088899"` and `"Jokul Doe"`). The SDK's
 * minifyString strips every whitespace character, strings included — a bug not copied here.
 * Works on text, not on a parsed value, so numbers and escapes are hashed exactly as sent.
 */
export function minifyJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
      out += c;
    }
  }
  return out;
}

/** lowerhex(SHA-256(minify(body))); an empty body hashes the empty string. */
export function snapBodyHash(body: Buffer | string | undefined): string {
  const text = body === undefined ? '' : typeof body === 'string' ? body : body.toString('utf8');
  return createHash('sha256').update(minifyJson(text), 'utf8').digest('hex');
}

export interface SymmetricComponents {
  method: string;
  /** The path only, as the endpoint is named (`/direct-debit/core/v1/debit/payment-host-to-host`). */
  path: string;
  accessToken: string;
  body: Buffer | string | undefined;
  timestamp: string;
}

export function symmetricStringToSign(c: SymmetricComponents): string {
  return `${c.method.toUpperCase()}:${c.path}:${c.accessToken}:${snapBodyHash(c.body)}:${c.timestamp}`;
}

export function symmetricSignature(c: SymmetricComponents, clientSecret: string): string {
  return createHmac('sha512', clientSecret).update(symmetricStringToSign(c), 'utf8').digest('base64');
}

/** Constant-time comparison of the decoded MACs; anything that is not 64 bytes of base64 is a mismatch. */
export function symmetricSignatureMatches(c: SymmetricComponents, received: string | undefined, clientSecret: string): boolean {
  if (!received || !/^[A-Za-z0-9+/]+={0,2}$/.test(received)) return false;
  const expected = createHmac('sha512', clientSecret).update(symmetricStringToSign(c), 'utf8').digest();
  const got = Buffer.from(received, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** `${clientId}|${timestamp}`: what the B2B token request's X-SIGNATURE covers. */
export function asymmetricStringToSign(clientId: string, timestamp: string): string {
  return `${clientId}|${timestamp}`;
}

export function asymmetricSignature(privateKeyPem: string, clientId: string, timestamp: string): string {
  return createSign('RSA-SHA256').update(asymmetricStringToSign(clientId, timestamp), 'utf8').sign(privateKeyPem, 'base64');
}

export function asymmetricSignatureMatches(publicKey: string | KeyObject, clientId: string, timestamp: string, received: string | undefined): boolean {
  if (!received || !/^[A-Za-z0-9+/]+={0,2}$/.test(received)) return false;
  try {
    return createVerify('RSA-SHA256').update(asymmetricStringToSign(clientId, timestamp), 'utf8').verify(publicKey, Buffer.from(received, 'base64'));
  } catch {
    return false;
  }
}

// ---- The B2B tokens bayar issues to DOKU (its notifications carry them as Bearer tokens) ----

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export interface NotificationTokenClaims {
  exp: number;
  iat: number;
  iss: string;
  clientId: string;
}

/** An RS256 JWT, as the SDK's generateToken (jsonwebtoken, RS256) makes one. */
export function issueNotificationToken(privateKeyPem: string, clientId: string, nowMs: number, ttlSeconds: number): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const iat = Math.floor(nowMs / 1000);
  const claims: NotificationTokenClaims = { exp: iat + ttlSeconds, iat, iss: 'bayar', clientId };
  const payload = b64url(JSON.stringify(claims));
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKeyPem);
  return `${header}.${payload}.${b64url(signature)}`;
}

/**
 * Checks a token bayar issued: RS256 only (never "none" or a MAC), our signature, not expired,
 * and for our client id. Returns the claims, or undefined.
 */
export function verifyNotificationToken(token: string, publicKey: string | KeyObject, clientId: string, nowMs: number): NotificationTokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  const [h, p, s] = parts as [string, string, string];
  try {
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown };
    if (header.alg !== 'RS256') return undefined;
    const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(publicKey, Buffer.from(s, 'base64url'));
    if (!ok) return undefined;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Partial<NotificationTokenClaims>;
    if (typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return undefined;
    if (claims.clientId !== clientId) return undefined;
    return claims as NotificationTokenClaims;
  } catch {
    return undefined;
  }
}

export function publicKeyOf(privateKeyPem: string): KeyObject {
  return createPublicKey(privateKeyPem);
}
