// What the phases of one payment share (payment.workflow.ts, payment-refund-window.ts): the
// context object, the provider calls they all make, and how they tell the merchant.
import { redispatchingActivities } from './lost-activity-tasks.js';
import type { PaymentActivities } from '../activities/index.js';
import type { ProviderEvent, RefundRecord } from '../src/domain/payment.js';
import { chargeCreation, providerCall } from './activity-options.js';
import type { PaymentWorkflowInput } from './definitions.js';
import { failureMessage } from './failures.js';
import type { MerchantEvents } from './merchant-events.js';
import type { PaymentState } from './payment-state.js';
import type { Projection } from './projection.js';

/**
 * The least time between two status look-ups that unsigned notifications asked for: however
 * many forged or replayed notifications arrive, they cost the provider (and the history) at
 * most one look-up per this gap. The first one runs at once, so a genuine notice is quick.
 */
export const WAKE_LOOKUP_GAP_MS = 2_000;

/** Provider calls after the create (cancel, refunds); the create has its own options, look-ups `lookups`. */
export const provider = redispatchingActivities<PaymentActivities>(providerCall);

/**
 * How long a status look-up may wait unstarted before it counts as lost and is scheduled again:
 * shorter than LOST_TASK_AFTER_MS, because the payment waits on it — the close's final check, and
 * the refund window's search for late money whose notification was lost in the same restart
 * (docs/chaos.md, the late-money finding of 2026-12-05: a minute is longer than the chaos test's
 * settle wait). Still far above a healthy queue wait (milliseconds; seconds on a saturated
 * two-core machine), and a look-up is a read: scheduling one again costs two history events.
 */
export const LOOKUP_LOST_TASK_AFTER_MS = 15_000;

/** Status look-ups (charges, refunds): re-dispatched after LOOKUP_LOST_TASK_AFTER_MS. */
export const lookups = redispatchingActivities<PaymentActivities>(providerCall, LOOKUP_LOST_TASK_AFTER_MS);

/** The create call: retried with backoff, but not past the payment's own deadline. */
export const chargeCreator = (expiresAt: string) => redispatchingActivities<PaymentActivities>(chargeCreation(expiresAt, Date.now()));

/** What the phases of one payment share. */
export interface Payment {
  readonly input: PaymentWorkflowInput;
  readonly state: PaymentState;
  readonly recorded: Projection;
  readonly merchant: MerchantEvents;
  /** Provider events received and not applied yet, in arrival order (see the inbox in payment.workflow.ts). */
  readonly inbox: { at: number; event: ProviderEvent }[];
  /** Create calls (createOrGet updates) still waiting for the charge. */
  createAnswersOwed: number;
  /** When bayar last asked the provider for the charge's status (polls, checks, wake-ups). */
  lastLookupAt: number;
  /** Refunds run one at a time per payment, in the order they were accepted. */
  refundQueue: Promise<unknown>;
  readonly refundFollowUps: Promise<void>[];
  /** Late money was already handled (a one-time charge is paid once). */
  lateHandled: boolean;
  /** Abandoned charges (checkout) whose late money was already handled, by charge id. */
  readonly lateHandledOn: Set<string>;
}

/**
 * The provider reference is only known once the charge exists, so the ref is built on demand.
 * A checkout's later charges have ids of their own at the provider (PaymentState.chargeId).
 */
export function chargeRef(p: Payment) {
  return { provider: p.state.route.provider, paymentId: p.state.chargeId, method: p.state.method, providerReference: p.state.providerReference };
}

export async function lookUpCharge(p: Payment): Promise<ProviderEvent> {
  const status = await lookups.getChargeStatus(chargeRef(p));
  p.lastLookupAt = Date.now();
  return status;
}

/** Applies every provider event received so far, in the order they arrived. */
export function applyInbox(p: Payment): void {
  for (let next = p.inbox.shift(); next; next = p.inbox.shift()) p.state.apply(next.at, next.event);
}

/** Tells the merchant of refunds the provider made without bayar, and of a review they caused. */
export function tellProviderRefunds(p: Payment): void {
  const { state } = p;
  for (let record = state.providerRefundsToNotify.shift(); record; record = state.providerRefundsToNotify.shift()) {
    // As for bayar's own refunds: one refund.succeeded per refund, its id unique per refund.
    notifyRefund(p, record);
  }
  if (state.reviewToNotify) {
    state.reviewToNotify = false;
    notifyMerchant(p, 'payment.review_required');
  }
}

export function notifyRefund(p: Payment, record: RefundRecord): void {
  if (!p.input.recordEvents || record.state === 'PENDING') return;
  const type = record.state === 'SUCCEEDED' ? 'refund.succeeded' : 'refund.failed';
  notifyMerchant(p, type, `${p.input.paymentId}:${type}:${record.refundId}`, `${type} ${record.refundId}`);
}

/** Queues a merchant event with the payment's view as it is now (merchant-events.ts). */
export function notifyMerchant(p: Payment, type: string, id?: string, label: string = type): void {
  const { input, state } = p;
  if (!input.callbackUrl && !input.recordEvents) return;
  // Unique per event: the timeline only grows, so its length tells two events of one type apart.
  const eventId = id ?? (input.recordEvents ? `${input.paymentId}:${type}:${state.entryCount}` : `${input.paymentId}:${type}`);
  const event = { merchantId: input.merchantId, ...(input.callbackUrl ? { callbackUrl: input.callbackUrl } : {}), eventId, type, payment: state.view() };
  p.merchant.send(event, label, () => (state.merchantNotified = true));
}

/**
 * Setting a charge aside (an unpaid close, or a checkout's change of method): cancel it at its
 * provider where the provider can, then one final status check, so money that landed in the last
 * second is applied, not lost. The final check is the look-up any unsigned notification so far
 * asked for.
 */
export async function cancelThenCheck(p: Payment): Promise<void> {
  const { state } = p;
  if (state.route.capabilities.cancel && state.providerReference !== undefined) {
    try {
      await provider.cancelCharge(chargeRef(p));
    } catch (err) {
      state.record(Date.now(), 'workflow', 'cancel-failed', failureMessage(err));
    }
  }
  applyInbox(p);
  const final = await lookUpCharge(p);
  applyInbox(p);
  state.takeWake();
  state.apply(Date.now(), { ...final, eventId: `final-check:${final.eventId}` });
}
