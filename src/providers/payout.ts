// The interface a provider implements to send money out (disbursement / "pay on behalf").
// A provider adapter that can pay out implements this interface too (canPayOut tells); the
// payout activities only ever talk to it.
//
// The rule that matters (seed 003): a payout whose send answered UNKNOWN or timed out is
// NEVER sent again. Its outcome is found by looking it up; only a definite FAILED allows a
// new attempt, and a new attempt gets a new attempt number (hence a new provider id).
import type { ProviderName, Rupiah } from '../domain/payment.js';

/** Who pays the provider's fee: taken out of the amount, or charged to the merchant's balance. */
export type PayoutFeeType = 'DEDUCT_FROM_AMOUNT' | 'CHARGE_TO_BALANCE';

export interface PayoutDestination {
  /** bayar's bank code (e.g. BCA, MANDIRI, BNI, BRI); each adapter maps it to the provider's code. */
  bankCode: string;
  accountNumber: string;
  accountName: string;
}

export interface SendPayoutRequest {
  payoutId: string;
  /** 1 for the first attempt; a new number only after a definite FAILED. */
  attempt: number;
  /** Stable for this attempt across retries: the provider's idempotency key / order id. */
  providerPayoutId: string;
  amount: Rupiah;
  feeType: PayoutFeeType;
  destination: PayoutDestination;
  description: string;
}

export type ProviderPayoutState = 'PENDING' | 'SUCCEEDED' | 'FAILED';

export interface PayoutSnapshot {
  /**
   * PENDING: accepted or in flight. SUCCEEDED / FAILED are definite provider answers.
   * An answer that does not say (UNKNOWN, timeout) is not a snapshot: send throws
   * ProviderOutcomeUnknown and the workflow looks the payout up instead of resending.
   */
  state: ProviderPayoutState;
  providerStatus: string;
  providerReference?: string;
  /** Fee the provider reports, if any. */
  fee?: Rupiah;
  reason?: string;
}

export interface PayoutCapabilities {
  /** bayar bank codes this provider can pay out to. */
  banks: readonly string[];
  feeTypes: readonly PayoutFeeType[];
  amount: { min: Rupiah; max: Rupiah };
}

export interface PayoutProvider {
  readonly name: ProviderName;
  readonly payoutCapabilities: PayoutCapabilities;
  /**
   * Sends one attempt. Throws ProviderRejected (definite refusal: do not retry this attempt),
   * ProviderUnavailable (definitely not taken: the same attempt may be resent), or
   * ProviderOutcomeUnknown (may have been taken: never resend, look it up).
   */
  sendPayout(request: SendPayoutRequest): Promise<PayoutSnapshot>;
  /** Looks an attempt up by its providerPayoutId; null when the provider has never seen it. */
  findPayout(providerPayoutId: string): Promise<PayoutSnapshot | null>;
}

export function canPayOut(provider: unknown): provider is PayoutProvider {
  return typeof provider === 'object' && provider !== null && 'sendPayout' in provider && 'findPayout' in provider;
}
