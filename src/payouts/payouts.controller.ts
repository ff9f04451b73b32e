import { Body, Controller, Get, Headers, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, ApiKeyId, MerchantId, RequireScope } from '../common/auth.guard.js';
import { parseIdempotencyKey } from '../payments/payments.schemas.js';
import { PayoutsService } from './payouts.service.js';
import { createPayoutSchema, FEE_TYPE_DOC, payoutIdSchema, retryPayoutSchema, type CreatePayoutBody, type RetryPayoutBody } from './payouts.schemas.js';

const NEVER_RESENT =
  'A payout attempt whose outcome is unknown (a timeout, an UNKNOWN answer) is never sent again: bayar looks it up at the provider until ' +
  'it is definite. Only a definite FAILED allows a new attempt, and only when you ask for it (POST /v1/payouts/{id}/retry).';

@ApiTags('payouts')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
// Every payout route: a key that may not move money out may not see or retry payouts either.
@RequireScope('payouts')
@Controller('v1/payouts')
export class PayoutsController {
  constructor(private readonly payouts: PayoutsService) {}

  @Post()
  @ApiOperation({
    summary: 'Pay money out to a bank account (idempotent per merchantReference or Idempotency-Key)',
    description: `201 new, 200 the same request again, 202 sent but the provider has not answered yet (poll GET), 409 same key with another body. feeType: ${FEE_TYPE_DOC} ${NEVER_RESENT}`,
  })
  async create(
    @MerchantId() merchantId: string,
    @Body({ schema: createPayoutSchema }) body: CreatePayoutBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
    @ApiKeyId() keyId: string,
  ) {
    const outcome = await this.payouts.create(merchantId, body, parseIdempotencyKey(idempotencyKey), keyId);
    res.status(!outcome.answered ? 202 : outcome.created ? 201 : 200);
    res.setHeader('Location', `/v1/payouts/${outcome.payout.id}`);
    return outcome.payout;
  }

  @Get(':id')
  @ApiOperation({ summary: 'The payout: status, attempts (one per provider payout id), timeline' })
  get(@MerchantId() merchantId: string, @Param('id', { schema: payoutIdSchema }) id: string) {
    return this.payouts.get(merchantId, id);
  }

  @Post(':id/retry')
  @ApiOperation({
    summary: 'A new attempt for a FAILED payout',
    description: `201 with the new attempt, 200 when {"attempt": n} already exists, 409 when the payout is not FAILED or is closed. ${NEVER_RESENT}`,
  })
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
