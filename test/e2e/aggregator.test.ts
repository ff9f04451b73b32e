// The RSA aggregator end to end on the real stack (Temporal dev server, sandboxes, worker, API as
// processes): HTTP create → workflow → aggregator sandbox (RSA-signed JSON both ways) → simulated
// payment → form-encoded callback signed with the platform key → /webhooks/aggregator (answered
// with the literal SUCCESS) → signal → SETTLED. Plus QRIS, all six callback notices for one payment
// (exactly one settlement), polling only, expiry and late money, the refund refusal, forged
// callbacks, and OVO without the customer's phone.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createPrivateKey, generateKeyPairSync, privateEncrypt, type KeyObject } from 'node:crypto';
import { eventually } from '../helpers/wait.js';
import { uniqueRef, type TestStack } from '../helpers/stack.js';
import { providerSuite, type MerchantReceiver, paidEntries, duplicatesAbsorbed, webhookOutcomes } from '../helpers/provider-suite.js';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY } from '../../src/providers/aggregator/sandbox/dev-keys.js';
import type { PayoutView } from '../../src/domain/payout.js';

const AGGREGATOR = SANDBOX_PORT_OFFSETS.aggregator;
const WAIT_MS = 30_000;

/** The platform's formula, restated: values of the sorted names, 117-byte private-key blocks, Base64. */
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

interface Delivery {
  kind: 'pay' | 'payout';
  orderNum: string;
  attempt: number;
  httpStatus: number | 'error';
  answer: string;
}

describe('aggregator over HTTP (real Temporal, real sandbox)', () => {
  const suite = providerSuite('aggregator', { refPrefix: 'agg', defaults: { customer: { name: 'Budi Santoso', email: 'budi@example.com' } } });
  const { create, ledgerEntry } = suite;
  let stack: TestStack;
  let merchant: MerchantReceiver;
  before(() => void ({ stack, merchant } = suite));
  const deliveries = async (id: string) => ((await stack.sandbox('GET', '/_sandbox/aggregator/callbacks', undefined, AGGREGATOR)).json as Delivery[]).filter((d) => d.orderNum === id);
  const merchantCallbacks = (id: string) => merchant.received.filter((r) => JSON.parse(r.body).data.id === id && JSON.parse(r.body).type === 'payment.paid');
  const postCallback = (body: string) => fetch(`${stack.apiUrl}/webhooks/aggregator`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('VA_BCA: create → sandbox pay → signed form callback → SETTLED, answered SUCCESS, the merchant told once', async () => {
    const created = await create({ amount: 150_000, method: 'VA_BCA', callbackUrl: merchant.url });
    assert.equal(created.status, 'PENDING');
    assert.deepEqual(Object.keys(created.instructions).sort(), ['bankCode', 'virtualAccountNumber']);
    assert.equal(created.instructions.bankCode, 'BCA');
    assert.match(created.instructions.virtualAccountNumber ?? '', /^\d{16}$/);
    assert.match(created.providerReference ?? '', /^PRE\d{20}$/);
    assert.equal((await ledgerEntry(created.id))?.status, 'NO_PAY');

    const paid = await stack.pay(created.id, {}, AGGREGATOR);
    assert.equal(paid.status, 200, JSON.stringify(paid.json));
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 150_000);
    assert.equal(paidEntries(settled).length, 1);
    assert.equal(paidEntries(settled)[0]!.source, 'webhook');
    assert.deepEqual(settled.instructions, {});
    assert.equal((await ledgerEntry(created.id))?.status, 'SUCCESS');
    // bayar answered the literal SUCCESS, so the platform stopped after the first notice.
    const sent = await eventually(
      () => deliveries(created.id),
      (d) => d.length >= 1,
    );
    assert.deepEqual(
      sent.map((d) => [d.attempt, d.httpStatus, d.answer]),
      [[1, 200, 'SUCCESS']],
    );
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await deliveries(created.id)).length, 1, 'no second notice');
    await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
    assert.equal(merchantCallbacks(created.id).length, 1);
  });

  it('QRIS: QR payload → paid → SETTLED by the callback', async () => {
    const created = await create({ amount: 42_000, method: 'QRIS', description: 'Kopi susu' });
    assert.deepEqual(Object.keys(created.instructions), ['qrString']);
    assert.match(created.instructions.qrString!, /^000201.*54054200058/);
    await stack.pay(created.id, {}, AGGREGATOR);
    const settled = await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    assert.equal(settled.amounts.paid, 42_000);
    assert.equal(paidEntries(settled)[0]?.source, 'webhook');
  });

  it('all six callback notices for one payment (delivered even though acknowledged): exactly one settlement', async () => {
    const faults = await stack.sandbox('POST', '/_sandbox/aggregator/faults', { deliverAllCallbacks: true }, AGGREGATOR);
    assert.equal(faults.status, 200);
    try {
      const created = await create({ amount: 88_000, method: 'VA_MANDIRI', callbackUrl: merchant.url });
      const duplicatesBefore = await webhookOutcomes(stack, 'aggregator', 'duplicate');
      await stack.pay(created.id, {}, AGGREGATOR);
      // 1 s, 30 s, 60 s, 90 s, 1 h, 2 h apart × 0.0001: all six within about a second.
      const sent = await eventually(
        () => deliveries(created.id),
        (d) => d.length >= 6,
        15_000,
      );
      assert.deepEqual(
        sent.map((d) => d.attempt),
        [1, 2, 3, 4, 5, 6],
      );
      assert.ok(
        sent.every((d) => d.httpStatus === 200 && d.answer === 'SUCCESS'),
        `every notice answered SUCCESS: ${JSON.stringify(sent)}`,
      );
      // The five copies are absorbed (by the API before any signal, or counted by the workflow), none in the timeline.
      const absorbed = await eventually(
        () => duplicatesAbsorbed(stack, 'aggregator', created.id, duplicatesBefore),
        (n) => n >= 5,
        WAIT_MS,
      );
      assert.ok(absorbed >= 5, `copies absorbed: ${absorbed}`);
      const view = await stack.payment(created.id);
      assert.equal(view.status, 'SETTLED');
      assert.equal(view.amounts.paid, 88_000);
      assert.deepEqual(
        view.timeline.filter((t) => t.type.startsWith('status:')).map((t) => t.type),
        ['status:PENDING', 'status:PAID', 'status:SETTLED'],
      );
      await new Promise((r) => setTimeout(r, 500));
      await stack.waitFor(created.id, (x) => x.merchantNotified); // told after SETTLED, beside the saga
      assert.equal(merchantCallbacks(created.id).length, 1, 'the merchant heard about it once');
      assert.equal((await ledgerEntry(created.id))?.paidAmount, 88_000, 'paid once at the platform');
    } finally {
      await stack.sandbox('POST', '/_sandbox/aggregator/faults', {}, AGGREGATOR);
    }
  });

  it("expires at bayar's deadline (the platform's minimum is 15 minutes); money after that goes to review", async () => {
    const created = await create({ amount: 20_000, method: 'RETAIL_ALFAMART', expiresInSeconds: 2, callbackUrl: merchant.url });
    assert.match(created.instructions.payCode ?? '', /^\d{16}$/);
    const expired = await stack.waitFor(created.id, (p) => p.status === 'EXPIRED', WAIT_MS);
    assert.deepEqual(expired.instructions, {});
    assert.equal(expired.amounts.paid, 0);
    assert.ok(expired.timeline.some((t) => t.type === 'closing:EXPIRED'));
    // Still payable at the platform (no cancel API; expiryPeriod was its 15-minute minimum).
    assert.equal((await ledgerEntry(created.id))?.status, 'NO_PAY');
    await stack.pay(created.id, {}, AGGREGATOR);
    const review = await stack.waitFor(created.id, (p) => p.status === 'REVIEW_REQUIRED', WAIT_MS);
    assert.match(review.statusReason ?? '', /LATE_PAYMENT/);
    assert.equal(review.amounts.paid, 20_000);
  });

  it('refuses a refund with 422 REFUND_NOT_SUPPORTED (the platform has no refund API)', async () => {
    const created = await create({ amount: 50_000, method: 'EWALLET_DANA' });
    assert.deepEqual(Object.keys(created.instructions), ['payUrl']);
    await stack.pay(created.id, {}, AGGREGATOR);
    await stack.waitFor(created.id, (p) => p.status === 'SETTLED', WAIT_MS);
    const refused = await stack.api('POST', `/v1/payments/${created.id}/refunds`, { amount: 10_000, reason: 'customer asked' });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.json.code, 'REFUND_NOT_SUPPORTED');
    assert.equal((await stack.payment(created.id)).status, 'SETTLED');
  });

  it('refuses a forged, tampered or unsigned callback with 401 and changes nothing', async () => {
    const created = await create({ amount: 75_000, method: 'VA_PERMATA' });
    const fields = {
      code: '00',
      email: 'budi@example.com',
      method: 'VA_PERMATA',
      msg: 'SUCCESS',
      name: 'Budi Santoso',
      orderNum: created.id,
      payFee: '0',
      payMoney: '75000',
      platOrderNum: created.providerReference!,
      vaNumber: created.instructions.virtualAccountNumber!,
    };
    const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const forged = await postCallback(new URLSearchParams({ ...fields, platSign: platSign(fields, stranger) }).toString());
    assert.equal(forged.status, 401);
    assert.equal(((await forged.json()) as { code: string }).code, 'SIGNATURE_INVALID');
    // The platform's real signature does not carry over to another amount.
    const genuine = platSign(fields, createPrivateKey(DEV_AGGREGATOR_PLATFORM_PRIVATE_KEY));
    const tampered = await postCallback(new URLSearchParams({ ...fields, payMoney: '7500000', platSign: genuine }).toString());
    assert.equal(tampered.status, 401);
    assert.notEqual(await tampered.text(), 'SUCCESS', 'never acknowledged');
    const unsigned = await postCallback(new URLSearchParams(fields).toString());
    assert.equal(unsigned.status, 401);

    await new Promise((r) => setTimeout(r, 500));
    const view = await stack.payment(created.id);
    assert.equal(view.status, 'PENDING');
    assert.equal(view.amounts.paid, 0);
    assert.ok(!view.timeline.some((t) => t.source === 'webhook'), 'nothing from the forged callbacks reached the payment');
    assert.equal((await ledgerEntry(created.id))?.status, 'NO_PAY');
  });

  it('EWALLET_OVO without the customer phone is a 422 with the rule, before any workflow starts; with it, the push is sent', async () => {
    const res = await stack.api('POST', '/v1/payments', { merchantReference: uniqueRef('agg'), provider: 'aggregator', amount: 30_000, method: 'EWALLET_OVO', customer: { name: 'Budi Santoso' } });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.json.rule, 'OVO_PHONE_REQUIRED');
    assert.match(res.json.detail, /EWALLET_OVO needs customer\.phone: the mobile number the customer registered with OVO/);

    const ovo = await create({ amount: 30_000, method: 'EWALLET_OVO', customer: { name: 'Budi Santoso', phone: '+6282113086611' } });
    assert.equal(ovo.status, 'PENDING');
    assert.deepEqual(Object.keys(ovo.instructions), ['payUrl']);
    assert.equal((await ledgerEntry(ovo.id))?.status, 'INIT_ORDER');
  });
  it("finishes a payout on the platform's signed disbursement callback, before bayar's first look-up (5 s)", async () => {
    const started = Date.now();
    const res = await stack.api('POST', '/v1/payouts', {
      merchantReference: uniqueRef('agg-po'),
      provider: 'aggregator',
      amount: 150_000,
      feeType: 'DEDUCT_FROM_AMOUNT',
      destination: { bankCode: 'MANDIRI', accountNumber: '0012345678', accountName: 'Budi Santoso' },
      description: 'Seller payout week 12',
    });
    assert.equal(res.status, 201, res.text);
    const id = (res.json as PayoutView).id;
    const done = await eventually(
      async () => (await stack.api('GET', `/v1/payouts/${id}`)).json as PayoutView,
      (view) => view.status === 'SUCCEEDED',
      4_500,
    );
    assert.equal(done.status, 'SUCCEEDED', JSON.stringify(done.timeline));
    assert.ok(Date.now() - started < 5_000, 'settled before the first look-up was due');
    assert.equal(done.attempts[0]!.decidedBy, 'callback', 'the signed callback decided it, not a look-up');
    assert.equal(done.attempts[0]!.lookups, 0);
    assert.ok(
      done.timeline.some((t) => t.source === 'webhook' && t.type === 'attempt-1:2'),
      JSON.stringify(done.timeline),
    );
    const callbacks = (await deliveries(`${id}-1`)).filter((d) => d.kind === 'payout');
    assert.ok(
      callbacks.some((d) => d.answer === 'SUCCESS'),
      `bayar answered the literal SUCCESS: ${JSON.stringify(callbacks)}`,
    );
  });
});
