// Temporal activities of the payout workflow: one send, one look-up. Thin wrappers over a
// provider's PayoutProvider; the decision what to do with each outcome is the workflow's.
import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import type { ProviderName, Rupiah } from '../src/domain/payment.js';
import { canPayOut, type PayoutFeeType, type PayoutProvider, type PayoutSnapshot } from '../src/providers/payout.js';
import { ProviderOutcomeUnknown, ProviderRejected, ProviderUnavailable, type PaymentProvider } from '../src/providers/provider.js';
import { unseal } from '../src/common/sealed.js';
import { PAYOUT_FAILURE } from '../workflows/payout-definitions.js';

export interface PayoutActivityDeps {
  providers: ReadonlyMap<ProviderName, PaymentProvider>;
  dataKey: Buffer;
}

export interface SendPayoutInput {
  provider: ProviderName;
  payoutId: string;
  attempt: number;
  providerPayoutId: string;
  amount: Rupiah;
  feeType: PayoutFeeType;
  bankCode: string;
  sealedDestination: string;
  description: string;
}

export interface FindPayoutInput {
  provider: ProviderName;
  providerPayoutId: string;
}

export const sealedDestinationSchema = z.object({ accountNumber: z.string(), accountName: z.string() });

export function createPayoutActivities(deps: PayoutActivityDeps) {
  const payouts = (name: ProviderName): PayoutProvider => {
    const p = deps.providers.get(name);
    if (!canPayOut(p)) throw ApplicationFailure.nonRetryable(`provider ${name} is not configured for payouts on this worker`, 'ProviderNotConfigured');
    return p;
  };

  return {
    /**
     * Sends one attempt, once. Every outcome comes back to the workflow as it is — the workflow
     * runs this with a single activity attempt, so Temporal itself never resends a payout
     * (a resend after a worker crash mid-call would be exactly the blind resend seed 003 forbids).
     */
    async sendPayout(input: SendPayoutInput): Promise<PayoutSnapshot> {
      const provider = payouts(input.provider);
      const destination = unseal(deps.dataKey, input.sealedDestination, sealedDestinationSchema);
      try {
        return await provider.sendPayout({
          payoutId: input.payoutId,
          attempt: input.attempt,
          providerPayoutId: input.providerPayoutId,
          amount: input.amount,
          feeType: input.feeType,
          destination: { bankCode: input.bankCode, accountNumber: destination.accountNumber, accountName: destination.accountName },
          description: input.description,
        });
      } catch (err) {
        throw asFailure(err, false);
      }
    },

    /** Looks an attempt up; a read, so Temporal retries it when the provider is unavailable. */
    async findPayout(input: FindPayoutInput): Promise<PayoutSnapshot | null> {
      try {
        return await payouts(input.provider).findPayout(input.providerPayoutId);
      } catch (err) {
        throw asFailure(err, true);
      }
    },
  };
}

export type PayoutActivities = ReturnType<typeof createPayoutActivities>;

function asFailure(err: unknown, retryableRead: boolean): unknown {
  if (err instanceof ProviderRejected) return ApplicationFailure.create({ message: err.message, type: PAYOUT_FAILURE.rejected, nonRetryable: true, details: [err.code] });
  if (err instanceof ProviderUnavailable)
    // The wait the provider asked for: Temporal's retry of a look-up honours nextRetryDelay; a send
    // is never retried by Temporal, so the workflow reads it from the details (requestedWaitMs in
    // workflows/failures.ts) before it sends the same attempt again.
    return ApplicationFailure.create({
      message: err.message,
      type: PAYOUT_FAILURE.unavailable,
      nonRetryable: !retryableRead,
      details: err.retryAfterMs ? [err.code, err.retryAfterMs] : [err.code],
      ...(err.retryAfterMs ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  if (err instanceof ProviderOutcomeUnknown) return ApplicationFailure.create({ message: err.message, type: PAYOUT_FAILURE.unknown, nonRetryable: !retryableRead, details: [err.code] });
  return err;
}
