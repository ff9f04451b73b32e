import type { PaymentMethod } from '../../domain/payment.js';
import type { ProviderCapabilities } from '../provider.js';

/**
 * bayar method → ecommpay bank for the Indonesian Virtual Accounts method (seed 004, "Supported
 * banks", Table 1). `bankCode` is what bayar shows in the payment instructions. The table is the
 * fallback; the live list (`ECOMMPAY_PATHS.banks`) says which of these are available right now.
 */
export const ECOMMPAY_BANKS = {
  VA_SAMPOERNA: { bankId: 4391, bankCode: 'SAHABAT_SAMPOERNA', name: 'Bank Sahabat Sampoerna VA' },
  VA_PERMATA: { bankId: 433, bankCode: 'PERMATA', name: 'Permata Virtual Account' },
  VA_MANDIRI: { bankId: 434, bankCode: 'MANDIRI', name: 'Mandiri Virtual Account' },
  VA_MAYBANK: { bankId: 2831, bankCode: 'MAYBANK', name: 'Maybank Virtual Account' },
  VA_BNI: { bankId: 2931, bankCode: 'BNI', name: 'BNI Virtual Account' },
  VA_BRI: { bankId: 499, bankCode: 'BRI', name: 'BRI Virtual Account' },
  VA_SINARMAS: { bankId: 562, bankCode: 'SINARMAS', name: 'Sinarmas Virtual Account' },
} as const satisfies Partial<Record<PaymentMethod, { bankId: number; bankCode: string; name: string }>>;

export type EcommpayMethod = keyof typeof ECOMMPAY_BANKS;
export type EcommpayBank = (typeof ECOMMPAY_BANKS)[EcommpayMethod];

export function ecommpayBankFor(method: PaymentMethod): EcommpayBank | undefined {
  return Object.hasOwn(ECOMMPAY_BANKS, method) ? ECOMMPAY_BANKS[method as EcommpayMethod] : undefined;
}

/** Gate endpoints bayar calls (seed 004; en_Gate_payment_status_request.html). All POST. */
export const ECOMMPAY_PATHS = {
  sale: '/v2/payment/banks/indonesia-va/sale',
  banks: '/v2/info/banks/indonesia-va/sale/list',
  status: '/v2/payment/status',
} as const;

/** ecommpay's method code, as callbacks carry it in `payment.method`. */
export const ECOMMPAY_METHOD = 'indonesia-va';

/** "A payment is automatically assigned the decline status if it wasn't processed within the threshold time": 48 h (seed 004). */
export const ECOMMPAY_THRESHOLD_SECONDS = 48 * 3600;

/** Amounts are in minor units, and IDR has two: Rp 150.000 is 15000000. Only whole rupiah are accepted. */
export const IDR_MINOR_UNITS = 100;

export const ecommpayCapabilities: ProviderCapabilities = {
  methods: Object.keys(ECOMMPAY_BANKS) as EcommpayMethod[],
  // "Full refunds —, partial refunds —" for Indonesian Virtual Accounts (seed 004, General information).
  refunds: {},
  // Gate documents no cancel for this method; bayar's deadline ends the payment and sends
  // payment.best_before so ecommpay declines it then too.
  cancel: false,
  // Limits come from the account manager (seed 004); this is the envelope, ecommpay enforces the rest.
  amount: { min: 1, max: 50_000_000_000 },
  // Beyond 48 h ecommpay declines the payment on its own, so no longer expiry can be honoured.
  expirySeconds: { min: 1, max: ECOMMPAY_THRESHOLD_SECONDS, default: 24 * 3600 },
};
