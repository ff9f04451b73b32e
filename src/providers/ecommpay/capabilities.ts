import type { PaymentMethod } from '../../domain/payment.js';
import type { PayoutBank } from '../../domain/payout.js';
import type { PayoutCapabilities } from '../payout.js';
import { capabilitiesOf } from '../channel-capabilities.js';
import { lookupIn } from '../lookup.js';

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

export const ecommpayBankFor: (method: PaymentMethod) => EcommpayBank | undefined = lookupIn(ECOMMPAY_BANKS);

/**
 * Gate endpoints bayar calls (seed 004; en_Gate_payment_status_request.html). All POST.
 * `payout`: the group is `/v2/payment/banks/{payment_method}/payout` (PROVIDERS.md §4; the
 * platform's published payout samples use `/v2/payment/banks/malaysia/payout` and
 * `/v2/payment/banks/korea/payout`), with this method's slug as in its sale path
 * [? the VA method's payout page was not readable; see README.md].
 */
export const ECOMMPAY_PATHS = {
  sale: '/v2/payment/banks/indonesia-va/sale',
  banks: '/v2/info/banks/indonesia-va/sale/list',
  status: '/v2/payment/status',
  payout: '/v2/payment/banks/indonesia-va/payout',
} as const;

/** ecommpay's method code, as callbacks carry it in `payment.method`. */
export const ECOMMPAY_METHOD = 'indonesia-va';

/** "A payment is automatically assigned the decline status if it wasn't processed within the threshold time": 48 h (seed 004). */
export const ECOMMPAY_THRESHOLD_SECONDS = 48 * 3600;

/** Amounts are in minor units, and IDR has two: Rp 150.000 is 15000000. Only whole rupiah are accepted. */
export const IDR_MINOR_UNITS = 100;

export const ecommpayCapabilities = capabilitiesOf(ECOMMPAY_BANKS, {
  // "Full refunds —, partial refunds —" for Indonesian Virtual Accounts (seed 004, General information).
  refunds: {},
  // Gate documents no cancel for this method; bayar's deadline ends the payment and sends
  // payment.best_before so ecommpay declines it then too.
  cancel: false,
  // Limits come from the account manager (seed 004); this is the envelope, ecommpay enforces the rest.
  amount: { min: 1, max: 50_000_000_000 },
  // Beyond 48 h ecommpay declines the payment on its own, so no longer expiry can be honoured.
  expirySeconds: { min: 1, max: ECOMMPAY_THRESHOLD_SECONDS, default: 24 * 3600 },
});

/**
 * bayar payout bank → ecommpay `account.bank_id`. Seed 004 lists "Payouts +" for the Indonesian
 * Virtual Accounts method and one bank table for it (Table 1); the payout banks are taken to be
 * those banks with the same ids [? no separate payout bank table for this method was readable;
 * ecommpay refuses an id it does not pay out to (2641), so a wrong guess fails safe].
 */
export const ECOMMPAY_PAYOUT_BANKS = {
  SAMPOERNA: ECOMMPAY_BANKS.VA_SAMPOERNA.bankId,
  PERMATA: ECOMMPAY_BANKS.VA_PERMATA.bankId,
  MANDIRI: ECOMMPAY_BANKS.VA_MANDIRI.bankId,
  MAYBANK: ECOMMPAY_BANKS.VA_MAYBANK.bankId,
  BNI: ECOMMPAY_BANKS.VA_BNI.bankId,
  BRI: ECOMMPAY_BANKS.VA_BRI.bankId,
  SINARMAS: ECOMMPAY_BANKS.VA_SINARMAS.bankId,
} as const satisfies Partial<Record<PayoutBank, number>>;

export const ecommpayPayoutBankId: (bankCode: string) => number | undefined = lookupIn(ECOMMPAY_PAYOUT_BANKS);

export const ecommpayPayoutCapabilities: PayoutCapabilities = {
  banks: Object.keys(ECOMMPAY_PAYOUT_BANKS),
  // ecommpay publishes no fee split for payouts: its fee is settled with the merchant under the
  // contract, and the payout request has no fee field, so the recipient gets `amount` [?].
  feeTypes: ['CHARGE_TO_BALANCE'],
  // Limits come from the account manager (seed 004); ecommpay enforces the real ones.
  amount: { min: 1, max: 50_000_000_000 },
};
