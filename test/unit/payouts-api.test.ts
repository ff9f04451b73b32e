// POST /v1/payouts at its untrusted edge: the request schema (property-based), and the real
// NestJS app in-process — auth, body parser, validation pipe, problem filter, the service's
// capability checks — with Temporal unreachable on purpose: nothing tested here may need it.
// Whatever arrives, the answer is a 4xx problem, never a 5xx.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { createApi } from '../../src/api.js';
import { loadConfig, type AppConfig } from '../../src/config/config.js';
import { PAYOUT_BANKS, PAYOUT_FEE_TYPES } from '../../src/domain/payout.js';
import { createPayoutSchema, FEE_TYPE_DOC, retryPayoutSchema } from '../../src/payouts/payouts.schemas.js';
import { canPayOut } from '../../src/providers/payout.js';
import { buildProviders } from '../../src/providers/registry.js';
import { anyPayoutLike, oneThingWrong, validPayoutBody } from '../helpers/payout-bodies.js';

const KEY = 'sk_test_unit_payouts_key';

function safeParse<T>(schema: { safeParse(v: unknown): T }, value: unknown): T {
  try {
    return schema.safeParse(value);
  } catch (err) {
    assert.fail(`safeParse threw ${String(err)}`);
  }
}

describe('createPayoutSchema (property-based)', () => {
  it('never throws, and lets through only sound amounts, known banks and fee types, digits-only account numbers', () => {
    fc.assert(
      fc.property(anyPayoutLike, (value) => {
        const result = safeParse(createPayoutSchema, value);
        if (!result.success) return;
        const b = result.data;
        assert.ok(Number.isSafeInteger(b.amount) && b.amount > 0);
        assert.ok((PAYOUT_FEE_TYPES as readonly string[]).includes(b.feeType));
        assert.ok((PAYOUT_BANKS as readonly string[]).includes(b.destination.bankCode));
        assert.match(b.destination.accountNumber, /^[0-9]{6,20}$/);
        assert.match(b.destination.accountName, /^[A-Za-z]+( [A-Za-z]+)*$/);
        assert.equal(b.currency, 'IDR');
      }),
      { numRuns: 500 },
    );
  });

  it('accepts every valid body as given', () => {
    fc.assert(
      fc.property(validPayoutBody, (body) => {
        const result = safeParse(createPayoutSchema, body);
        assert.ok(result.success, JSON.stringify(result.error?.issues));
        assert.deepEqual({ ...result.data, destination: { ...result.data.destination } }, { currency: 'IDR', ...body, destination: { ...body.destination } });
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a valid body with any one thing wrong', () => {
    fc.assert(
      fc.property(oneThingWrong, (body) => {
        assert.equal(safeParse(createPayoutSchema, body).success, false, JSON.stringify(body));
      }),
      { numRuns: 500 },
    );
  });

  it('feeType is required: bayar never picks who pays the fee', () => {
    const [body] = fc.sample(validPayoutBody, 1);
    const { feeType: _omit, ...withoutFeeType } = body!;
    const result = createPayoutSchema.safeParse(withoutFeeType);
    assert.equal(result.success, false);
    assert.deepEqual(
      result.error?.issues.map((i) => i.path.join('.')),
      ['feeType'],
    );
  });

  it('retry bodies: nothing, or the attempt number it creates', () => {
    assert.deepEqual(retryPayoutSchema.parse(undefined), {});
    assert.deepEqual(retryPayoutSchema.parse({ attempt: 2 }), { attempt: 2 });
    for (const bad of [{ attempt: 1 }, { attempt: 0 }, { attempt: 2.5 }, { attempt: '2' }, { attempt: 99 }, { again: true }])
      assert.equal(retryPayoutSchema.safeParse(bad).success, false, JSON.stringify(bad));
  });
});

describe('POST /v1/payouts in-process (Temporal unreachable)', () => {
  let app: INestApplication;
  let url: string;
  let config: AppConfig;

  before(async () => {
    // Port 9 (discard) refuses connections: any request that reached Temporal would fail loudly.
    config = loadConfig({ BAYAR_ENV: 'development', TEMPORAL_ADDRESS: '127.0.0.1:9', BAYAR_API_KEYS: `unit:${KEY}`, BAYAR_LOG_LEVEL: 'error', BAYAR_ADMIN_ENDPOINTS: 'public' });
    app = await createApi(config);
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  after(async () => {
    await app?.close();
  });

  const post = async (body: unknown, raw?: string, key = KEY) => {
    const res = await fetch(`${url}/v1/payouts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: raw ?? JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type') ?? '', json: (await res.json().catch(() => undefined)) as { code?: string; errors?: { path: string }[] } | undefined };
  };

  it('any invalid body → 400 application/problem+json, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyPayoutLike.filter((b) => !createPayoutSchema.safeParse(b).success),
        async (body) => {
          const res = await post(body);
          assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.json)}`);
          assert.match(res.type, /^application\/problem\+json/);
          assert.equal(typeof res.json?.code, 'string');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a body with one thing wrong names that field', async () => {
    const res = await post({
      merchantReference: 'r-1',
      provider: 'xendit',
      amount: 250_000,
      feeType: 'CHARGE_TO_BALANCE',
      destination: { bankCode: 'BCA', accountNumber: '12-345', accountName: 'Budi Santoso' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json?.code, 'VALIDATION_FAILED');
    assert.deepEqual(
      res.json?.errors?.map((e) => e.path),
      ['destination.accountNumber'],
    );
  });

  it('valid bodies a provider cannot pay out → 422 with the reason, decided before Temporal is asked', async () => {
    const providers = buildProviders(config);
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(validPayoutBody, async (body) => {
        const p = providers.get(body.provider);
        const expected = !canPayOut(p)
          ? 'PAYOUTS_NOT_SUPPORTED'
          : !p.payoutCapabilities.banks.includes(body.destination.bankCode)
            ? 'BANK_NOT_SUPPORTED'
            : !p.payoutCapabilities.feeTypes.includes(body.feeType)
              ? 'FEE_TYPE_NOT_SUPPORTED'
              : body.amount < p.payoutCapabilities.amount.min || body.amount > p.payoutCapabilities.amount.max
                ? 'AMOUNT_OUT_OF_RANGE'
                : undefined;
        if (!expected) return; // a payout it can make: that needs Temporal (e2e)
        checked += 1;
        const res = await post(body);
        assert.equal(res.status, 422, JSON.stringify(res.json));
        assert.equal(res.json?.code, expected);
      }),
      { numRuns: 200 },
    );
    assert.ok(checked > 50, `only ${checked} bodies were refusable`);
  });

  it('malformed JSON, a bad Idempotency-Key and a missing API key are 4xx too', async () => {
    for (const raw of ['{', '[', '{"amount":1e999}', '"x"', 'null', '\u0000']) {
      const res = await post(undefined, raw);
      assert.ok(res.status === 400, `${JSON.stringify(raw)} → ${res.status}`);
      assert.match(res.type, /^application\/problem\+json/);
    }
    const badKey = await fetch(`${url}/v1/payouts`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': 'has space' }, body: '{}' });
    assert.equal(badKey.status, 400);
    assert.equal((await post({}, undefined, 'sk_wrong')).status, 401);
    const badId = await fetch(`${url}/v1/payouts/pay_0123456789abcdef01234567`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(badId.status, 400, 'a payment id is not a payout id');
  });

  it('documents feeType and the payout request in the OpenAPI document', async () => {
    type Schema = { properties: Record<string, { description?: string; enum?: string[] }>; required: string[] };
    const doc = (await (await fetch(`${url}/docs/openapi.json`)).json()) as { paths: Record<string, { post?: { requestBody: { content: Record<string, { schema: Schema }> } } }> };
    const post = doc.paths['/v1/payouts']?.post;
    const schema = post!.requestBody.content['application/json']!.schema;
    assert.equal(schema.properties.feeType?.description, FEE_TYPE_DOC, 'the field itself carries the semantics');
    assert.deepEqual(schema.properties.feeType?.enum, [...PAYOUT_FEE_TYPES]);
    assert.ok(schema.required.includes('feeType'));
    const text = JSON.stringify(post);
    for (const needle of ['DEDUCT_FROM_AMOUNT', 'CHARGE_TO_BALANCE', 'the recipient receives amount − fee', 'never sent again']) assert.ok(text.includes(needle), needle);
  });
});
