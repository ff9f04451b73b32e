import type { PaymentMethod } from '../../domain/payment.js';
import type { PayoutBank } from '../../domain/payout.js';
import type { PayoutCapabilities } from '../payout.js';
import { capabilitiesOf } from '../channel-capabilities.js';
import type { XenditCreatePaymentRequest } from './schemas.js';

/**
 * bayar method → Xendit channel_code, under the payment_method type Xendit files the channel under
 * (docs.xendit.co channel pages).
 */
const XENDIT_CHANNELS_BY_TYPE = {
  VIRTUAL_ACCOUNT: { VA_BCA: 'BCA', VA_BNI: 'BNI', VA_BRI: 'BRI', VA_MANDIRI: 'MANDIRI', VA_PERMATA: 'PERMATA', VA_CIMB: 'CIMB', VA_BSI: 'BSI', VA_SAMPOERNA: 'SAHABAT_SAMPOERNA' },
  QR_CODE: { QRIS: 'QRIS' },
  EWALLET: { EWALLET_OVO: 'OVO', EWALLET_DANA: 'DANA', EWALLET_SHOPEEPAY: 'SHOPEEPAY', EWALLET_LINKAJA: 'LINKAJA' },
  OVER_THE_COUNTER: { RETAIL_ALFAMART: 'ALFAMART', RETAIL_INDOMARET: 'INDOMARET' },
} as const satisfies Record<XenditCreatePaymentRequest['payment_method']['type'], Partial<Record<PaymentMethod, string>>>;

type ByType = typeof XENDIT_CHANNELS_BY_TYPE;
export type XenditMethod = { [T in keyof ByType]: keyof ByType[T] }[keyof ByType];
export type XenditChannel = { [T in keyof ByType]: { type: T; channel: ByType[T][keyof ByType[T]] } }[keyof ByType];

/** The same table by method: VA_BCA → { type: 'VIRTUAL_ACCOUNT', channel: 'BCA' }. */
export const XENDIT_CHANNELS = Object.fromEntries(
  Object.entries(XENDIT_CHANNELS_BY_TYPE).flatMap(([type, channels]) => Object.entries(channels).map(([method, channel]) => [method, { type, channel }])),
) as Readonly<Record<XenditMethod, XenditChannel>>;

export const xenditCapabilities = capabilitiesOf(XENDIT_CHANNELS, {
  // POST /refunds reference_id and the idempotency-key header carry the refund key; xendit-node's
  // CreateRefund model (docs/refund/CreateRefund.md) types both as plain strings without a published
  // limit, so bayar keeps to 64 characters of [A-Za-z0-9_-].
  refundKey: { maxLength: 64 },
  // Refunds exist for QR and some e-wallets; virtual accounts and over-the-counter are push
  // payments with no refund rail (PROVIDERS.md §3). DANA and OVO are left out: the Payments API
  // channel table (developers.xendit.co/api-reference/payments-api, "Refund" column) marks them
  // ❌ while LinkAja and ShopeePay are ✅. So bayar answers 422 REFUND_NOT_SUPPORTED for them, and
  // money landing late on them goes straight to review instead of an auto-refund Xendit refuses.
  refunds: { QRIS: 'partial', EWALLET_SHOPEEPAY: 'partial', EWALLET_LINKAJA: 'partial' },
  cancel: true,
  // The envelope (BNI VA: 1–50,000,000,000, docs.xendit.co channel pages).
  amount: { min: 1, max: 50_000_000_000 },
  // Channels with published limits of their own (PROVIDERS.md §3): QRIS 1–10,000,000 and
  // Alfamart 10,000–5,000,000. Xendit would refuse anything outside them, so bayar answers 422
  // before a payment exists instead of creating one that can only fail.
  amountByMethod: {
    QRIS: { min: 1, max: 10_000_000 },
    RETAIL_ALFAMART: { min: 10_000, max: 5_000_000 },
  },
  expirySeconds: { min: 1, max: 60 * 60 * 24 * 180, default: 60 * 60 * 24 },
});

/**
 * bayar bank code → Xendit payout channel code. `ID_BCA` is the API reference's own example;
 * the others follow the same `ID_<bank>` pattern of Xendit's Indonesian channel list (an
 * embedded table in docs.xendit.co/docs/payout-coverage-indonesia, not captured) [?]. A code
 * Xendit does not know comes back as 400 CHANNEL_CODE_NOT_SUPPORTED and fails the attempt.
 */
export const XENDIT_PAYOUT_CHANNELS = {
  BCA: 'ID_BCA',
  MANDIRI: 'ID_MANDIRI',
  BNI: 'ID_BNI',
  BRI: 'ID_BRI',
  PERMATA: 'ID_PERMATA',
  CIMB: 'ID_CIMB',
  BSI: 'ID_BSI',
  DANAMON: 'ID_DANAMON',
  BTN: 'ID_BTN',
  MAYBANK: 'ID_MAYBANK',
} as const satisfies Partial<Record<PayoutBank, string>>;

export const xenditPayoutCapabilities: PayoutCapabilities = {
  banks: Object.keys(XENDIT_PAYOUT_CHANNELS),
  // Xendit sends `amount` as is and books its payout fee against the balance separately;
  // there is no field to take the fee out of the amount (README: feeType).
  feeTypes: ['CHARGE_TO_BALANCE'],
  // 10,000 is bayar's floor for bank payouts [?]; Xendit enforces its per-channel limits itself
  // (MINIMUM_/MAXIMUM_TRANSFER_LIMIT_ERROR). Above BI-FAST's 250,000,000 Xendit routes by RTGS.
  amount: { min: 10_000, max: 1_000_000_000 },
};
