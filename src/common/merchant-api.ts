// What the merchant API's create controllers (payments, payouts, checkouts) share: the class
// behind an API key with its authentication answers documented, and the idempotent create with
// its Idempotency-Key header, its three success answers and how they are written.
import { applyDecorators, Controller, createParamDecorator, Get, Post, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeyGuard, RequireScope } from './auth.guard.js';
import type { Scope } from '../db/keys.js';
import { ApiProblems, AUTHENTICATED, createdStatus, INVALID, TEMPORAL_DOWN, type ProblemAnswer } from './openapi.js';
import { IDEMPOTENCY_KEY_HEADER, parseIdempotencyKey } from '../payments/payments.schemas.js';

type Noun = 'payment' | 'payout';

/** A merchant API controller under `path`: every route needs an API key with `scope` (a route may ask for another). */
export function MerchantController(tag: string, path: string, scope: Scope): ClassDecorator {
  return applyDecorators(ApiTags(tag), ApiBearerAuth(), ApiProblems(...AUTHENTICATED), UseGuards(ApiKeyGuard), RequireScope(scope), Controller(path));
}

/** The 404 of a route on one payment or payout (another merchant's is as missing as none). */
export function notFoundAnswer(noun: Noun): ProblemAnswer {
  return { status: 404, codes: [`${noun.toUpperCase()}_NOT_FOUND`], when: `no ${noun} with this id for your merchant` };
}

/** GET :id — one payment or payout, read from the system of record. */
export function GetById(noun: Noun, summary: string, description: string): MethodDecorator {
  return applyDecorators(
    Get(':id'),
    ApiOperation({ summary }),
    ApiResponse({ status: 200, description }),
    ApiProblems({ ...INVALID, when: `the id is not a ${noun} id` }, notFoundAnswer(noun), TEMPORAL_DOWN),
  );
}

/** POST: an idempotent create, described by what it does, its three success answers and its refusals. */
export interface CreateDoc {
  summary: string;
  description?: string;
  created: string;
  again: string;
  accepted: string;
  refusals: ProblemAnswer[];
}

export function IdempotentCreate(doc: CreateDoc): MethodDecorator {
  return applyDecorators(
    Post(),
    ApiOperation({ summary: doc.summary, ...(doc.description ? { description: doc.description } : {}) }),
    ApiHeader(IDEMPOTENCY_KEY_HEADER),
    ApiResponse({ status: 201, description: doc.created }),
    ApiResponse({ status: 200, description: doc.again }),
    ApiResponse({ status: 202, description: doc.accepted }),
    ApiProblems(...doc.refusals),
  );
}

/** The create's Idempotency-Key header, checked (400 when it is not 1–64 printable characters). */
export const IdempotencyKey = createParamDecorator((_: unknown, ctx: ExecutionContext) => parseIdempotencyKey(ctx.switchToHttp().getRequest<Request>().header('idempotency-key')));

/** 201 new, 200 the same request again, 202 accepted before the workflow answered; Location names what it made. */
export function answerCreate(res: Response, outcome: { answered: boolean; created: boolean }, location: string): void {
  res.status(createdStatus(outcome));
  res.setHeader('Location', location);
}
