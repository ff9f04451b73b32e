// Property-based tests of ecommpay's callback parser, bayar's untrusted edge for this provider:
// whatever arrives at /webhooks/ecommpay — bytes, JSON of any shape, bodies with a signature
// that is wrong, right, or right over nonsense, bodies nested deep enough to exhaust a naive
// recursion — parseWebhook answers with SignatureInvalid or WebhookMalformed, or with an event
// the workflow can rely on. Never another exception.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ChargeStatus } from '../../src/domain/payment.js';
import { EcommpayProvider } from '../../src/providers/ecommpay/index.js';
import { signCallback, sign } from '../../src/providers/ecommpay/signature.js';
import { SignatureInvalid, WebhookMalformed, type ParsedWebhook } from '../../src/providers/provider.js';

const RUNS = 400;
const PROJECT_ID = 2990;
const SECRET = 'ecommpay-fuzz-secret';
const provider = new EcommpayProvider({ projectId: PROJECT_ID, secretKey: SECRET, baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000 });
const CHARGE_STATUSES: readonly ChargeStatus[] = ['PENDING', 'PAID', 'EXPIRED', 'CANCELLED', 'FAILED', 'REFUNDED'];

/** parseWebhook's result, or the typed error it threw; anything else fails the property. */
function parse(body: Buffer | string): ParsedWebhook | SignatureInvalid | WebhookMalformed {
  try {
    return provider.parseWebhook({ headers: { 'content-type': 'application/json' }, rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body), path: '/webhooks/ecommpay' });
  } catch (err) {
    if (err instanceof SignatureInvalid || err instanceof WebhookMalformed) return err;
    assert.fail(`parseWebhook threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)} for ${String(body).slice(0, 200)}`);
  }
}

/** What a parsed event must look like for the workflow to rely on it. */
function assertSound(result: ParsedWebhook): void {
  if (result.kind === 'ignored') {
    assert.equal(typeof result.reason, 'string');
    return;
  }
  if (result.kind === 'payout') return assert.fail('ecommpay payouts are not notified here');
  if (result.kind === 'charge-reference') return assert.fail("ecommpay notices name bayar's payment id");
  assert.equal(typeof result.paymentId, 'string');
  assert.ok(result.event.eventId.length > 0);
  assert.ok(CHARGE_STATUSES.includes(result.event.chargeStatus));
  assert.equal(result.event.source, 'webhook');
  if (result.event.chargeStatus === 'PAID') assert.ok(Number.isSafeInteger(result.event.paidAmount) && result.event.paidAmount! >= 0, `paid ${result.event.paidAmount}`);
  else assert.equal(result.event.paidAmount, undefined);
  if (result.event.instructions) {
    assert.equal(result.event.chargeStatus, 'PENDING');
    if (result.event.instructions.payUrl) assert.match(result.event.instructions.payUrl, /^https?:\/\//);
  }
}

// ---- arbitraries ----

const key = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom('signature', 'project_id', 'payment', 'operation', 'redirect_data', 'status', 'sum', 'amount', '__proto__', 'constructor', '0', '10'),
);
const json = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 5 }),
    fc.dictionary(key, tie('node'), { maxKeys: 6 }),
  ),
})).node;
const anyObject = fc.dictionary(key, json, { maxKeys: 8 });

/** A genuine callback for our project, as the sandbox sends them. */
const statuses = fc.constantFrom('success', 'decline', 'awaiting redirect result', 'processing', 'refunded', 'error', 'expired', 'cancelled', 'partially paid', 'weird');
/** Mostly `likely`, sometimes anything from `other`: plausible callbacks with the odd bad field. */
const mostly = <T, U>(likely: fc.Arbitrary<T>, other: fc.Arbitrary<U>) => fc.oneof({ arbitrary: likely, weight: 4 }, { arbitrary: other, weight: 1 });
const callback = fc
  .record({
    id: mostly(fc.constant('pay_0123456789abcdef01234567'), fc.oneof(fc.string({ maxLength: 30 }), fc.integer())),
    status: statuses,
    amount: mostly(
      fc.integer({ min: 0, max: 10_000_000_000 }).map((r) => r * 100),
      fc.integer({ min: -5, max: 2 ** 53 }),
    ),
    currency: mostly(fc.constant('IDR'), fc.constantFrom('USD', '')),
    code: mostly(fc.constantFrom('0', '20101', '20602'), fc.integer()),
    type: mostly(fc.constant('sale'), fc.constantFrom('refund', 'payout', '')),
    redirect: fc.option(
      fc.record({
        body: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
        method: mostly(fc.constantFrom('GET', 'get'), fc.constantFrom('POST', 'PUT')),
        url: mostly(fc.webUrl(), fc.string({ maxLength: 20 })),
      }),
    ),
  })
  .map((c) => ({
    project_id: PROJECT_ID,
    payment: { id: c.id, type: 'purchase', status: c.status, method: 'indonesia-va', sum: { amount: c.amount, currency: c.currency } },
    operation: { id: 52084000029401, type: c.type, status: c.status, code: c.code, message: 'm', sum_initial: { amount: c.amount, currency: c.currency } },
    ...(c.redirect ? { redirect_data: c.redirect } : {}),
  }));

/** A genuine callback with one field, somewhere, replaced by anything. */
const mutated = fc
  .tuple(callback, fc.constantFrom('project_id', 'payment', 'operation', 'redirect_data', 'account'), fc.option(fc.constantFrom('id', 'status', 'sum', 'type', 'code', 'url', 'amount')), json)
  .map(([body, top, inner, value]) => {
    const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
    const target = copy[top];
    if (inner && target !== null && typeof target === 'object') (target as Record<string, unknown>)[inner] = value;
    else copy[top] = value;
    return copy;
  });

const deep = fc
  .integer({ min: 30, max: 20_000 })
  .chain((depth) =>
    fc.constantFrom(
      '['.repeat(depth) + ']'.repeat(depth),
      `{"signature":"${'A'.repeat(86)}==","a":` + '{"b":'.repeat(depth) + '1' + '}'.repeat(depth) + '}',
      JSON.stringify({ signature: 'x', payment: { id: 'p', status: 'success' } }).replace('"p"', '['.repeat(depth) + '"p"' + ']'.repeat(depth)),
    ),
  );

describe('ecommpay parseWebhook (property-based)', () => {
  it('never throws anything but SignatureInvalid / WebhookMalformed, whatever the bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 400 }),
          fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
          json.map((v) => JSON.stringify(v)),
          anyObject.map((o) => JSON.stringify(o)),
          deep,
        ),
        (body) => {
          const result = parse(body);
          if (!(result instanceof Error)) assert.fail(`an unsigned body was accepted: ${String(body).slice(0, 200)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('refuses every body whose signature is not ours (random, forged with another key, or over other content)', () => {
    fc.assert(
      fc.property(fc.oneof(callback, mutated, anyObject), fc.string({ minLength: 1, maxLength: 30 }), fc.string({ maxLength: 100 }), (body, otherKey, junk) => {
        const forged = { ...body, signature: sign(body as never, SECRET + otherKey) };
        assert.ok(parse(JSON.stringify(forged)) instanceof SignatureInvalid);
        assert.ok(parse(JSON.stringify({ ...body, signature: junk })) instanceof Error);
        const genuine = signCallback(body, SECRET);
        const tampered = { ...genuine, tampered: true };
        assert.ok(parse(JSON.stringify(tampered)) instanceof SignatureInvalid);
      }),
      { numRuns: RUNS },
    );
  });

  it('signed with our key, any shape parses to a sound event, is ignored, or is WebhookMalformed', () => {
    fc.assert(
      fc.property(fc.oneof(callback, mutated, anyObject), (body) => {
        const result = parse(JSON.stringify(signCallback(body, SECRET)));
        if (result instanceof SignatureInvalid) {
          // Only a callback for another project is refused as not ours.
          assert.notEqual(String((body as { project_id?: unknown }).project_id), String(PROJECT_ID), result.message);
          return;
        }
        if (!(result instanceof Error)) assertSound(result);
      }),
      { numRuns: RUNS },
    );
  });

  it('a genuine callback is a sound event unless a field is out of shape; PAID only with whole rupiah in IDR', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(callback, (body) => {
        const result = parse(JSON.stringify(signCallback(body, SECRET)));
        if (result instanceof Error) {
          assert.ok(result instanceof WebhookMalformed, result.message);
          seen.set('malformed', (seen.get('malformed') ?? 0) + 1);
          return;
        }
        assertSound(result);
        const outcome = result.kind === 'ignored' ? 'ignored' : result.kind === 'payout' ? 'payout' : `${result.event.chargeStatus}${result.event.instructions ? '+instructions' : ''}`;
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        if (result.kind === 'payment' && result.event.chargeStatus === 'PAID') {
          assert.equal(body.operation.sum_initial.currency, 'IDR');
          assert.equal(result.event.paidAmount! * 100, body.operation.sum_initial.amount);
        }
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: the generator reaches every kind of outcome.
    for (const outcome of ['PAID', 'FAILED', 'EXPIRED', 'PENDING+instructions', 'ignored', 'malformed']) assert.ok((seen.get(outcome) ?? 0) > 0, `${outcome}: ${JSON.stringify([...seen])}`);
  });
});
