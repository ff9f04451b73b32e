// Amounts at and beyond every limit a create can meet: bayar's own (the request schema: whole,
// positive rupiah up to one billion) and each provider's, per method. Whatever is outside is a
// 4xx before anything is written: the service below is given a Temporal client that fails the
// test if it is touched at all, so a refused create provably started no workflow.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/config.js';
import { ProblemException } from '../../src/common/problem.js';
import { createPaymentSchema, MAX_PAYMENT_IDR } from '../../src/payments/payments.schemas.js';
import { CircuitBreakers } from '../../src/providers/circuit.js';
import { PaymentsService } from '../../src/payments/payments.service.js';
import { amountLimitsFor } from '../../src/providers/provider.js';
import { buildProviders } from '../../src/providers/registry.js';
import type { Client } from '@temporalio/client';
import type { PaymentMethod, ProviderName } from '../../src/domain/payment.js';
import type { Pool } from '../../src/db/pool.js';

const config = loadConfig({ BAYAR_ENV: 'development' });
const FULL_CUSTOMER = {
  name: 'Budi Santoso',
  email: 'budi@example.com',
  phone: '+6281234567890',
  ipAddress: '203.0.113.9',
  address: { line: 'Jl. Sudirman No. 1', city: 'Jakarta', postalCode: '10210' },
};
const providers = buildProviders(config);

/** Temporal, as far as these tests are concerned: any use of it is recorded and refused. */
function untouchableClient(touched: string[]): Client {
  return new Proxy({} as Client, {
    get(_target, property) {
      touched.push(String(property));
      throw new Error(`Temporal client used (${String(property)})`);
    },
  });
}

/** A system of record that has never seen the payment (a create looks there first). */
const emptyRecord = { query: async () => ({ rows: [], rowCount: 0 }) } as unknown as Pool;

/** Every (provider, method) pair with the amounts that provider takes for it. */
const offers = [...providers.values()].flatMap((p) =>
  p.capabilities.methods.map((method) => ({ provider: p.name as ProviderName, method: method as PaymentMethod, limits: amountLimitsFor(p.capabilities, method) })),
);

describe('amount limits of a create', () => {
  it('every provider declares sane limits, within its envelope', () => {
    for (const { provider, method, limits } of offers) {
      assert.ok(Number.isSafeInteger(limits.min) && limits.min >= 1, `${provider} ${method} min`);
      assert.ok(Number.isSafeInteger(limits.max) && limits.max >= limits.min, `${provider} ${method} max`);
      const envelope = providers.get(provider)!.capabilities.amount;
      assert.ok(limits.min >= envelope.min && limits.max <= envelope.max, `${provider} ${method} within the envelope`);
    }
    // Xendit's channel pages publish these two (PROVIDERS.md §3).
    assert.deepEqual(amountLimitsFor(providers.get('xendit')!.capabilities, 'QRIS'), { min: 1, max: 10_000_000 });
    assert.deepEqual(amountLimitsFor(providers.get('xendit')!.capabilities, 'RETAIL_ALFAMART'), { min: 10_000, max: 5_000_000 });
  });

  it('the request schema refuses 0, negative, fractional, non-finite and above one billion rupiah with a clear message', () => {
    const cases: [unknown, RegExp][] = [
      [0, /positive/],
      [-1, /positive/],
      [-1_000_000, /positive/],
      [0.5, /whole number/],
      [10_000.01, /whole number/],
      [MAX_PAYMENT_IDR + 1, /must not exceed 1000000000/],
      [50_000_000_000, /must not exceed/],
      [Number.MAX_SAFE_INTEGER + 2, /whole number|must not exceed/],
      [Number.POSITIVE_INFINITY, /./],
      [Number.NaN, /./],
      ['10000', /number/],
      [null, /number/],
    ];
    for (const [amount, message] of cases) {
      const result = createPaymentSchema.safeParse({ merchantReference: 'order-1', amount, method: 'QRIS' });
      assert.equal(result.success, false, String(amount));
      assert.match(result.error!.issues.map((i) => i.message).join('; '), message, String(amount));
    }
    assert.equal(createPaymentSchema.safeParse({ merchantReference: 'order-1', amount: MAX_PAYMENT_IDR, method: 'VA_BCA' }).success, true, 'the ceiling itself is allowed');
    assert.equal(createPaymentSchema.safeParse({ merchantReference: 'order-1', amount: 1, method: 'VA_BCA' }).success, true, 'and so is one rupiah');
  });

  it("refuses an amount outside the chosen provider's limits for the method with 422 AMOUNT_OUT_OF_RANGE, before touching Temporal", async () => {
    const outside = offers.filter((o) => o.limits.min > 1 || o.limits.max < MAX_PAYMENT_IDR);
    assert.ok(outside.length > 0, 'some method has limits narrower than bayar’s own');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...outside).chain((o) => {
          const below = o.limits.min > 1 ? [fc.integer({ min: 1, max: o.limits.min - 1 })] : [];
          const above = o.limits.max < MAX_PAYMENT_IDR ? [fc.integer({ min: o.limits.max + 1, max: MAX_PAYMENT_IDR })] : [];
          return fc.tuple(fc.constant(o), fc.oneof(...below, ...above));
        }),
        async ([o, amount]) => {
          const touched: string[] = [];
          const service = new PaymentsService(untouchableClient(touched), config, providers, null, new CircuitBreakers(config.circuit));
          const body = createPaymentSchema.parse({ merchantReference: `order-${amount}`, amount, method: o.method, provider: o.provider });
          const refused = await service.create('demo', body).then(
            () => assert.fail('created'),
            (err: unknown) => err,
          );
          assert.ok(refused instanceof ProblemException, String(refused));
          assert.equal(refused.status, 422);
          assert.equal(refused.code, 'AMOUNT_OUT_OF_RANGE');
          assert.match(refused.detail, new RegExp(`${o.provider} accepts ${o.method} amounts from ${o.limits.min} to ${o.limits.max} rupiah`));
          assert.deepEqual(touched, [], 'nothing reached Temporal');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lets an amount within the limits through the gate (to Temporal, which is where this test stops)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...offers).chain((o) => fc.tuple(fc.constant(o), fc.integer({ min: o.limits.min, max: Math.min(o.limits.max, MAX_PAYMENT_IDR) }))),
        async ([o, amount]) => {
          const touched: string[] = [];
          const service = new PaymentsService(untouchableClient(touched), config, providers, emptyRecord, new CircuitBreakers(config.circuit));
          // A customer and return page every provider's own field rules accept (validateCreate).
          const body = createPaymentSchema.parse({
            merchantReference: `order-${amount}`,
            amount,
            method: o.method,
            provider: o.provider,
            customer: FULL_CUSTOMER,
            returnUrl: 'https://merchant.example/return',
          });
          await assert.rejects(service.create('demo', body), /Temporal client used/);
          assert.ok(touched.length > 0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
