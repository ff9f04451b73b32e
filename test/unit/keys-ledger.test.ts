// API keys (hashing, prefixes, scopes, the guard's verdicts) and the ledger's arithmetic, without a
// database: the SQL around them is exercised end to end in merchants-ledger-events.test.ts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { generateKey, hashKey, judgeKey, keyPrefix, parseScopes, SCOPES, type KeyMatch, type Scope } from '../../src/db/keys.js';
import { balanceOf, paymentEntries } from '../../src/db/ledger.js';
import { parseArgs, parseExpiry } from '../../src/admin/cli.js';
import { signMerchantWebhook, verifyMerchantWebhook } from '../../src/common/merchant-webhook.js';
import type { PaymentView, RefundRecord } from '../../src/domain/payment.js';

describe('API keys', () => {
  it('are 256 random bits with a mode prefix, stored as their SHA-256, shown as a 16-character prefix', () => {
    const live = generateKey();
    const test = generateKey('test');
    assert.match(live, /^sk_live_[A-Za-z0-9_-]{43}$/);
    assert.match(test, /^sk_test_[A-Za-z0-9_-]{43}$/);
    assert.notEqual(generateKey(), generateKey());
    assert.equal(hashKey(live), createHash('sha256').update(live).digest('hex'));
    assert.equal(keyPrefix(live), live.slice(0, 16));
    // The prefix reveals 8 random characters at most: 200+ bits stay secret.
    assert.ok(live.length - keyPrefix(live).length >= 35);
    assert.equal(keyPrefix('sk_test_bayar_demo_key'), 'sk_test_bayar_de');
  });

  it('scopes parse from a comma list, deduplicated; unknown or none are refused', () => {
    assert.deepEqual(parseScopes('payments:read, refunds,payments:read'), ['payments:read', 'refunds']);
    assert.deepEqual(parseScopes(SCOPES.join(',')), [...SCOPES]);
    for (const bad of ['', ',', 'admin', 'payments:*', 'payouts,everything']) assert.throws(() => parseScopes(bad), bad);
  });

  const key = (over: Partial<KeyMatch> = {}): KeyMatch => ({ keyId: 'key_1', merchantId: 'm', scopes: ['payments:read'], revoked: false, merchantActive: true, ...over });
  const NOW = 1_800_000_000_000;

  it('the guard: unknown, revoked and expired → 401; suspended merchant or missing scope → 403; else the merchant', () => {
    assert.deepEqual(judgeKey(undefined, 'payments:read', NOW), { ok: false, status: 401, code: 'UNAUTHENTICATED', detail: 'unknown API key' });
    assert.equal(judgeKey(key({ revoked: true }), 'payments:read', NOW).ok, false);
    assert.equal((judgeKey(key({ revoked: true }), 'payments:read', NOW) as { status: number }).status, 401);
    assert.equal((judgeKey(key({ expiresAt: NOW }), 'payments:read', NOW) as { status: number }).status, 401, 'expires at this instant');
    assert.deepEqual(judgeKey(key({ expiresAt: NOW + 1 }), 'payments:read', NOW), { ok: true, merchantId: 'm', keyId: 'key_1' });
    assert.equal((judgeKey(key({ merchantActive: false }), 'payments:read', NOW) as { status: number }).status, 403);
    const noScope = judgeKey(key(), 'payouts', NOW);
    assert.deepEqual(noScope, { ok: false, status: 403, code: 'INSUFFICIENT_SCOPE', detail: 'this API key lacks the "payouts" scope' });
    // A revoked key is 401 whatever its scopes: revocation is checked before scope.
    assert.equal((judgeKey(key({ revoked: true }), 'payouts', NOW) as { status: number }).status, 401);
  });

  it('a key passes exactly for the scopes it holds (property)', () => {
    fc.assert(
      fc.property(fc.subarray([...SCOPES], { minLength: 1 }), fc.constantFrom(...SCOPES), (held, wanted: Scope) => {
        const v = judgeKey(key({ scopes: held }), wanted, NOW);
        assert.equal(v.ok, held.includes(wanted));
      }),
    );
  });

  it('admin CLI: flags and expiries', () => {
    const p = parseArgs(['keys', 'create', 'shop', '--scopes', 'payouts', '--test', '--expires', '30d']);
    assert.deepEqual(p.args, ['keys', 'create', 'shop']);
    assert.equal(p.flags.get('scopes'), 'payouts');
    assert.equal(p.flags.get('test'), true);
    assert.equal(parseExpiry('30d', NOW).getTime(), NOW + 30 * 86_400_000);
    assert.equal(parseExpiry('2030-01-02T03:04:05Z').toISOString(), '2030-01-02T03:04:05.000Z');
    assert.throws(() => parseExpiry('soon'));
  });
});

describe('webhook signatures during a secret rotation', () => {
  const BODY = '{"id":"evt","type":"payment.paid"}';
  const NOW = 1_800_000_000;
  it('carry one v1 per signing secret; a receiver with either secret accepts, one with neither refuses', () => {
    const header = signMerchantWebhook(['whsec_new_secret', 'whsec_old_secret'], BODY, 'evt', NOW)['bayar-signature']!;
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    assert.equal(verifyMerchantWebhook('whsec_new_secret', BODY, header, NOW), true);
    assert.equal(verifyMerchantWebhook('whsec_old_secret', BODY, header, NOW), true);
    assert.equal(verifyMerchantWebhook('whsec_other_secret', BODY, header, NOW), false);
    // Two timestamps would let an attacker pick the one they like: refused.
    assert.equal(verifyMerchantWebhook('whsec_new_secret', BODY, `t=${NOW},${header}`, NOW), false);
  });
});

describe('ledger arithmetic', () => {
  const view = (paid: number, refunds: Partial<RefundRecord>[] = []): PaymentView =>
    ({
      id: 'pay_1',
      merchantId: 'm',
      amounts: { expected: 100_000, paid, refunded: 0, refundPending: 0, refundable: paid },
      refunds: refunds.map((r, i) => ({ refundId: `r${i}`, amount: 10_000, reason: 'x', state: 'SUCCEEDED', origin: 'merchant', requestedAt: '', ...r })),
    }) as unknown as PaymentView;
  const none = () => ({ collected: 0, refunded: new Set<string>(), refundFailed: new Set<string>() });

  it('collected once per total received; a late payment adds only the difference', () => {
    assert.deepEqual(paymentEntries(view(0), none()), []);
    const first = paymentEntries(view(100_000), none());
    assert.deepEqual(first, [{ merchantId: 'm', paymentId: 'pay_1', kind: 'COLLECTED', amount: 100_000, sourceKey: 'collected:pay_1:100000' }]);
    assert.deepEqual(paymentEntries(view(100_000), { ...none(), collected: 100_000 }), [], 'the same view again adds nothing');
    const late = paymentEntries(view(150_000), { ...none(), collected: 100_000 });
    assert.deepEqual(
      late.map((e) => [e.kind, e.amount, e.sourceKey]),
      [['COLLECTED', 50_000, 'collected:pay_1:150000']],
    );
  });

  it('refunds are debited once, from PENDING on; a debited refund that fails is credited back once', () => {
    const entries = paymentEntries(view(100_000, [{ state: 'PENDING' }, { state: 'SUCCEEDED', amount: 5_000 }, { state: 'FAILED' }]), { ...none(), collected: 100_000 });
    assert.deepEqual(
      entries.map((e) => [e.kind, e.amount, e.refundId]),
      [
        ['REFUNDED', -10_000, 'r0'],
        ['REFUNDED', -5_000, 'r1'],
      ],
      'a refund that failed at once was never debited',
    );
    const failedLater = paymentEntries(view(100_000, [{ state: 'FAILED' }]), { ...none(), collected: 100_000, refunded: new Set(['r0']) });
    assert.deepEqual(
      failedLater.map((e) => [e.kind, e.amount, e.sourceKey]),
      [['ADJUSTMENT', 10_000, 'refund-failed:pay_1:r0']],
    );
    assert.deepEqual(paymentEntries(view(100_000, [{ state: 'FAILED' }]), { ...none(), collected: 100_000, refunded: new Set(['r0']), refundFailed: new Set(['r0']) }), []);
  });

  it('the balance is the sum of the entries; reservations held, released and paid out are told apart', () => {
    const b = balanceOf([
      { kind: 'COLLECTED', amount: 500_000 },
      { kind: 'REFUNDED', amount: -50_000 },
      { kind: 'PAYOUT_RESERVED', amount: -200_000 },
      { kind: 'PAYOUT_RELEASED', amount: 200_000 },
      { kind: 'PAID_OUT', amount: -200_000 },
      { kind: 'PAYOUT_RESERVED', amount: -100_000 },
      { kind: 'ADJUSTMENT', amount: 1_000 },
    ]);
    assert.deepEqual(b, { available: 151_000, collected: 500_000, refunded: 50_000, fees: 0, reserved: 100_000, paidOut: 200_000, adjustments: 1_000 });
  });

  it('applying any sequence of views of one payment, each twice, credits the final paid minus the debited refunds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ paidStep: fc.nat(50_000), refund: fc.option(fc.constantFrom<'PENDING' | 'SUCCEEDED' | 'FAILED'>('PENDING', 'SUCCEEDED', 'FAILED')) }), { maxLength: 8 }),
        (steps) => {
          const written: { kind: string; amount: number; refundId?: string }[] = [];
          const keys = new Set<string>();
          let paid = 0;
          const refunds: Partial<RefundRecord>[] = [];
          for (const s of steps) {
            paid += s.paidStep;
            if (s.refund) refunds.push({ state: s.refund, amount: 1_000 });
            for (let twice = 0; twice < 2; twice++) {
              const recorded = none();
              for (const w of written) {
                if (w.kind === 'COLLECTED') recorded.collected += w.amount;
                if (w.kind === 'REFUNDED') recorded.refunded.add(w.refundId!);
                if (w.kind === 'ADJUSTMENT') recorded.refundFailed.add(w.refundId!);
              }
              for (const e of paymentEntries(view(paid, refunds), recorded)) {
                assert.ok(!keys.has(e.sourceKey), `${e.sourceKey} written twice`);
                keys.add(e.sourceKey);
                written.push(e);
              }
            }
          }
          const debited = refunds.filter((r) => r.state !== 'FAILED').length * 1_000;
          assert.equal(balanceOf(written).available, paid - debited);
        },
      ),
    );
  });
});
