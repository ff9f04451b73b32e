// The refund key bayar sends to a provider (Midtrans refund_key, Xendit reference_id and
// idempotency-key, DOKU partnerRefundNo, Indodana refundId). The provider treats two requests
// with one key as one refund, so two distinct refunds must never share a key and one refund
// retried must always have the same one. The key used to be `${paymentId}-rf-${refundId}` cut to
// 64 characters: two refund ids that differ only past the cut became one refund at the provider
// while bayar counted two (security audit). Now it is an HMAC (the data key) over the pair,
// written in the one alphabet every provider takes, as long as the provider allows.
import { createHmac } from 'node:crypto';

/** What a provider accepts as a refund key. Every provider's rule is cited where it is declared. */
export interface RefundKeyRules {
  /** Longest key the provider takes. */
  maxLength: number;
}

/** When a provider publishes nothing stricter: 64, the length bayar has always sent. */
export const DEFAULT_REFUND_KEY_RULES: RefundKeyRules = { maxLength: 64 };

const PREFIX = 'rf_';
/** 128 bits of HMAC at the least: collisions stay out of reach however many refunds there are. */
const MIN_HEX = 32;
/** [A-Za-z0-9_-] is Midtrans' refund_key alphabet, the narrowest; hex and `_` sit inside it. */
export const REFUND_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;

export function refundKeyFor(dataKey: Buffer, paymentId: string, refundId: string, rules: RefundKeyRules = DEFAULT_REFUND_KEY_RULES): string {
  const hexLength = Math.min(64, rules.maxLength - PREFIX.length);
  if (hexLength < MIN_HEX) throw new RangeError(`a refund key of at most ${rules.maxLength} characters cannot be collision-free`);
  // Length-prefixed fields: no (paymentId, refundId) pair can be spelled like another.
  const mac = createHmac('sha256', dataKey).update(`bayar-refund-key\n${paymentId.length}:${paymentId}\n${refundId.length}:${refundId}`).digest('hex');
  return PREFIX + mac.slice(0, hexLength);
}
