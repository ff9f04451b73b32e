import { Body, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiProblems, INVALID, TEMPORAL_DOWN, UNREADABLE_BODY } from '../common/openapi.js';
import type { Response } from 'express';
import { ApiKeyId, MerchantId } from '../common/auth.guard.js';
import { answerCreate, GetById, IdempotencyKey, IdempotentCreate, MerchantController, notFoundAnswer } from '../common/merchant-api.js';

import { PayoutsService } from './payouts.service.js';
import { createPayoutSchema, FEE_TYPE_DOC, payoutIdSchema, retryPayoutSchema, type CreatePayoutBody, type RetryPayoutBody } from './payouts.schemas.js';

const NOT_FOUND = notFoundAnswer('payout');

const NEVER_RESENT =
  'A payout attempt whose outcome is unknown (a timeout, an UNKNOWN answer) is never sent again: bayar looks it up at the provider until ' +
  'it is definite. Only a definite FAILED allows a new attempt, and only when you ask for it (POST /v1/payouts/{id}/retry).';

// Every payout route: a key that may not move money out may not see or retry payouts either.
@MerchantController('payouts', 'v1/payouts', 'payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @IdempotentCreate({
    summary: 'Pay money out to a bank account (idempotent per merchantReference or Idempotency-Key)',
    description: `201 new, 200 the same request again, 202 sent but the provider has not answered yet (poll GET), 409 same key with another body. feeType: ${FEE_TYPE_DOC} ${NEVER_RESENT}`,
    created: 'Created: the first attempt was sent and answered',
    again: 'The same request again: the payout it created',
    accepted: 'Sent, but the provider has not answered within the wait: poll GET /v1/payouts/{id} (Location)',
    refusals: [
      INVALID,
      ...UNREADABLE_BODY,
      { status: 409, codes: ['IDEMPOTENCY_CONFLICT'], when: 'this merchantReference or Idempotency-Key was used for a different request' },
      {
        status: 422,
        codes: ['PAYOUTS_NOT_SUPPORTED', 'BANK_NOT_SUPPORTED', 'FEE_TYPE_NOT_SUPPORTED', 'AMOUNT_OUT_OF_RANGE', 'CALLBACK_URL_REFUSED', 'INSUFFICIENT_BALANCE', 'MERCHANT_UNKNOWN'],
        when: 'valid JSON that the provider or your balance cannot take',
      },
      TEMPORAL_DOWN,
    ],
  })
  async create(
    @MerchantId() merchantId: string,
    @Body({ schema: createPayoutSchema }) body: CreatePayoutBody,
    @IdempotencyKey() key: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @ApiKeyId() keyId: string,
  ) {
    const outcome = await this.payouts.create(merchantId, body, key, keyId);
    answerCreate(res, outcome, `/v1/payouts/${outcome.payout.id}`);
    return outcome.payout;
  }

  @GetById('payout', 'The payout: status, attempts (one per provider payout id), timeline', 'The payout')
  get(@MerchantId() merchantId: string, @Param('id', { schema: payoutIdSchema }) id: string) {
    return this.payouts.get(merchantId, id);
  }

  @Post(':id/retry')
  @ApiOperation({
    summary: 'A new attempt for a FAILED payout',
    description: `201 with the new attempt, 200 when {"attempt": n} already exists, 409 when the payout is not FAILED or is closed. ${NEVER_RESENT}`,
  })
  @ApiResponse({ status: 201, description: 'The payout with its new attempt' })
  @ApiResponse({ status: 200, description: 'The attempt asked for already exists: the payout as it is' })
  @ApiProblems(
    INVALID,
    ...UNREADABLE_BODY,
    NOT_FOUND,
    { status: 409, codes: ['PAYOUT_NOT_RETRYABLE', 'TOO_MANY_ATTEMPTS', 'PAYOUT_CLOSED'], when: 'the payout is not FAILED, has had its attempts, or is closed' },
    TEMPORAL_DOWN,
  )
  async retry(
    @MerchantId() merchantId: string,
    @Param('id', { schema: payoutIdSchema }) id: string,
    @Body({ schema: retryPayoutSchema }) body: RetryPayoutBody,
    @Res({ passthrough: true }) res: Response,
    @ApiKeyId() keyId: string,
  ) {
    const outcome = await this.payouts.retry(merchantId, id, body, keyId);
    res.status(outcome.created ? 201 : 200);
    return outcome.payout;
  }
}
