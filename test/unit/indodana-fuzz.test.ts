// Property-based tests of Indodana's notification parser, bayar's untrusted edge for this
// provider: whatever headers and bytes arrive, parseWebhook answers with a well-formed result or
// one of bayar's two typed webhook errors (SignatureInvalid, WebhookMalformed), never anything else.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { IndodanaProvider } from '../../src/providers/indodana/index.js';
import { INDODANA_PATHS } from '../../src/providers/indodana/capabilities.js';
import { indodanaStatusToChargeStatus } from '../../src/providers/indodana/status.js';
import { SignatureInvalid, WebhookMalformed, type ParsedWebhook, type RawWebhook } from '../../src/providers/provider.js';

const RUNS = 300;

/** fast-check 4 has no hexaString: hex digits as a string unit. */
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const KEY = 'bayar-fuzz-indodana-key';
const SECRET = 'bayar-fuzz-indodana-secret';
const NOW_MS = 1_750_000_000_000;
const NOW = NOW_MS / 1000;

const provider = new IndodanaProvider(
  { apiKey: KEY, secretKey: SECRET, baseUrl: 'http://127.0.0.1:1', timeoutMs: 1000, notificationUrl: 'https://pay.shop.example/webhooks/indodana', refundPath: INDODANA_PATHS.defaultRefund },
  { now: () => NOW_MS },
);

/** Indodana's formula, restated here rather than imported. */
const bearer = (nonce: string | number, key = KEY, secret = SECRET) => `Bearer ${key}:${nonce}:${createHmac('sha256', secret).update(`${key}:${nonce}`).digest('hex')}`;
const GENUINE = bearer(NOW);

function raw(headers: Record<string, string | undefined>, rawBody: Buffer): RawWebhook {
  return { headers, rawBody, path: '/webhooks/indodana' };
}

/** Parses, allowing only a result or bayar's two typed webhook errors. */
function parseOrTypedError(webhook: RawWebhook): ParsedWebhook | SignatureInvalid | WebhookMalformed {
  try {
    return provider.parseWebhook(webhook);
  } catch (err) {
    if (err instanceof SignatureInvalid || err instanceof WebhookMalformed) return err;
    assert.fail(`parseWebhook threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
}

function assertWellFormed(parsed: ParsedWebhook): void {
  if (parsed.kind === 'ignored') return assert.equal(typeof parsed.reason, 'string');
  if (parsed.kind === 'payout') return assert.fail('indodana has no payouts');
  if (parsed.kind === 'charge-reference') return assert.fail("indodana notices name bayar's payment id");
  const e = parsed.event;
  assert.equal(typeof parsed.paymentId, 'string');
  assert.ok(parsed.paymentId.length > 0);
  assert.equal(e.source, 'webhook');
  assert.ok(['PENDING', 'PAID', 'EXPIRED', 'FAILED'].includes(e.chargeStatus), e.chargeStatus);
  assert.equal(e.chargeStatus, indodanaStatusToChargeStatus(e.providerStatus));
  if (e.chargeStatus === 'PAID') assert.ok(Number.isSafeInteger(e.paidAmount) && e.paidAmount! >= 0, `PAID carries a whole amount: ${e.paidAmount}`);
  else assert.equal(e.paidAmount, undefined);
  if (e.chargeStatus === 'FAILED') assert.ok(e.reason && e.reason.length > 0, 'FAILED carries its reason');
  assert.ok(e.eventId.endsWith(`:${e.chargeStatus}`));
  // Nothing in the body is signed: the event may only wake the payment for a status look-up.
  assert.equal(e.wakeOnly, true);
  assert.equal(e.provider, 'indodana');
  if (e.occurredAt !== undefined) assert.ok(!Number.isNaN(Date.parse(e.occurredAt)));
}

// ---- arbitraries ----

const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ maxLength: 100 }));
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
  anyText.map((t) => Buffer.from(t, 'utf8')),
  fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8')),
);
const otherHeaders = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 20 }).map((k) => k.toLowerCase()),
  fc.option(anyText, { nil: undefined }),
  { maxKeys: 5 },
);

/** Authorization values near the real thing: wrong parts, odd nonces, other secrets, stale or future times. */
const nearAuthorization = fc.oneof(
  anyText,
  fc.constantFrom('', 'Bearer', 'Bearer ', 'Bearer ::', `Bearer ${KEY}::`, `bearer ${GENUINE.slice(7)}`, GENUINE.replace('Bearer ', 'Basic '), GENUINE + ':x', ` ${GENUINE}x`),
  fc.tuple(fc.oneof(fc.constant(KEY), anyText), fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }).map(String), anyText), fc.oneof(hex(64), anyText)).map(([k, n, s]) => `Bearer ${k}:${n}:${s}`),
  // Correctly signed, but with another secret or key, or a nonce outside [now − 300 s, now + 60 s].
  fc
    .tuple(
      fc.integer({ min: -1_000_000, max: 1_000_000 }),
      fc.oneof(
        fc.constant(SECRET),
        anyText.filter((s) => s !== SECRET),
      ),
      fc.oneof(fc.constant(KEY), fc.stringMatching(/^[a-z-]{1,30}$/)),
    )
    .map(([offset, secret, key]) => bearer(NOW + offset, key, secret)),
);

const status = fc.oneof(fc.constantFrom('INITIATED', 'PAID', 'EXPIRED', 'REJECTED', 'CANCELLED', 'paid', '__proto__', 'constructor'), anyText);
const amount = fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(-1, 1.5, Number.MAX_SAFE_INTEGER + 2, '5000', null, true, {}, []));
const time = fc.oneof(fc.constantFrom('2019-09-26T06:24:26+0000', '2024-07-04T10:53:53+07:00', '2024-07-04T03:53:53Z', 'yesterday', '2024-13-45T99:99:99+0000'), anyText);
/** Bodies shaped like Indodana's, every field optional and possibly of the wrong type. */
const indodanaShaped = fc.record(
  {
    transactionStatus: fc.oneof({ arbitrary: status, weight: 4 }, { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 }),
    merchantOrderId: fc.oneof(hex(24), anyText, fc.integer()),
    amount,
    paymentType: fc.oneof(fc.constantFrom('3_months', '30_days'), anyText),
    transactionTime: time,
    transactionId: fc.oneof(fc.uuid(), anyText),
    fraudStatus: fc.oneof(fc.constantFrom('ACCEPT', 'REJECT'), anyText),
    message: anyText,
  },
  { requiredKeys: [] },
);

type Body = typeof indodanaShaped extends fc.Arbitrary<infer T> ? T : never;

describe('IndodanaProvider.parseWebhook (property-based)', () => {
  it('with any headers and bytes: a well-formed result, SignatureInvalid or WebhookMalformed, nothing else', () => {
    fc.assert(
      fc.property(otherHeaders, fc.option(fc.oneof(nearAuthorization, fc.constant(GENUINE)), { nil: undefined }), bytes, (headers, authorization, rawBody) => {
        const outcome = parseOrTypedError(raw({ ...headers, authorization }, rawBody));
        if (!(outcome instanceof Error)) assertWellFormed(outcome);
      }),
      { numRuns: RUNS },
    );
  });

  it('with a genuine, fresh Authorization: Indodana-shaped bodies become valid events or are refused as malformed', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(indodanaShaped, (body) => {
        const outcome = parseOrTypedError(raw({ authorization: GENUINE }, Buffer.from(JSON.stringify(body), 'utf8')));
        assert.ok(!(outcome instanceof SignatureInvalid), 'the credential is genuine');
        if (!(outcome instanceof Error)) assertWellFormed(outcome);
        seen.add(outcome instanceof Error ? outcome.name : outcome.kind === 'payment' ? outcome.event.chargeStatus : 'ignored');
      }),
      {
        numRuns: RUNS,
        // One well-formed body per status besides the random ones, so every branch is always taken.
        examples: (['PAID', 'INITIATED', 'REJECTED', 'EXPIRED', 'CANCELLED'] as const).map((transactionStatus): [Body] => [
          { transactionStatus, merchantOrderId: 'a'.repeat(24), amount: 1000, transactionId: 't-1' },
        ]),
      },
    );
    // Refusals and events of each kind were all seen.
    for (const kind of ['WebhookMalformed', 'PAID', 'PENDING', 'FAILED', 'EXPIRED']) assert.ok(seen.has(kind), `${kind} among ${[...seen].join(', ')}`);
  });

  it('with anything but a genuine, fresh Authorization: always SignatureInvalid, whatever the body', () => {
    const genuine = (a: string | undefined) => {
      const m = a === undefined ? null : /^Bearer ([^:]+):(\d{1,12}):([0-9a-fA-F]{64})$/.exec(a.trim());
      return !!m && m[1] === KEY && bearer(m[2]!).slice(-64) === m[3]!.toLowerCase();
    };
    fc.assert(
      fc.property(
        otherHeaders,
        fc.option(nearAuthorization, { nil: undefined }),
        fc.oneof(
          bytes,
          indodanaShaped.map((b) => Buffer.from(JSON.stringify(b))),
        ),
        (headers, authorization, rawBody) => {
          fc.pre(!genuine(authorization));
          assert.throws(() => provider.parseWebhook(raw({ ...headers, authorization }, rawBody)), SignatureInvalid);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('every genuinely signed nonce is accepted, however old: Indodana resends must not be refused (verify-by-fetch guards money)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), (offset) => {
        const body = Buffer.from(JSON.stringify({ transactionStatus: 'INITIATED', merchantOrderId: 'a'.repeat(24) }));
        const outcome = parseOrTypedError(raw({ authorization: bearer(NOW + offset) }, body));
        assert.ok(!(outcome instanceof Error), `offset ${offset}: ${outcome instanceof Error ? outcome.message : ''}`);
      }),
      { numRuns: RUNS },
    );
  });
});
