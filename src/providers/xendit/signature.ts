// Xendit authenticates us with HTTP Basic (secret key as user, empty password) and
// authenticates itself on webhooks with a static `x-callback-token` from the dashboard.
// There is no body signature, so the token comparison must be constant-time.
import { createHash, timingSafeEqual } from 'node:crypto';

export function basicAuthHeader(secretKey: string): string {
  return 'Basic ' + Buffer.from(`${secretKey}:`).toString('base64');
}

/** Constant-time equality that also hides the length of the expected token. */
export function callbackTokenMatches(received: string | undefined, expected: string): boolean {
  if (received === undefined) return false;
  const a = createHash('sha256').update(received).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
