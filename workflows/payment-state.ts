// The payment's state and its one transition function. Pure: no Temporal calls, no I/O, no
// clock of its own (the caller passes `now`), so it is unit-tested directly and replays
// deterministically inside the workflow.
import {
  CLOSED_FOR_PROVIDER_EVENTS,
  type AbandonedCharge,
  type EventSource,
  type PaymentMethod,
  type PaymentInstructions,
  type PaymentStatus,
  type PaymentSummary,
  type PaymentView,
  type ProviderEvent,
  type RefundRecord,
  type Rupiah,
} from '../src/domain/payment.js';
import { Rejection } from './rejection.js';
import { WithTimeline, ownedBy } from './timeline.js';
import { REJECTION, type MethodChoice, type PaymentWorkflowInput, type ProviderRoute, type RefundCommand } from './definitions.js';

export { Rejection };

/** A paid notification that arrived after the payment was closed unpaid; handled by the saga. */
export interface LatePayment {
  /** Undefined when the provider said paid without saying how much. */
  amount: Rupiah | undefined;
  eventId: string;
  /** Set when the money landed on a charge a checkout's customer abandoned (changed method). */
  charge?: AbandonedCharge;
}

export class PaymentState extends WithTimeline {
  status: PaymentStatus = 'CREATED';
  statusReason?: string;
  instructions: PaymentInstructions = {};
  providerReference?: string;
  paid: Rupiah = 0;
  /** The provider said paid without saying how much: `paid` is not known, so it cannot be checked. */
  paidAmountUnknown = false;
  paidAt?: string;
  settledAt?: string;
  merchantNotified = false;
  cancelRequested = false;
  /** Set while bayar itself is closing the payment unpaid; see apply(). */
  closing?: 'EXPIRED' | 'CANCELLED' | 'FAILED';
  latePayments: LatePayment[] = [];
  /** Where the payment is charged: the first route, or a fallback after a failover. */
  route: ProviderRoute;
  /** The method charged: the input's, or a checkout customer's latest choice. */
  method: PaymentMethod;
  /** A checkout whose customer has not chosen a method yet: no charge exists. */
  awaitingMethod: boolean;
  /** The customer's latest choice (checkout), not yet taken by the workflow. */
  methodChoice?: MethodChoice;
  /** Choices after the first one (each cancels a charge at its provider). */
  methodChanges = 0;
  /** Set while the current charge is being cancelled for a change of method; see apply(). */
  abandoning = false;
  /** Charges given up for another method; money landing on one later is late money. */
  readonly abandonedCharges: AbandonedCharge[] = [];
  /** Charges set aside so far: the next charge's id at the provider is numbered after them. */
  private chargesSetAside = 0;
  /** Abandoned charges an unsigned notification claimed news about: the workflow looks them up. */
  readonly abandonedToCheck: AbandonedCharge[] = [];
  /** Look-ups unsigned notifications earned per abandoned charge (bounded: see applyToAbandoned). */
  private readonly abandonedChecks = new Map<string, number>();
  readonly refunds: RefundRecord[] = [];
  /**
   * One more with every change the view shows: the system of record keeps the highest
   * (projection.ts writes each version with a local activity of its own). Changes made inside one
   * asOneVersion() call count once.
   */
  version = 0;
  /** Depth of asOneVersion() calls, and whether the outermost one has changed the view yet. */
  private oneVersionDepth = 0;
  private changedInOneVersion = false;
  /** Notifications counted instead of recorded one by one (PaymentView.notifications). */
  readonly notifications = { duplicates: 0, refused: 0, wakeUps: 0 };
  /** An unsigned notification claimed news that a status look-up has not checked yet. */
  wakePending = false;
  /** Among those claims, a refund (the only news a settled payment can still have). */
  refundClaimPending = false;
  /** The provider took paid money back (a reversal); the merchant has not been told yet. */
  reversalToNotify = false;
  /** Refunds the provider made without bayar, counted here; the merchant has not been told yet. */
  readonly providerRefundsToNotify: RefundRecord[] = [];
  /** The provider's refunds call for a person (more than was paid); the merchant has not been told yet. */
  reviewToNotify = false;
  private readonly seenEvents = new Set<string>();
  /**
   * The provider's identifiers of this charge, learned only through channels bayar trusts: the
   * create answer, its own status look-ups, and signed notifications before either answered.
   */
  private readonly knownReferences = new Set<string>();

  constructor(
    readonly input: PaymentWorkflowInput,
    private readonly onStatusChange: (status: PaymentStatus) => void = () => undefined,
  ) {
    super();
    this.route = { provider: input.provider, capabilities: input.capabilities, pollScheduleMs: input.timing.pollScheduleMs };
    this.method = input.method;
    this.awaitingMethod = input.checkout !== undefined;
  }

  /**
   * Whether a checkout's customer may choose `choice.method` now. Undefined: a new choice to
   * make; 'same': the method asked for is the one already charged or chosen (a retried
   * request), nothing to do. Throws a Rejection otherwise; nothing is recorded then.
   */
  validateMethodChoice(choice: MethodChoice): 'same' | undefined {
    const checkout = this.input.checkout;
    if (!checkout) throw new Rejection(REJECTION.notACheckout, 'this payment was not created as a checkout');
    if (!checkout.methods.includes(choice.method) || !checkout.routes[choice.method]) throw new Rejection(REJECTION.methodNotOffered, `${choice.method} is not offered by this checkout`);
    if ((this.status !== 'CREATED' && this.status !== 'PENDING') || this.closing || this.cancelRequested) {
      throw new Rejection(REJECTION.notAwaitingPayment, `payment is ${this.closing ? `closing ${this.closing}` : this.status}; the method can no longer change`);
    }
    const latest = this.methodChoice?.method ?? (this.awaitingMethod ? undefined : this.method);
    if (latest === choice.method) return 'same';
    if (latest !== undefined && this.methodChanges >= checkout.maxMethodChanges) {
      throw new Rejection(REJECTION.methodChangesExhausted, `the method was changed ${this.methodChanges} times already, the most this checkout allows`);
    }
    return undefined;
  }

  /** Records the customer's choice; the workflow takes it (takeMethodChoice) when it can. */
  chooseMethod(now: number, choice: MethodChoice): void {
    if (this.validateMethodChoice(choice) === 'same') return;
    const first = this.awaitingMethod && this.methodChoice === undefined;
    if (!first) this.methodChanges += 1;
    this.methodChoice = choice;
    this.record(now, 'api', first ? 'method-chosen' : 'method-change-requested', choice.method);
  }

  /** The choice to charge next, now the current method and route; its fallbacks are returned. */
  takeMethodChoice(): { method: PaymentMethod; fallbacks: ProviderRoute[] } | undefined {
    const choice = this.methodChoice;
    const planned = choice && this.input.checkout?.routes[choice.method];
    this.methodChoice = undefined;
    if (!choice || !planned) return undefined;
    this.awaitingMethod = false;
    this.method = choice.method;
    this.route = planned.route;
    return { method: choice.method, fallbacks: [...planned.fallbacks] };
  }

  /**
   * The current charge was cancelled at its provider (and a final check found no money) for a
   * change of method: it is set aside, so the next charge starts clean. Its notifications are
   * no longer this payment's news; money on it is late money (apply()).
   */
  abandonCharge(now: number): void {
    this.abandoning = false;
    if (this.providerReference !== undefined) {
      const charge: AbandonedCharge = {
        provider: this.route.provider,
        method: this.method,
        chargeId: this.chargeId,
        providerReference: this.providerReference,
        refundable: this.route.capabilities.refund !== 'none',
        at: new Date(now).toISOString(),
      };
      this.abandonedCharges.push(charge);
      this.record(now, 'workflow', 'charge-abandoned', `${charge.method} ${charge.provider} ${charge.providerReference}`);
    }
    this.providerReference = undefined;
    this.instructions = {};
    this.knownReferences.clear();
    this.chargesSetAside += 1;
  }

  /**
   * The id the provider knows the current charge by (its order id / reference_id / invoice
   * number): the payment id for the first charge, `<payment id>-c<n>` for the n-th after a
   * change of method, since providers refuse an order id twice (chargeIdPaymentId() maps
   * a notification's id back to the payment).
   */
  get chargeId(): string {
    return this.chargesSetAside === 0 ? this.input.paymentId : `${this.input.paymentId}-c${this.chargesSetAside}`;
  }

  /** The abandoned charge an event names, if any (provider and reference must both match). */
  private abandonedChargeOf(event: ProviderEvent): AbandonedCharge | undefined {
    if (event.providerReference === undefined) return undefined;
    return this.abandonedCharges.find((c) => c.provider === event.provider && c.providerReference === event.providerReference);
  }

  /** True for an event applied before (a copy of a notification counts as a duplicate); else remembers it. */
  private alreadySeen(event: ProviderEvent): boolean {
    if (this.seenEvents.has(event.eventId)) {
      if (event.source === 'webhook') this.countNotification('duplicates');
      return true;
    }
    this.seenEvents.add(event.eventId);
    return false;
  }

  /**
   * News about an abandoned charge: money on it is late money (refunded on that charge, as after
   * an expiry); anything else is recorded and changes nothing.
   */
  private applyToAbandoned(now: number, charge: AbandonedCharge, event: ProviderEvent): void {
    if (this.alreadySeen(event)) return;
    if (event.wakeOnly && event.source === 'webhook') {
      // Unsigned: nothing in it is proven, so a claim of news earns a look-up of that charge, as
      // for the current one; a bounded number per charge, so forged copies cost little.
      this.countNotification('wakeUps');
      const checks = this.abandonedChecks.get(charge.chargeId) ?? 0;
      if (event.chargeStatus === 'PAID' && checks < MAX_ABANDONED_CHECKS && !this.abandonedToCheck.includes(charge)) {
        this.abandonedChecks.set(charge.chargeId, checks + 1);
        this.abandonedToCheck.push(charge);
      }
      return;
    }
    const describe = `${event.providerStatus} on abandoned charge ${charge.providerReference}`;
    if (event.chargeStatus === 'PAID') {
      this.record(now, event.source, 'late-payment', describe);
      // As for the current charge: an amount the provider did not report is never made up.
      this.latePayments.push({ amount: event.paidAmount, eventId: event.eventId, charge });
      return;
    }
    this.record(now, event.source, 'provider-event', describe, true);
  }

  /** The route refused the charge before it existed: move on to the next provider. */
  failover(now: number, next: ProviderRoute, reason: string): void {
    this.record(now, 'workflow', 'provider-failover', `${this.route.provider} refused (${reason}); trying ${next.provider}`);
    this.route = next;
  }

  /**
   * Runs one synchronous transition (a provider event applied, a charge created, a refund's
   * outcome) as one version, however many timeline lines and counters it adds: the record gets
   * it in one write instead of one local activity per line (docs/performance.md). This grouping
   * is by code, not by activation: synchronous code runs whole wherever it runs, so the number
   * of versions, and of the projection's local activities, is the same on every replay
   * (workflows/projection.ts says why that matters).
   */
  asOneVersion<T>(change: () => T): T {
    this.oneVersionDepth += 1;
    try {
      return change();
    } finally {
      this.oneVersionDepth -= 1;
      if (this.oneVersionDepth === 0 && this.changedInOneVersion) {
        this.changedInOneVersion = false;
        this.version += 1;
      }
    }
  }

  /** The view changed: a new version now, or at the end of the asOneVersion() call it is in. */
  private changed(): void {
    if (this.oneVersionDepth > 0) this.changedInOneVersion = true;
    else this.version += 1;
  }

  record(now: number, source: EventSource, type: string, detail?: string, ignored?: boolean): void {
    this.changed();
    this.timeline.push({ at: new Date(now).toISOString(), source, type, ...(detail ? { detail } : {}), ...(ignored ? { ignored } : {}) });
  }

  setStatus(now: number, status: PaymentStatus, source: EventSource, reason?: string): void {
    if (this.status === status) return;
    this.status = status;
    this.statusReason = reason;
    this.record(now, source, `status:${status}`, reason);
    this.onStatusChange(status);
  }

  /**
   * Whether an event is bound to this payment. Only the provider that holds the payment may
   * move it, and a notification must name the charge the provider gave this payment, once that
   * is known: a genuine notification for another payment (or from another provider, whose
   * scheme may be weaker) never applies here. Status look-ups are bayar's own authenticated
   * calls about this charge, so only their provider is checked.
   */
  isBound(event: ProviderEvent): boolean {
    if (event.provider !== this.route.provider) return false;
    // A checkout before the customer's choice has no charge: nothing can be news about it.
    if (this.awaitingMethod) return false;
    if (event.source !== 'webhook' || this.knownReferences.size === 0) return true;
    return event.providerReference !== undefined && this.knownReferences.has(event.providerReference);
  }

  /** Takes the pending refund claim: true once per batch of unsigned refund notices. */
  takeRefundClaim(): boolean {
    const pending = this.refundClaimPending;
    this.refundClaimPending = false;
    return pending;
  }

  /** Takes the pending wake-up: true once per batch of unsigned notifications. */
  takeWake(): boolean {
    const pending = this.wakePending;
    this.wakePending = false;
    this.refundClaimPending = false; // taken with it (read first where it matters)
    return pending;
  }

  /**
   * The one transition, for webhook and poll alike. Idempotent per provider event id; a
   * closed payment absorbs everything (recorded, never applied), except that money arriving
   * after an unpaid close is queued as a late payment, so it is never silently dropped.
   *
   * What an attacker can send costs a counter, never a timeline line: events not bound to this
   * payment are refused and counted, copies of an event already seen are counted, and an
   * unsigned notification only wakes the payment (counted), which then asks the provider.
   */
  /** The counters are part of the view, so each one is a new version for the record (no timeline line). */
  private countNotification(kind: keyof PaymentState['notifications']): void {
    this.notifications[kind] += 1;
    this.changed();
  }

  apply(now: number, event: ProviderEvent): void {
    this.asOneVersion(() => this.applyEvent(now, event));
  }

  private applyEvent(now: number, event: ProviderEvent): void {
    const abandoned = this.abandonedChargeOf(event);
    if (abandoned) {
      this.applyToAbandoned(now, abandoned, event);
      return;
    }
    if (!this.isBound(event)) {
      this.countNotification('refused');
      return;
    }
    if (event.source === 'poll' && event.providerReference) this.knownReferences.add(event.providerReference);
    // A poll repeating what it said before is not news either, and not a notification.
    if (this.alreadySeen(event)) return;
    if (event.wakeOnly && event.source === 'webhook') {
      // Nothing in it is proven, so nothing in it is applied; a claim of news earns a look-up.
      this.countNotification('wakeUps');
      if (event.chargeStatus !== 'PENDING') this.wakePending = true;
      if (event.chargeStatus === 'REFUNDED') this.refundClaimPending = true;
      return;
    }
    const describe = `${event.providerStatus}${event.reason ? ` (${event.reason})` : ''}`;

    if ((this.status === 'CREATED' || this.status === 'PENDING') && (this.closing || this.abandoning) && event.chargeStatus !== 'PAID') {
      // Our own cancel/expire echoes back from the provider as EXPIRED or CANCELLED; the
      // close we started decides the status. Only money can still change the outcome. The same
      // while a charge is cancelled for a checkout's change of method.
      // One thing is kept: a close after a create whose answer never came (create-unknown) learns
      // from its own final check that the charge exists, and under which reference. Without it
      // the refund window would not look for late money on that charge (it needs a reference).
      if (this.closing && event.source === 'poll' && event.providerReference && !this.providerReference) this.providerReference = event.providerReference;
      this.record(now, event.source, 'provider-event', `${describe} while ${this.closing ? `closing ${this.closing}` : 'changing method'}`, true);
      return;
    }

    if (this.status === 'CREATED' || this.status === 'PENDING') {
      if (event.providerReference && !this.providerReference) {
        this.providerReference = event.providerReference;
        this.knownReferences.add(event.providerReference);
      }
      switch (event.chargeStatus) {
        case 'PENDING':
          // Some providers only say how to pay after the create call (ecommpay's VA page comes
          // in a callback). First answer wins; it changes what the query shows, never a command,
          // so running payments replay unchanged.
          if (event.instructions && Object.keys(this.instructions).length === 0 && Object.keys(event.instructions).length > 0) {
            this.instructions = { ...event.instructions };
            this.record(now, event.source, 'instructions', Object.keys(event.instructions).join(', '));
          }
          // A poll that says "still waiting" is not news; only a webhook's is worth a line.
          if (event.source === 'webhook') this.record(now, event.source, 'provider-event', describe);
          return;
        case 'PAID':
          if (!this.abandoning && this.isLate(now, event)) {
            // Taken after the deadline, though bayar learns of it before its close is done (the
            // close's cancel or final check was slow, or the timer fired late): late money, as
            // after an expiry. The close goes on to its unpaid end; the refund window refunds
            // the money or, where the provider cannot, a person looks (handleLatePayment).
            this.record(
              now,
              event.source,
              'late-payment',
              `${describe} at ${event.paidAt ?? `${new Date(now).toISOString()} (received; no paid time published)`}, after the deadline ${this.input.expiresAt}`,
            );
            this.latePayments.push({ amount: event.paidAmount, eventId: event.eventId });
            return;
          }
          this.record(now, event.source, 'provider-event', describe);
          // A "paid" that does not say how much proves that money came, not that it was the
          // amount asked for: nothing is assumed, and the amount check sends it to a person.
          this.paid = event.paidAmount ?? 0;
          this.paidAmountUnknown = event.paidAmount === undefined;
          this.paidAt = event.paidAt ?? event.occurredAt ?? new Date(now).toISOString();
          this.setStatus(now, 'PAID', event.source);
          return;
        case 'EXPIRED':
        case 'CANCELLED':
        case 'FAILED':
          this.record(now, event.source, 'provider-event', describe);
          this.setStatus(now, event.chargeStatus, event.source, `provider reported ${describe}`);
          return;
        case 'REFUNDED':
          this.record(now, event.source, 'provider-event', describe, true);
          return;
      }
    }

    if ((this.status === 'EXPIRED' || this.status === 'CANCELLED' || this.status === 'FAILED') && event.chargeStatus === 'PAID') {
      this.record(now, event.source, 'late-payment', `${describe} after ${this.status}`);
      this.latePayments.push({ amount: event.paidAmount, eventId: event.eventId });
      return;
    }

    if (event.providerRefunds && PAID_STATUSES.includes(this.status)) {
      this.applyProviderRefunds(now, event, describe);
      return;
    }

    if ((this.status === 'PAID' || this.status === 'SETTLED' || this.status === 'PARTIALLY_REFUNDED') && event.chargeStatus === 'FAILED') {
      // A verified "failed" about money already paid is the provider taking it back (Midtrans:
      // Mandiri bill, Permata and Indomaret payments can go from settlement to deny). Not
      // ignored: a person must look, nothing more can be refunded, and the merchant is told.
      // Only a verified event gets here (a signed notification or bayar's own look-up); an
      // unsigned one only woke the payment above. A charge that failed before it was paid never
      // reaches PAID (FAILED closes it), so this cannot be a stale, out-of-order notice.
      this.record(now, event.source, 'provider-event', describe);
      this.setStatus(now, 'REVIEW_REQUIRED', event.source, `REVERSED: ${this.route.provider} reported ${describe} after the payment was paid`);
      this.reversalToNotify = true;
      return;
    }

    const closed = CLOSED_FOR_PROVIDER_EVENTS.includes(this.status) || this.status === 'PAID';
    this.record(now, event.source, 'provider-event', `${describe} ignored: payment is ${this.status}`, closed);
  }

  /**
   * Whether money the provider reports as taken came after bayar's deadline: late money, however
   * soon bayar learns of it. By the provider's own paid time (ProviderEvent.paidAt) where it
   * publishes one; where it does not, by when bayar learned of it (`now`: the notification's
   * arrival or the look-up's answer), the latest the money can have come, so an unknown time
   * errs towards late. The last second before the deadline counts as late as well
   * (PAID_TIME_SLACK_MS): providers stamp whole seconds (Midtrans' settlement_time drops the
   * fraction, so a payment 0.9 s after the deadline can carry a stamp before it), and clocks
   * differ. Erring that way costs a customer who paid in that last second a refund (or a
   * person's look where the provider cannot refund), never money; erring the other way would let
   * bayar settle money it may already have shown as expired. An unreadable time counts as none.
   */
  isLate(now: number, event: ProviderEvent): boolean {
    const deadline = Date.parse(this.input.expiresAt);
    const stamped = event.paidAt === undefined ? Number.NaN : Date.parse(event.paidAt);
    const paidAt = Number.isNaN(stamped) ? now : stamped;
    return paidAt > deadline - PAID_TIME_SLACK_MS;
  }

  /**
   * A verified report of what the provider has refunded on this charge (a signed notification
   * with the amounts, or bayar's own status look-up). Refunds made at the provider without
   * bayar (its dashboard) are counted from it, so `refunded` and `refundable` follow the
   * provider. Never twice: the provider's total is compared with every refund bayar knows of
   * (its own, succeeded or still in flight, and those counted before), so a refund bayar made
   * and the provider reports back adds nothing; the provider's refund ids only name what is new.
   * More refunded than was paid cannot be booked: a person must look, and refundable stays 0.
   */
  private applyProviderRefunds(now: number, event: ProviderEvent, describe: string): void {
    const reported = event.providerRefunds!;
    const known = this.refunded + this.refundPending;
    const fresh = reported.total - known;
    if (!Number.isSafeInteger(reported.total) || reported.total < 0) {
      this.record(now, event.source, 'provider-event', `${describe}: refund total ${reported.total} is not an amount`, true);
      return;
    }
    if (reported.total > this.paid) {
      this.record(now, event.source, 'provider-refund', `${describe}: ${reported.total} refunded of ${this.paid} paid`);
      if (this.status !== 'REVIEW_REQUIRED') {
        this.setStatus(now, 'REVIEW_REQUIRED', event.source, `PROVIDER_OVER_REFUND: ${this.route.provider} reports ${reported.total} refunded of ${this.paid} paid`);
        this.reviewToNotify = true;
      }
      return;
    }
    if (fresh <= 0) {
      // Everything reported is already known here (bayar's own refunds echoed back).
      this.record(now, event.source, 'provider-event', `${describe}: refunded ${reported.total}, already counted`, true);
      return;
    }
    const ours = new Set(this.refunds.map((r) => r.providerRefundId).filter((id) => id !== undefined));
    const unknown = (reported.refunds ?? []).filter((r) => !ours.has(r.providerRefundId));
    // One record per provider refund when the unknown ones are exactly what is new; otherwise
    // one record for the difference, named by the total that revealed it (unique per payment,
    // because the total only grows while it is counted). The ":" keeps these ids apart from
    // every refund id a merchant can choose (letters, digits, - and _), so the ledger's and the
    // merchant events' ids stay unique per refund.
    const named = unknown.length > 0 && unknown.reduce((total, r) => total + r.amount, 0) === fresh;
    const found = named
      ? unknown.map((r) => ({ refundId: `provider:${r.providerRefundId}`.slice(0, 64), amount: r.amount, providerRefundId: r.providerRefundId }))
      : [{ refundId: `provider:total-${reported.total}`, amount: fresh, providerRefundId: undefined }];
    for (const f of found) {
      // A provider refund id reused, or cut short at 64 characters, must not merge two refunds:
      // the position in the list is unique.
      const taken = this.refunds.some((r) => r.refundId === f.refundId);
      const record: RefundRecord = {
        refundId: taken ? `provider#${this.refunds.length}` : f.refundId,
        amount: f.amount,
        reason: `refunded at ${this.route.provider}, not through bayar`,
        state: 'SUCCEEDED',
        origin: 'provider',
        ...(f.providerRefundId !== undefined ? { providerRefundId: f.providerRefundId } : {}),
        requestedAt: event.occurredAt ?? new Date(now).toISOString(),
      };
      this.refunds.push(record);
      this.providerRefundsToNotify.push(record);
      this.record(now, event.source, 'refund-external', `${record.refundId}: ${record.amount} (${describe})`);
    }
    this.followRefunds(now, event.source);
  }

  /** A settled payment's status follows what has been refunded; others (PAID, in review) keep theirs. */
  followRefunds(now: number, source: EventSource): void {
    if (!['SETTLED', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(this.status) || this.refunded === 0) return;
    this.setStatus(now, this.refunded >= this.paid ? 'REFUNDED' : 'PARTIALLY_REFUNDED', source);
  }

  /** Why a PAID payment cannot settle (a person must look), or undefined when the amount is the one asked for. */
  amountProblem(): string | undefined {
    if (this.paidAmountUnknown) return `AMOUNT_UNCONFIRMED: ${this.route.provider} reported the payment paid without an amount`;
    if (this.paid !== this.input.amount) return `AMOUNT_MISMATCH: paid ${this.paid}, expected ${this.input.amount}`;
    return undefined;
  }

  chargeCreated(now: number, snapshot: { providerReference: string; instructions: PaymentInstructions }): void {
    this.asOneVersion(() => this.takeCharge(now, snapshot));
  }

  private takeCharge(now: number, snapshot: { providerReference: string; instructions: PaymentInstructions }): void {
    this.providerReference = snapshot.providerReference;
    this.knownReferences.add(snapshot.providerReference);
    // A provider may tell how to pay in a callback that overtakes the create call's answer
    // (ecommpay's VA page): an empty answer must not wipe what is already known.
    if (Object.keys(snapshot.instructions).length > 0 || Object.keys(this.instructions).length === 0) this.instructions = snapshot.instructions;
    this.record(now, 'workflow', 'charge-created', snapshot.providerReference);
    if (this.status === 'CREATED') this.setStatus(now, 'PENDING', 'workflow');
  }

  get refunded(): Rupiah {
    return sum(this.refunds.filter((r) => r.state === 'SUCCEEDED'));
  }

  get refundPending(): Rupiah {
    return sum(this.refunds.filter((r) => r.state === 'PENDING'));
  }

  get refundable(): Rupiah {
    if (!['SETTLED', 'PARTIALLY_REFUNDED'].includes(this.status)) return 0;
    return Math.max(0, this.paid - this.refunded - this.refundPending);
  }

  /**
   * Runs in the Update validator: rejects what cannot succeed before anything enters history.
   * Returns the existing record when the refund id was seen before (a retried request).
   */
  validateRefund(command: RefundCommand): RefundRecord | undefined {
    const existing = this.refunds.find((r) => r.refundId === command.refundId);
    if (existing) {
      if (command.amount !== undefined && command.amount !== existing.amount) {
        throw new Rejection(REJECTION.idempotencyConflict, `refund ${command.refundId} was already requested with amount ${existing.amount}`);
      }
      return existing;
    }
    const support = this.route.capabilities.refund;
    if (support === 'none') {
      throw new Rejection(REJECTION.refundNotSupported, `${this.route.provider} cannot refund ${this.input.method} payments`);
    }
    if (!['SETTLED', 'PARTIALLY_REFUNDED'].includes(this.status)) {
      throw new Rejection(REJECTION.notRefundable, `payment is ${this.status}; only settled payments can be refunded`);
    }
    const amount = command.amount ?? this.refundable;
    if (!Number.isSafeInteger(amount) || amount <= 0) {
      throw new Rejection(REJECTION.invalidAmount, 'refund amount must be a positive whole number of rupiah');
    }
    if (amount > this.refundable) {
      throw new Rejection(REJECTION.refundExceedsRefundable, `refund of ${amount} exceeds the refundable ${this.refundable}`);
    }
    // A failed refund moved no money, so it must not block retrying the full refund.
    if (support === 'full' && (amount !== this.paid || this.refunds.some((r) => r.state !== 'FAILED'))) {
      throw new Rejection(REJECTION.partialRefundNotSupported, `${this.route.provider} only refunds the whole payment of ${this.paid}`);
    }
    const reasons = this.route.capabilities.refundReasons;
    if (reasons && !reasons.includes(command.reason)) {
      throw new Rejection(REJECTION.invalidRefundReason, `${this.route.provider} needs one of these reasons: ${reasons.join(', ')}`);
    }
    return undefined;
  }

  /** Reserves the amount synchronously, so a concurrent refund's validator already sees it. */
  reserveRefund(now: number, command: RefundCommand, origin: RefundRecord['origin'], amount: Rupiah): RefundRecord {
    const record: RefundRecord = {
      refundId: command.refundId,
      amount,
      reason: command.reason,
      state: 'PENDING',
      origin,
      requestedAt: new Date(now).toISOString(),
    };
    this.refunds.push(record);
    this.record(now, origin === 'auto' ? 'workflow' : 'api', 'refund-requested', `${record.refundId}: ${amount}`);
    return record;
  }

  refundFinished(now: number, record: RefundRecord, outcome: { providerRefundId?: string; state: 'SUCCEEDED' | 'PENDING' } | { failure: string }): void {
    this.asOneVersion(() => this.finishRefund(now, record, outcome));
  }

  private finishRefund(now: number, record: RefundRecord, outcome: { providerRefundId?: string; state: 'SUCCEEDED' | 'PENDING' } | { failure: string }): void {
    if ('failure' in outcome) {
      record.state = 'FAILED';
      record.failureReason = outcome.failure;
      this.record(now, 'workflow', 'refund-failed', `${record.refundId}: ${outcome.failure}`);
      return;
    }
    record.state = outcome.state;
    record.providerRefundId = outcome.providerRefundId;
    this.record(now, 'workflow', outcome.state === 'SUCCEEDED' ? 'refund-succeeded' : 'refund-accepted', `${record.refundId}: ${record.amount}`);
    if (record.origin === 'merchant' && this.paid > 0) {
      this.setStatus(now, this.refunded >= this.paid ? 'REFUNDED' : 'PARTIALLY_REFUNDED', 'workflow');
    }
  }

  /** A refund the provider had accepted as PENDING has an outcome now. */
  refundConcluded(now: number, record: RefundRecord, outcome: { state: 'SUCCEEDED' | 'FAILED'; providerStatus: string; reason?: string }): void {
    this.asOneVersion(() => this.concludeRefund(now, record, outcome));
  }

  private concludeRefund(now: number, record: RefundRecord, outcome: { state: 'SUCCEEDED' | 'FAILED'; providerStatus: string; reason?: string }): void {
    if (record.state !== 'PENDING') return;
    if (outcome.state === 'SUCCEEDED') {
      record.state = 'SUCCEEDED';
      this.record(now, 'poll', 'refund-succeeded', `${record.refundId}: ${record.amount}`);
    } else {
      record.state = 'FAILED';
      record.failureReason = outcome.reason ?? outcome.providerStatus;
      this.record(now, 'poll', 'refund-failed', `${record.refundId}: ${record.failureReason}`);
    }
    if (record.origin === 'auto') {
      // Late money we meant to give back is still with us: a person must look at it.
      if (record.state === 'FAILED') this.setStatus(now, 'REVIEW_REQUIRED', 'workflow', `LATE_PAYMENT: automatic refund failed: ${record.failureReason}`);
      return;
    }
    if (this.refunded === 0 && this.refundPending === 0) this.setStatus(now, 'SETTLED', 'workflow', 'refund failed; nothing was refunded');
    else this.setStatus(now, this.refunded >= this.paid ? 'REFUNDED' : 'PARTIALLY_REFUNDED', 'workflow');
  }

  /** The view without its timeline: what the record needs with every version besides the new entries. */
  summary(): PaymentSummary {
    const i = this.input;
    return {
      id: i.paymentId,
      ...ownedBy(i),
      provider: this.route.provider,
      method: this.method,
      status: this.status,
      ...(this.statusReason ? { statusReason: this.statusReason } : {}),
      amounts: { expected: i.amount, paid: this.paid, refunded: this.refunded, refundPending: this.refundPending, refundable: this.refundable },
      // A closed payment must not keep showing a VA number or QR someone could still pay into.
      instructions: this.status === 'PENDING' || this.status === 'CREATED' ? this.instructions : {},
      ...(this.providerReference ? { providerReference: this.providerReference } : {}),
      expiresAt: i.expiresAt,
      createdAt: i.createdAt,
      ...(this.paidAt ? { paidAt: this.paidAt } : {}),
      ...(this.settledAt ? { settledAt: this.settledAt } : {}),
      refunds: this.refunds.map((r) => ({ ...r })),
      merchantNotified: this.merchantNotified,
      notifications: { ...this.notifications },
      ...(i.checkout
        ? {
            checkout: {
              awaitingMethod: this.awaitingMethod,
              methods: [...i.checkout.methods],
              methodChanges: this.methodChanges,
              maxMethodChanges: i.checkout.maxMethodChanges,
              abandonedCharges: this.abandonedCharges.map((c) => ({ ...c })),
              ...(i.returnUrl ? { returnUrl: i.returnUrl } : {}),
            },
          }
        : {}),
    };
  }

  view(): PaymentView {
    const { merchantNotified, notifications, ...head } = this.summary();
    return { ...head, timeline: [...this.timeline], merchantNotified, notifications };
  }
}

/** Money stamped this close before the deadline already counts as late (PaymentState.isLate). */
export const PAID_TIME_SLACK_MS = 1_000;

/** Look-ups of one abandoned charge that unsigned notifications can cause, at most. */
const MAX_ABANDONED_CHECKS = 5;

/** Statuses in which the provider holds (or held) this payment's money. */
const PAID_STATUSES: readonly PaymentStatus[] = ['PAID', 'SETTLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'REVIEW_REQUIRED'];

function sum(refunds: RefundRecord[]): Rupiah {
  return refunds.reduce((total, r) => total + r.amount, 0);
}
