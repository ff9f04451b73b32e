// The global validation pipe refuses bodies that carry __proto__, prototype or constructor keys
// (Nest's own pipe deletes them silently, which let an unknown field through as a 201).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProblemException } from '../../src/common/problem.js';
import { pollutingKeyPath, StrictSchemaValidationPipe } from '../../src/common/strict-validation.pipe.js';
import { createPaymentSchema, listQuerySchema } from '../../src/payments/payments.schemas.js';

const pipe = new StrictSchemaValidationPipe();
const body = { merchantReference: 'order-1', amount: 10_000, method: 'QRIS' };
const asBody = { type: 'body' as const, schema: createPaymentSchema };

describe('StrictSchemaValidationPipe', () => {
  it('passes a valid body through, validated', async () => {
    assert.deepEqual(await pipe.transform(JSON.parse(JSON.stringify(body)), asBody), { ...body, currency: 'IDR' });
  });

  it('refuses __proto__, prototype and constructor keys at any depth with a 400 naming the path, as JSON.parse delivers them', async () => {
    for (const [raw, path] of [
      ['{"merchantReference":"order-1","amount":10000,"method":"QRIS","__proto__":false}', '__proto__'],
      ['{"merchantReference":"order-1","amount":10000,"method":"QRIS","__proto__":{"amount":1}}', '__proto__'],
      ['{"merchantReference":"order-1","amount":10000,"method":"QRIS","prototype":1}', 'prototype'],
      ['{"merchantReference":"order-1","amount":10000,"method":"QRIS","constructor":{"name":"x"}}', 'constructor'],
      ['{"merchantReference":"order-1","amount":10000,"method":"QRIS","customer":{"__proto__":{"isAdmin":true}}}', 'customer.__proto__'],
      ['{"merchantReference":"order-1","amount":10000,"method":"QRIS","items":[{"name":"a","quantity":1,"price":10000,"constructor":0}]}', 'items.0.constructor'],
    ] as const) {
      const refused = await pipe.transform(JSON.parse(raw), asBody).then(
        () => assert.fail(`accepted ${raw}`),
        (err: unknown) => err,
      );
      assert.ok(refused instanceof ProblemException, String(refused));
      assert.equal(refused.status, 400);
      assert.equal(refused.code, 'VALIDATION_FAILED');
      assert.match(refused.detail, new RegExp(`^${path.replace(/\./g, '\\.')}: Unrecognized key`));
    }
    assert.equal(({} as Record<string, unknown>).amount, undefined, 'and nothing leaked into Object.prototype');
  });

  it('checks query objects too (null-prototype ones included), and ignores inherited names', async () => {
    const query = Object.assign(Object.create(null), { status: 'PENDING', constructor: 'x' });
    await assert.rejects(pipe.transform(query, { type: 'query', schema: listQuerySchema }), ProblemException);
    assert.equal(pollutingKeyPath({ a: { b: [1, { c: 2 }] } }), undefined, 'a plain object inherits constructor; only own keys count');
  });

  it('walks a body nested tens of thousands deep without exhausting the stack', () => {
    const depth = 50_000;
    const deep = JSON.parse('{"a":'.repeat(depth) + '{"__proto__":1}' + '}'.repeat(depth));
    assert.equal(pollutingKeyPath(deep), `${'a.'.repeat(depth)}__proto__`);
    assert.equal(pollutingKeyPath(JSON.parse('['.repeat(depth) + ']'.repeat(depth))), undefined);
  });
});
