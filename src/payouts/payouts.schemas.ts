// The payout API's request shapes. Strict: an unknown field is a 400, not silently dropped.
import { z } from 'zod';
import { PROVIDER_NAMES } from '../providers/index.js';
import { PAYOUT_BANKS, PAYOUT_FEE_TYPES } from '../domain/payout.js';
import { rupiah } from '../payments/payments.schemas.js';
import { MAX_PAYOUT_ATTEMPTS } from '../../workflows/payout-definitions.js';

/** The API documentation of feeType; also what GET /docs shows for the field. */
export const FEE_TYPE_DOC =
  "Who pays the provider's payout fee. DEDUCT_FROM_AMOUNT: the fee is taken out of `amount` — the recipient receives amount − fee, " +
  'your balance is debited `amount`. CHARGE_TO_BALANCE: the recipient receives exactly `amount`, your balance is debited amount + fee. ' +
  'Each provider supports one or both (GET /v1/providers → payouts.feeTypes); Xendit supports CHARGE_TO_BALANCE only. ' +
  'Required: bayar never picks one for you.';

/** Letters and single spaces, as banks hold account names; no leading or trailing space. */
const ACCOUNT_NAME = /^[A-Za-z]+( [A-Za-z]+)*$/;

export const createPayoutSchema = z.strictObject({
  merchantReference: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'merchantReference: printable ASCII without spaces'),
  provider: z.enum(PROVIDER_NAMES).describe('The provider that pays out; it must offer payouts (GET /v1/providers → payouts).'),
  amount: rupiah.describe('Whole rupiah. What the recipient receives depends on feeType.'),
  currency: z.literal('IDR').default('IDR'),
  feeType: z.enum(PAYOUT_FEE_TYPES, { error: `feeType must be one of ${PAYOUT_FEE_TYPES.join(', ')}` }).describe(FEE_TYPE_DOC),
  destination: z.strictObject({
    bankCode: z.enum(PAYOUT_BANKS, { error: `bankCode must be one of ${PAYOUT_BANKS.join(', ')}` }),
    accountNumber: z.string().regex(/^[0-9]{6,20}$/, 'accountNumber: 6–20 digits, nothing else'),
    accountName: z
      .string()
      .min(2, 'accountName: at least 2 characters')
      .max(100, 'accountName: at most 100 characters')
      .regex(ACCOUNT_NAME, 'accountName: letters and single spaces, as the bank holds it')
      .describe("The account holder's name as the bank holds it; the bank may refuse the transfer when it does not match."),
  }),
  description: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[\x20-\x7e]+$/, 'description: printable ASCII')
    .optional()
    .describe('Shown to the recipient where the bank supports it; default "Payout <merchantReference>".'),
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional()
    .describe('Signed callbacks: payout.succeeded, payout.failed, payout.review_required.'),
});
export type CreatePayoutBody = z.infer<typeof createPayoutSchema>;

export const retryPayoutSchema = z
  .strictObject({
    attempt: z
      .number()
      .int()
      .min(2)
      .max(MAX_PAYOUT_ATTEMPTS)
      .optional()
      .describe('The attempt number this retry creates (attempts so far + 1). Given, a repeated retry returns that attempt instead of a 409.'),
  })
  .default({});
export type RetryPayoutBody = z.infer<typeof retryPayoutSchema>;

export const payoutIdSchema = z.string().regex(/^payout_[0-9a-f]{24}$/, 'not a payout id');
