// Generators of POST /v1/payouts bodies for the property-based tests (unit: the schema and the
// HTTP layer in-process; e2e: the real API). Valid ones are what a careful merchant sends;
// the rest is anything at all, shaped like a payout or not.
import fc from 'fast-check';
import { PROVIDER_NAMES } from '../../src/providers/index.js';
import { PAYOUT_BANKS, PAYOUT_FEE_TYPES } from '../../src/domain/payout.js';
import { MAX_PAYMENT_IDR } from '../../src/payments/payments.schemas.js';

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 64 });
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 60 }), printable);
/** JSON-safe oddities: what can actually arrive over HTTP. */
const anyJson = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(null, true, false, 0, -1, 1e21, '', '0', [], {}));

const letters = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), minLength: 1, maxLength: 12 });
/** Names as banks hold them: letters, single spaces. */
export const validAccountName = fc
  .array(letters, { minLength: 1, maxLength: 5 })
  .map((w) => w.join(' '))
  .filter((n) => n.length >= 2 && n.length <= 100);
export const validAccountNumber = fc.stringMatching(/^[0-9]{6,20}$/);

export const validPayoutBody = fc.record(
  {
    merchantReference: printable,
    provider: fc.constantFrom(...PROVIDER_NAMES),
    amount: fc.integer({ min: 1, max: MAX_PAYMENT_IDR }),
    currency: fc.constant('IDR' as const),
    feeType: fc.constantFrom(...PAYOUT_FEE_TYPES),
    destination: fc.record({ bankCode: fc.constantFrom(...PAYOUT_BANKS), accountNumber: validAccountNumber, accountName: validAccountName }),
    description: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 100 }),
    callbackUrl: fc.stringMatching(/^[a-z0-9]{1,20}$/).map((p) => `https://merchant.example.co.id/${p}`),
  },
  { requiredKeys: ['merchantReference', 'provider', 'amount', 'feeType', 'destination'] },
);

/** A field's bad values: wrong types, out of bounds, look-alikes. */
const badAmount = fc.oneof(fc.constantFrom(0, -1, 1.5, MAX_PAYMENT_IDR + 1, Number.MAX_SAFE_INTEGER, '10000', '1e4', null, [], {}), fc.double({ noInteger: true, noNaN: true }));
const badAccountNumber = fc.oneof(
  fc.constantFrom('', '12345', '1'.repeat(21), '12 345678', '+62812345678', '１２３４５６７８', '0x12345678', '123456789a', 12345678, null),
  anyText.filter((t) => !/^[0-9]{6,20}$/.test(t)),
);
const badAccountName = fc.oneof(
  fc.constantFrom('', 'A', ' Budi', 'Budi ', 'Budi  Santoso', 'Budi_Santoso', 'Budi1', 'Büdi', 'B'.repeat(101), 'Budi\nSantoso', 'DROP TABLE;', 7),
  anyText.filter((t) => !/^[A-Za-z]+( [A-Za-z]+)*$/.test(t) || t.length < 2 || t.length > 100),
);
const badBank = fc.oneof(
  fc.constantFrom('bca', 'ID_BCA', 'BCA ', '', 'JAGO', '__proto__', 'constructor', 14),
  anyText.filter((t) => !(PAYOUT_BANKS as readonly string[]).includes(t)),
);
const badFeeType = fc.oneof(
  fc.constantFrom('deduct_from_amount', 0, 1, '0', '1', 'BOTH', '', null),
  anyText.filter((t) => !(PAYOUT_FEE_TYPES as readonly string[]).includes(t)),
);

/**
 * A valid body with exactly one thing wrong (or one field missing, or one field too many):
 * each must be refused with 400, naming the field.
 */
export const oneThingWrong = fc
  .tuple(
    validPayoutBody,
    fc.nat({ max: 9 }),
    fc.record({ amount: badAmount, accountNumber: badAccountNumber, accountName: badAccountName, bankCode: badBank, feeType: badFeeType }),
    anyJson,
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.constantFrom('merchantReference', 'provider', 'amount', 'destination'),
    fc.constantFrom('USD', 'idr', '', 1),
  )
  .map(([body, which, { amount, accountNumber, accountName, bankCode, feeType }, junk, extraKey, missing, currency]) => {
    const b: Record<string, unknown> = { ...body, destination: { ...body.destination } };
    const d = b.destination as Record<string, unknown>;
    switch (which) {
      case 0:
        b.amount = amount;
        break;
      case 1:
        d.accountNumber = accountNumber;
        break;
      case 2:
        d.accountName = accountName;
        break;
      case 3:
        d.bankCode = bankCode;
        break;
      case 4:
        b.feeType = feeType;
        break;
      case 5:
        delete b.feeType;
        break;
      case 6:
        delete b[missing];
        break;
      case 7:
        b.destination = junk;
        break;
      case 8:
        b[`x_${extraKey}`] = junk;
        break;
      default:
        b.currency = currency;
        break;
    }
    return b;
  });

/** Anything: payout-shaped with every field free, plain JSON, deep junk. */
export const anyPayoutLike = fc.oneof(
  fc.record(
    {
      merchantReference: fc.oneof(printable, anyText, anyJson),
      provider: fc.oneof(fc.constantFrom(...PROVIDER_NAMES), anyText, anyJson),
      amount: fc.oneof(badAmount, fc.integer({ min: 1, max: MAX_PAYMENT_IDR }), anyJson),
      currency: fc.oneof(fc.constant('IDR'), anyText),
      feeType: fc.oneof(fc.constantFrom(...PAYOUT_FEE_TYPES), badFeeType),
      destination: fc.oneof(
        fc.record(
          { bankCode: fc.oneof(fc.constantFrom(...PAYOUT_BANKS), badBank), accountNumber: fc.oneof(validAccountNumber, badAccountNumber), accountName: fc.oneof(validAccountName, badAccountName) },
          { requiredKeys: [] },
        ),
        anyJson,
      ),
      description: fc.oneof(anyText, anyJson),
      callbackUrl: fc.oneof(fc.webUrl(), fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd'), anyText),
    },
    { requiredKeys: [] },
  ),
  anyJson,
  oneThingWrong,
);
