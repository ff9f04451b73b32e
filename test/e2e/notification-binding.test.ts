// Notifications are bound to their payment and to the provider that holds it (issue #11, items
// 1, 2 and 6), on the real stack. Each attack was a working exploit on main:
// - cross-provider: every provider's scheme, validly signed with its (development) secret, aimed
//   at a payment another provider holds — never applied, whether the API refuses it before
//   signalling or (signalled straight to the workflow) the workflow refuses it;
// - cross-payment: a valid notification for payment A resent with payment B's id, per provider —
//   B does not move;
// - replays: 200 copies of one genuine notification leave the timeline and the history bounded;
// - verify-by-fetch: a Xendit or Indodana notification claiming PAID while the provider (sandbox)
//   says PENDING does not settle, and a genuine one settles by the provider's own answer.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHash, createHmac, createPrivateKey, privateEncrypt, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { startMerchantReceiver, acquireTestStack, releaseTestStack, uniqueRef, type TestStack } from '../helpers/stack.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY } from '../../src/providers/aggregator/sandbox/dev-keys.js';
import type { PaymentMethod, PaymentView, ProviderEvent, ProviderName } from '../../src/domain/payment.js';
import { signCallback } from '../../src/providers/ecommpay/signature.js';
import { indodanaOrderId } from '../../src/providers/indodana/capabilities.js';
import { paymentQuery, providerEventSignal } from '../../workflows/definitions.js';

const WAIT_MS = 30_000;
const AMOUNT = 60_000;
/**
 * The providers whose signing schemes this file restates from their published formulas (an oracle
 * independent of the adapters). A new provider is not listed by default: the conformance suite
 * covers it from its descriptor, and its author adds its scheme here to have it attacked too.
 */
const COVERED = ['xendit', 'midtrans', 'doku', 'ecommpay', 'indodana', 'aggregator'] as const satisfies readonly ProviderName[];
type Covered = (typeof COVERED)[number];
/** A method each provider offers, to hold a payment there. */
const METHOD: Record<Covered, PaymentMethod> = {
  xendit: 'QRIS',
  midtrans: 'VA_BCA',
  doku: 'VA_MANDIRI',
  ecommpay: 'VA_BNI',
  indodana: 'QRIS',
  aggregator: 'VA_BCA',
};
/** What the webhook answers a verified notification it will not apply (see webhooks.controller.ts). */
const REFUSAL_STATUS: Record<Covered, number> = { xendit: 409, midtrans: 409, doku: 409, aggregator: 409, ecommpay: 200, indodana: 200 };

// ---- each provider's scheme, restated from its published formula, with the development secrets ----

interface Notification {
  headers: Record<string, string>;
  body: string;
}

/** A notification saying: payment `paymentId` (provider reference `reference`) is paid `amount`. */
const PAID_NOTICE: Record<Covered, (paymentId: string, amount: number, reference: string) => Notification> = {
  xendit: (paymentId, amount, reference) => ({
    headers: { 'content-type': 'application/json', 'x-callback-token': DEV_DEFAULTS.xendit.callbackToken, 'webhook-id': `whk-${randomBytes(8).toString('hex')}` },
    body: JSON.stringify({
      event: 'payment.succeeded',
      created: new Date().toISOString(),
      data: { id: `py-${randomUUID()}`, payment_request_id: reference, reference_id: paymentId, status: 'SUCCEEDED', amount, currency: 'IDR' },
    }),
  }),
  midtrans: (paymentId, amount, reference) => {
    const gross = `${amount}.00`;
    const signature_key = createHash('sha512').update(`${paymentId}200${gross}${DEV_DEFAULTS.midtrans.serverKey}`).digest('hex');
    return {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        order_id: paymentId,
        status_code: '200',
        gross_amount: gross,
        transaction_status: 'settlement',
        fraud_status: 'accept',
        transaction_id: reference,
        currency: 'IDR',
        signature_key,
      }),
    };
  },
  doku: (paymentId, amount, reference) => {
    const body = JSON.stringify({
      channel: { id: 'VIRTUAL_ACCOUNT_BANK_MANDIRI' },
      transaction: { status: 'SUCCESS', date: new Date().toISOString().slice(0, 19) + 'Z', original_request_id: reference },
      order: { invoice_number: paymentId, amount },
    });
    const requestId = randomUUID();
    const timestamp = new Date().toISOString().slice(0, 19) + 'Z';
    const digest = createHash('sha256').update(body).digest('base64');
    const text = `Client-Id:${DEV_DEFAULTS.doku.clientId}\nRequest-Id:${requestId}\nRequest-Timestamp:${timestamp}\nRequest-Target:/webhooks/doku\nDigest:${digest}`;
    const signature = 'HMACSHA256=' + createHmac('sha256', DEV_DEFAULTS.doku.secretKey).update(text).digest('base64');
    return { headers: { 'content-type': 'application/json', 'client-id': DEV_DEFAULTS.doku.clientId, 'request-id': requestId, 'request-timestamp': timestamp, signature }, body };
  },
  // ecommpay names the payment by bayar's own payment id; the whole callback is signed.
  ecommpay: (paymentId, amount) => {
    const sum = { amount: amount * 100, currency: 'IDR' };
    const callback = signCallback(
      {
        project_id: DEV_DEFAULTS.ecommpay.projectId,
        payment: { id: paymentId, type: 'purchase', status: 'success', sum },
        operation: { id: Date.now(), type: 'sale', status: 'success', code: '0', sum_initial: sum },
      },
      DEV_DEFAULTS.ecommpay.secretKey,
    );
    return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(callback) };
  },
  indodana: (paymentId, amount, reference) => {
    const nonce = Math.floor(Date.now() / 1000);
    const { apiKey, secretKey } = DEV_DEFAULTS.indodana;
    const signature = createHmac('sha256', secretKey).update(`${apiKey}:${nonce}`).digest('hex');
    return {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}:${nonce}:${signature}` },
      body: JSON.stringify({ transactionStatus: 'PAID', merchantOrderId: indodanaOrderId(paymentId), amount, transactionId: reference, transactionTime: new Date().toISOString() }),
    };
  },
  aggregator: (paymentId, amount, reference) => {
    const fields: Record<string, string> = { code: '00', method: 'VA', msg: 'SUCCESS', orderNum: paymentId, platOrderNum: reference, payMoney: String(amount), payFee: '0' };
    return {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, platSign: platSign(fields, createPrivateKey(DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY)) }).toString(),
    };
  },
};

/** The aggregator's platform signature: RSA private-key "encryption" of the sorted values, in 117-byte blocks. */
function platSign(fields: Record<string, string>, key: KeyObject): string {
  const data = Buffer.from(
    Object.keys(fields)
      .sort()
      .map((k) => fields[k])
      .join(''),
    'utf8',
  );
  const blocks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 117) blocks.push(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, data.subarray(i, i + 117)));
  return Buffer.concat(blocks).toString('base64');
}

function notice(provider: Covered, paymentId: string, amount: number, reference: string): Notification {
  return PAID_NOTICE[provider](paymentId, amount, reference);
}

describe('notifications bound to their payment and provider (real stack)', () => {
  let stack: TestStack;
  let temporal: Client;
  let merchant: Awaited<ReturnType<typeof startMerchantReceiver>>;

  before(async () => {
    // Polls only every hour: whatever settles a payment here is a notification, or the status
    // look-up a notification asked for — never a scheduled poll.
    stack = await acquireTestStack({ env: { BAYAR_POLL_SCHEDULE: '1h' } });
    temporal = new Client({ connection: await Connection.connect({ address: stack.stack.temporal!.address }) });
    merchant = await startMerchantReceiver();
  });
  after(async () => {
    await merchant?.close();
    await temporal?.connection.close();
    await releaseTestStack(stack);
  });

  const create = async (provider: Covered, amount = AMOUNT): Promise<PaymentView> => {
    const res = await stack.api('POST', '/v1/payments', {
      merchantReference: uniqueRef(`bind-${provider}`),
      provider,
      amount,
      method: METHOD[provider],
      customer: { name: 'Budi Santoso', email: 'budi@example.com', phone: '+6281234567890', ipAddress: '203.0.113.7' },
    });
    assert.equal(res.status, 201, res.text);
    const payment = res.json as PaymentView;
    assert.equal(payment.provider, provider);
    assert.equal(payment.status, 'PENDING', res.text);
    // ecommpay tells how to pay in a callback of its own after the create answered; on a busy
    // machine it can land after this returns. Wait for it, so it is not taken for a test's effect.
    if (provider === 'ecommpay') return stack.waitFor(payment.id, (p) => p.timeline.some((t) => t.source === 'webhook'), WAIT_MS);
    return payment;
  };
  const post = (provider: ProviderName, n: Notification) => fetch(`${stack.apiUrl}/webhooks/${provider}`, { method: 'POST', headers: n.headers, body: n.body });
  const history = async (id: string) => (await temporal.workflow.getHandle(id).fetchHistory()).events ?? [];
  const lookUps = async (id: string) => (await history(id)).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getChargeStatus').length;
  /** What a notification could have changed, apart from the counters. */
  const unmoved = (before: PaymentView, now: PaymentView) => {
    assert.equal(now.status, before.status, JSON.stringify(now.timeline));
    assert.equal(now.amounts.paid, before.amounts.paid);
    assert.deepEqual(now.timeline, before.timeline, 'no timeline line');
  };

  it('cross-provider: all six schemes against payments another provider holds are refused at the webhook and never applied', async () => {
    // Midtrans holds the target of every other scheme; Xendit holds the target of Midtrans'.
    const [atMidtrans, atXendit] = await Promise.all([create('midtrans'), create('xendit')]);
    for (const scheme of COVERED) {
      const target = scheme === 'midtrans' ? atXendit : atMidtrans;
      const res = await post(scheme, notice(scheme, target.id, AMOUNT, target.providerReference ?? 'ref'));
      assert.equal(res.status, REFUSAL_STATUS[scheme], `${scheme} on a ${target.provider} payment: ${await res.text()}`);
    }
    // Nothing was signalled: no workflow task ran for them, and nothing moved.
    for (const target of [atMidtrans, atXendit]) {
      const now = await stack.payment(target.id);
      unmoved(target, now);
      assert.deepEqual(now.notifications, { duplicates: 0, refused: 0, wakeUps: 0 });
      assert.ok(!(await history(target.id)).some((e) => e.workflowExecutionSignaledEventAttributes), `${target.provider}: no signal reached the workflow`);
    }
  });

  it('cross-provider, past the webhook: events of any other provider signalled straight to the workflow are refused and counted', async () => {
    const target = await create('midtrans');
    const handle = temporal.workflow.getHandle(target.id);
    const others = (['xendit', 'doku', 'ecommpay', 'indodana', 'aggregator'] as const).map((provider): ProviderEvent => ({
      provider,
      eventId: `forged-${provider}`,
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount: AMOUNT,
      providerReference: target.providerReference,
      providerStatus: 'PAID',
    }));
    for (const event of others) await handle.signal(providerEventSignal, event);
    // Even polls: only the provider holding the payment speaks for it.
    await handle.signal(providerEventSignal, { ...others[0]!, eventId: 'forged-poll', source: 'poll' });
    const now = await stack.waitFor(target.id, (p) => p.notifications.refused === others.length + 1, WAIT_MS);
    unmoved(target, now);
    assert.equal((await handle.query(paymentQuery)).status, 'PENDING');
  });

  it("cross-payment, per provider: a valid notification for payment A resent with payment B's id does not move B", async () => {
    for (const provider of ['xendit', 'midtrans', 'doku', 'ecommpay', 'indodana', 'aggregator'] as const) {
      const [a, b] = await Promise.all([create(provider), create(provider)]);
      const forA = notice(provider, a.id, AMOUNT, a.providerReference ?? a.id);
      // A's notification, as its provider would send it for A, is taken (2xx).
      const taken = await post(provider, forA);
      assert.ok(taken.status >= 200 && taken.status < 300, `${provider}: A's own notification: ${taken.status} ${await taken.text()}`);
      // The same notification naming B instead: B's id swapped into the body, headers and
      // signature kept. Signed bodies fail their signature (401); Xendit's keeps its webhook-id,
      // already signalled to A (409); Indodana's header signs no body, so it only wakes B.
      const swapped = { headers: { ...forA.headers }, body: forA.body.split(a.id).join(b.id).split(indodanaOrderId(a.id)).join(indodanaOrderId(b.id)) };
      const resent = await post(provider, swapped);
      assert.ok([200, 401, 409].includes(resent.status), `${provider}: ${resent.status} ${await resent.text()}`);
      // Naming B, signed anew by whoever holds the secret, but still A's charge: refused by the
      // workflow (it names a reference B's provider never gave B), or, unsigned, only a wake-up.
      if (provider !== 'ecommpay' && provider !== 'indodana') {
        const resigned = await post(provider, notice(provider, b.id, AMOUNT, a.providerReference ?? a.id));
        assert.ok([200, 409].includes(resigned.status), `${provider}: ${resigned.status} ${await resigned.text()}`);
      }
      // Every signal B got has been handled (and a wake-up's status look-up has run) ...
      const handle = temporal.workflow.getHandle(b.id);
      await until(async () => (await lookUps(b.id)) >= (provider === 'indodana' ? 1 : 0) && !(await hasPendingWork(handle)));
      // ... and B is as it was.
      unmoved(b, await stack.payment(b.id));
    }
  });

  it('200 replays of one genuine notification leave the timeline a handful of entries longer and the history far below the limit', async () => {
    const p = await create('midtrans');
    const genuine = notice('midtrans', p.id, AMOUNT, p.providerReference!);
    assert.equal((await post('midtrans', genuine)).status, 200);
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    const lines = settled.timeline.length;
    const events = (await history(p.id)).length;
    for (let i = 0; i < 200; i++) assert.equal((await post('midtrans', genuine)).status, 200, `replay ${i + 1}`);
    // Past the API (another instance, or after a restart): the workflow dedupes them itself.
    const handle = temporal.workflow.getHandle(p.id);
    const event: ProviderEvent = {
      provider: 'midtrans',
      eventId: `${p.id}:200:${AMOUNT}.00:PAID`,
      source: 'webhook',
      chargeStatus: 'PAID',
      paidAmount: AMOUNT,
      providerReference: p.providerReference,
      providerStatus: 'settlement',
    };
    for (let i = 0; i < 200; i++) await handle.signal(providerEventSignal, event);
    const after = await stack.waitFor(p.id, (x) => x.notifications.duplicates === 200, WAIT_MS);
    assert.ok(after.timeline.length <= lines + 3, `timeline ${lines} → ${after.timeline.length}`);
    assert.equal(after.status, 'SETTLED');
    const grown = (await history(p.id)).length - events;
    // 200 signals past the API cost at most their own events, the tasks that read them and one
    // record marker each (the duplicate counter is part of the recorded view); the 200 that came
    // through the API cost none.
    assert.ok(grown <= 200 * 5, `history grew by ${grown} events`);
    assert.ok((await history(p.id)).length < 51_200 / 20, "far below Temporal's 51,200-event limit");
  });

  it('200 replays of one Xendit notification through the webhook send no signal after the first', async () => {
    const p = await create('xendit');
    const n = notice('xendit', p.id, AMOUNT, p.providerReference!);
    for (let i = 0; i < 200; i++) assert.equal((await post('xendit', n)).status, 200, `replay ${i + 1}`);
    const signals = (await history(p.id)).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    assert.equal(signals, 1, 'one signal for 200 copies');
    const now = await stack.waitFor(p.id, (x) => x.notifications.wakeUps === 1, WAIT_MS);
    assert.equal(now.status, 'PENDING', 'the sandbox says nobody paid');
  });

  for (const provider of ['xendit', 'indodana'] as const) {
    it(`verify-by-fetch: a ${provider} notification claiming PAID while ${provider} says PENDING does not settle; paid there, it settles by ${provider}'s answer`, async () => {
      const p = await create(provider);
      const handle = temporal.workflow.getHandle(p.id);
      assert.equal(await lookUps(p.id), 0, 'no status look-up yet (polls are an hour apart)');
      const claim = await post(provider, notice(provider, p.id, AMOUNT, p.providerReference!));
      assert.equal(claim.status, 200, await claim.text());
      // The claim woke the payment, which asked the provider (a getChargeStatus look-up ran) ...
      await until(async () => (await lookUps(p.id)) === 1 && !(await hasPendingWork(handle)));
      // ... and the provider said PENDING: nothing moved.
      const now = await stack.payment(p.id);
      unmoved(p, now);
      assert.equal(now.notifications.wakeUps, 1);

      // Paid for real at the provider: its own notification wakes the payment again, and the
      // look-up settles it within seconds, though the next scheduled poll is an hour away.
      const paid = provider === 'indodana' ? await stack.sandbox('POST', `/_sandbox/charges/${p.id}/pay`, {}, SANDBOX_PORT_OFFSETS.indodana) : await stack.pay(p.id);
      assert.equal(paid.status, 200, JSON.stringify(paid.json));
      const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
      assert.equal(settled.amounts.paid, AMOUNT);
      assert.ok(
        settled.timeline.some((t) => t.type === 'status:PAID' && t.source === 'poll'),
        "applied from the provider's answer, not the notification",
      );
    });
  }

  it('a Midtrans deny after settlement (a reversal) is a visible state: REVIEW_REQUIRED, nothing refundable, the merchant told', async () => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('bind-reversal'), provider: 'midtrans', amount: AMOUNT, method: 'VA_PERMATA', callbackUrl: merchant.url });
    assert.equal(res.status, 201, res.text);
    const p = res.json as PaymentView;
    assert.equal((await stack.pay(p.id, {}, SANDBOX_PORT_OFFSETS.midtrans)).status, 200);
    const settled = await stack.waitFor(p.id, (x) => x.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.refundable, AMOUNT);
    // Midtrans' signed deny for the same order (status_code 202, as its deny notifications carry).
    const gross = `${AMOUNT}.00`;
    const signature_key = createHash('sha512').update(`${p.id}202${gross}${DEV_DEFAULTS.midtrans.serverKey}`).digest('hex');
    const deny = {
      order_id: p.id,
      status_code: '202',
      gross_amount: gross,
      transaction_status: 'deny',
      transaction_id: p.providerReference,
      payment_type: 'bank_transfer',
      currency: 'IDR',
      signature_key,
    };
    const answer = await post('midtrans', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(deny) });
    assert.equal(answer.status, 200, await answer.text());
    const reversed = await stack.waitFor(p.id, (x) => x.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(reversed.statusReason ?? '', /^REVERSED: midtrans reported deny/);
    assert.equal(reversed.amounts.refundable, 0, 'nothing is held, so nothing can be refunded');
    await until(async () => merchant.received.some((r) => JSON.parse(r.body).data.id === p.id && JSON.parse(r.body).type === 'payment.reversed'));
  });
});

/** True while the workflow has an activity running or a task not yet completed. */
async function hasPendingWork(handle: ReturnType<Client['workflow']['getHandle']>): Promise<boolean> {
  const description = await handle.describe();
  const raw = description.raw;
  return (raw.pendingActivities?.length ?? 0) > 0 || raw.pendingWorkflowTask != null;
}

async function until(check: () => Promise<unknown>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
