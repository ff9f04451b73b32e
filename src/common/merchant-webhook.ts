// bayar's own outgoing webhooks to merchants. The scheme (documented in the README):
//   Bayar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// Receivers recompute over the raw body, compare in constant time, and refuse a timestamp
// older than five minutes (replay protection). Bayar-Event-Id is stable across retries.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MERCHANT_SIGNATURE_HEADER = 'bayar-signature';
export const MERCHANT_EVENT_ID_HEADER = 'bayar-event-id';
export const MERCHANT_SIGNATURE_TOLERANCE_S = 300;

export function signMerchantWebhook(secret: string, rawBody: string, eventId: string, timestamp: number): Record<string, string> {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return { [MERCHANT_SIGNATURE_HEADER]: `t=${timestamp},v1=${v1}`, [MERCHANT_EVENT_ID_HEADER]: eventId };
}

/** Reference verifier for merchants (and bayar's own tests). */
export function verifyMerchantWebhook(secret: string, rawBody: string | Buffer, header: string | undefined, nowSeconds: number): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > MERCHANT_SIGNATURE_TOLERANCE_S || typeof parts.v1 !== 'string') return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
