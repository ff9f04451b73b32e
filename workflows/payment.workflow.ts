// One payment, start to finish. Reads like the lifecycle in ARCHITECTURE.md:
//   create the charge → await the money (webhook signal | status poll | deadline)
//   → expire/cancel with compensation, or settle → stay open for refunds and late money.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { PaymentActivities } from '../activities/index.js';
import type { PaymentStatus, ProviderEvent, RefundRecord } from '../src/domain/payment.js';
import { SA } from '../src/temporal/search-attributes.js';
import { reportPaymentStatus } from './payment-metrics.js';
import {
  cancelUpdate,
  createOrGetUpdate,
  paymentQuery,
  providerEventSignal,
  refundUpdate,
  REJECTION,
  type PaymentWorkflowInput,
} from './definitions.js';
import { PaymentState, Rejection } from './payment-state.js';
import { projectPayment } from './projection.js';

/** How long after an unpaid close bayar keeps looking for late money by polling. */
const LATE_CHECK_PERIOD_MS = 48 * 3_600_000;
/** How a payment can end without money, at bayar's hand or the provider's. */
const UNPAID_ENDS: readonly PaymentStatus[] = ['EXPIRED', 'CANCELLED', 'FAILED'];
/** How long bayar follows a refund the provider accepted as PENDING before asking a person. */
const REFUND_FOLLOW_UP_MS = 7 * 24 * 3_600_000;
/**
 * The least time between two status look-ups that unsigned notifications asked for: however
 * many forged or replayed notifications arrive, they cost the provider (and the history) at
 * most one look-up per this gap. The first one runs at once, so a genuine notice is quick.
 */
const WAKE_LOOKUP_GAP_MS = 2_000;

// Provider calls: transient failures retry with backoff; ProviderRejected is non-retryable.
const provider = proxyActivities<PaymentActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['ProviderRejected'] },
});

export async function paymentWorkflow(input: PaymentWorkflowInput): Promise<ReturnType<PaymentState['view']>> {
  const state: PaymentState = new PaymentState(input, (status) => {
    upsertSearchAttributes([{ key: SA.status, value: status }]);
    reportPaymentStatus(input.method, status, { route: state.route, timeline: () => state.view().timeline });
  });
  for (const skipped of input.routedAround ?? []) state.record(Date.now(), 'api', 'routed-around', `${skipped.provider}: ${skipped.reason}`);
  const recorded = projectPayment(state);
  // The provider reference is only known once the charge exists, so build the ref on demand.
  const chargeRef = () => ({ provider: state.route.provider, paymentId: input.paymentId, method: input.method, providerReference: state.providerReference });
  let refundQueue: Promise<unknown> = Promise.resolve();
  const refundFollowUps: Promise<void>[] = [];
  let lateHandled = false;
  // Merchant events go out in the order they happened, beside the saga: a slow or unreachable
  // merchant endpoint never holds up settling, refunds or the refund window (each event is
  // stored with its delivery attempts and can be resent: GET /v1/events).
  let merchantEventsSent: Promise<void> = Promise.resolve();
  function notifyRefund(record: RefundRecord): void {
    if (!input.recordEvents || record.state === 'PENDING') return;
    const type = record.state === 'SUCCEEDED' ? 'refund.succeeded' : 'refund.failed';
    notifyMerchant(type, `${input.paymentId}:${type}:${record.refundId}`, `${type} ${record.refundId}`);
  }

  setHandler(paymentQuery, () => state.view());

  // The same commands however the charge's result and the first webhooks are split into
  // activations. The chaos run recorded a payment whose charge result and paid webhooks, all in
  // one workflow task, were run as two activations (the result, then the webhooks), and whose
  // replay ran them as one and applied the webhooks first: a nondeterminism error on every
  // replay (docs/chaos.md, finding 2). So webhooks wait in an inbox (a handler that only queues
  // issues no command), and the main coroutine empties it at fixed points, the first one only
  // once every create call waiting for the charge has had its answer. One activation or two,
  // the commands come out as PENDING, the answer, then the webhooks' effect.
  const inbox: { at: number; event: ProviderEvent }[] = [];
  /** Create calls (createOrGet updates) still waiting for the charge. */
  let createAnswersOwed = 0;
  setHandler(providerEventSignal, (event) => {
    inbox.push({ at: Date.now(), event });
  });
  /** When bayar last asked the provider for the charge's status (polls, checks, wake-ups). */
  let lastLookupAt = -Infinity;
  async function lookUpCharge(): Promise<ProviderEvent> {
    const status = await provider.getChargeStatus(chargeRef());
    lastLookupAt = Date.now();
    return status;
  }
  /** Applies every provider event received so far, in the order they arrived. */
  function applyInbox(): void {
    for (let next = inbox.shift(); next; next = inbox.shift()) state.apply(next.at, next.event);
  }

  setHandler(
    createOrGetUpdate,
    async () => {
      createAnswersOwed += 1;
      try {
        await condition(() => state.status !== 'CREATED');
        await recorded.reached(); // a GET right after the answer finds what it said
        return { payment: state.view(), creationId: input.creationId };
      } finally {
        createAnswersOwed -= 1;
      }
    },
    {
      validator: ({ requestHash }) => {
        if (requestHash !== input.requestHash) {
          throw reject(REJECTION.idempotencyConflict, 'this idempotency key was already used for a different payment request');
        }
      },
    },
  );

  setHandler(
    cancelUpdate,
    async ({ reason }) => {
      if (!state.cancelRequested) {
        state.cancelRequested = true;
        state.record(Date.now(), 'api', 'cancel-requested', reason);
      }
      await condition(() => state.status !== 'CREATED' && state.status !== 'PENDING');
      await recorded.reached();
      return state.view();
    },
    {
      validator: (_command) => {
        if (state.status !== 'CREATED' && state.status !== 'PENDING') {
          throw reject(REJECTION.notCancellable, `payment is ${state.status}; only unpaid payments can be cancelled`);
        }
      },
    },
  );

  setHandler(
    refundUpdate,
    async (command) => {
      const existing = state.validateRefund(command);
      if (existing) {
        await condition(() => existing.state !== 'PENDING' || existing.providerRefundId !== undefined);
        return existing;
      }
      // Reserve before the first await: a concurrent refund's validator must already see it.
      const record = state.reserveRefund(Date.now(), command, 'merchant', command.amount ?? state.refundable);
      await runRefund(record);
      await recorded.reached();
      if (record.state === 'FAILED') throw reject(REJECTION.refundFailed, record.failureReason ?? 'refund failed');
      return record;
    },
    { validator: (command) => void guard(() => state.validateRefund(command)) },
  );

  /** Refunds run one at a time per payment, in the order they were accepted. */
  function runRefund(record: RefundRecord): Promise<void> {
    const run = refundQueue.then(async () => {
      try {
        const result = await provider.refundPayment({
          provider: state.route.provider,
          charge: chargeRef(),
          paymentId: input.paymentId,
          refundId: record.refundId,
          amount: record.amount,
          full: record.amount === state.paid,
          reason: record.reason,
        });
        state.refundFinished(Date.now(), record, result);
      } catch (err) {
        state.refundFinished(Date.now(), record, { failure: failureMessage(err) });
      }
      notifyRefund(record);
      // A refund the provider accepted as PENDING is followed until it is final.
      if (record.state === 'PENDING') refundFollowUps.push(followUpRefund(record));
    });
    refundQueue = run;
    return run;
  }

  /** Looks a PENDING refund up on the provider's poll cadence until it succeeds or fails. */
  async function followUpRefund(record: RefundRecord): Promise<void> {
    const gaps = state.route.pollScheduleMs;
    const giveUpAt = Date.now() + REFUND_FOLLOW_UP_MS;
    for (let checks = 0; record.state === 'PENDING'; checks++) {
      if (Date.now() >= giveUpAt) {
        state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `REFUND_UNCONFIRMED: ${record.refundId} still pending at ${state.route.provider}`);
        return;
      }
      await sleep(gaps[Math.min(checks, gaps.length - 1)]!);
      try {
        const status = await provider.getRefundStatus({ provider: state.route.provider, charge: chargeRef(), providerRefundId: record.providerRefundId! });
        if (status.state !== 'PENDING') {
          state.refundConcluded(Date.now(), record, { ...status, state: status.state });
          notifyRefund(record);
        }
      } catch (err) {
        // No lookup at this provider (or it refuses to say): only a person can finish it.
        state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `REFUND_UNCONFIRMED: ${record.refundId}: ${failureMessage(err)}`);
        return;
      }
    }
  }

  // ---- create (failing over to the next provider while the refusal is definite) ----
  // Payments started with fallbacks try them in order while the refusal is definite.
  const fallbacks = [...(input.fallbacks ?? [])];
  for (;;) {
    try {
      const charge = await proxyActivities<PaymentActivities>({
        // Keep retrying a flaky provider, but not past the payment's own deadline.
        scheduleToCloseTimeout: Math.max(60_000, Math.min(Date.parse(input.expiresAt) - Date.now(), 15 * 60_000)),
        startToCloseTimeout: '30s',
        retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['ProviderRejected'] },
      }).createCharge({
        provider: state.route.provider,
        paymentId: input.paymentId,
        method: input.method,
        amount: input.amount,
        expiresAt: input.expiresAt,
        description: input.description,
        sealedCustomer: input.sealedCustomer,
        ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
      });
      state.chargeCreated(Date.now(), charge);
      if (charge.chargeStatus !== 'PENDING') {
        state.apply(Date.now(), { provider: state.route.provider, eventId: `create:${charge.providerStatus}`, source: 'poll', chargeStatus: charge.chargeStatus, providerStatus: charge.providerStatus, paidAmount: charge.paidAmount });
      }
    } catch (err) {
      if (isDefiniteRejection(err)) {
        const next = fallbacks.shift();
        if (next) {
          // A definite refusal means no charge exists there, so trying elsewhere cannot double-charge.
          state.failover(Date.now(), next, failureMessage(err));
          upsertSearchAttributes([{ key: SA.provider, value: next.provider }]);
          continue;
        }
        state.setStatus(Date.now(), 'FAILED', 'workflow', failureMessage(err));
      } else {
        // We gave up without knowing whether a charge exists: compensate as for an expiry.
        state.record(Date.now(), 'workflow', 'create-unknown', failureMessage(err));
        await closeUnpaid('FAILED', 'provider did not confirm the charge');
      }
    }
    break;
  }

  // The create calls get their answer before any webhook is applied (see the inbox above).
  await condition(() => createAnswersOwed === 0);
  applyInbox();

  // ---- await the money ----
  await awaitPayment();

  // ---- settle ----
  if (state.status === 'PAID') {
    if (state.paid !== input.amount) {
      state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `AMOUNT_MISMATCH: paid ${state.paid}, expected ${input.amount}`);
    } else {
      state.settledAt = new Date().toISOString();
      state.setStatus(Date.now(), 'SETTLED', 'workflow');
      notifyMerchant('payment.paid');
      // Refunded at the provider in the same batch of news that paid it.
      state.followRefunds(Date.now(), 'workflow');
    }
  }
  tellProviderRefunds();
  if (state.status !== 'SETTLED') {
    // Paid and taken back in one batch of notifications: the merchant hears "reversed", once.
    const type = state.reversalToNotify ? 'payment.reversed' : `payment.${state.status.toLowerCase()}`;
    state.reversalToNotify = false;
    notifyMerchant(type);
  }

  // ---- refund window: refunds, and money that lands after an unpaid close ----
  const windowEndsAt = Date.now() + input.timing.refundWindowMs;
  // A webhook about late money can be lost for good (retries exhausted while bayar was down).
  // After an unpaid close — bayar's own, or the provider's (it answered the create or a poll
  // with EXPIRED, say) — keep checking the provider slowly, at the poll schedule's cap, for up
  // to 48 h, so late money is found without it (chaos run).
  const closedUnpaid = state.closing !== undefined || UNPAID_ENDS.includes(state.status);
  const lateChecksUntil = closedUnpaid && state.providerReference !== undefined ? Math.min(windowEndsAt, Date.now() + LATE_CHECK_PERIOD_MS) : 0;
  const lateCheckEveryMs = state.route.pollScheduleMs[state.route.pollScheduleMs.length - 1]!;
  let nextLateCheckAt = Date.now() + lateCheckEveryMs;
  /** A look-up an unsigned notification asked for (late money it claims), due at this time. */
  let wakeLookupAt: number | undefined;
  for (;;) {
    const remaining = windowEndsAt - Date.now();
    if (remaining <= 0) break;
    const lateMoneyPossible = UNPAID_ENDS.includes(state.status) && state.latePayments.length === 0 && state.paid === 0;
    const checking = Date.now() < lateChecksUntil && state.latePayments.length === 0 && state.paid === 0;
    const nextCheckAt = Math.min(checking ? nextLateCheckAt : Infinity, wakeLookupAt ?? Infinity);
    const wait = Number.isFinite(nextCheckAt) ? Math.max(1, Math.min(remaining, nextCheckAt - Date.now())) : remaining;
    const woke = await condition(() => inbox.length > 0 || state.latePayments.length > 0 || state.wakePending, wait);
    if (woke) {
      applyInbox();
      // A payment closed unpaid can still take money, and a settled one can be refunded at the
      // provider (its dashboard): a claim of money, or of a refund on a settled payment, earns a
      // look-up; any other claim changes nothing (a repeated "paid" about a settled payment
      // costs no provider call).
      const refundNewsPossible = state.status === 'SETTLED' || state.status === 'PARTIALLY_REFUNDED';
      const refundClaimed = state.takeRefundClaim();
      if (state.takeWake() && (lateMoneyPossible || (refundClaimed && refundNewsPossible))) wakeLookupAt ??= Math.max(Date.now(), lastLookupAt + WAKE_LOOKUP_GAP_MS);
      if (state.reversalToNotify) {
        state.reversalToNotify = false;
        notifyMerchant('payment.reversed');
      }
      tellProviderRefunds();
      if (state.latePayments.length > 0) await handleLatePayment();
      continue;
    }
    if (!checking && wakeLookupAt === undefined) break;
    if (Date.now() >= nextCheckAt) {
      wakeLookupAt = undefined;
      const status = await lookUpCharge();
      // Same event id space as the final check, so money it already saw is not counted twice.
      state.apply(Date.now(), { ...status, eventId: `final-check:${status.eventId}` });
      tellProviderRefunds();
      nextLateCheckAt = Date.now() + lateCheckEveryMs;
    }
  }
  applyInbox(); // the timeline keeps what came in during the window's last moments
  await condition(allHandlersFinished);
  await refundQueue;
  await Promise.all(refundFollowUps);
  await merchantEventsSent;
  await recorded.reached();
  return state.view();

  // ---- phases ----

  async function awaitPayment(): Promise<void> {
    const schedule = state.route.pollScheduleMs;
    const deadline = Date.parse(input.expiresAt);
    let polls = 0;
    let nextPollAt = Date.now() + schedule[0]!;
    while (state.status === 'PENDING') {
      const wakeAt = Math.min(nextPollAt, deadline);
      const woke = await condition(
        () => inbox.length > 0 || state.wakePending || state.status !== 'PENDING' || state.cancelRequested,
        Math.max(1, wakeAt - Date.now()),
      );
      applyInbox();
      if (state.status !== 'PENDING') return;
      // An unsigned notification claimed news: verify by fetch, by bringing the next poll forward.
      if (state.takeWake()) nextPollAt = Math.min(nextPollAt, Math.max(Date.now(), lastLookupAt + WAKE_LOOKUP_GAP_MS));
      // Only events came in, and none ended it: wait on for the rest of this interval.
      if (woke && !state.cancelRequested && Date.now() < Math.min(nextPollAt, deadline)) continue;
      if (state.cancelRequested) return closeUnpaid('CANCELLED', 'cancelled by merchant');
      if (Date.now() >= deadline) return closeUnpaid('EXPIRED', 'deadline passed unpaid');
      state.apply(Date.now(), await lookUpCharge());
      polls += 1;
      nextPollAt = Date.now() + schedule[Math.min(polls, schedule.length - 1)]!;
    }
  }

  /**
   * Compensation for an unpaid close: cancel at the provider, then one final status check,
   * so a payment that landed in the last second ends PAID, not EXPIRED.
   */
  async function closeUnpaid(target: 'EXPIRED' | 'CANCELLED' | 'FAILED', reason: string): Promise<void> {
    state.closing = target;
    state.record(Date.now(), target === 'EXPIRED' ? 'timer' : target === 'CANCELLED' ? 'api' : 'workflow', `closing:${target}`, reason);
    if (state.route.capabilities.cancel && state.providerReference !== undefined) {
      try {
        await provider.cancelCharge(chargeRef());
      } catch (err) {
        state.record(Date.now(), 'workflow', 'cancel-failed', failureMessage(err));
      }
    }
    applyInbox();
    const final = await lookUpCharge();
    applyInbox();
    // The final check is the look-up any unsigned notification so far asked for.
    state.takeWake();
    state.apply(Date.now(), { ...final, eventId: `final-check:${final.eventId}` });
    if (state.status === 'PENDING' || state.status === 'CREATED') state.setStatus(Date.now(), target, target === 'EXPIRED' ? 'timer' : 'api', reason);
  }

  async function handleLatePayment(): Promise<void> {
    const late = state.latePayments.shift()!;
    // A one-time charge is paid once: a second report of late money (a poll and a webhook
    // about the same payment) is recorded, not refunded again.
    if (lateHandled) {
      state.record(Date.now(), 'workflow', 'late-payment', `${late.eventId}: already handled`, true);
      return;
    }
    lateHandled = true;
    state.paid += late.amount;
    if (state.route.capabilities.refund === 'none' || !state.providerReference) {
      state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: ${late.amount} arrived after close; ${state.route.provider} cannot refund ${input.method}`);
      notifyMerchant('payment.review_required');
      return;
    }
    const record = state.reserveRefund(Date.now(), { refundId: `late-${late.eventId}`.slice(0, 64), reason: 'paid after the payment was closed' }, 'auto', late.amount);
    await runRefund(record);
    if (record.state === 'FAILED') {
      state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: automatic refund failed: ${record.failureReason}`);
      notifyMerchant('payment.review_required');
    } else {
      state.setStatus(Date.now(), 'REFUNDED', 'workflow', `LATE_PAYMENT: ${late.amount} arrived after close and was refunded automatically`);
      notifyMerchant('payment.refunded');
    }
  }

  /** Tells the merchant of refunds the provider made without bayar, and of a review they caused. */
  function tellProviderRefunds(): void {
    for (let record = state.providerRefundsToNotify.shift(); record; record = state.providerRefundsToNotify.shift()) {
      // As for bayar's own refunds: one refund.succeeded per refund, its id unique per refund.
      notifyRefund(record);
    }
    if (state.reviewToNotify) {
      state.reviewToNotify = false;
      notifyMerchant('payment.review_required');
    }
  }

  /** Queues a merchant event; its view and id are fixed now, delivery happens in order, in the background. */
  function notifyMerchant(type: string, id?: string, label: string = type): void {
    if (!input.callbackUrl && !input.recordEvents) return;
    // Unique per event: the timeline only grows, so its length tells two events of one type apart.
    const eventId = id ?? (input.recordEvents ? `${input.paymentId}:${type}:${state.view().timeline.length}` : `${input.paymentId}:${type}`);
    const payment = state.view();
    merchantEventsSent = merchantEventsSent.then(async () => {
      try {
        await proxyActivities<PaymentActivities>({
          scheduleToCloseTimeout: input.timing.merchantNotifyTimeoutMs,
          startToCloseTimeout: '30s',
          retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '10m' },
        }).notifyMerchant({ merchantId: input.merchantId, ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}), eventId, type, payment });
        state.merchantNotified = true;
        state.record(Date.now(), 'workflow', 'merchant-notified', label);
      } catch (err) {
        state.record(Date.now(), 'workflow', 'merchant-notify-failed', `${label}: ${failureMessage(err)}`);
      }
    });
  }
}

function reject(type: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Validators must throw; turn a domain Rejection into a failure the client can read. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Rejection) throw reject(err.type, err.message);
    throw err;
  }
}

function isDefiniteRejection(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable === true;
}

function failureMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
