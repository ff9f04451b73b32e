// After the money: the refund window. Refunds (the merchant's, and the automatic refund of late
// money) run one at a time and are followed until final; a closed payment still hears the
// provider: money that lands after an unpaid close, refunds made at the provider, reversals.
import { condition, sleep } from '@temporalio/workflow';
import type { AbandonedCharge, PaymentStatus, ProviderEvent, RefundRecord } from '../src/domain/payment.js';
import { failureMessage } from './failures.js';
import { applyInbox, chargeRef, lookUpCharge, lookups, notifyMerchant, notifyRefund, provider, tellProviderRefunds, WAKE_LOOKUP_GAP_MS, type Payment } from './payment-context.js';

/** How long after an unpaid close bayar keeps looking for late money by polling. */
const LATE_CHECK_PERIOD_MS = 48 * 3_600_000;
/** How a payment can end without money, at bayar's hand or the provider's. */
const UNPAID_ENDS: readonly PaymentStatus[] = ['EXPIRED', 'CANCELLED', 'FAILED'];
/** How long bayar follows a refund the provider accepted as PENDING before asking a person. */
const REFUND_FOLLOW_UP_MS = 7 * 24 * 3_600_000;

/** The refund window: refunds, provider news about a closed payment, and money that lands after an unpaid close. */
export async function refundWindow(p: Payment): Promise<void> {
  const { input, state } = p;
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
  // The look-up runs beside the window, not in its way: a look-up can hang for a minute (its task
  // lost in a Temporal restart until LOOKUP_LOST_TASK_AFTER_MS re-dispatches it; a provider that does not
  // answer until the call's timeout), and a verified notification of late money that came in
  // meanwhile waited in the inbox behind it, the payment EXPIRED and unflagged (docs/chaos.md,
  // the late-money finding of 2026-12-05). Its answer is applied when it comes.
  let lookup: LookupInFlight | undefined;
  const takeLookup = (done: LookupInFlight) => {
    lookup = undefined;
    if (done.failed) throw done.failure; // as before: a definite refusal of a look-up ends the run
    // Same event id space as the final check, so money it already saw is not counted twice.
    state.apply(Date.now(), { ...done.answer!, eventId: `final-check:${done.answer!.eventId}` });
    tellProviderRefunds(p);
    nextLateCheckAt = Date.now() + lateCheckEveryMs;
  };
  for (;;) {
    const remaining = windowEndsAt - Date.now();
    if (remaining <= 0 && !lookup) return;
    const lateMoneyPossible = UNPAID_ENDS.includes(state.status) && state.latePayments.length === 0 && state.paid === 0;
    const checking = Date.now() < lateChecksUntil && state.latePayments.length === 0 && state.paid === 0;
    const nextCheckAt = Math.min(checking ? nextLateCheckAt : Infinity, wakeLookupAt ?? Infinity);
    const wait = Number.isFinite(nextCheckAt) ? Math.max(1, Math.min(remaining, nextCheckAt - Date.now())) : remaining;
    const events = () => p.inbox.length > 0 || state.latePayments.length > 0 || state.abandonedToCheck.length > 0;
    // With a look-up in flight: wait for it or for provider events, however long (the next check
    // is due after it). Unsigned claims (wakePending) wait for its answer, as they did before.
    const inFlight = lookup;
    const woke = inFlight ? (await condition(() => events() || inFlight.done), true) : await condition(() => events() || state.wakePending, wait);
    if (inFlight?.done) {
      // Straight back to waiting, as when the look-up was awaited in line: what came in while it
      // ran and was not handled yet (unsigned claims) is taken on the next turn.
      takeLookup(inFlight);
      continue;
    }
    if (woke) {
      applyInbox(p);
      await checkAbandonedCharges(p);
      if (!lookup) {
        // A payment closed unpaid can still take money, and a settled one can be refunded at the
        // provider (its dashboard): a claim of money, or of a refund on a settled payment, earns a
        // look-up; any other claim changes nothing (a repeated "paid" about a settled payment
        // costs no provider call). Claims are taken once no look-up is in flight: the answer in
        // flight may predate them, and the gap between look-ups counts from its answer.
        const refundNewsPossible = state.status === 'SETTLED' || state.status === 'PARTIALLY_REFUNDED';
        const refundClaimed = state.takeRefundClaim();
        if (state.takeWake() && (lateMoneyPossible || (refundClaimed && refundNewsPossible))) wakeLookupAt ??= Math.max(Date.now(), p.lastLookupAt + WAKE_LOOKUP_GAP_MS);
      }
      if (state.reversalToNotify) {
        state.reversalToNotify = false;
        notifyMerchant(p, 'payment.reversed');
      }
      tellProviderRefunds(p);
      if (state.latePayments.length > 0) await handleLatePayment(p);
      continue;
    }
    if (!checking && wakeLookupAt === undefined) return;
    if (Date.now() >= nextCheckAt) {
      wakeLookupAt = undefined;
      lookup = startLookup(p);
    }
  }
}

/** A status look-up running beside the refund window: once `done`, its answer or why it failed. */
interface LookupInFlight {
  done: boolean;
  answer?: ProviderEvent;
  failed?: boolean;
  failure?: unknown;
}

function startLookup(p: Payment): LookupInFlight {
  const flight: LookupInFlight = { done: false };
  lookUpCharge(p).then(
    (answer) => Object.assign(flight, { done: true, answer }),
    (failure: unknown) => Object.assign(flight, { done: true, failed: true, failure }),
  );
  return flight;
}

/** Looks up the abandoned charges (checkout) unsigned notifications claimed money on; money found is late money. */
async function checkAbandonedCharges(p: Payment): Promise<void> {
  for (let charge = p.state.abandonedToCheck.shift(); charge; charge = p.state.abandonedToCheck.shift()) {
    const status = await lookups.getChargeStatus({ provider: charge.provider, paymentId: charge.chargeId, method: charge.method, providerReference: charge.providerReference });
    // bayar's own call about that charge: the answer is about it, whatever reference it names.
    p.state.apply(Date.now(), { ...status, providerReference: charge.providerReference, eventId: `abandoned-check:${status.eventId}` });
  }
}

/** Money after an unpaid close is refunded automatically where the provider can; otherwise a person looks. */
async function handleLatePayment(p: Payment): Promise<void> {
  const { input, state } = p;
  const late = state.latePayments.shift()!;
  if (late.charge) return handleAbandonedMoney(p, late.charge, late.amount, late.eventId);
  // A one-time charge is paid once: a second report of late money (a poll and a webhook
  // about the same payment) is recorded, not refunded again.
  if (p.lateHandled) {
    state.record(Date.now(), 'workflow', 'late-payment', `${late.eventId}: already handled`, true);
    return;
  }
  p.lateHandled = true;
  if (late.amount === undefined) {
    // Money of an amount the provider did not say cannot be given back safely: a person looks.
    state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: paid after close, amount not reported by ${state.route.provider}`);
    notifyMerchant(p, 'payment.review_required');
    return;
  }
  state.paid += late.amount;
  if (state.route.capabilities.refund === 'none' || !state.providerReference) {
    state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: ${late.amount} arrived after close; ${state.route.provider} cannot refund ${input.method}`);
    notifyMerchant(p, 'payment.review_required');
    return;
  }
  const record = state.reserveRefund(Date.now(), { refundId: `late-${late.eventId}`.slice(0, 64), reason: 'paid after the payment was closed' }, 'auto', late.amount);
  await runRefund(p, record);
  if (record.state === 'FAILED') {
    state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: automatic refund failed: ${record.failureReason}`);
    notifyMerchant(p, 'payment.review_required');
  } else {
    state.setStatus(Date.now(), 'REFUNDED', 'workflow', `LATE_PAYMENT: ${late.amount} arrived after close and was refunded automatically`);
    notifyMerchant(p, 'payment.refunded');
  }
}

/**
 * Money on a charge a checkout's customer abandoned (changed method): refunded on that charge,
 * as late money is after an expiry. The payment's own outcome (paid on the new charge, or
 * closed) stands, except that money bayar cannot give back is left to a person.
 */
async function handleAbandonedMoney(p: Payment, charge: AbandonedCharge, amount: number | undefined, eventId: string): Promise<void> {
  const { state } = p;
  if (p.lateHandledOn.has(charge.chargeId)) {
    state.record(Date.now(), 'workflow', 'late-payment', `${eventId}: already handled`, true);
    return;
  }
  p.lateHandledOn.add(charge.chargeId);
  if (amount === undefined) {
    state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: paid on the abandoned ${charge.method} charge, amount not reported by ${charge.provider}`);
    notifyMerchant(p, 'payment.review_required');
    return;
  }
  state.paid += amount;
  if (!charge.refundable) {
    state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: ${amount} arrived on the abandoned ${charge.method} charge; ${charge.provider} cannot refund it`);
    notifyMerchant(p, 'payment.review_required');
    return;
  }
  const record = state.reserveRefund(Date.now(), { refundId: `late-${eventId}`.slice(0, 64), reason: 'paid on a charge abandoned for another method' }, 'auto', amount);
  await runRefund(p, record, charge);
  if (record.state === 'FAILED') {
    state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: automatic refund on the abandoned ${charge.method} charge failed: ${record.failureReason}`);
    notifyMerchant(p, 'payment.review_required');
  } else if (UNPAID_ENDS.includes(state.status)) {
    state.setStatus(Date.now(), 'REFUNDED', 'workflow', `LATE_PAYMENT: ${amount} arrived on the abandoned ${charge.method} charge and was refunded automatically`);
    notifyMerchant(p, 'payment.refunded');
  }
}

/** Refunds run one at a time per payment, in the order they were accepted. `on`: an abandoned charge (checkout). */
export function runRefund(p: Payment, record: RefundRecord, on?: AbandonedCharge): Promise<void> {
  const { input, state } = p;
  const run = p.refundQueue.then(async () => {
    try {
      const result = await provider.refundPayment({
        provider: on?.provider ?? state.route.provider,
        charge: on ? { provider: on.provider, paymentId: on.chargeId, method: on.method, providerReference: on.providerReference } : chargeRef(p),
        paymentId: input.paymentId,
        refundId: record.refundId,
        amount: record.amount,
        full: on ? true : record.amount === state.paid,
        reason: record.reason,
      });
      state.refundFinished(Date.now(), record, result);
    } catch (err) {
      state.refundFinished(Date.now(), record, { failure: failureMessage(err) });
    }
    notifyRefund(p, record);
    // A refund the provider accepted as PENDING is followed until it is final.
    if (record.state === 'PENDING') p.refundFollowUps.push(followUpRefund(p, record));
  });
  p.refundQueue = run;
  return run;
}

/** Looks a PENDING refund up on the provider's poll cadence until it succeeds or fails. */
async function followUpRefund(p: Payment, record: RefundRecord): Promise<void> {
  const { state } = p;
  const gaps = state.route.pollScheduleMs;
  const giveUpAt = Date.now() + REFUND_FOLLOW_UP_MS;
  for (let checks = 0; record.state === 'PENDING'; checks++) {
    if (Date.now() >= giveUpAt) {
      state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `REFUND_UNCONFIRMED: ${record.refundId} still pending at ${state.route.provider}`);
      return;
    }
    await sleep(gaps[Math.min(checks, gaps.length - 1)]!);
    try {
      const status = await lookups.getRefundStatus({ provider: state.route.provider, charge: chargeRef(p), providerRefundId: record.providerRefundId! });
      if (status.state !== 'PENDING') {
        state.refundConcluded(Date.now(), record, { ...status, state: status.state });
        notifyRefund(p, record);
      }
    } catch (err) {
      // No lookup at this provider (or it refuses to say): only a person can finish it.
      state.setStatus(Date.now(), 'REVIEW_REQUIRED', 'workflow', `REFUND_UNCONFIRMED: ${record.refundId}: ${failureMessage(err)}`);
      return;
    }
  }
}
