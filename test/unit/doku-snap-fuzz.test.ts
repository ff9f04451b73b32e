// Property-based tests of the DOKU SNAP notification parser (DokuProvider.parseWebhook with
// X-SIGNATURE headers): whatever bytes and headers arrive, it answers with a well-formed event or
// one of bayar's two typed errors; a genuine signature over a body that is not a notification is
// WebhookMalformed; genuine notifications parse into what they say; and any change to a signed
// byte, the path, the token or the timestamp is SignatureInvalid.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { DEV_DOKU_SNAP_DOKU_PUBLIC_KEY, DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY } from '../../src/providers/doku/sandbox/dev-keys.js';
import { DokuProvider } from '../../src/providers/doku/index.js';
import { dokuSnapStatusToChargeStatus } from '../../src/providers/doku/status.js';
import { issueNotificationToken, minifyJson, snapTimestamp, symmetricSignature } from '../../src/providers/doku/snap/signature.js';
import { SignatureInvalid, WebhookMalformed, type ParsedWebhook, type RawWebhook } from '../../src/providers/provider.js';

const RUNS = 300;
const { clientId: CLIENT_ID, secretKey: SECRET } = DEV_DEFAULTS.doku;
const PATH = '/webhooks/doku/v1.0/debit/notify';
const provider = new DokuProvider({
  clientId: CLIENT_ID,
  secretKey: SECRET,
  baseUrl: 'http://127.0.0.1:9',
  timeoutMs: 1000,
  snap: { clientSecret: SECRET, privateKey: DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, dokuPublicKey: DEV_DOKU_SNAP_DOKU_PUBLIC_KEY },
});
// One token for the run: RSA signing is slow, and the token is not what varies here.
const TOKEN = issueNotificationToken(DEV_DOKU_SNAP_MERCHANT_PRIVATE_KEY, CLIENT_ID, Date.now(), 900);

function signed(body: Buffer | string, o: { path?: string; token?: string; ts?: string } = {}): RawWebhook {
  const ts = o.ts ?? snapTimestamp(Date.now());
  const token = o.token ?? TOKEN;
  return {
    headers: {
      authorization: `Bearer ${token}`,
      'x-timestamp': ts,
      'x-partner-id': CLIENT_ID,
      'x-external-id': '1234567890',
      'x-signature': symmetricSignature({ method: 'POST', path: o.path ?? PATH, accessToken: token, body, timestamp: ts }, SECRET),
    },
    rawBody: Buffer.isBuffer(body) ? body : Buffer.from(body),
    path: PATH,
  };
}

/** Parses, allowing only a result or bayar's two typed webhook errors. */
function parseOrTyped(raw: RawWebhook): ParsedWebhook | SignatureInvalid | WebhookMalformed {
  try {
    return provider.parseWebhook(raw);
  } catch (err) {
    if (err instanceof SignatureInvalid || err instanceof WebhookMalformed) return err;
    throw err;
  }
}

const hostileBody = fc.oneof(
  fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b)),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => Buffer.from(s)),
  fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s)),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => Buffer.from('['.repeat(d) + ']'.repeat(d))),
  fc.integer({ min: 1_000, max: 20_000 }).map((d) => Buffer.from('{"amount":'.repeat(d))),
);
const headerValue = fc.option(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant(`Bearer ${TOKEN}`), fc.constant(CLIENT_ID)), { nil: undefined });

const status = fc.oneof(fc.constantFrom('00', '01', '02', '03', '04', '05', '06', '07'), fc.stringMatching(/^\d{2}$/));
const rupiah = fc.integer({ min: 1, max: 9_999_999_999_999 });
const notification = fc.record({
  originalPartnerReferenceNo: fc.oneof(fc.stringMatching(/^pay_[0-9a-f]{24}$/), fc.string({ minLength: 1, maxLength: 64 })),
  originalReferenceNo: fc.option(fc.stringMatching(/^\d{1,20}$/), { nil: undefined }),
  latestTransactionStatus: status,
  transactionStatusDesc: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
  amount: rupiah.map((n) => ({ value: `${n}.00`, currency: 'IDR' })),
  additionalInfo: fc.option(fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }), { nil: undefined }),
});

describe('DOKU SNAP notifications (property-based)', () => {
  it('any bytes and headers: a well-formed event, or 401 / 400 — never anything else', () => {
    fc.assert(
      fc.property(
        hostileBody,
        fc.record({ authorization: headerValue, 'x-timestamp': headerValue, 'x-partner-id': headerValue, 'x-signature': headerValue, 'x-external-id': headerValue }),
        (body, headers) => {
          const result = parseOrTyped({ headers, rawBody: body, path: PATH });
          if (result instanceof Error) return;
          if (result.kind === 'payment') assert.equal(typeof result.paymentId, 'string');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a genuine signature over anything that is not a notification is 400, never a payment', () => {
    fc.assert(
      fc.property(hostileBody, (body) => {
        const result = parseOrTyped(signed(body));
        if (result instanceof SignatureInvalid) assert.fail(`genuine signature refused: ${result.message}`);
        if (!(result instanceof Error)) {
          // It happened to be a well-formed notification: fine, as long as it says what it says.
          assert.ok(result.kind === 'payment' || result.kind === 'ignored');
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('genuine notifications parse into what they say; duplicates share an event id', () => {
    fc.assert(
      fc.property(notification, fc.boolean(), (n, pretty) => {
        const body = JSON.stringify(n, null, pretty ? 2 : undefined);
        const result = parseOrTyped(signed(body));
        assert.ok(!(result instanceof Error), result instanceof Error ? result.message : '');
        const expected = dokuSnapStatusToChargeStatus(n.latestTransactionStatus);
        // A refund notice only wakes the payment (its amounts come from the status look-up).
        if (expected === 'REFUNDED') return assert.ok(result.kind === 'payment' && result.event.wakeOnly === true);
        assert.ok(result.kind === 'payment');
        assert.equal(result.paymentId, n.originalPartnerReferenceNo);
        assert.equal(result.event.chargeStatus, expected);
        assert.equal(result.event.paidAmount, expected === 'PAID' ? Number(n.amount.value.slice(0, -3)) : undefined);
        const again = parseOrTyped(signed(minifyJson(body)));
        assert.ok(!(again instanceof Error) && again.kind === 'payment' && again.event.eventId === result.event.eventId);
      }),
      { numRuns: RUNS },
    );
  });

  it('changing any signed byte, the path or the timestamp after signing is 401', () => {
    fc.assert(
      fc.property(notification, fc.nat(), fc.integer({ min: 1, max: 255 }), (n, at, delta) => {
        const body = Buffer.from(JSON.stringify(n));
        const raw = signed(body);
        const i = at % body.length;
        const changed = Buffer.from(body);
        changed[i] = (changed[i]! + delta) % 256;
        // A change that only adds or removes whitespace between tokens is not a change of content.
        if (minifyJson(changed.toString('utf8')) === minifyJson(body.toString('utf8'))) return;
        assert.ok(parseOrTyped({ ...raw, rawBody: changed }) instanceof SignatureInvalid);
        assert.ok(parseOrTyped({ ...raw, path: '/webhooks/xendit' }) instanceof SignatureInvalid);
        assert.ok(parseOrTyped({ ...raw, headers: { ...raw.headers, 'x-timestamp': snapTimestamp(Date.now() + 1000) } }) instanceof SignatureInvalid);
      }),
      { numRuns: RUNS },
    );
  });
});
