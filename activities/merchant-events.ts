// The notify activity's database path: record the event (and the ledger entries its view
// implies), then deliver it. Split from payment.activities.ts so the payment activities stay
// about providers.
import { ApplicationFailure } from '@temporalio/activity';
import type { PaymentView } from '../src/domain/payment.js';
import type { PayoutView } from '../src/domain/payout.js';
import { deliverEvent, MerchantSecretMissing, recordEvent } from '../src/db/events.js';
import { recordLedgerForPaymentView, recordLedgerForPayoutView } from '../src/db/ledger.js';
import type { Pool } from '../src/db/pool.js';
import type { ActivityDeps } from './payment.activities.js';

export interface MerchantNotification {
  merchantId: string;
  /** The payment's own callbackUrl; registered endpoints get the event too. */
  callbackUrl?: string;
  /** Unique per event (two refunds are two events), the same on every retry and resend. */
  eventId: string;
  type: string;
  /** The payment's view (or the payout's, for payout.* events) when the event happened. */
  payment: unknown;
}

/** The one activity both workflows call to tell the merchant (registered with the payment activities). */
export interface MerchantEventActivities {
  notifyMerchant(n: MerchantNotification): Promise<void>;
}

export async function notifyMerchantRecorded(pool: Pool, deps: ActivityDeps, n: MerchantNotification): Promise<void> {
  const payout = n.type.startsWith('payout.');
  const view = n.payment as { id: string };
  // The ledger first: a payout's FAILED releases its reservation even if no one is listening.
  if (payout) await recordLedgerForPayoutView(pool, n.payment as PayoutView);
  else await recordLedgerForPaymentView(pool, n.payment as PaymentView);
  await recordEvent(pool, {
    id: n.eventId,
    merchantId: n.merchantId,
    type: n.type,
    ...(payout ? { payoutId: view.id } : { paymentId: view.id }),
    payload: n.payment,
    ...(n.callbackUrl ? { callbackUrl: n.callbackUrl } : {}),
  });
  let outcome;
  try {
    outcome = await deliverEvent(pool, { dataKey: deps.dataKey, timeoutMs: deps.httpTimeoutMs, policy: deps.callbackPolicy, fallbackSecrets: deps.merchantWebhookSecrets }, n.eventId, {
      onlyPending: true,
    });
  } catch (err) {
    if (err instanceof MerchantSecretMissing) throw ApplicationFailure.nonRetryable(err.message, 'MerchantSecretMissing');
    throw err;
  }
  if (!outcome.delivered) throw ApplicationFailure.retryable(`merchant event not delivered: ${outcome.failures.join('; ')}`, 'MerchantUnreachable');
  // Waiting cannot fix a destination bayar may never call: said once, in the payment's timeline.
  if (outcome.refused.length > 0) throw ApplicationFailure.nonRetryable(`merchant callback refused: ${outcome.refused.join('; ')}`, 'CallbackRefused');
}
