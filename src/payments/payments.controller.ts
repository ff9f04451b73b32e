import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiKeyGuard, MerchantId, RequireScope } from '../common/auth.guard.js';
import { PaymentsService } from './payments.service.js';
import {
  cancelSchema,
  createPaymentSchema,
  listQuerySchema,
  parseIdempotencyKey,
  paymentIdSchema,
  refundSchema,
  type CreatePaymentBody,
  type ListQuery,
  type RefundBody,
} from './payments.schemas.js';
import { PROVIDERS } from '../providers/index.js';

/** Providers that take only their own refund reasons (capabilities.refundReasons), for the OpenAPI text. */
const REFUND_REASONS = PROVIDERS.filter((d) => d.capabilities.refundReasons)
  .map((d) => `for ${d.name}, reason is one of ${d.capabilities.refundReasons!.map((r) => JSON.stringify(r)).join(', ')}`)
  .join('; ');

@ApiTags('payments')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@RequireScope('payments:read')
@Controller('v1/payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @Post()
  @RequireScope('payments:write')
  @ApiOperation({ summary: 'Create a payment (idempotent per merchantReference or Idempotency-Key)' })
  async create(
    @MerchantId() merchantId: string,
    @Body({ schema: createPaymentSchema }) body: CreatePaymentBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    const outcome = await this.payments.create(merchantId, body, parseIdempotencyKey(idempotencyKey));
    // 201 new, 200 the same request again, 202 accepted but the provider has not answered yet.
    res.status(!outcome.settledView ? 202 : outcome.created ? 201 : 200);
    res.setHeader('Location', `/v1/payments/${outcome.payment.id}`);
    return outcome.payment;
  }

  @Get()
  @ApiOperation({ summary: 'List, filter and batch-look-up your payments (from the system of record)' })
  list(@MerchantId() merchantId: string, @Query({ schema: listQuerySchema }) query: ListQuery) {
    return this.payments.list(merchantId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'The payment view: status, amounts, refunds, timeline' })
  get(@MerchantId() merchantId: string, @Param('id', { schema: paymentIdSchema }) id: string) {
    return this.payments.get(merchantId, id);
  }

  @Post(':id/cancel')
  @RequireScope('payments:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a payment that is not paid yet' })
  cancel(@MerchantId() merchantId: string, @Param('id', { schema: paymentIdSchema }) id: string, @Body({ schema: cancelSchema }) body: { reason?: string }) {
    return this.payments.cancel(merchantId, id, body.reason);
  }

  @Post(':id/refunds')
  @RequireScope('refunds')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Refund all or part of a settled payment',
    description:
      `Some providers accept only their own refund reasons: ${REFUND_REASONS}. ` +
      'Any other reason is answered 422 INVALID_REFUND_REASON, listing them in allowedReasons.',
  })
  refund(
    @MerchantId() merchantId: string,
    @Param('id', { schema: paymentIdSchema }) id: string,
    @Body({ schema: refundSchema }) body: RefundBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    return this.payments.refund(merchantId, id, body, parseIdempotencyKey(idempotencyKey));
  }
}
