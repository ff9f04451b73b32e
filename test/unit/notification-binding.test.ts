// The notification binding in PaymentState: only the provider that holds a payment moves it, and a
// notification must name the charge the provider gave that payment. Property-based: random
// providers, payments and references never apply unless they are the payment's own, whatever
// state the payment is in, and what is refused or repeated costs a counter, never a timeline line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChargeStatus, ProviderEvent, ProviderName } from '../../src/domain/payment.js';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { paymentInput } from '../helpers/payment-input.js';
import type { PaymentWorkflowInput } from '../../workflows/definitions.js';
import { PaymentState } from '../../workflows/payment-state.js';

const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const AMOUNT = 100_000;
const STATUSES: ChargeStatus[] = ['PENDING', 'PAID', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'];

function input(provider: ProviderName, paymentId: string): PaymentWorkflowInput {
  return paymentInput(T0, AMOUNT, { paymentId, merchantReference: `order-${paymentId}`, provider, description: 'binding' });
}

/** A payment held by `provider` under charge reference `reference`, in one of the states a notification can meet. */
function paymentIn(phase: 'pending' | 'settled' | 'expired', provider: ProviderName, reference: string): PaymentState {
  const state = new PaymentState(input(provider, `pay_${reference}`));
  state.chargeCreated(T0, { providerReference: reference, instructions: { qrString: 'QR' } });
  if (phase === 'settled') {
    state.apply(T0 + 1, { provider, eventId: 'own-paid', source: 'webhook', chargeStatus: 'PAID', paidAmount: AMOUNT, providerReference: reference, providerStatus: 'PAID' });
    state.setStatus(T0 + 2, 'SETTLED', 'workflow');
  }
  if (phase === 'expired') state.apply(T0 + 1, { provider, eventId: 'own-expired', source: 'poll', chargeStatus: 'EXPIRED', providerReference: reference, providerStatus: 'EXPIRED' });
  return state;
}

/** Everything an event could change, apart from the counters. */
function snapshot(state: PaymentState) {
  const { notifications: _counters, ...rest } = state.view();
  return { view: rest, late: [...state.latePayments], wake: state.wakePending, reference: state.providerReference };
}

const reference = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
const provider = fc.constantFrom(...PROVIDER_NAMES);

const eventArb = (ref: fc.Arbitrary<string | undefined>, prov: fc.Arbitrary<ProviderName>, source: fc.Arbitrary<'webhook' | 'poll'>) =>
  fc.record({
    provider: prov,
    providerReference: ref,
    eventId: fc.string({ minLength: 1, maxLength: 30 }),
    source,
    chargeStatus: fc.constantFrom(...STATUSES),
    paidAmount: fc.option(fc.integer({ min: 0, max: 10 * AMOUNT }), { nil: undefined }),
    wakeOnly: fc.option(fc.boolean(), { nil: undefined }),
    providerStatus: fc.constant('FUZZ'),
    instructions: fc.option(fc.constant({ payUrl: 'https://attacker.example/' }), { nil: undefined }),
  }) as fc.Arbitrary<ProviderEvent>;

describe('notification binding (property-based)', () => {
  it('events from any provider but the holder never change the payment, from any source, in any state', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('pending', 'settled', 'expired' as const),
        provider,
        reference,
        fc.array(fc.tuple(provider, fc.option(reference, { nil: undefined }), fc.constantFrom('webhook', 'poll' as const))),
        (phase, holder, ref, specs) => {
          const state = paymentIn(phase, holder, ref);
          const before = snapshot(state);
          let refused = 0;
          for (const [prov, evRef, source] of specs) {
            if (prov === holder) continue;
            state.apply(T0 + 10, { provider: prov, providerReference: evRef ?? ref, eventId: `x-${prov}-${evRef}`, source, chargeStatus: 'PAID', paidAmount: AMOUNT, providerStatus: 'PAID' });
            refused += 1;
          }
          assert.deepEqual(snapshot(state), before);
          assert.equal(state.view().notifications.refused, refused);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("the holder's notifications naming another charge (or none) never change the payment", () => {
    fc.assert(
      fc.property(
        fc.constantFrom('pending', 'settled', 'expired' as const),
        provider,
        reference,
        fc.array(eventArb(fc.option(reference, { nil: undefined }), fc.constant<ProviderName>('xendit'), fc.constant('webhook')), { maxLength: 30 }),
        (phase, holder, ref, events) => {
          const state = paymentIn(phase, holder, ref);
          const before = snapshot(state);
          let refused = 0;
          for (const e of events) {
            if (e.providerReference === ref) continue;
            state.apply(T0 + 10, { ...e, provider: holder });
            refused += 1;
          }
          assert.deepEqual(snapshot(state), before);
          assert.equal(state.view().notifications.refused, refused);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a notification for payment A is refused by payment B, however it is replayed', () => {
    fc.assert(
      fc.property(
        provider,
        reference,
        reference,
        eventArb(fc.constant(undefined), fc.constant<ProviderName>('xendit'), fc.constant('webhook')),
        fc.integer({ min: 1, max: 20 }),
        (prov, refA, refB, e, copies) => {
          fc.pre(refA !== refB);
          const a = paymentIn('pending', prov, refA);
          const b = paymentIn('pending', prov, refB);
          const forA: ProviderEvent = { ...e, provider: prov, providerReference: refA, wakeOnly: undefined, chargeStatus: 'PAID', paidAmount: AMOUNT };
          const before = snapshot(b);
          for (let i = 0; i < copies; i++) b.apply(T0 + 10 + i, forA);
          a.apply(T0 + 10, forA);
          assert.deepEqual(snapshot(b), before);
          assert.equal(b.view().notifications.refused, copies);
          assert.equal(a.status, 'PAID', 'the same notification is good for A');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an unsigned (wake-only) notification never changes the payment itself, it only asks for a look-up', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('pending', 'settled', 'expired' as const),
        provider,
        reference,
        fc.array(eventArb(fc.constant(undefined), fc.constant<ProviderName>('xendit'), fc.constant('webhook')), { minLength: 1, maxLength: 30 }),
        (phase, holder, ref, events) => {
          const state = paymentIn(phase, holder, ref);
          const { wake: _wake, ...before } = snapshot(state);
          for (const e of events) state.apply(T0 + 10, { ...e, provider: holder, providerReference: ref, wakeOnly: true });
          const { wake, ...after } = snapshot(state);
          assert.deepEqual(after, before);
          assert.equal(
            wake,
            events.some((e) => e.chargeStatus !== 'PENDING'),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bound events still apply: the holder, naming its charge, moves a pending payment', () => {
    fc.assert(
      fc.property(provider, reference, fc.constantFrom('webhook', 'poll' as const), (holder, ref, source) => {
        const state = paymentIn('pending', holder, ref);
        state.apply(T0 + 10, { provider: holder, providerReference: ref, eventId: 'paid', source, chargeStatus: 'PAID', paidAmount: AMOUNT, providerStatus: 'PAID' });
        assert.equal(state.status, 'PAID');
        assert.equal(state.view().notifications.refused, 0);
      }),
      { numRuns: 50 },
    );
  });

  it('polls (bayar asking the provider itself) teach the payment more of its references', () => {
    const state = paymentIn('pending', 'indodana', 'order-1');
    state.apply(T0 + 1, { provider: 'indodana', eventId: 'poll:x', source: 'poll', chargeStatus: 'PENDING', providerReference: 'txn-1', providerStatus: 'AWAITING' });
    state.apply(T0 + 2, { provider: 'indodana', eventId: 'wh', source: 'webhook', chargeStatus: 'PAID', paidAmount: AMOUNT, providerReference: 'txn-1', providerStatus: 'PAID' });
    assert.equal(state.status, 'PAID');
  });

  it('200 copies of one notification leave the timeline as one copy did', () => {
    const state = paymentIn('pending', 'midtrans', 'tx-1');
    const paid: ProviderEvent = { provider: 'midtrans', eventId: 'order:200:1', source: 'webhook', chargeStatus: 'PAID', paidAmount: AMOUNT, providerReference: 'tx-1', providerStatus: 'settlement' };
    state.apply(T0 + 1, paid);
    const lines = state.view().timeline.length;
    for (let i = 0; i < 200; i++) state.apply(T0 + 2 + i, paid);
    assert.equal(state.view().timeline.length, lines);
    assert.equal(state.view().notifications.duplicates, 200);
  });
});

describe('a reversal of a paid payment (issue #12 item 5)', () => {
  const deny = (provider: ProviderName, reference: string, source: 'webhook' | 'poll' = 'webhook'): ProviderEvent => ({
    provider,
    eventId: `deny-${source}`,
    source,
    chargeStatus: 'FAILED',
    providerReference: reference,
    providerStatus: 'deny',
  });

  it('a verified FAILED after settlement is a visible state: REVIEW_REQUIRED, nothing refundable, the merchant to be told', () => {
    for (const source of ['webhook', 'poll'] as const) {
      const state = paymentIn('settled', 'midtrans', 'tx-9');
      assert.equal(state.refundable, AMOUNT);
      state.apply(T0 + 10, deny('midtrans', 'tx-9', source));
      assert.equal(state.status, 'REVIEW_REQUIRED');
      assert.match(state.statusReason ?? '', /^REVERSED: midtrans reported deny/);
      assert.equal(state.refundable, 0);
      assert.equal(state.reversalToNotify, true);
    }
  });

  it('an unsigned (wake-only) or unbound FAILED never reverses a payment', () => {
    const state = paymentIn('settled', 'xendit', 'pr-1');
    state.apply(T0 + 10, { ...deny('xendit', 'pr-1'), wakeOnly: true });
    state.apply(T0 + 11, deny('xendit', 'pr-other'));
    state.apply(T0 + 12, deny('midtrans', 'pr-1'));
    assert.equal(state.status, 'SETTLED');
    assert.equal(state.reversalToNotify, false);
  });
});
