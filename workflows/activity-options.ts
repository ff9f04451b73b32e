// Every activity option set the workflows use, named once (like samples-typescript's saga):
// how long a call may take and how Temporal retries it is a decision about the call, so it
// reads here, beside the others, not inline where the call is made.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { PAYOUT_FAILURE } from './payout-definitions.js';

/** Provider calls: transient failures retry with backoff; ProviderRejected is non-retryable. */
export const providerCall: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['ProviderRejected'] },
};

/** Creating a charge: keep retrying a flaky provider, but not past the payment's own deadline. */
export function chargeCreation(expiresAt: string, now: number): ActivityOptions {
  return {
    scheduleToCloseTimeout: Math.max(60_000, Math.min(Date.parse(expiresAt) - now, 15 * 60_000)),
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['ProviderRejected'] },
  };
}

/** A merchant event: retried with backoff for as long as the deployment allows (BAYAR_MERCHANT_NOTIFY_TIMEOUT). */
export function merchantDelivery(timeoutMs: number): ActivityOptions {
  return { scheduleToCloseTimeout: timeoutMs, startToCloseTimeout: '30s', retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m' } };
}

/**
 * A payout send runs as ONE activity attempt: Temporal never retries it. A retry after a timeout
 * or a lost worker would resend a payout whose first send may have gone through — the blind
 * resend seed 003 forbids. The workflow decides instead: only a request that definitely never
 * reached the provider (ProviderUnavailable) is sent again, under the same attempt id.
 */
export const payoutSend: ActivityOptions = { startToCloseTimeout: '2m', retry: { maximumAttempts: 1 } };

/** Payout look-ups are reads: retried on transient errors within one look-up. */
export const payoutLookup: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', nonRetryableErrorTypes: [PAYOUT_FAILURE.rejected] },
};

/**
 * Writes to the system of record (local activities, projection.ts). A database that is down
 * delays the record, never the payment: retried without end, the backoff capped (past a minute
 * Temporal turns the wait into a timer, not a held task).
 */
export const recordWrite: LocalActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
};
