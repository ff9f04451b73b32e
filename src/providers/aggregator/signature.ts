// The RSA aggregator's signing, used in both directions (seed 003 "Message Encryption Rules";
// the TopPay family's sample code, PROVIDERS.md §6). Pure functions, no I/O.
//
//   1. take every parameter except the signature field itself (`sign` on what we send,
//      `platSign` on what the platform sends);
//   2. sort the parameter NAMES ascending and concatenate their VALUES only — no names, no
//      separators: {b:"2", a:"1", sign:"…"} → "12";
//   3. RSA PKCS#1 v1.5 "encrypt" those UTF-8 bytes with a PRIVATE key, in blocks of
//      (key bytes − 11): 117 bytes for the 1024-bit keys the platform issues;
//   4. Base64 of the concatenated output blocks.
//
// Verifying reverses it: split the Base64-decoded bytes into key-sized blocks, "decrypt" each with
// the other side's PUBLIC key, join them, and compare with the string rebuilt from the received
// parameters. This is not a hash-then-sign scheme (no digest, no ASN.1): the signed text itself is
// recoverable from the signature, which is why the comparison is over the recovered text.
// No input → signature vector is published; the tests derive theirs from this formula.
import { constants, createHash, privateEncrypt, publicDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';

/** The field that carries our signature on requests. */
export const SIGN_FIELD = 'sign';
/** The field that carries the platform's signature on answers and callbacks. */
export const PLATFORM_SIGN_FIELD = 'platSign';

/** What a parameter value can be on the wire: JSON answers carry numbers, forms only strings. */
export type WireValue = string | number | boolean | null | undefined;

/** PKCS#1 v1.5 padding takes 11 bytes of every block. */
const PKCS1_OVERHEAD = 11;

/** Key size in bytes: the size of every signature block. */
export function rsaBlockBytes(key: KeyObject): number {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (key.asymmetricKeyType !== 'rsa' || !bits) throw new TypeError('the aggregator signs with RSA keys only');
  return Math.ceil(bits / 8);
}

/** How many bytes of text one block carries: key bytes − 11 (117 for a 1024-bit key). */
export function rsaChunkBytes(key: KeyObject): number {
  return rsaBlockBytes(key) - PKCS1_OVERHEAD;
}

/**
 * The signed text: values of every parameter but `exclude`, ordered by parameter name (UTF-16
 * code unit order, as Java's Collections.sort and PHP's ksort order ASCII names). An absent value
 * (null/undefined) contributes nothing, like an empty one.
 */
export function stringToSign(params: Readonly<Record<string, WireValue>>, exclude: string): string {
  return Object.keys(params)
    .filter((name) => name !== exclude)
    .sort()
    .map((name) => wireText(params[name]))
    .join('');
}

function wireText(value: WireValue): string {
  if (value === null || value === undefined) return '';
  return String(value);
}

/** Private-key "encryption" of `text` in (key bytes − 11)-byte blocks, Base64. */
export function rsaSign(text: string, privateKey: KeyObject): string {
  const data = Buffer.from(text, 'utf8');
  const chunk = rsaChunkBytes(privateKey);
  const blocks: Buffer[] = [];
  // An empty text still gets one (padding-only) block, so there is always a signature to check.
  for (let offset = 0; offset < data.length || offset === 0; offset += chunk) {
    blocks.push(privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, data.subarray(offset, offset + chunk)));
  }
  return Buffer.concat(blocks).toString('base64');
}

/** Standard Base64, padded: what the platform's Java and PHP samples produce. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})+$|^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/;

/**
 * The text a signature carries, recovered with the signer's public key; undefined when it is not
 * a well-formed signature for this key (bad Base64, wrong length, bad padding in any block).
 * Buffer.from(x, 'base64') silently skips what it cannot read, so the Base64 is checked first.
 */
export function rsaRecover(signature: string, publicKey: KeyObject): Buffer | undefined {
  if (signature.length === 0 || signature.length > 65_536 || !BASE64.test(signature)) return undefined;
  const raw = Buffer.from(signature, 'base64');
  const block = rsaBlockBytes(publicKey);
  if (raw.length === 0 || raw.length % block !== 0) return undefined;
  const parts: Buffer[] = [];
  try {
    for (let offset = 0; offset < raw.length; offset += block) {
      parts.push(publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, raw.subarray(offset, offset + block)));
    }
  } catch {
    return undefined;
  }
  return Buffer.concat(parts);
}

/** Constant-time: both sides are hashed first, so neither content nor length leaks through timing. */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Whether `signature` is `publicKey`'s holder's signature over exactly `text`. */
export function rsaVerify(text: string, signature: string, publicKey: KeyObject): boolean {
  const recovered = rsaRecover(signature, publicKey);
  if (!recovered) return false;
  return sameBytes(recovered, Buffer.from(text, 'utf8'));
}

/** Our `sign` for a request: every parameter but `sign`. */
export function signParams(params: Readonly<Record<string, WireValue>>, privateKey: KeyObject, exclude: string = SIGN_FIELD): string {
  return rsaSign(stringToSign(params, exclude), privateKey);
}

/**
 * Checks the signature carried in `params[field]` (by default the platform's `platSign`) over all
 * the other parameters. A missing or empty signature is simply not valid.
 *
 * As TopPay's own `verifySign` does (TopPayRequestUtil in the platform's Java/PHP demos, cited in
 * the December 2026 audit): double quotes are removed from both the recovered text and the
 * rebuilt one before comparing, so a value the platform serialised with quotes (a number sent
 * as a JSON string on one side only) still verifies. Nothing else is relaxed: every other byte
 * must match, and only the platform's private key can produce the recovered text.
 */
export function verifyParams(params: Readonly<Record<string, WireValue>>, publicKey: KeyObject, field: string = PLATFORM_SIGN_FIELD): boolean {
  const signature = params[field];
  if (typeof signature !== 'string' || signature.length === 0) return false;
  const recovered = rsaRecover(signature, publicKey);
  if (!recovered) return false;
  return sameBytes(Buffer.from(withoutQuotes(recovered.toString('utf8')), 'utf8'), Buffer.from(withoutQuotes(stringToSign(params, field)), 'utf8'));
}

function withoutQuotes(text: string): string {
  return text.replace(/"/g, '');
}
