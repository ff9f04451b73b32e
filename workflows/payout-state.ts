// The payout's state: its attempts and what is known about each. Pure: no Temporal calls, no
// I/O, no clock of its own (the caller passes `now`), so it is unit-tested directly and replays
// deterministically inside the workflow.
//
// The rule it keeps (seed 003): an attempt whose send answered UNKNOWN or timed out is never
// sent again. Only a definite FAILED — from the provider, or from an operator who checked —
// makes room for a new attempt, and a new attempt has a new provider payout id.
import type { EventSource } from '../src/domain/payment.js';
import type { PayoutAttempt, PayoutStatus, PayoutSummary, PayoutView } from '../src/domain/payout.js';
import type { PayoutSnapshot } from '../src/providers/payout.js';
import { MAX_PAYOUT_ATTEMPTS, PAYOUT_REJECTION, type PayoutWorkflowInput, type ResolvePayoutCommand, type RetryPayoutCommand } from './payout-definitions.js';
import { Rejection } from './rejection.js';
import { WithTimeline, ownedBy } from './timeline.js';

export { Rejection };

const definite = (a: PayoutAttempt | undefined) => a !== undefined && (a.state === 'SUCCEEDED' || a.state === 'FAILED');

export class PayoutState extends WithTimeline {
  status: PayoutStatus = 'CREATED';
  statusReason?: string;
  completedAt?: string;
  /** Set by a retry update; the workflow starts the next attempt and clears it. */
  retryRequested = false;
  /** The workflow is finishing: no update may start anything any more. */
  closed = false;
  readonly attempts: PayoutAttempt[] = [];
  /** One more with every change the view shows: the system of record keeps the highest (projection.ts). */
  version = 0;

  constructor(
    readonly input: PayoutWorkflowInput,
    private readonly onStatusChange: (status: PayoutStatus) => void = () => undefined,
  ) {
    super();
  }

  get current(): PayoutAttempt | undefined {
    return this.attempts[this.attempts.length - 1];
  }

  /** The current attempt has a definite answer (or there is none yet). */
  get settled(): boolean {
    return this.current === undefined || definite(this.current);
  }

  record(now: number, source: EventSource, type: string, detail?: string, ignored?: boolean): void {
    this.version += 1;
    this.timeline.push({ at: new Date(now).toISOString(), source, type, ...(detail ? { detail } : {}), ...(ignored ? { ignored } : {}) });
  }

  setStatus(now: number, status: PayoutStatus, source: EventSource, reason?: string): void {
    if (this.status === status && this.statusReason === reason) return;
    const changed = this.status !== status;
    this.status = status;
    this.statusReason = reason;
    this.record(now, source, `status:${status}`, reason);
    if (status === 'SUCCEEDED') this.completedAt = new Date(now).toISOString();
    if (changed) this.onStatusChange(status);
  }

  /** A new attempt, about to be sent. Allowed only when the previous one definitely failed. */
  startAttempt(now: number): PayoutAttempt {
    const previous = this.current;
    if (previous && previous.state !== 'FAILED') throw new Error(`attempt ${previous.attempt} is ${previous.state}: a new attempt would be a second payout`);
    const n = this.attempts.length + 1;
    const attempt: PayoutAttempt = {
      attempt: n,
      providerPayoutId: `${this.input.payoutId}-${n}`,
      state: 'SENDING',
      lookups: 0,
      startedAt: new Date(now).toISOString(),
    };
    this.attempts.push(attempt);
    this.retryRequested = false;
    this.record(now, 'workflow', 'attempt-sent', `attempt ${n} as ${attempt.providerPayoutId}`);
    this.setStatus(now, 'PENDING', 'workflow');
    return attempt;
  }

  /** The send's answer, or a look-up's finding (null: the provider has never seen this attempt). */
  apply(now: number, attempt: PayoutAttempt, snapshot: PayoutSnapshot | null, via: 'send' | 'lookup' | 'callback'): void {
    // A signed provider callback (aggregator disbursement notice) counts like a look-up's answer.
    const source: EventSource = via === 'send' ? 'workflow' : via === 'callback' ? 'webhook' : 'poll';
    if (via !== 'send') {
      // A look-up or callback changes the attempt even when it adds no timeline entry: a new version for the record.
      if (via === 'lookup') attempt.lookups += 1;
      this.version += 1;
    }
    if (definite(attempt)) {
      // A definite answer is kept: a later, different one (SUCCEEDED then REVERSED) is recorded for operators.
      if (snapshot && snapshot.providerStatus !== attempt.providerStatus)
        this.record(now, source, `attempt-${attempt.attempt}:${snapshot.providerStatus}`, 'after a definite answer; not applied', true);
      return;
    }
    if (snapshot === null) {
      if (attempt.lookups === 1) this.record(now, source, `attempt-${attempt.attempt}:not-found`, 'the provider has no such payout (yet)');
      return;
    }
    const changed = snapshot.providerStatus !== attempt.providerStatus || attempt.state === 'SENDING' || attempt.state === 'UNKNOWN';
    attempt.providerStatus = snapshot.providerStatus;
    if (snapshot.providerReference) attempt.providerReference = snapshot.providerReference;
    if (snapshot.fee !== undefined) attempt.fee = snapshot.fee;
    if (snapshot.reason) attempt.reason = snapshot.reason;
    if (changed) this.record(now, source, `attempt-${attempt.attempt}:${snapshot.providerStatus}`, snapshot.reason);
    if (snapshot.state === 'PENDING') {
      attempt.state = 'PENDING';
      return;
    }
    this.finish(now, attempt, snapshot.state, via, snapshot.reason ?? snapshot.providerStatus, source);
  }

  /** The provider refused the send outright, or it definitely never got there: nothing was paid. */
  sendFailed(now: number, attempt: PayoutAttempt, reason: string): void {
    attempt.reason = reason;
    this.record(now, 'workflow', `attempt-${attempt.attempt}:refused`, reason);
    this.finish(now, attempt, 'FAILED', 'send', reason, 'workflow');
  }

  /** The send may or may not have reached the provider. From here on it is only looked up. */
  sendUnknown(now: number, attempt: PayoutAttempt, reason: string): void {
    attempt.state = 'UNKNOWN';
    attempt.reason = reason;
    this.record(now, 'workflow', `attempt-${attempt.attempt}:unknown`, `${reason}; looking it up, never resending`);
  }

  /** No definite answer for too long: an operator should look. Look-ups go on. */
  flagForReview(now: number, reason: string): void {
    if (this.settled || this.status === 'REVIEW_REQUIRED') return;
    this.setStatus(now, 'REVIEW_REQUIRED', 'timer', reason);
  }

  validateRetry(command: RetryPayoutCommand): 'existing' | 'new' {
    const count = this.attempts.length;
    const { attempt } = command;
    if (this.closed && !(attempt !== undefined && attempt <= count)) throw new Rejection(PAYOUT_REJECTION.closed, 'the payout is closed (its window ended); create a new payout');
    if (attempt !== undefined) {
      if (!Number.isSafeInteger(attempt) || attempt < 1) throw new Rejection(PAYOUT_REJECTION.notRetryable, 'attempt must be a positive whole number');
      // The same retry again (its answer was lost): that attempt exists or is about to.
      if (attempt <= count || (this.retryRequested && attempt === count + 1)) return 'existing';
      if (attempt !== count + 1) throw new Rejection(PAYOUT_REJECTION.notRetryable, `the payout has ${count} attempt(s); the next one would be ${count + 1}, not ${attempt}`);
    }
    if (this.status !== 'FAILED' || this.retryRequested) {
      throw new Rejection(PAYOUT_REJECTION.notRetryable, `payout is ${this.status}; only a FAILED payout can be retried (an unknown outcome is looked up, never resent)`);
    }
    if (count >= MAX_PAYOUT_ATTEMPTS) throw new Rejection(PAYOUT_REJECTION.tooManyAttempts, `a payout is tried at most ${MAX_PAYOUT_ATTEMPTS} times; create a new payout`);
    return 'new';
  }

  requestRetry(now: number): void {
    this.retryRequested = true;
    this.record(now, 'api', 'retry-requested', `attempt ${this.attempts.length + 1}`);
    this.setStatus(now, 'PENDING', 'api', 'retry requested');
  }

  validateResolve(command: ResolvePayoutCommand): void {
    if (this.closed) throw new Rejection(PAYOUT_REJECTION.closed, 'the payout is closed (its window ended)');
    if (this.status !== 'REVIEW_REQUIRED') throw new Rejection(PAYOUT_REJECTION.notInReview, `payout is ${this.status}; only a payout in REVIEW_REQUIRED is resolved by hand`);
    if (command.outcome !== 'SUCCEEDED' && command.outcome !== 'FAILED') throw new Rejection(PAYOUT_REJECTION.invalidResolution, 'outcome must be SUCCEEDED or FAILED');
    if (typeof command.note !== 'string' || command.note.trim().length === 0 || command.note.length > 500) {
      throw new Rejection(PAYOUT_REJECTION.invalidResolution, 'a note (1–500 characters) saying what was checked at the provider is required');
    }
  }

  /** An operator checked at the provider and says how the attempt ended. */
  resolve(now: number, command: ResolvePayoutCommand): void {
    const attempt = this.current!;
    attempt.reason = command.note;
    this.record(now, 'workflow', 'operator-resolved', `attempt ${attempt.attempt}: ${command.outcome} — ${command.note}`);
    this.finish(now, attempt, command.outcome, 'operator', `resolved by an operator: ${command.note}`, 'workflow');
  }

  /** The payout closes: a FAILED one whose retry window ran out, or one still without an answer. */
  close(now: number): void {
    this.closed = true;
    if (this.status === 'SUCCEEDED') return;
    if (!this.settled) this.setStatus(now, 'REVIEW_REQUIRED', 'timer', `no definite answer for attempt ${this.current!.attempt} before the payout closed`);
    this.completedAt = new Date(now).toISOString();
    this.record(now, 'timer', 'closed', this.status);
  }

  /** The view without its timeline: what the record needs with every version besides the new entries. */
  summary(): PayoutSummary {
    const i = this.input;
    return {
      id: i.payoutId,
      ...ownedBy(i),
      provider: i.provider,
      amount: i.amount,
      feeType: i.feeType,
      destination: { bankCode: i.bankCode, accountNumberLast4: i.accountNumberLast4 },
      description: i.description,
      status: this.status,
      ...(this.statusReason ? { statusReason: this.statusReason } : {}),
      attempts: this.attempts.map((a) => ({ ...a })),
      createdAt: i.createdAt,
      ...(this.completedAt ? { completedAt: this.completedAt } : {}),
    };
  }

  view(): PayoutView {
    return { ...this.summary(), timeline: [...this.timeline] };
  }

  private finish(now: number, attempt: PayoutAttempt, outcome: 'SUCCEEDED' | 'FAILED', decidedBy: PayoutAttempt['decidedBy'], reason: string, source: EventSource): void {
    attempt.state = outcome;
    attempt.decidedBy = decidedBy;
    attempt.finishedAt = new Date(now).toISOString();
    this.setStatus(now, outcome, source, outcome === 'FAILED' ? `attempt ${attempt.attempt} failed: ${reason}` : undefined);
  }
}
