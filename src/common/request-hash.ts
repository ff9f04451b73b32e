// The idempotency fingerprint of a create request: the same key with the same body is the same
// request (200), with another body a conflict (409). Shared by payments and payouts.
import { createHash, createHmac } from 'node:crypto';

/**
 * Stable hash of a request body: same fields and values → same hash, whatever the key order.
 * With a key it is an HMAC, for bodies whose fields are guessable personal data (an account
 * number has few digits): the hash sits in the workflow's memo, in clear.
 */
export function hashRequest(body: unknown, key?: Buffer): string {
  const canonical = canonicalJson(body);
  return (key ? createHmac('sha256', key) : createHash('sha256')).update(canonical).digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
