// Messages of the payout workflow, shared by the workflow and its callers (API, tests, operators).
// Importing this from the API is safe: define* only creates names, it runs no workflow code.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ProviderName, Rupiah } from '../src/domain/payment.js';
import type { PayoutView } from '../src/domain/payout.js';
import type { PayoutFeeType, PayoutSnapshot } from '../src/providers/payout.js';

export const PAYOUT_WORKFLOW_TYPE = 'payoutWorkflow';

/** A payout is never sent more often than this (one first attempt + retries after definite failures). */
export const MAX_PAYOUT_ATTEMPTS = 5;

export interface PayoutTiming {
  /** Gaps between look-ups of an attempt whose outcome is not final yet; the last one repeats. */
  lookupScheduleMs: number[];
  /** An attempt without a definite answer for this long is flagged REVIEW_REQUIRED (still looked up). */
  reviewAfterMs: number;
  /**
   * How long the payout stays open: a FAILED payout accepts a retry this long after its last
   * attempt failed, and an attempt without a definite answer is looked up this long before the
   * payout closes as REVIEW_REQUIRED.
   */
  windowMs: number;
  /** How long bayar keeps retrying the merchant's callback URL. */
  merchantNotifyTimeoutMs: number;
}

export interface PayoutWorkflowInput {
  payoutId: string;
  merchantId: string;
  merchantReference: string;
  provider: ProviderName;
  amount: Rupiah;
  feeType: PayoutFeeType;
  bankCode: string;
  /** Account number and holder name, sealed by the API: personal data never enters history in clear. */
  sealedDestination: string;
  /** Last four digits of the account number, for the view and operators. */
  accountNumberLast4: string;
  description: string;
  createdAt: string;
  /** Keyed hash of the create request; the same key with another body is refused (409). */
  requestHash: string;
  /** Random per start attempt: tells the API whether its request started this payout (201) or found it (200). */
  creationId: string;
  callbackUrl?: string;
  /**
   * Record every merchant event in the database (and send it to the merchant's registered
   * endpoints), with or without a callbackUrl. Set by the API on every new start; absent in
   * workflows started before it existed, which keep notifying only their callbackUrl.
   */
  recordEvents?: boolean;
  timing: PayoutTiming;
}

export interface CreateOrGetPayoutResult {
  payout: PayoutView;
  creationId: string;
}

export interface RetryPayoutCommand {
  /**
   * The attempt number this retry creates. When given, a repeat of the same retry (the caller
   * lost our answer) finds that attempt and returns the payout instead of failing.
   */
  attempt?: number;
}

export interface ResolvePayoutCommand {
  /** The operator's finding at the provider, for a payout in REVIEW_REQUIRED. */
  outcome: 'SUCCEEDED' | 'FAILED';
  note: string;
}

/** Failure types of the send activity the workflow tells apart (activities/payout.activities.ts). */
export const PAYOUT_FAILURE = {
  /** Definite: the provider refused this attempt. */
  rejected: 'ProviderRejected',
  /** Definite: the request never got to the provider. The same attempt may be sent again. */
  unavailable: 'ProviderUnavailable',
  /** May have been taken: look it up, never send it again. */
  unknown: 'ProviderOutcomeUnknown',
} as const;

/** Failure types the update validators throw; the API maps them to problem+json codes. */
export const PAYOUT_REJECTION = {
  idempotencyConflict: 'IdempotencyConflict',
  notRetryable: 'PayoutNotRetryable',
  tooManyAttempts: 'PayoutTooManyAttempts',
  notInReview: 'PayoutNotInReview',
  /** An operator's resolve without a valid outcome or note (the command, not the payout, is wrong). */
  invalidResolution: 'PayoutInvalidResolution',
  closed: 'PayoutClosed',
} as const;

export const payoutQuery = defineQuery<PayoutView>('payout');
export const createOrGetPayoutUpdate = defineUpdate<CreateOrGetPayoutResult, [{ requestHash: string }]>('createOrGetPayout');
export const retryPayoutUpdate = defineUpdate<PayoutView, [RetryPayoutCommand]>('retryPayout');
/** Operators only (Temporal CLI / Web UI), not the merchant API: see docs/payouts.md. */
export const resolvePayoutUpdate = defineUpdate<PayoutView, [ResolvePayoutCommand]>('resolvePayout');

/**
 * A provider's signed notice about one attempt (the aggregator's disbursement callback), sent by
 * the webhook controller after the adapter verified it. Applied like a look-up's answer.
 */
export interface PayoutNotification {
  /** The provider whose scheme verified the notice: only the payout's own provider moves it. */
  provider: ProviderName;
  providerPayoutId: string;
  snapshot: PayoutSnapshot;
}
export const payoutNotificationSignal = defineSignal<[PayoutNotification]>('payoutNotification');
