// The payout domain (disbursement, "pay on behalf"), shared by the API, the payout workflow and
// its activities. Like payment.ts it must stay free of Node built-ins and runtime dependencies:
// the workflow bundle imports it.
import type { ProviderName, Rupiah, TimelineEntry } from './payment.js';

/**
 * CREATED    accepted by bayar, the first attempt not sent yet.
 * PENDING    an attempt is with the provider, or its answer is unknown and being looked up.
 * SUCCEEDED  the provider says the money was sent. Final.
 * FAILED     the provider says the last attempt definitely did not pay out. A new attempt may
 *            be asked for (POST /v1/payouts/:id/retry) while the payout is open.
 * REVIEW_REQUIRED  no definite answer for too long. Never resent; bayar keeps looking it up
 *            while the payout is open, and an operator decides.
 */
export const PAYOUT_STATUSES = ['CREATED', 'PENDING', 'SUCCEEDED', 'FAILED', 'REVIEW_REQUIRED'] as const;
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];

/**
 * bayar's bank codes for payout destinations. Each payout adapter maps them onto its provider's
 * own codes (Xendit: ID_BCA, …) and declares the ones it can pay to.
 */
export const PAYOUT_BANKS = ['BCA', 'MANDIRI', 'BNI', 'BRI', 'PERMATA', 'CIMB', 'BSI', 'DANAMON', 'BTN', 'MAYBANK', 'PANIN', 'OCBC', 'SINARMAS', 'MEGA', 'BNC', 'SAMPOERNA'] as const;
export type PayoutBank = (typeof PAYOUT_BANKS)[number];

/** Who pays the provider's fee; see PayoutFeeType in src/providers/payout.ts and docs/payouts.md. */
export const PAYOUT_FEE_TYPES = ['DEDUCT_FROM_AMOUNT', 'CHARGE_TO_BALANCE'] as const;

/**
 * One attempt = one send to the provider under one provider payout id. SENDING: the request is
 * out; UNKNOWN: it may or may not have been taken (timeout, UNKNOWN answer) and is being looked
 * up, never resent; PENDING: the provider has it; SUCCEEDED / FAILED: the provider said so.
 */
export type PayoutAttemptState = 'SENDING' | 'UNKNOWN' | 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface PayoutAttempt {
  attempt: number;
  /** The provider's idempotency key / order id for this attempt: `<payout id>-<attempt>`. */
  providerPayoutId: string;
  state: PayoutAttemptState;
  providerStatus?: string;
  /** The provider's own id for the payout (Xendit `disb-…`), once known. */
  providerReference?: string;
  fee?: Rupiah;
  reason?: string;
  /** Look-ups made for this attempt (after an unknown answer, or while it is pending). */
  lookups: number;
  startedAt: string;
  finishedAt?: string;
  /** Who decided the outcome: the provider's answer, a look-up, or an operator (REVIEW_REQUIRED). */
  decidedBy?: 'send' | 'lookup' | 'callback' | 'operator';
}

/**
 * What the merchant gets back. The destination shows only the bank and the account number's
 * last four digits: the full number and the holder's name are sealed in the workflow's input
 * and leave bayar only towards the provider.
 */
export interface PayoutView {
  id: string;
  merchantId: string;
  merchantReference: string;
  provider: ProviderName;
  currency: 'IDR';
  amount: Rupiah;
  feeType: 'DEDUCT_FROM_AMOUNT' | 'CHARGE_TO_BALANCE';
  destination: { bankCode: string; accountNumberLast4: string };
  description: string;
  status: PayoutStatus;
  statusReason?: string;
  attempts: PayoutAttempt[];
  createdAt: string;
  completedAt?: string;
  timeline: TimelineEntry[];
}

/** A payout's view without its timeline (see PaymentSummary). */
export type PayoutSummary = Omit<PayoutView, 'timeline'>;
