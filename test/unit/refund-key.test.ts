// The refund key sent to each provider: within that provider's charset and length, the same for
// the same (payment, refund), different for different ones, also when refund ids share a long
// prefix (the old key was cut at 64 characters, so ids differing after char 32 collided).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { DEFAULT_REFUND_KEY_RULES, REFUND_KEY_PATTERN, refundKeyFor } from '../../src/providers/refund-key.js';
import { xenditCapabilities } from '../../src/providers/xendit/capabilities.js';
import { midtransCapabilities } from '../../src/providers/midtrans/capabilities.js';
import { dokuCapabilities } from '../../src/providers/doku/capabilities.js';
import { indodanaCapabilities } from '../../src/providers/indodana/capabilities.js';

const DATA_KEY = randomBytes(32);
const PAYMENT = 'pay_0123456789abcdef01234567';
const PROVIDERS = { xendit: xenditCapabilities, midtrans: midtransCapabilities, doku: dokuCapabilities, indodana: indodanaCapabilities };
/** What bayar's refund API accepts as a refundId or Idempotency-Key (printable ASCII, ≤ 64). */
const refundIdArb = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 });

describe('refundKeyFor', () => {
  for (const [name, caps] of Object.entries(PROVIDERS)) {
    it(`${name}: declares its rule, and every key fits it (Midtrans' [A-Za-z0-9_-], at most ${caps.refundKey?.maxLength ?? DEFAULT_REFUND_KEY_RULES.maxLength})`, () => {
      assert.ok(caps.refundKey, `${name} refunds, so it declares its refund key rule`);
      fc.assert(
        fc.property(refundIdArb, (refundId) => {
          const key = refundKeyFor(DATA_KEY, PAYMENT, refundId, caps.refundKey);
          return REFUND_KEY_PATTERN.test(key) && key.length <= caps.refundKey!.maxLength && key.length >= 35;
        }),
        { numRuns: 500 },
      );
    });
  }

  it('is stable: the same refund retried has the same key', () => {
    assert.equal(refundKeyFor(DATA_KEY, PAYMENT, 'refund-1'), refundKeyFor(DATA_KEY, PAYMENT, 'refund-1'));
  });

  it('refund ids that differ only after character 40 (or 63) get different keys', () => {
    const prefix = 'r'.repeat(40);
    assert.notEqual(refundKeyFor(DATA_KEY, PAYMENT, `${prefix}-a`), refundKeyFor(DATA_KEY, PAYMENT, `${prefix}-b`));
    const long = 'x'.repeat(63);
    assert.notEqual(refundKeyFor(DATA_KEY, PAYMENT, `${long}1`), refundKeyFor(DATA_KEY, PAYMENT, `${long}2`));
  });

  it('distinct (payment, refund id) pairs never share a key, however the strings are cut', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.constantFrom(PAYMENT, 'pay_ffffffffffffffffffffffff', 'pay_0'), refundIdArb), { minLength: 2, maxLength: 50, selector: ([p, r]) => `${p}\u0000${r}` }),
        (pairs) => {
          const keys = new Set(pairs.map(([p, r]) => refundKeyFor(DATA_KEY, p, r)));
          return keys.size === pairs.length;
        },
      ),
      { numRuns: 300 },
    );
    // The boundary between the two fields cannot be moved: ("ab", "c") is not ("a", "bc").
    assert.notEqual(refundKeyFor(DATA_KEY, 'pay_ab', 'c'), refundKeyFor(DATA_KEY, 'pay_a', 'bc'));
  });

  it('is keyed: without the data key the key cannot be computed from the ids', () => {
    assert.notEqual(refundKeyFor(DATA_KEY, PAYMENT, 'r1'), refundKeyFor(randomBytes(32), PAYMENT, 'r1'));
    assert.ok(!refundKeyFor(DATA_KEY, PAYMENT, 'r1').includes('r1'));
  });

  it('refuses a length that could not be collision-free', () => {
    assert.throws(() => refundKeyFor(DATA_KEY, PAYMENT, 'r1', { maxLength: 20 }), RangeError);
    assert.equal(refundKeyFor(DATA_KEY, PAYMENT, 'r1', { maxLength: 35 }).length, 35);
  });
});
