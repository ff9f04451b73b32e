import type { PaymentMethod } from '../../domain/payment.js';
import { capabilitiesOf } from '../channel-capabilities.js';

/** A virtual account: the Core API's bank_transfer with its bank (sources: the table below). */
function bankTransfer<const B extends string>(bank: B) {
  return { payment_type: 'bank_transfer', bank } as const;
}

/** Alfamart or Indomaret: the Core API's cstore with its store (sources: the table below). */
function convenienceStore<const S extends string>(store: S) {
  return { payment_type: 'cstore', store } as const;
}

/**
 * bayar method → Midtrans Core API payment_type and its channel detail
 * (technical-documentation-site en/core-api/*.md; docs.midtrans.com/reference-link/qris).
 */
export const MIDTRANS_CHANNELS = {
  VA_BCA: bankTransfer('bca'),
  VA_BNI: bankTransfer('bni'),
  VA_BRI: bankTransfer('bri'),
  VA_CIMB: bankTransfer('cimb'),
  // Permata answers with `permata_va_number` instead of `va_numbers`.
  VA_PERMATA: bankTransfer('permata'),
  // Mandiri is a bill payment, not a VA: the customer needs biller_code + bill_key.
  VA_MANDIRI: { payment_type: 'echannel' },
  QRIS: { payment_type: 'qris', acquirer: 'gopay' },
  EWALLET_GOPAY: { payment_type: 'gopay' },
  EWALLET_SHOPEEPAY: { payment_type: 'shopeepay' },
  RETAIL_ALFAMART: convenienceStore('alfamart'),
  RETAIL_INDOMARET: convenienceStore('indomaret'),
} as const satisfies Partial<Record<PaymentMethod, { payment_type: string; bank?: string; store?: string; acquirer?: string }>>;

export type MidtransMethod = keyof typeof MIDTRANS_CHANNELS;

/** Midtrans refuses bank-transfer expiries under 20 s (docs: VA min 20 s, max 180 days). */
export const MIDTRANS_MIN_EXPIRY_SECONDS = 20;

export const midtransCapabilities = capabilitiesOf(MIDTRANS_CHANNELS, {
  // refund_key: "[A-Za-z0-9_-]" only (Midtrans refund API, docs.midtrans.com/reference-link/refund-transaction);
  // no length is published, so bayar keeps to the 64 it has always sent (README, Refunds).
  refundKey: { maxLength: 64 },
  // Refund API: credit_card, gopay, shopeepay, dana, ovo, QRIS, kredivo, akulaku — partial
  // allowed. Bank transfers and convenience stores are push payments with no refund rail
  // (docs.midtrans.com/reference-link/refund-transaction).
  refunds: { QRIS: 'partial', EWALLET_GOPAY: 'partial', EWALLET_SHOPEEPAY: 'partial' },
  cancel: true,
  // Per-method ceilings (QRIS, convenience stores) are enforced by Midtrans itself; this is the envelope.
  amount: { min: 1, max: 50_000_000_000 },
  // bayar enforces its own deadline by expiring the charge at Midtrans (/v2/{id}/expire), so a
  // shorter bayar expiry than Midtrans' 20 s minimum is still honoured; see README.md.
  expirySeconds: { min: 1, max: 60 * 60 * 24 * 180, default: 60 * 60 * 24 },
});
