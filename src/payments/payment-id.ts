// Payment ids are derived, so the same (merchant, key) always names the same payment, and keyed
// (HMAC with the data key), so nobody can compute the id of another merchant's order from its
// reference, nor confirm a guessed reference from an id (security audit: "derivable ids").
import { createHmac } from 'node:crypto';

export function paymentIdFor(dataKey: Buffer, merchantId: string, key: string): string {
  // Length-prefixed: no (merchant, key) pair spells another's input.
  const mac = createHmac('sha256', dataKey).update(`bayar-payment-id\n${merchantId.length}:${merchantId}\n${key}`).digest('hex');
  return 'pay_' + mac.slice(0, 24);
}
