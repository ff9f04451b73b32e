import type { PaymentMethod } from '../../domain/payment.js';
import type { ProviderCapabilities } from '../provider.js';

/** bayar method → Xendit payment_method type and channel_code (docs.xendit.co channel pages). */
export const XENDIT_CHANNELS = {
  VA_BCA: { type: 'VIRTUAL_ACCOUNT', channel: 'BCA' },
  VA_BNI: { type: 'VIRTUAL_ACCOUNT', channel: 'BNI' },
  VA_BRI: { type: 'VIRTUAL_ACCOUNT', channel: 'BRI' },
  VA_MANDIRI: { type: 'VIRTUAL_ACCOUNT', channel: 'MANDIRI' },
  VA_PERMATA: { type: 'VIRTUAL_ACCOUNT', channel: 'PERMATA' },
  VA_CIMB: { type: 'VIRTUAL_ACCOUNT', channel: 'CIMB' },
  VA_BSI: { type: 'VIRTUAL_ACCOUNT', channel: 'BSI' },
  VA_SAMPOERNA: { type: 'VIRTUAL_ACCOUNT', channel: 'SAHABAT_SAMPOERNA' },
  QRIS: { type: 'QR_CODE', channel: 'QRIS' },
  EWALLET_OVO: { type: 'EWALLET', channel: 'OVO' },
  EWALLET_DANA: { type: 'EWALLET', channel: 'DANA' },
  EWALLET_SHOPEEPAY: { type: 'EWALLET', channel: 'SHOPEEPAY' },
  EWALLET_LINKAJA: { type: 'EWALLET', channel: 'LINKAJA' },
  RETAIL_ALFAMART: { type: 'OVER_THE_COUNTER', channel: 'ALFAMART' },
  RETAIL_INDOMARET: { type: 'OVER_THE_COUNTER', channel: 'INDOMARET' },
} as const satisfies Partial<Record<PaymentMethod, { type: string; channel: string }>>;

export type XenditMethod = keyof typeof XENDIT_CHANNELS;

export const xenditCapabilities: ProviderCapabilities = {
  methods: Object.keys(XENDIT_CHANNELS) as XenditMethod[],
  // Refunds exist for e-wallets and QR; virtual accounts and over-the-counter are push
  // payments with no refund rail (PROVIDERS.md §3).
  refunds: {
    QRIS: 'partial',
    EWALLET_OVO: 'partial',
    EWALLET_DANA: 'partial',
    EWALLET_SHOPEEPAY: 'partial',
    EWALLET_LINKAJA: 'partial',
  },
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
};
