// Health-aware routing on the real stack: a failing provider's circuit opens after N failed
// creates, new payments route around it (timeline, GET /v1/providers, /metrics), a half-open probe
// closes it after recovery, and a create whose outcome is unknown is never re-sent elsewhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { eventually } from '../helpers/wait.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView } from '../../src/domain/payment.js';
import type { CircuitView } from '../../src/providers/circuit.js';

const XENDIT = SANDBOX_PORT_OFFSETS.xendit;
const MIDTRANS = SANDBOX_PORT_OFFSETS.midtrans;
const THRESHOLD = 3;

describe('health-aware routing (real Temporal, real sandboxes)', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startTestStack({
      env: {
        BAYAR_ROUTING: 'QRIS=xendit|midtrans',
        BAYAR_CIRCUIT_THRESHOLD: String(THRESHOLD),
        BAYAR_CIRCUIT_OPEN_FOR: '5s',
        // A failing create shows within the wait (first attempt fails, Temporal retries it).
        BAYAR_CREATE_WAIT: '2s',
        BAYAR_PROVIDER_TIMEOUT: '1s',
        BAYAR_POLL_SCHEDULE: '2s',
      },
    });
  });
  after(async () => {
    await stack?.sandbox('POST', '/_sandbox/faults', {}, XENDIT);
    await stack?.stop();
  });

  const circuit = async (provider: string, method: string): Promise<CircuitView> => {
    const res = await stack.api('GET', '/v1/providers');
    assert.equal(res.status, 200, res.text);
    return (res.json as { circuits: CircuitView[] }).circuits.find((c) => c.provider === provider && c.method === method)!;
  };
  const qris = (ref: string) => stack.createPayment({ merchantReference: uniqueRef(ref), amount: 50_000, method: 'QRIS' });

  /** Creates payments at a failing xendit until its QRIS circuit opens; returns them. */
  async function openXenditCircuit(): Promise<PaymentView[]> {
    const failing: PaymentView[] = [];
    for (let i = 0; i < THRESHOLD; i++) failing.push(await qris('failing'));
    for (const p of failing) assert.equal(p.provider, 'xendit', 'sent to the first provider on the route while its circuit was closed');
    const opened = await eventually(
      () => circuit('xendit', 'QRIS'),
      (c) => c.state === 'open',
      15_000,
    );
    assert.equal(opened.state, 'open', JSON.stringify(opened));
    return failing;
  }

  /** Payments whose create failed at xendit stay there: no charge, no failover, anywhere else. */
  async function assertNeverResent(payments: PaymentView[]): Promise<void> {
    for (const p of payments) {
      const view = await stack.payment(p.id);
      assert.equal(view.provider, 'xendit', `${p.id} keeps its provider`);
      assert.equal(view.timeline.filter((t) => t.type === 'provider-failover').length, 0);
      assert.equal((await stack.charges(p.id, MIDTRANS)).length, 0, `${p.id} was never sent to midtrans`);
    }
  }

  it('opens after N failing creates (5xx), routes new payments around it, and a half-open probe closes it', async () => {
    assert.equal((await circuit('xendit', 'QRIS')).state, 'closed');
    const failing = await stack.withFaults(
      { errorRate: 1 },
      async () => {
        const failing = await openXenditCircuit();
        const view = await circuit('xendit', 'QRIS');
        assert.match(view.lastFailure ?? '', /503|SERVER_ERROR/);
        assert.equal(view.consecutiveFailures, THRESHOLD);

        const routed = await qris('around');
        const pending = await stack.waitFor(routed.id, (p) => p.status === 'PENDING');
        assert.equal(pending.provider, 'midtrans', 'a new payment goes to the next live provider');
        const around = pending.timeline.find((t) => t.type === 'routed-around');
        assert.match(around?.detail ?? '', /^xendit: circuit open: .*503/);
        assert.equal((await stack.charges(routed.id, XENDIT)).length, 0, 'nothing sent to the failing provider');

        // A merchant who names the provider gets it, open circuit or not.
        const named = await stack.createPayment({ merchantReference: uniqueRef('named'), amount: 50_000, method: 'QRIS', provider: 'xendit' });
        assert.equal(named.provider, 'xendit');
        assert.equal(named.timeline.filter((t) => t.type === 'routed-around').length, 0);
        failing.push(named);

        const metrics = await stack.api('GET', '/metrics');
        assert.match(metrics.text, /bayar_provider_circuit_state\{provider="xendit",method="QRIS",state="open"\} 1/);
        assert.match(metrics.text, /bayar_provider_circuit_transitions_total\{provider="xendit",method="QRIS",state="open"\} 1/);
        await assertNeverResent(failing);
        return failing;
      },
      XENDIT,
    );

    // Fault off. Until the open period is over new payments still go around; then one probe goes.
    const due = await circuit('xendit', 'QRIS');
    await eventually(
      async () => Date.now(),
      (now) => now >= Date.parse(due.probeAt!),
      10_000,
    );
    const probe = await qris('probe');
    assert.equal(probe.provider, 'xendit', 'the probe goes to the recovering provider');
    assert.equal(probe.timeline.filter((t) => t.type === 'routed-around').length, 0);
    const closed = await eventually(
      () => circuit('xendit', 'QRIS'),
      (c) => c.state === 'closed',
      15_000,
    );
    assert.equal(closed.state, 'closed');
    assert.equal(closed.consecutiveFailures, 0);
    const next = await qris('after');
    assert.equal(next.provider, 'xendit', 'routing is back to normal');

    // The payments that hit the 5xx were retried where they were, and got their charge there.
    for (const p of failing) {
      const recovered = await stack.waitFor(p.id, (v) => v.status === 'PENDING', 60_000);
      assert.equal(recovered.provider, 'xendit');
      assert.equal((await stack.charges(p.id, XENDIT)).length, 1);
    }
    await assertNeverResent(failing);
    const metrics = await stack.api('GET', '/metrics');
    assert.match(metrics.text, /bayar_provider_circuit_state\{provider="xendit",method="QRIS",state="closed"\} 1/);
    assert.match(metrics.text, /bayar_provider_circuit_transitions_total\{provider="xendit",method="QRIS",state="half-open"\} 1/);
  });

  it('a create that timed out (outcome unknown) is never re-sent to another provider, though the circuit opens', async () => {
    const unknown = await stack.withFaults(
      { timeoutRate: 1 },
      async () => {
        const unknown = await openXenditCircuit();
        assert.match((await circuit('xendit', 'QRIS')).lastFailure ?? '', /TIMEOUT|failed/);
        const routed = await qris('around-timeout');
        assert.equal((await stack.waitFor(routed.id, (p) => p.status === 'PENDING')).provider, 'midtrans');
        // The timed-out creates did reach xendit (the fault does the work, then never answers).
        for (const p of unknown) assert.equal((await stack.charges(p.id, XENDIT)).length, 1, `${p.id}'s charge exists at xendit`);
        await assertNeverResent(unknown);
        return unknown;
      },
      XENDIT,
    );
    // Once xendit answers again, each is found where it was made (looked up, not created again).
    for (const p of unknown) {
      const found = await stack.waitFor(p.id, (v) => v.status === 'PENDING', 60_000);
      assert.equal(found.provider, 'xendit');
      const charges = await stack.charges(p.id, XENDIT);
      assert.equal(charges.length, 1);
      assert.equal(charges[0]!.createRequests, 1, 'created once, then looked up');
    }
    await assertNeverResent(unknown);
  });
});
