// The calling merchant's daily statement: GET /v1/statements/{date} (JSON) and
// /v1/statements/{date}.csv (for finance teams). Read from the database only; a day the
// statement job has not produced yet is a 404.
import { Controller, Get, Inject, Param, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiKeyGuard, MerchantId, RequireScope } from '../common/auth.guard.js';
import { ApiProblems, AUTHENTICATED, INVALID, RECORD_DOWN } from '../common/openapi.js';
import { ProblemException } from '../common/problem.js';
import { DB_POOL } from '../db/database.module.js';
import type { Pool } from '../db/pool.js';
import { readStatement } from '../db/statements.js';
import { isDay } from './day.js';
import { statementCsv } from './statement.js';

/** `2026-12-04` or `2026-12-04.csv`: a real calendar date (Jakarta day). */
export const statementFileSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(\.csv)?$/, 'a date YYYY-MM-DD, optionally followed by .csv')
  .transform((s) => ({ day: s.slice(0, 10), csv: s.endsWith('.csv') }));

@ApiTags('statements')
@ApiBearerAuth()
@ApiProblems(...AUTHENTICATED, RECORD_DOWN)
@UseGuards(ApiKeyGuard)
// A statement is a read of the merchant's payments, refunds and payouts.
@RequireScope('payments:read')
@Controller('v1')
export class StatementsController {
  constructor(@Inject(DB_POOL) private readonly pool: Pool | null) {}

  @Get('statements/:file')
  @ApiOperation({
    summary:
      'Your statement for one Jakarta calendar day (YYYY-MM-DD, or YYYY-MM-DD.csv): every payment, refund and payout that moved or changed that day, per provider, with totals per method and the reconciliation differences',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 200, description: 'The statement: JSON, or CSV (RFC 4180, CRLF) when the date ends in .csv' })
  @ApiProblems(
    { ...INVALID, when: 'not a calendar date YYYY-MM-DD (optionally .csv)' },
    { status: 404, codes: ['STATEMENT_NOT_READY'], when: 'the statement for that day has not been produced yet' },
    { status: 422, codes: ['NOT_A_CALENDAR_DATE'], when: 'a well-formed date the calendar does not have (2026-02-30)' },
  )
  async get(@MerchantId() merchantId: string, @Param('file', { schema: statementFileSchema }) file: { day: string; csv: boolean }, @Res() res: Response): Promise<void> {
    // The shape is the schema's (400); a well-formed day the calendar lacks is a refusal (422).
    if (!isDay(file.day)) throw new ProblemException(422, 'NOT_A_CALENDAR_DATE', `${file.day} is not a calendar date`);
    if (!this.pool) throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'no database configured');
    const statement = await readStatement(this.pool, merchantId, file.day);
    if (!statement) throw new ProblemException(404, 'STATEMENT_NOT_READY', `the statement for ${file.day} has not been produced yet (the daily job runs after the day ends in Asia/Jakarta)`);
    if (file.csv) {
      res.status(200).type('text/csv; charset=utf-8').setHeader('content-disposition', `attachment; filename="bayar-statement-${file.day}.csv"`).send(statementCsv(file.day, statement.providers));
      return;
    }
    res.status(200).json(statement);
  }
}
