// bayar's own outgoing webhooks to merchants. The scheme (documented in the README and docs/api.md):
//   Bayar-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]
// Receivers recompute over the raw body, compare in constant time, and refuse a timestamp
// older than five minutes (replay protection). Bayar-Event-Id is stable across retries and
// resends. During a secret rotation's overlap the header carries one v1 per signing secret (the
// new one first, as Stripe does), so a receiver holding either secret accepts the callback.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MERCHANT_SIGNATURE_HEADER = 'bayar-signature';
export const MERCHANT_EVENT_ID_HEADER = 'bayar-event-id';
export const MERCHANT_SIGNATURE_TOLERANCE_S = 300;

export function signMerchantWebhook(secrets: string | readonly string[], rawBody: string, eventId: string, timestamp: number): Record<string, string> {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (list.length === 0) throw new Error('no webhook signing secret');
  const v1s = list.map((secret) => `v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`);
  return { [MERCHANT_SIGNATURE_HEADER]: `t=${timestamp},${v1s.join(',')}`, [MERCHANT_EVENT_ID_HEADER]: eventId };
}

/** Reference verifier for merchants (and bayar's own tests): any one v1 made with `secret` passes. */
export function verifyMerchantWebhook(secret: string, rawBody: string | Buffer, header: string | undefined, nowSeconds: number): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.split('=', 2) as [string, string | undefined]);
  const times = parts.filter(([k]) => k === 't');
  const t = Number(times[0]?.[1]);
  if (times.length !== 1 || !Number.isInteger(t) || Math.abs(nowSeconds - t) > MERCHANT_SIGNATURE_TOLERANCE_S) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  let ok = false;
  for (const [k, v] of parts) {
    if (k !== 'v1' || typeof v !== 'string') continue;
    const given = Buffer.from(v, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) ok = true;
  }
  return ok;
}
