import type { PaymentMethod } from '../../domain/payment.js';
import type { PayoutCapabilities, PayoutFeeType } from '../payout.js';
import { capabilitiesOf } from '../channel-capabilities.js';
import { lookupIn } from '../lookup.js';

/** Pay-in: create an order (VA number, QR, store code or wallet page). */
export const PREPAID_ORDER_PATH = '/gateway/prepaidOrder';
/** Pay on behalf (disbursement). */
export const CASH_PATH = '/gateway/cash';
/** Status of an order or a disbursement, by our order number (queryType says which). */
export const QUERY_PATH = '/gateway/query';

export type AggregatorKind = 'va' | 'qris' | 'retail' | 'ewallet';

/**
 * Every method the platform offers (seed 003, "payment method"), as bayar names it → the
 * platform's `method` code. The codes happen to equal bayar's names; the table stays explicit so
 * that a renamed bayar method cannot silently send an unknown code. `bank` is what bayar shows as
 * the VA's bank.
 */
export const AGGREGATOR_METHODS = {
  VA_BCA: { code: 'VA_BCA', kind: 'va', bank: 'BCA' },
  VA_MANDIRI: { code: 'VA_MANDIRI', kind: 'va', bank: 'MANDIRI' },
  VA_PERMATA: { code: 'VA_PERMATA', kind: 'va', bank: 'PERMATA' },
  VA_CIMB: { code: 'VA_CIMB', kind: 'va', bank: 'CIMB' },
  VA_BNI: { code: 'VA_BNI', kind: 'va', bank: 'BNI' },
  VA_BRI: { code: 'VA_BRI', kind: 'va', bank: 'BRI' },
  VA_BNC: { code: 'VA_BNC', kind: 'va', bank: 'BNC' },
  VA_SAMPOERNA: { code: 'VA_SAMPOERNA', kind: 'va', bank: 'SAMPOERNA' },
  VA_MAYBANK: { code: 'VA_MAYBANK', kind: 'va', bank: 'MAYBANK' },
  VA_DANAMON: { code: 'VA_DANAMON', kind: 'va', bank: 'DANAMON' },
  RETAIL_ALFAMART: { code: 'RETAIL_ALFAMART', kind: 'retail', bank: undefined },
  QRIS: { code: 'QRIS', kind: 'qris', bank: undefined },
  EWALLET_DANA: { code: 'EWALLET_DANA', kind: 'ewallet', bank: undefined },
  EWALLET_OVO: { code: 'EWALLET_OVO', kind: 'ewallet', bank: undefined },
} as const satisfies Partial<Record<PaymentMethod, { code: string; kind: AggregatorKind; bank: string | undefined }>>;

export type AggregatorMethod = keyof typeof AGGREGATOR_METHODS;
export type AggregatorChannel = (typeof AGGREGATOR_METHODS)[AggregatorMethod];
export const AGGREGATOR_METHOD_CODES = Object.values(AGGREGATOR_METHODS).map((m) => m.code);

export const aggregatorChannelFor: (method: PaymentMethod) => AggregatorChannel | undefined = lookupIn(AGGREGATOR_METHODS);

/** `expiryPeriod` is in minutes, "recommended" 15–97,200; left out it is 4,320 (3 days) (seed 003). */
export const EXPIRY_MINUTES = { min: 15, max: 97_200, default: 4_320 } as const;

/** OVO pushes the payment to the customer's app, who must approve it within 30 s (seed 003). */
export const OVO_APPROVAL_SECONDS = 30;

export const aggregatorCapabilities = capabilitiesOf(AGGREGATOR_METHODS, {
  // "Currently, the platform does not support refund operations" (seed 003): no method is
  // refundable, so bayar answers 422 REFUND_NOT_SUPPORTED before anything is sent.
  refunds: {},
  // No documented way to close an unpaid order: bayar's deadline and its final status check decide.
  cancel: false,
  // Positive whole rupiah (seed 003); per-channel limits are not published [?] and stay the platform's.
  amount: { min: 1, max: 1_000_000_000 },
  // bayar's own deadline is authoritative (as for DOKU): a shorter one is sent as the platform's
  // 15-minute minimum, and bayar closes the payment itself when its deadline passes.
  expirySeconds: { min: 1, max: EXPIRY_MINUTES.max * 60, default: EXPIRY_MINUTES.default * 60 },
});

/**
 * bayar bank code → the platform's `bankCode` for disbursements. The published example sends
 * "014" (BCA's Bank Indonesia clearing code) although the field is described as "bank short
 * name"; the platform's bank list is not published [?], so these are the Bank Indonesia codes.
 */
export const PAYOUT_BANK_CODES: Readonly<Record<string, string>> = {
  BRI: '002',
  MANDIRI: '008',
  BNI: '009',
  DANAMON: '011',
  PERMATA: '013',
  BCA: '014',
  MAYBANK: '016',
  PANIN: '019',
  CIMB: '022',
  OCBC: '028',
  SINARMAS: '153',
  BTN: '200',
  MEGA: '426',
  BSI: '451',
  BNC: '490',
  SAMPOERNA: '523',
};

export const payoutBankCodeFor: (bank: string) => string | undefined = lookupIn(PAYOUT_BANK_CODES);

/** `feeType`: 0 = the fee comes out of the amount sent; 1 = the fee is charged to our balance (seed 003). */
export const FEE_TYPE_CODES: Readonly<Record<PayoutFeeType, '0' | '1'>> = {
  DEDUCT_FROM_AMOUNT: '0',
  CHARGE_TO_BALANCE: '1',
};

export const aggregatorPayoutCapabilities: PayoutCapabilities = {
  banks: Object.keys(PAYOUT_BANK_CODES),
  feeTypes: ['DEDUCT_FROM_AMOUNT', 'CHARGE_TO_BALANCE'],
  // Not published [?]: whole rupiah, the same envelope as pay-ins; the platform enforces its own.
  amount: { min: 1, max: 1_000_000_000 },
};
