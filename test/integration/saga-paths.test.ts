// Every path of the payment saga, in-process: the real workflow bundle on a real Temporal dev
// server (TestWorkflowEnvironment on the provisioned CLI), fake provider activities at the
// activity boundary (test/helpers/saga-env.ts). Each path takes seconds and no HTTP; the
// full-stack e2e suite keeps one smoke per provider and what needs real processes.
//
// The tests run concurrently (each owns its payment and its fake charge), so the file takes
// about as long as its slowest path. `BAYAR_RECORD_HISTORIES=1` writes each named path's
// history as a replay fixture (test/fixtures/histories/<name>.json).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowHandle } from '@temporalio/client';
import type { PaymentView } from '../../src/domain/payment.js';
import { cancelUpdate, createOrGetUpdate, REJECTION, refundUpdate, type PaymentWorkflowInput } from '../../workflows/definitions.js';
import { writeHistory } from '../helpers/histories.js';
import { until } from '../helpers/wait.js';
import { rejectionOf, sagaInput, startSagaEnv, type Behaviour, type SagaEnv } from '../helpers/saga-env.js';
import { LOST_TASK_AFTER_MS } from '../../workflows/lost-activity-tasks.js';
import { LOOKUP_LOST_TASK_AFTER_MS } from '../../workflows/payment-context.js';

describe('payment saga paths (in-process Temporal, fake provider activities)', { concurrency: true }, () => {
  let saga: SagaEnv;
  const recorded = new Map<string, WorkflowHandle>();

  before(async () => {
    saga = await startSagaEnv();
  });
  after(async () => {
    try {
      if (saga && process.env.BAYAR_RECORD_HISTORIES) for (const [name, handle] of recorded) writeHistory(name, historyToJSON(await handle.fetchHistory()));
    } finally {
      await saga?.stop();
    }
  });

  /** Starts a payment (behaving as told at its fake provider) and waits for the create's answer. */
  async function start(name: string, over: Partial<PaymentWorkflowInput> & { expiresInMs?: number } = {}, behaviour: Behaviour = {}) {
    const input = sagaInput(over);
    saga.providers.behaviour.set(input.paymentId, behaviour);
    const started = await saga.start(input);
    recorded.set(name, started.handle);
    return { ...started, input, id: input.paymentId };
  }
  const statusEntries = (p: PaymentView, status: string) => p.timeline.filter((t) => t.type === `status:${status}`).length;
  const refund = (handle: WorkflowHandle, command: { refundId: string; amount?: number; reason?: string }) => handle.executeUpdate(refundUpdate, { args: [{ reason: 'returned', ...command }] });
  const settled = async (name: string, over: Partial<PaymentWorkflowInput> = {}, behaviour: Behaviour = {}) => {
    const p = await start(name, { amount: 100_000, ...over }, behaviour);
    saga.providers.pay(p.id);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: p.input.amount });
    await saga.waitFor(p.handle, (x) => x.status === 'SETTLED');
    return p;
  };

  it('settles on a verified paid webhook, tells the merchant once, and writes the record', async () => {
    const p = await start('paid-by-webhook');
    assert.equal(p.view.status, 'PENDING');
    assert.equal(p.view.providerReference, `xendit-ref-${p.id}`);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    const done = await saga.waitFor(p.handle, (x) => x.status === 'SETTLED' && x.merchantNotified);
    assert.equal(done.amounts.paid, 50_000);
    assert.ok(done.timeline.some((t) => t.source === 'webhook' && t.type === 'status:PAID'));
    assert.equal(saga.providers.eventsOf(p.id, 'payment.paid').length, 1);
    assert.ok((saga.providers.recordedVersions.get(p.id) ?? 0) > 0, 'the projection wrote the payment');
  });

  it('settles by polling when webhooks never come', async () => {
    const p = await start('poll-only', { timing: { pollScheduleMs: [200, 400], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } });
    saga.providers.pay(p.id);
    const done = await saga.waitFor(p.handle, (x) => x.status === 'SETTLED');
    assert.ok(
      done.timeline.some((t) => t.source === 'poll' && t.type === 'status:PAID'),
      'PAID came from a poll',
    );
  });

  it('applies the same webhook six times, and a stale one out of order, as one settlement', async () => {
    const p = await start('duplicate-webhooks-in-process');
    for (let i = 0; i < 6; i++) await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000, eventId: 'wh-same-notification' });
    await saga.webhook(p.handle, { chargeStatus: 'PENDING' });
    await saga.webhook(p.handle, { chargeStatus: 'EXPIRED' });
    const done = await saga.waitFor(p.handle, (x) => x.status === 'SETTLED' && x.notifications.duplicates === 5 && x.timeline.some((t) => t.detail?.includes('EXPIRED ignored')));
    assert.equal(statusEntries(done, 'PAID'), 1);
    assert.equal(done.amounts.paid, 50_000);
    await saga.waitFor(p.handle, (x) => x.merchantNotified);
    assert.equal(saga.providers.eventsOf(p.id, 'payment.paid').length, 1);
  });

  it('checks an unsigned notification’s claim with a look-up, and applies only the provider’s answer', async () => {
    const p = await start('wake-only');
    // A false claim of payment: looked up, nothing changes.
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000, wakeOnly: true });
    await saga.waitFor(p.handle, (x) => x.notifications.wakeUps === 1);
    await until(() => saga.providers.callsOf('getChargeStatus', p.id).length >= 1 || undefined, 15_000);
    assert.equal((await saga.waitFor(p.handle, () => true)).status, 'PENDING');
    // A true one (long before the next poll): the look-up finds the money.
    saga.providers.pay(p.id);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000, wakeOnly: true });
    const done = await saga.waitFor(p.handle, (x) => x.status === 'SETTLED');
    assert.ok(done.timeline.some((t) => t.source === 'poll' && t.type === 'status:PAID'));
    assert.ok(!done.timeline.some((t) => t.source === 'webhook'), 'an unsigned notice is counted, never applied');
  });

  it('refuses a notification from another provider, or about another charge', async () => {
    const p = await start('unbound');
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000, provider: 'midtrans' });
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000, providerReference: 'someone-elses-charge' });
    const after = await saga.waitFor(p.handle, (x) => x.notifications.refused === 2);
    assert.equal(after.status, 'PENDING');
  });

  it('expires an unpaid payment at its deadline and cancels it at the provider', async () => {
    const p = await start('expiry', { method: 'VA_PERMATA', capabilities: { refund: 'none', cancel: true }, expiresInMs: 1_500 });
    const expired = await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED' && x.merchantNotified);
    assert.ok(expired.timeline.some((t) => t.type === 'closing:EXPIRED' && t.source === 'timer'));
    assert.deepEqual(expired.instructions, {});
    assert.equal(saga.providers.charge(p.id)!.cancelRequests, 1);
    assert.equal(saga.providers.charge(p.id)!.status, 'EXPIRED');
    assert.ok(saga.providers.callsOf('getChargeStatus', p.id).length >= 1, 'a final status check after the cancel');
    assert.equal(saga.providers.eventsOf(p.id, 'payment.expired').length, 1);
  });

  it('a payment that lands just before cancellation ends SETTLED, not CANCELLED (final status check)', async () => {
    const p = await start('last-second', { method: 'VA_CIMB', capabilities: { refund: 'none', cancel: true } }, { payWhileCancelling: true });
    const answer = await p.handle.executeUpdate(cancelUpdate, { args: [{ reason: 'customer gave up' }] });
    assert.notEqual(answer.status, 'CANCELLED');
    const done = await saga.waitFor(p.handle, (x) => x.status === 'SETTLED');
    assert.equal(done.amounts.paid, 50_000);
    assert.ok(done.timeline.some((t) => t.type === 'cancel-failed'));
  });

  it('refunds a QRIS payment that lands after expiry, automatically', async () => {
    const p = await start('late-qris-in-process', { expiresInMs: 1_000 });
    await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED');
    saga.providers.pay(p.id);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    const refunded = await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED');
    assert.match(refunded.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(refunded.refunds.length, 1);
    assert.equal(refunded.refunds[0]!.origin, 'auto');
    assert.deepEqual(
      saga.providers.charge(p.id)!.refunds.map((r) => r.amount),
      [50_000],
    );
  });

  it('money paid after the deadline while the close’s cancel is delayed is late money: refunded, never settled', async () => {
    // Chaos run 7's shape: the close had begun (closing:EXPIRED) and its provider call was slow;
    // the customer paid in that gap, the VA still open at the provider. By the provider's paid
    // time the money came after the deadline, so it is late money, whatever bayar learned first.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const p = await start('late-while-closing', { expiresInMs: 1_000 }, { cancelHeldUntil: held });
    await saga.waitFor(p.handle, (x) => x.timeline.some((t) => t.type === 'closing:EXPIRED'));
    await until(() => saga.providers.callsOf('cancelCharge', p.id).length >= 1 || undefined, 15_000);
    const charge = saga.providers.pay(p.id);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000, paidAt: charge.paidAt });
    release();
    const done = await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED' && x.merchantNotified);
    assert.match(done.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(statusEntries(done, 'EXPIRED'), 1);
    assert.equal(statusEntries(done, 'PAID') + statusEntries(done, 'SETTLED'), 0, 'late money never settles');
    assert.ok(done.timeline.some((t) => t.type === 'late-payment' && t.source === 'webhook' && t.detail?.includes('after the deadline')));
    assert.deepEqual(
      saga.providers.charge(p.id)!.refunds.map((r) => r.amount),
      [50_000],
    );
    assert.equal(saga.providers.eventsOf(p.id, 'payment.paid').length, 0);
    assert.equal(saga.providers.eventsOf(p.id, 'payment.expired').length, 1);
  });

  it('money paid before the deadline but first seen by the close’s final check settles (on time by the provider’s clock)', async () => {
    // No poll before the deadline (the schedule's first poll is 10 minutes out) and no webhook:
    // only the close's final check finds the money. The provider stamps it 2 s before the
    // deadline (set, not measured: under load the create alone can outlast a short expiry).
    const p = await start('paid-found-by-close', { expiresInMs: 3_000 });
    saga.providers.pay(p.id).paidAt = new Date(Date.parse(p.input.expiresAt) - 2_000).toISOString();
    const done = await saga.waitFor(p.handle, (x) => x.status === 'SETTLED');
    assert.ok(done.timeline.some((t) => t.type === 'closing:EXPIRED'));
    assert.ok(done.timeline.some((t) => t.type === 'status:PAID' && t.source === 'poll'));
    assert.ok(!done.timeline.some((t) => t.type === 'late-payment'));
    assert.equal(done.paidAt, saga.providers.charge(p.id)!.paidAt, 'paidAt is the provider’s paid time');
  });

  it('finds late money by polling when its notification is lost, and refunds it once', async () => {
    const p = await start('late-no-webhook', { expiresInMs: 1_000, timing: { pollScheduleMs: [300], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } });
    await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED');
    saga.providers.pay(p.id);
    const refunded = await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED');
    assert.match(refunded.statusReason ?? '', /LATE_PAYMENT/);
    assert.ok(refunded.timeline.some((t) => t.type === 'late-payment' && t.source === 'poll'));
    // The lost notification turns up after all: recorded, not refunded a second time.
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    const after = await saga.waitFor(p.handle, (x) => x.timeline.some((t) => t.source === 'webhook' && t.ignored === true));
    assert.equal(after.status, 'REFUNDED');
    assert.equal(after.refunds.length, 1);
    assert.equal(saga.providers.charge(p.id)!.refunds.length, 1);
  });

  it('finds late money by polling after the provider itself expired the charge, notification lost', async () => {
    const p = await start('late-after-provider-expiry', { timing: { pollScheduleMs: [300], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } }, { expiredAtCreate: true });
    const expired = await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED');
    assert.ok(!expired.timeline.some((t) => t.type.startsWith('closing:')), 'the provider expired it, not bayar');
    saga.providers.pay(p.id);
    const refunded = await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED');
    assert.ok(refunded.timeline.some((t) => t.type === 'late-payment' && t.source === 'poll'));
    assert.equal(saga.providers.charge(p.id)!.refunds.length, 1);
  });

  it('flags a late VA payment for review, since virtual accounts cannot be refunded', async () => {
    const p = await start('late-va', { method: 'VA_BNI', capabilities: { refund: 'none', cancel: true }, expiresInMs: 1_000 });
    await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED');
    saga.providers.pay(p.id);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    const review = await saga.waitFor(p.handle, (x) => x.status === 'REVIEW_REQUIRED');
    assert.match(review.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(review.amounts.paid, 50_000);
    await until(() => saga.providers.eventsOf(p.id, 'payment.review_required').length === 1 || undefined, 15_000);
    assert.equal(saga.providers.callsOf('refundPayment', p.id).length, 0);
  });

  // Late money around the deadline, each race window of the close, on a route that cannot refund
  // (Midtrans VA: REVIEW_REQUIRED and the merchant told) and one that can (refunded once). The
  // chaos run's open finding of 2026-12-05 (docs/chaos.md) was a Midtrans VA_PERMATA paid at its
  // deadline that ended EXPIRED, unflagged. Whatever the window, late money must end refunded or
  // flagged, the close must end EXPIRED once, and nothing may settle.
  describe('late money around the deadline', { concurrency: true }, () => {
    const ROUTES = {
      'Midtrans VA_PERMATA': {
        over: { provider: 'midtrans', method: 'VA_PERMATA', amount: 57_000, capabilities: { refund: 'none', cancel: true } },
        // Midtrans answers /expire on a paid charge with 412, which the adapter takes as nothing to cancel.
        behaviour: { cancelQuietWhenPaid: true },
        // settlement_time is whole seconds (src/providers/midtrans/index.ts midtransPaidAt).
        stamp: (ms: number) => Math.floor(ms / 1000) * 1000,
      },
      'Xendit QRIS': {
        over: { provider: 'xendit', method: 'QRIS', amount: 57_000, capabilities: { refund: 'partial', cancel: true } },
        behaviour: {},
        stamp: (ms: number) => ms,
      },
    } satisfies Record<string, { over: Partial<PaymentWorkflowInput>; behaviour: Behaviour; stamp: (ms: number) => number }>;
    type Route = (typeof ROUTES)[keyof typeof ROUTES];
    const deadlineOf = (p: { input: PaymentWorkflowInput }) => Date.parse(p.input.expiresAt);
    const atWallClock = (ms: number) => until(() => Date.now() >= ms || undefined, ms - Date.now() + 15_000, 10);
    const closeStarted = (p: { handle: WorkflowHandle }) => saga.waitFor(p.handle, (x) => x.timeline.some((t) => t.type === 'closing:EXPIRED'));

    /** Late money handled: flagged for a person where the route cannot refund, else refunded once; never settled. */
    async function assertLateMoneyHandled(route: Route, p: { id: string; handle: WorkflowHandle; input: PaymentWorkflowInput }) {
      const refundable = route.over.capabilities.refund !== 'none';
      const done = await saga.waitFor(p.handle, (x) => ['REVIEW_REQUIRED', 'REFUNDED', 'SETTLED'].includes(x.status) && x.merchantNotified, 30_000);
      assert.equal(done.status, refundable ? 'REFUNDED' : 'REVIEW_REQUIRED', `late money ends ${refundable ? 'refunded' : 'flagged'}; timeline: ${JSON.stringify(done.timeline)}`);
      assert.match(done.statusReason ?? '', /LATE_PAYMENT/);
      assert.equal(done.amounts.paid, p.input.amount, 'the money is recorded');
      assert.equal(statusEntries(done, 'EXPIRED'), 1, 'the close ends EXPIRED once');
      assert.equal(statusEntries(done, 'PAID') + statusEntries(done, 'SETTLED'), 0, 'late money never settles');
      assert.ok(done.timeline.some((t) => t.type === 'late-payment'));
      assert.equal(saga.providers.eventsOf(p.id, 'payment.paid').length, 0);
      if (refundable) {
        assert.deepEqual(
          saga.providers.charge(p.id)!.refunds.map((r) => r.amount),
          [p.input.amount],
          'refunded once, in full',
        );
        await until(() => saga.providers.eventsOf(p.id, 'payment.refunded').length === 1 || undefined, 15_000);
      } else {
        assert.equal(saga.providers.callsOf('refundPayment', p.id).length, 0, 'no refund is tried where the provider has none');
        await until(() => saga.providers.eventsOf(p.id, 'payment.review_required').length === 1 || undefined, 15_000);
      }
      return done;
    }

    for (const [name, route] of Object.entries(ROUTES)) {
      const startOn = (path: string, over: Partial<PaymentWorkflowInput> & { expiresInMs?: number } = {}, behaviour: Behaviour = {}) =>
        start(`${path}-${route.over.provider}`, { ...route.over, ...over }, { ...route.behaviour, ...behaviour });

      it(`${name}: stamped in the deadline's last second, its webhook in before the expiry timer fires`, async () => {
        const p = await startOn('late-before-timer', { expiresInMs: 4_000 });
        const deadline = deadlineOf(p);
        await atWallClock(deadline - 400);
        const charge = saga.providers.pay(p.id, undefined, deadline - 300);
        await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: p.input.amount, paidAt: charge.paidAt });
        await assertLateMoneyHandled(route, p);
      });

      it(`${name}: paid just after the deadline while the close's cancel runs, webhook during the close`, async () => {
        let release: () => void = () => undefined;
        const held = new Promise<void>((resolve) => (release = resolve));
        const p = await startOn('late-during-cancel', { expiresInMs: 1_000 }, { cancelHeldUntil: held });
        await closeStarted(p);
        await until(() => saga.providers.callsOf('cancelCharge', p.id).length >= 1 || undefined, 15_000);
        const charge = saga.providers.pay(p.id, undefined, route.stamp(Math.max(Date.now(), deadlineOf(p) + 200)));
        await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: p.input.amount, paidAt: charge.paidAt });
        release();
        await assertLateMoneyHandled(route, p);
      });

      it(`${name}: paid at the deadline while the close's cancel runs, its webhook lost: the final check finds it`, async () => {
        let release: () => void = () => undefined;
        const held = new Promise<void>((resolve) => (release = resolve));
        const p = await startOn('late-found-by-final-check', { expiresInMs: 1_000 }, { cancelHeldUntil: held });
        await closeStarted(p);
        await until(() => saga.providers.callsOf('cancelCharge', p.id).length >= 1 || undefined, 15_000);
        saga.providers.pay(p.id, undefined, route.stamp(deadlineOf(p)));
        release();
        const done = await assertLateMoneyHandled(route, p);
        assert.ok(done.timeline.some((t) => t.type === 'late-payment' && t.source === 'poll'));
      });

      it(`${name}: the provider's cancel finds the charge already paid (paid as the deadline passed)`, async () => {
        const p = await startOn('late-cancel-finds-paid', { expiresInMs: 1_000 }, { payWhileCancelling: true });
        const done = await assertLateMoneyHandled(route, p);
        assert.equal(saga.providers.charge(p.id)!.cancelRequests, 1);
        assert.equal(
          done.timeline.some((t) => t.type === 'cancel-failed'),
          !(route.behaviour as Behaviour).cancelQuietWhenPaid,
          'a refused cancel is on the timeline; a quiet one is not',
        );
      });

      it(`${name}: paid after EXPIRED was recorded, a verified webhook`, async () => {
        const p = await startOn('late-after-expired', { expiresInMs: 1_000 });
        await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED' && x.merchantNotified);
        const charge = saga.providers.pay(p.id, undefined, route.stamp(Date.now()));
        await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: p.input.amount, paidAt: charge.paidAt });
        await assertLateMoneyHandled(route, p);
      });

      it(`${name}: paid after EXPIRED, no webhook ever (lost while bayar was down): only a poll reveals it`, async () => {
        const p = await startOn('late-poll-only', { expiresInMs: 1_000, timing: { pollScheduleMs: [300], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } });
        await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED' && x.merchantNotified);
        saga.providers.pay(p.id, undefined, route.stamp(Date.now()));
        const done = await assertLateMoneyHandled(route, p);
        assert.ok(done.timeline.some((t) => t.type === 'late-payment' && t.source === 'poll'));
        // After a restart that lost the look-up's task, the search resumes within the look-ups'
        // lost-task time, not the minute other calls wait (workflows/payment-context.ts).
        const scheduled = ((await p.handle.fetchHistory()).events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes] : []));
        const waitOf = (type: string) => new Set(scheduled.filter((a) => a.activityType?.name === type).map((a) => Number(a.scheduleToStartTimeout?.seconds ?? 0) * 1000));
        assert.deepEqual([...waitOf('getChargeStatus')], [LOOKUP_LOST_TASK_AFTER_MS]);
        assert.deepEqual([...waitOf('cancelCharge')], [LOST_TASK_AFTER_MS]);
      });

      it(`${name}: paid after EXPIRED while the late-money look-up hangs: its webhook is handled at once`, async () => {
        // After a Temporal restart a look-up's task can be lost (re-dispatched only after
        // LOST_TASK_AFTER_MS) or a provider can hang; a verified notification of the money must
        // not wait behind it (docs/chaos.md, the late-money finding of 2026-12-05).
        const behaviour: Behaviour = {};
        const p = await startOn('late-while-lookup-hangs', { expiresInMs: 1_000, timing: { pollScheduleMs: [300], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } }, behaviour);
        await saga.waitFor(p.handle, (x) => x.status === 'EXPIRED' && x.merchantNotified);
        let release: () => void = () => undefined;
        behaviour.lookupsHeldUntil = new Promise<void>((resolve) => (release = resolve));
        saga.providers.behaviour.set(p.id, { ...route.behaviour, ...behaviour });
        const before = saga.providers.callsOf('getChargeStatus', p.id).length;
        await until(() => saga.providers.callsOf('getChargeStatus', p.id).length > before || undefined, 15_000);
        const charge = saga.providers.pay(p.id, undefined, route.stamp(Date.now()));
        await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: p.input.amount, paidAt: charge.paidAt });
        try {
          const done = await assertLateMoneyHandled(route, p);
          assert.ok(done.timeline.some((t) => t.type === 'late-payment' && t.source === 'webhook'));
        } finally {
          release();
        }
        // The held look-up's answer, when it comes, is one more report of the same money: nothing more happens.
        const after = await saga.waitFor(p.handle, (x) => x.timeline.some((t) => t.source === 'poll' && t.ignored === true && t.detail?.includes('ignored: payment is') === true));
        assert.equal(after.status, route.over.capabilities.refund === 'none' ? 'REVIEW_REQUIRED' : 'REFUNDED');
        assert.equal(saga.providers.charge(p.id)!.refunds.length, route.over.capabilities.refund === 'none' ? 0 : 1, 'refunded at most once');
      });
    }
  });

  it('does not settle a payment whose paid amount differs', async () => {
    const p = await start('amount-mismatch', { amount: 57_000, method: 'VA_BCA', provider: 'midtrans', capabilities: { refund: 'none', cancel: true } });
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    const review = await saga.waitFor(p.handle, (x) => x.status === 'REVIEW_REQUIRED');
    assert.match(review.statusReason ?? '', /AMOUNT_MISMATCH: paid 50000, expected 57000/);
    assert.equal(review.settledAt, undefined);
  });

  it('cancels an unpaid payment at the merchant’s request, once', async () => {
    const p = await start('cancel-in-process', { method: 'RETAIL_ALFAMART', capabilities: { refund: 'none', cancel: true } });
    const cancelled = await p.handle.executeUpdate(cancelUpdate, { args: [{ reason: 'order withdrawn' }] });
    assert.equal(cancelled.status, 'CANCELLED');
    assert.equal(saga.providers.charge(p.id)!.status, 'EXPIRED', 'charge expired at the provider');
    assert.equal(await rejectionOf(p.handle.executeUpdate(cancelUpdate, { args: [{}] })), REJECTION.notCancellable);
    await until(() => saga.providers.eventsOf(p.id, 'payment.cancelled').length === 1 || undefined, 15_000);
  });

  it('refuses a create with the same key but another request (idempotency conflict), and answers a repeat', async () => {
    const p = await start('idempotency');
    assert.equal(await rejectionOf(p.handle.executeUpdate(createOrGetUpdate, { args: [{ requestHash: 'another body' }] })), REJECTION.idempotencyConflict);
    const again = await p.handle.executeUpdate(createOrGetUpdate, { args: [{ requestHash: p.input.requestHash }] });
    assert.equal(again.payment.id, p.id);
    assert.equal(again.creationId, p.input.creationId);
    assert.equal(saga.providers.callsOf('createCharge', p.id).length, 1, 'charged once');
  });

  it('fails over to the next provider when the first refuses the charge outright', async () => {
    const fallback = { provider: 'midtrans' as const, capabilities: { refund: 'partial' as const, cancel: true }, pollScheduleMs: [600_000] };
    const p = await start('failover-in-process', { fallbacks: [fallback] }, { refuseCreate: { at: 'xendit', code: 'CHANNEL_NOT_ACTIVATED' } });
    assert.equal(p.view.provider, 'midtrans');
    assert.match(p.view.timeline.find((t) => t.type === 'provider-failover')?.detail ?? '', /xendit refused .*CHANNEL_NOT_ACTIVATED.*trying midtrans/);
    assert.equal(saga.providers.charge(p.id, 'xendit'), undefined, 'no charge at the provider that refused');
    assert.ok(saga.providers.charge(p.id, 'midtrans'));
    saga.providers.pay(p.id);
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    await saga.waitFor(p.handle, (x) => x.status === 'SETTLED');
  });

  it('fails fast, with the provider’s reason, when the only provider refuses the charge', async () => {
    const p = await start('rejected', { method: 'EWALLET_OVO' }, { refuseCreate: { at: 'xendit', code: 'API_VALIDATION_ERROR' } });
    const failed = await saga.waitFor(p.handle, (x) => x.status === 'FAILED');
    assert.match(failed.statusReason ?? '', /API_VALIDATION_ERROR/);
    assert.equal(failed.timeline.filter((t) => t.type === 'provider-failover').length, 0);
  });

  it('never fails over when the create’s outcome is unknown: the retry finds the charge where it was made', async () => {
    const fallback = { provider: 'midtrans' as const, capabilities: { refund: 'partial' as const, cancel: true }, pollScheduleMs: [600_000] };
    const p = await start('lost-answer-in-process', { fallbacks: [fallback] }, { loseCreateAnswers: 1 });
    assert.equal(p.view.status, 'PENDING');
    assert.equal(p.view.provider, 'xendit');
    assert.equal(saga.providers.callsOf('createCharge', p.id).filter((c) => c.provider === 'midtrans').length, 0, 'never sent to another provider');
    assert.equal(saga.providers.charge(p.id, 'xendit')!.createRequests, 1, 'exactly one charge');
    assert.ok(saga.providers.callsOf('createCharge', p.id).length >= 2, 'the create was retried');
  });

  it('refunds in full, and refuses a second refund of a REFUNDED payment', async () => {
    const p = await settled('refund-full');
    const r = await refund(p.handle, { refundId: 'r-full' });
    assert.equal(r.state, 'SUCCEEDED');
    assert.equal(r.amount, 100_000);
    const after = await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED');
    assert.equal(after.amounts.refundable, 0);
    assert.equal(await rejectionOf(refund(p.handle, { refundId: 'r-more', amount: 1 })), REJECTION.notRefundable);
    await until(() => saga.providers.eventsOf(p.id, 'refund.succeeded').length === 1 || undefined, 15_000);
  });

  it('refunds in parts down to zero', async () => {
    const p = await settled('refund-partial');
    await refund(p.handle, { refundId: 'r-1', amount: 30_000 });
    const part = await saga.waitFor(p.handle, (x) => x.status === 'PARTIALLY_REFUNDED');
    assert.deepEqual(part.amounts, { expected: 100_000, paid: 100_000, refunded: 30_000, refundPending: 0, refundable: 70_000 });
    assert.equal(await rejectionOf(refund(p.handle, { refundId: 'r-2', amount: 70_001 })), REJECTION.refundExceedsRefundable);
    await refund(p.handle, { refundId: 'r-3', amount: 70_000 });
    await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED');
    assert.deepEqual(
      saga.providers.charge(p.id)!.refunds.map((x) => x.amount),
      [30_000, 70_000],
    );
  });

  it('lets exactly one of two concurrent refunds through when together they exceed the payment', async () => {
    const p = await settled('concurrent-refunds-in-process');
    const outcomes = await Promise.allSettled([refund(p.handle, { refundId: 'r-a', amount: 60_000 }), refund(p.handle, { refundId: 'r-b', amount: 60_000 })]);
    assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    assert.equal(await rejectionOf(Promise.reject(refused.reason)), REJECTION.refundExceedsRefundable);
    const after = await saga.waitFor(p.handle, (x) => x.status === 'PARTIALLY_REFUNDED');
    assert.deepEqual(after.amounts, { expected: 100_000, paid: 100_000, refunded: 60_000, refundPending: 0, refundable: 40_000 });
    assert.equal(saga.providers.charge(p.id)!.refunds.length, 1);
  });

  it('refunds once when the same refund request is retried, and refuses the same id with another amount', async () => {
    const p = await settled('refund-retry', { method: 'EWALLET_LINKAJA' });
    const tries = await Promise.all(Array.from({ length: 3 }, () => refund(p.handle, { refundId: 'refund-once-key' })));
    assert.equal(new Set(tries.map((t) => t.providerRefundId)).size, 1);
    assert.equal(saga.providers.callsOf('refundPayment', p.id).length, 1);
    assert.equal((await saga.waitFor(p.handle, (x) => x.status === 'REFUNDED')).refunds.length, 1);
    assert.equal(await rejectionOf(refund(p.handle, { refundId: 'refund-once-key', amount: 5 })), REJECTION.idempotencyConflict);
  });

  it('rejects refunds the provider cannot do before anything is written', async () => {
    const va = await settled('va-refund-in-process', { method: 'VA_BCA', capabilities: { refund: 'none', cancel: true } });
    assert.equal(await rejectionOf(refund(va.handle, { refundId: 'no' })), REJECTION.refundNotSupported);
    const fullOnly = await settled('full-only-refund', { capabilities: { refund: 'full', cancel: true } });
    assert.equal(await rejectionOf(refund(fullOnly.handle, { refundId: 'part', amount: 10 })), REJECTION.partialRefundNotSupported);
    for (const p of [va, fullOnly]) assert.equal((await saga.waitFor(p.handle, () => true)).refunds.length, 0);
    assert.equal(saga.providers.callsOf('refundPayment', va.id).length + saga.providers.callsOf('refundPayment', fullOnly.id).length, 0);
  });

  it('follows a refund the provider accepted as PENDING until it is final', async () => {
    const p = await settled('refund-pending-in-process', { timing: { pollScheduleMs: [300], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } }, { pendingRefunds: ['PENDING', 'SUCCEEDED'] });
    const accepted = await refund(p.handle, { refundId: 'r-pending', amount: 40_000 });
    assert.equal(accepted.state, 'PENDING');
    const accounted = await saga.waitFor(p.handle, (x) => x.refunds[0]?.state === 'PENDING');
    assert.equal(accounted.amounts.refundPending, 40_000);
    assert.equal(accounted.amounts.refundable, 60_000, 'a pending refund is already taken off');
    const done = await saga.waitFor(p.handle, (x) => x.refunds[0]?.state === 'SUCCEEDED');
    assert.equal(done.status, 'PARTIALLY_REFUNDED');
    assert.equal(saga.providers.callsOf('getRefundStatus', p.id).length, 2);
    await until(() => saga.providers.eventsOf(p.id, 'refund.succeeded').length === 1 || undefined, 15_000);
  });

  it('asks a person when a PENDING refund cannot be looked up', async () => {
    const p = await settled(
      'refund-unconfirmed',
      { timing: { pollScheduleMs: [300], refundWindowMs: 120_000, merchantNotifyTimeoutMs: 10_000 } },
      { pendingRefunds: ['PENDING'], noRefundLookup: true },
    );
    await refund(p.handle, { refundId: 'r-lost', amount: 10_000 });
    const review = await saga.waitFor(p.handle, (x) => x.status === 'REVIEW_REQUIRED');
    assert.match(review.statusReason ?? '', /REFUND_UNCONFIRMED: r-lost/);
  });

  it('takes a verified "failed" after payment as a reversal: review, and the merchant told once', async () => {
    const p = await settled('reversal');
    await saga.webhook(p.handle, { chargeStatus: 'FAILED', providerStatus: 'deny' });
    const review = await saga.waitFor(p.handle, (x) => x.status === 'REVIEW_REQUIRED');
    assert.match(review.statusReason ?? '', /REVERSED/);
    assert.equal(review.amounts.refundable, 0);
    await until(() => saga.providers.eventsOf(p.id, 'payment.reversed').length === 1 || undefined, 15_000);
  });

  it('counts refunds made at the provider without bayar, once, and asks a person about more than was paid', async () => {
    const p = await settled('provider-refunds-in-process');
    // A signed notification with the amounts (a dashboard refund).
    await saga.webhook(p.handle, {
      chargeStatus: 'PAID',
      providerStatus: 'partial_refund',
      paidAmount: 100_000,
      providerRefunds: { total: 20_000, refunds: [{ providerRefundId: 'dash-1', amount: 20_000 }] },
    });
    const part = await saga.waitFor(p.handle, (x) => x.status === 'PARTIALLY_REFUNDED');
    assert.deepEqual(
      part.refunds.map((r) => [r.origin, r.amount, r.providerRefundId]),
      [['provider', 20_000, 'dash-1']],
    );
    // An unsigned claim of another refund: the look-up finds it (the provider's answer counts).
    saga.providers.charge(p.id)!.providerRefunds = {
      total: 50_000,
      refunds: [
        { providerRefundId: 'dash-1', amount: 20_000 },
        { providerRefundId: 'dash-2', amount: 30_000 },
      ],
    };
    await saga.webhook(p.handle, { chargeStatus: 'REFUNDED', wakeOnly: true });
    const more = await saga.waitFor(p.handle, (x) => x.amounts.refunded === 50_000);
    assert.equal(more.refunds.length, 2);
    await until(() => saga.providers.eventsOf(p.id, 'refund.succeeded').length === 2 || undefined, 15_000);
    // More refunded than was paid cannot be booked.
    await saga.webhook(p.handle, { chargeStatus: 'PAID', providerStatus: 'refund', paidAmount: 100_000, providerRefunds: { total: 150_000 } });
    const review = await saga.waitFor(p.handle, (x) => x.status === 'REVIEW_REQUIRED');
    assert.match(review.statusReason ?? '', /PROVIDER_OVER_REFUND/);
  });

  it('ends when the refund window closes, returning its final view', async () => {
    const p = await start('window-ends', { timing: { pollScheduleMs: [600_000], refundWindowMs: 1_000, merchantNotifyTimeoutMs: 10_000 } });
    await saga.webhook(p.handle, { chargeStatus: 'PAID', paidAmount: 50_000 });
    const final = (await p.handle.result()) as PaymentView;
    assert.equal(final.status, 'SETTLED');
    assert.equal(final.merchantNotified, true, 'the merchant events were sent before the workflow ended');
  });
});
