// The circuit state machine of health-aware routing (src/providers/circuit.ts), on a fake clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CircuitBreakers, type CircuitOutcome, type CircuitState } from '../../src/providers/circuit.js';

function breakers(threshold = 3, openForMs = 1_000) {
  const clock = { now: 0 };
  const transitions: CircuitState[] = [];
  const b = new CircuitBreakers({ threshold, openForMs }, () => clock.now);
  b.onTransition((_p, _m, to) => transitions.push(to));
  return { b, clock, transitions };
}

describe('circuit breakers', () => {
  it('opens after the threshold of consecutive non-definite failures, and only then', () => {
    const { b, transitions } = breakers(3);
    b.record('xendit', 'QRIS', 'failure', 'HTTP 503');
    b.record('xendit', 'QRIS', 'failure', 'HTTP 503');
    assert.equal(b.state('xendit', 'QRIS'), 'closed');
    assert.equal(b.accepts('xendit', 'QRIS'), true);
    b.record('xendit', 'QRIS', 'failure', 'timeout');
    assert.equal(b.state('xendit', 'QRIS'), 'open');
    assert.equal(b.accepts('xendit', 'QRIS'), false);
    assert.deepEqual(transitions, ['open']);
    const view = b.views().find((v) => v.provider === 'xendit' && v.method === 'QRIS')!;
    assert.equal(view.lastFailure, 'timeout');
    assert.equal(view.probeAt, new Date(1_000).toISOString());
    // Per provider and method: the others are untouched.
    assert.equal(b.accepts('xendit', 'VA_BCA'), true);
    assert.equal(b.accepts('midtrans', 'QRIS'), true);
  });

  it('keeps no payment id or call path in the failure every merchant can read', () => {
    const { b } = breakers(1);
    b.record('midtrans', 'QRIS', 'failure', 'midtrans: GET /v2/pay_0123456789abcdef01234567/status failed (TIMEOUT)');
    b.record('xendit', 'QRIS', 'failure', 'xendit create: 409 DUPLICATE but no charge found for pay_0123456789abcdef01234567 yet');
    const failures = b.views().map((v) => v.lastFailure!);
    assert.deepEqual(failures, ['midtrans: GET <path> failed (TIMEOUT)', 'xendit create: 409 DUPLICATE but no charge found for <id> yet']);
  });

  it('a success or a definite refusal resets the count', () => {
    for (const reset of ['success', 'refused'] as const) {
      const { b } = breakers(3);
      b.record('doku', 'VA_BNI', 'failure');
      b.record('doku', 'VA_BNI', 'failure');
      b.record('doku', 'VA_BNI', reset);
      b.record('doku', 'VA_BNI', 'failure');
      b.record('doku', 'VA_BNI', 'failure');
      assert.equal(b.state('doku', 'VA_BNI'), 'closed', `${reset} reset the count`);
      b.record('doku', 'VA_BNI', 'failure');
      assert.equal(b.state('doku', 'VA_BNI'), 'open');
    }
  });

  it('after the open period lets exactly one probe through; its success closes the circuit', () => {
    const { b, clock, transitions } = breakers(1, 1_000);
    b.record('xendit', 'QRIS', 'failure');
    clock.now = 999;
    assert.equal(b.accepts('xendit', 'QRIS'), false, 'still open');
    assert.deepEqual(b.admit('xendit', 'QRIS'), { probe: false });
    clock.now = 1_000;
    assert.equal(b.accepts('xendit', 'QRIS'), true, 'probe due');
    assert.deepEqual(b.admit('xendit', 'QRIS'), { probe: true });
    assert.equal(b.state('xendit', 'QRIS'), 'half-open');
    assert.equal(b.accepts('xendit', 'QRIS'), false, 'one probe only: the next payments still route around');
    // An old payment's success while open does not count; here the probe answers.
    b.record('xendit', 'QRIS', 'success');
    assert.equal(b.state('xendit', 'QRIS'), 'closed');
    assert.equal(b.accepts('xendit', 'QRIS'), true);
    assert.deepEqual(transitions, ['open', 'half-open', 'closed']);
  });

  it('a failed probe reopens the circuit for another open period', () => {
    const { b, clock, transitions } = breakers(2, 1_000);
    b.record('midtrans', 'QRIS', 'failure');
    b.record('midtrans', 'QRIS', 'failure');
    clock.now = 1_500;
    b.admit('midtrans', 'QRIS');
    b.record('midtrans', 'QRIS', 'failure', 'still 503');
    assert.equal(b.state('midtrans', 'QRIS'), 'open');
    clock.now = 2_499;
    assert.equal(b.accepts('midtrans', 'QRIS'), false, 'the new open period counts from the failed probe');
    clock.now = 2_500;
    assert.equal(b.accepts('midtrans', 'QRIS'), true);
    assert.deepEqual(transitions, ['open', 'half-open', 'open']);
  });

  it('a probe whose outcome never comes back is replaced after another open period', () => {
    const { b, clock } = breakers(1, 1_000);
    b.record('doku', 'QRIS', 'failure');
    clock.now = 1_000;
    assert.equal(b.admit('doku', 'QRIS').probe, true);
    clock.now = 1_999;
    assert.equal(b.accepts('doku', 'QRIS'), false);
    clock.now = 2_000;
    assert.equal(b.admit('doku', 'QRIS').probe, true, 'a new probe');
  });

  it('matches a reference model for any sequence of outcomes, admissions and clock steps', () => {
    type Step = { kind: 'record'; outcome: CircuitOutcome } | { kind: 'admit' } | { kind: 'tick'; ms: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.constantFrom<CircuitOutcome>('success', 'refused', 'failure', 'failure').map((outcome) => ({ kind: 'record' as const, outcome })),
      fc.constant({ kind: 'admit' as const }),
      fc.integer({ min: 0, max: 1_500 }).map((ms) => ({ kind: 'tick' as const, ms })),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 80 }), (threshold, steps) => {
        const openForMs = 1_000;
        const { b, clock } = breakers(threshold, openForMs);
        // The model: the rules as docs/routing.md states them.
        let state: CircuitState = 'closed';
        let failures = 0;
        let openedAt = 0;
        let probeAt: number | undefined;
        for (const s of steps) {
          if (s.kind === 'tick') clock.now += s.ms;
          else if (s.kind === 'admit') {
            const due: boolean = state === 'open' ? clock.now >= openedAt + openForMs : state === 'half-open' ? probeAt === undefined || clock.now >= probeAt + openForMs : false;
            const { probe } = b.admit('xendit', 'QRIS');
            assert.equal(probe, due);
            if (due) {
              state = 'half-open';
              probeAt = clock.now;
            }
          } else if (s.outcome === 'failure') {
            failures += 1;
            b.record('xendit', 'QRIS', 'failure');
            if (state === 'half-open' || (state === 'closed' && failures >= threshold)) {
              state = 'open';
              openedAt = clock.now;
              probeAt = undefined;
            }
          } else {
            failures = 0;
            b.record('xendit', 'QRIS', s.outcome);
            if (state === 'half-open') state = 'closed';
          }
          assert.equal(b.state('xendit', 'QRIS'), state);
          const open: boolean = state === 'open' && clock.now < openedAt + openForMs;
          const probing: boolean = state === 'half-open' && probeAt !== undefined && clock.now < probeAt + openForMs;
          assert.equal(b.accepts('xendit', 'QRIS'), !open && !probing);
        }
      }),
      { numRuns: 500 },
    );
  });
});
