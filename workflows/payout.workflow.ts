// One payout (disbursement), start to finish:
//   send an attempt → definite answer, or look it up until there is one (never resend)
//   → SUCCEEDED; or FAILED, and the merchant may ask for a new attempt while the payout is open;
//   or no answer for too long → REVIEW_REQUIRED (still looked up; an operator decides).
import { redispatchingActivities } from './lost-activity-tasks.js';
import { allHandlersFinished, condition, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { PayoutActivities } from '../activities/payout.activities.js';
import type { PayoutAttempt, PayoutView } from '../src/domain/payout.js';
import { SA } from '../src/temporal/search-attributes.js';
import { payoutLookup, payoutSend } from './activity-options.js';
import { failureMessage, failureType, guard, reject, requestedWaitMs } from './failures.js';
import { MerchantEvents } from './merchant-events.js';
import {
  createOrGetPayoutUpdate,
  PAYOUT_FAILURE,
  PAYOUT_REJECTION,
  payoutNotificationSignal,
  payoutQuery,
  resolvePayoutUpdate,
  retryPayoutUpdate,
  type PayoutNotification,
  type PayoutWorkflowInput,
} from './payout-definitions.js';
import { PayoutState } from './payout-state.js';
import { projectPayout } from './projection.js';

/** One send attempt, never retried by Temporal (activity-options.ts says why). */
const { sendPayout } = redispatchingActivities<PayoutActivities>(payoutSend);
/** Look-ups are reads: retried on transient errors within one look-up. */
const { findPayout } = redispatchingActivities<PayoutActivities>(payoutLookup);

/** Gaps before sending the same attempt again when the request never reached the provider. */
const NOT_SENT_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/** What the phases of one payout share. */
interface Payout {
  readonly input: PayoutWorkflowInput;
  readonly state: PayoutState;
  readonly merchant: MerchantEvents;
}

const definite = (a: PayoutAttempt) => a.state === 'SUCCEEDED' || a.state === 'FAILED';

export async function payoutWorkflow(input: PayoutWorkflowInput): Promise<PayoutView> {
  const state = new PayoutState(input, (status) => upsertSearchAttributes([{ key: SA.status, value: status }]));
  const recorded = projectPayout(state);
  const p: Payout = { input, state, merchant: new MerchantEvents(input.timing.merchantNotifyTimeoutMs, (type, detail) => state.record(Date.now(), 'workflow', type, detail)) };

  setHandler(payoutQuery, () => state.view());

  // Signed provider callbacks about an attempt. One that arrives while its attempt is still being
  // sent waits for the send's answer (applied right after it), so it is never lost to a race.
  const earlyNotices: PayoutNotification[] = [];
  setHandler(payoutNotificationSignal, (notice) => {
    // Another provider's notice, however well signed, never moves this payout (and, like a
    // payment's refused notifications, costs no timeline line).
    if (notice.provider !== input.provider) return;
    const attempt = state.attempts.find((a) => a.providerPayoutId === notice.providerPayoutId);
    if (!attempt) return state.record(Date.now(), 'webhook', 'callback-for-unknown-attempt', notice.providerPayoutId.slice(0, 80), true);
    // A closed payout's outcome is settled (or left to an operator): the notice is kept for them.
    if (state.closed) return state.record(Date.now(), 'webhook', `attempt-${attempt.attempt}:${notice.snapshot.providerStatus}`, 'after the payout closed; not applied', true);
    if (attempt.state === 'SENDING') return void earlyNotices.push(notice);
    state.apply(Date.now(), attempt, notice.snapshot, 'callback');
  });

  setHandler(
    createOrGetPayoutUpdate,
    async () => {
      // Answer once the first send has an answer of any kind (taken, refused, or unknown). Like
      // the payment's handlers, none waits for the record write (payment-handlers.ts says why).
      await condition(() => state.attempts[0] !== undefined && state.attempts[0].state !== 'SENDING');
      return { payout: state.view(), creationId: input.creationId };
    },
    {
      validator: ({ requestHash }) => {
        if (requestHash !== input.requestHash) throw reject(PAYOUT_REJECTION.idempotencyConflict, 'this idempotency key was already used for a different payout request');
      },
    },
  );

  setHandler(
    retryPayoutUpdate,
    async (command) => {
      const which = guard(() => state.validateRetry(command));
      const n = which === 'new' ? state.attempts.length + 1 : command.attempt!;
      if (which === 'new') state.requestRetry(Date.now());
      await condition(() => state.attempts.length >= n && state.attempts[n - 1]!.state !== 'SENDING');
      return state.view();
    },
    { validator: (command) => void guard(() => state.validateRetry(command)) },
  );

  setHandler(
    resolvePayoutUpdate,
    (command) => {
      guard(() => state.validateResolve(command));
      state.resolve(Date.now(), command);
      return state.view();
    },
    { validator: (command) => guard(() => state.validateResolve(command)) },
  );

  for (;;) {
    const attempt = state.startAttempt(Date.now());
    await send(p, attempt);
    for (const notice of earlyNotices.splice(0)) {
      if (notice.providerPayoutId === attempt.providerPayoutId) state.apply(Date.now(), attempt, notice.snapshot, 'callback');
    }
    if (!definite(attempt)) await followUp(p, attempt);

    if (state.status === 'SUCCEEDED') {
      notify(p, 'payout.succeeded', attempt.attempt);
      break;
    }
    if (state.status !== 'FAILED') break; // no definite answer within the window
    notify(p, 'payout.failed', attempt.attempt);
    // Open for a merchant-initiated new attempt (POST /v1/payouts/:id/retry) until the window ends.
    if (!(await condition(() => state.retryRequested, input.timing.windowMs))) break;
  }

  const flagged = state.status === 'REVIEW_REQUIRED';
  state.close(Date.now());
  if (state.status === 'REVIEW_REQUIRED' && !flagged) notify(p, 'payout.review_required', state.current!.attempt);
  await p.merchant.drained();
  await condition(allHandlersFinished);
  await recorded.drained();
  return state.view();
}

/** One send. Definitely refused → FAILED; definitely not delivered → the same attempt again; else UNKNOWN. */
async function send({ input, state }: Payout, attempt: PayoutAttempt): Promise<void> {
  for (let resend = 0; ; resend++) {
    try {
      const snapshot = await sendPayout({
        provider: input.provider,
        payoutId: input.payoutId,
        attempt: attempt.attempt,
        providerPayoutId: attempt.providerPayoutId,
        amount: input.amount,
        feeType: input.feeType,
        bankCode: input.bankCode,
        sealedDestination: input.sealedDestination,
        description: input.description,
      });
      return state.apply(Date.now(), attempt, snapshot, 'send');
    } catch (err) {
      const type = failureType(err);
      if (type === PAYOUT_FAILURE.rejected || type === 'ProviderNotConfigured') return state.sendFailed(Date.now(), attempt, failureMessage(err));
      if (type === PAYOUT_FAILURE.unavailable) {
        if (resend >= NOT_SENT_BACKOFF_MS.length) return state.sendFailed(Date.now(), attempt, `${failureMessage(err)} (never reached the provider)`);
        state.record(Date.now(), 'workflow', `attempt-${attempt.attempt}:not-sent`, `${failureMessage(err)}; sending the same attempt again`);
        // No sooner than the provider said (a rate limit's reset): an earlier resend would only meet it again.
        await sleep(Math.max(NOT_SENT_BACKOFF_MS[resend]!, requestedWaitMs(err) ?? 0));
        continue;
      }
      // ProviderOutcomeUnknown, the activity timing out, the worker lost mid-call, anything
      // else: the payout may have been taken. From here it is only ever looked up.
      return state.sendUnknown(Date.now(), attempt, failureMessage(err));
    }
  }
}

/**
 * Looks the attempt up on the schedule until it is definite. Too long without an answer →
 * REVIEW_REQUIRED, and look-ups go on (at the schedule's cap) until the window closes, so a
 * late answer still settles it. An operator's resolve update also ends the wait.
 */
async function followUp(p: Payout, attempt: PayoutAttempt): Promise<void> {
  const { input, state } = p;
  const schedule = input.timing.lookupScheduleMs;
  const sentAt = Date.parse(attempt.startedAt);
  const closesAt = sentAt + input.timing.windowMs;
  const reviewAt = sentAt + input.timing.reviewAfterMs;
  let lastError: string | undefined;
  for (let i = 0; !definite(attempt); i++) {
    const left = closesAt - Date.now();
    if (left <= 0) return;
    await condition(() => definite(attempt), Math.max(1, Math.min(schedule[Math.min(i, schedule.length - 1)]!, left)));
    if (definite(attempt)) return;
    try {
      state.apply(Date.now(), attempt, await findPayout({ provider: input.provider, providerPayoutId: attempt.providerPayoutId }), 'lookup');
      lastError = undefined;
    } catch (err) {
      // Recorded once per streak: a provider down for a day must not fill the timeline.
      if (failureMessage(err) !== lastError) state.record(Date.now(), 'poll', `attempt-${attempt.attempt}:lookup-failed`, failureMessage(err));
      lastError = failureMessage(err);
    }
    if (!definite(attempt) && Date.now() >= reviewAt && state.status !== 'REVIEW_REQUIRED') {
      const why = attempt.state === 'UNKNOWN' ? 'the provider has not shown it' : `it is still ${attempt.providerStatus} at the provider`;
      state.flagForReview(Date.now(), `attempt ${attempt.attempt}: no definite answer after ${Math.round(input.timing.reviewAfterMs / 1000)} s (${why}); never resent`);
      notify(p, 'payout.review_required', attempt.attempt);
    }
  }
}

/** Merchant callbacks run beside the saga, in order: a slow callback URL never holds up a retry. */
function notify({ input, state, merchant }: Payout, type: string, attempt: number): void {
  if (!input.callbackUrl && !input.recordEvents) return;
  merchant.send({ merchantId: input.merchantId, callbackUrl: input.callbackUrl, eventId: `${input.payoutId}:${type}:${attempt}`, type, payment: state.view() }, type);
}
