// ecommpay signs in both directions the same way: bayar signs every Gate request (the signature
// goes in `general.signature`), and ecommpay signs every callback (at the top level, `signature`).
// Pure functions, no I/O. Sources: developers.ecommpay.com "Signature generation and
// verification" (en_platform_signature.html); the official npm package `ecommpay` 0.1.7,
// src/converter.js and src/signer.js, which the unit tests use as an oracle.
//
//   1. leave out the signature itself (every key named `signature`, at any depth, as the
//      official JS and PHP SDKs do when they check a callback);
//   2. flatten every parameter to `path:value`: nested keys joined by `:`, an array index is a
//      key (`e:0:4`); true/false → 1/0; null → empty value; an empty object or array yields
//      nothing; `frame_mode` keys are skipped;
//   3. order the keys of each object and emit depth-first, joined by `;`;
//   4. HMAC-SHA512 with the project's secret key, Base64.
//
// Ordering follows the official JS signer exactly, quirk included: it sorts a level's keys as
// strings, then re-inserts them into a plain object, and JavaScript enumerates integer-like keys
// of an object first, in numeric order. So array index 10 comes after 9 (not after 1), and a
// numeric key sorts before letters. bayar's own bodies have no numeric keys; the rule matters
// only for arrays, and for whatever ecommpay might send (see README.md).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Keys the official signer skips wherever they appear (Payment Page widget settings). */
export const IGNORED_KEYS: readonly string[] = ['frame_mode'];

/** Deeper than any ecommpay body; a guard so a hostile body cannot exhaust the stack. */
export const MAX_SIGNED_DEPTH = 32;

export class SignatureInputTooDeep extends Error {
  constructor() {
    super(`nested more than ${MAX_SIGNED_DEPTH} levels`);
    this.name = 'SignatureInputTooDeep';
  }
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An array index in ECMAScript's sense: the keys JavaScript enumerates first, numerically. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) <= 4_294_967_294;
}

/** A level's keys in the order the official signer emits them (see the file comment). */
function orderedKeys(value: object): string[] {
  const sorted = Object.keys(value).sort();
  const indices = sorted.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indices, ...sorted.filter((k) => !isArrayIndex(k))];
}

/** The string that is signed: `path:value` pairs joined by `;`. */
export function signingString(params: JsonValue, ignored: readonly string[] = IGNORED_KEYS): string {
  const parts: string[] = [];
  const walk = (value: JsonValue, prefix: string, depth: number): void => {
    if (depth > MAX_SIGNED_DEPTH) throw new SignatureInputTooDeep();
    for (const key of orderedKeys(value as object)) {
      if (ignored.includes(key)) continue;
      const child = (value as Record<string, JsonValue>)[key]!;
      const path = prefix ? `${prefix}:${key}` : key;
      if (child !== null && typeof child === 'object') walk(child, path, depth + 1);
      else parts.push(`${path}:${leaf(child)}`);
    }
  };
  if (params !== null && typeof params === 'object') walk(params, '', 0);
  return parts.join(';');
}

function leaf(value: string | number | boolean | null): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  // Numbers as JavaScript prints them (20000000, 0.5, 1e+21): the callback is verified over the
  // parsed JSON, as the official SDK does, never over a re-formatted copy.
  return String(value);
}

/** Base64 HMAC-SHA512 of the signing string: what goes in `signature`. */
export function sign(params: JsonValue, secretKey: string): string {
  return hmac(params, secretKey).toString('base64');
}

function hmac(params: JsonValue, secretKey: string): Buffer {
  return createHmac('sha512', secretKey).update(signingString(params), 'utf8').digest();
}

/** A copy without any `signature` key, at any depth (what both official SDKs check against). */
export function withoutSignatures(value: JsonValue, depth = 0): JsonValue {
  if (depth > MAX_SIGNED_DEPTH) throw new SignatureInputTooDeep();
  if (Array.isArray(value)) return value.map((v) => withoutSignatures(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty, not assignment: a "__proto__" key from the wire stays a plain key.
    if (k !== 'signature') Object.defineProperty(out, k, { value: withoutSignatures(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** 64 bytes of HMAC in standard base64: 86 characters and "==". */
const HMAC_BASE64 = /^[A-Za-z0-9+/]{86}==$/;

/**
 * Constant-time check of a received signature over `params` (already without their signature
 * keys). The Base64 is validated before decoding: Buffer.from(x, 'base64') skips what it cannot
 * read, so equivalent spellings would otherwise pass and lengths could leak.
 */
export function signatureMatches(params: JsonValue, received: unknown, secretKey: string): boolean {
  if (typeof received !== 'string' || !HMAC_BASE64.test(received)) return false;
  return timingSafeEqual(hmac(params, secretKey), Buffer.from(received, 'base64'));
}

/**
 * A Gate request body with `general.signature` filled in over everything else. The body goes
 * through JSON first, so what is signed is exactly what is sent (no undefined, no Dates).
 */
export function signRequest<T extends { general: object }>(body: T, secretKey: string): T {
  const unsigned = withoutSignatures(JSON.parse(JSON.stringify(body)) as JsonValue) as unknown as T;
  return { ...unsigned, general: { ...unsigned.general, signature: sign(unsigned as unknown as JsonValue, secretKey) } };
}

/** A callback (or status answer) body with its top-level `signature` (used by the sandbox). */
export function signCallback<T extends object>(body: T, secretKey: string): T & { signature: string } {
  const unsigned = withoutSignatures(JSON.parse(JSON.stringify(body)) as JsonValue) as unknown as T;
  return { ...unsigned, signature: sign(unsigned as unknown as JsonValue, secretKey) };
}
