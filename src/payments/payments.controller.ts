import { Body, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { ApiProblems, createRefusals, INVALID, RECORD_DOWN, TEMPORAL_DOWN, UNREADABLE_BODY } from '../common/openapi.js';
import type { Response } from 'express';
import { MerchantId, RequireScope } from '../common/auth.guard.js';
import { answerCreate, GetById, IdempotencyKey, IdempotentCreate, MerchantController, notFoundAnswer } from '../common/merchant-api.js';
import { PaymentsService } from './payments.service.js';
import {
  cancelSchema,
  createPaymentSchema,
  IDEMPOTENCY_KEY_HEADER,
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

const NOT_FOUND = notFoundAnswer('payment');

@MerchantController('payments', 'v1/payments', 'payments:read')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  @IdempotentCreate({
    summary: 'Create a payment (idempotent per merchantReference or Idempotency-Key)',
    created: 'Created: the provider answered the charge (the payment may be PENDING, or already FAILED)',
    again: 'The same request again: the payment it created',
    accepted: 'Accepted, but the provider has not answered within the wait: poll GET /v1/payments/{id} (Location)',
    refusals: createRefusals('valid JSON that no configured provider can take as asked'),
  })
  @RequireScope('payments:write')
  async create(@MerchantId() merchantId: string, @Body({ schema: createPaymentSchema }) body: CreatePaymentBody, @IdempotencyKey() key: string | undefined, @Res({ passthrough: true }) res: Response) {
    const outcome = await this.payments.create(merchantId, body, key);
    // 201 new, 200 the same request again, 202 accepted but the provider has not answered yet.
    answerCreate(res, outcome, `/v1/payments/${outcome.payment.id}`);
    return outcome.payment;
  }

  @Get()
  @ApiOperation({ summary: 'List, filter and batch-look-up your payments (from the system of record)' })
  @ApiResponse({ status: 200, description: 'One page of payments, newest first' })
  @ApiProblems(INVALID, { status: 422, codes: ['UNKNOWN_PAGE_TOKEN'], when: 'pageToken was not issued to you for this listing' }, RECORD_DOWN)
  list(@MerchantId() merchantId: string, @Query({ schema: listQuerySchema }) query: ListQuery) {
    return this.payments.list(merchantId, query);
  }

  @GetById('payment', 'The payment view: status, amounts, refunds, timeline', 'The payment')
  async get(@MerchantId() merchantId: string, @Param('id', { schema: paymentIdSchema }) id: string, @Res({ passthrough: true }) res: Response) {
    const json = await this.payments.getJson(merchantId, id);
    // The view's JSON as stored goes out as it is: the header res.json() would have set.
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    return json;
  }

  @Post(':id/cancel')
  @RequireScope('payments:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a payment that is not paid yet' })
  @ApiResponse({ status: 200, description: 'The payment, closed (CANCELLED, or PAID if the money came first)' })
  @ApiProblems(INVALID, ...UNREADABLE_BODY, NOT_FOUND, { status: 409, codes: ['NOT_CANCELLABLE'], when: 'the payment is no longer unpaid' }, TEMPORAL_DOWN)
  cancel(@MerchantId() merchantId: string, @Param('id', { schema: paymentIdSchema }) id: string, @Body({ schema: cancelSchema }) body: { reason?: string }) {
    return this.payments.cancel(merchantId, id, body.reason);
  }

  @Post(':id/refunds')
  @RequireScope('refunds')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Refund all or part of a settled payment',
    description: `Some providers accept only their own refund reasons: ${REFUND_REASONS}. ` + 'Any other reason is answered 422 INVALID_REFUND_REASON, listing them in allowedReasons.',
  })
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
  @ApiResponse({ status: 201, description: 'The refund: SUCCEEDED, or PENDING while the provider finishes it' })
  @ApiProblems(
    INVALID,
    ...UNREADABLE_BODY,
    NOT_FOUND,
    { status: 409, codes: ['NOT_REFUNDABLE', 'IDEMPOTENCY_CONFLICT'], when: 'the payment is not settled, or this refundId was used with another amount' },
    {
      status: 422,
      codes: ['REFUND_NOT_SUPPORTED', 'PARTIAL_REFUND_NOT_SUPPORTED', 'REFUND_EXCEEDS_REFUNDABLE', 'INVALID_REFUND_REASON', 'INVALID_AMOUNT'],
      when: "the provider's rules do not allow this refund",
    },
    { status: 502, codes: ['REFUND_FAILED'], when: 'the provider refused or failed the refund; nothing was refunded' },
    TEMPORAL_DOWN,
  )
  refund(
    @MerchantId() merchantId: string,
    @Param('id', { schema: paymentIdSchema }) id: string,
    @Body({ schema: refundSchema }) body: RefundBody,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    return this.payments.refund(merchantId, id, body, parseIdempotencyKey(idempotencyKey));
  }
}
