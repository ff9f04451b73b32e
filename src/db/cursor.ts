// Cursors of the lists (keyset pagination over (created_at, id), newest first; sealed by
// PageTokens to the merchant and filter they were issued for) and the one way repositories are
// called from a request: no database configured or reachable → 503.
import type { Logger } from '@nestjs/common';
import { z } from 'zod';
import { ProblemException } from '../common/problem.js';
import type { Pool } from './pool.js';
import type { Cursor } from './reads.repository.js';

const cursorSchema = z.strictObject({ c: z.iso.datetime(), i: z.string().regex(/^[a-z]{3}_[0-9a-f]{24}$/) });

/** The cursor as bytes, for PageTokens to seal to the merchant and the listing's filter. */
export function cursorBytes(cursor: Cursor): Buffer {
  return Buffer.from(JSON.stringify({ c: cursor.createdAt, i: cursor.id }));
}

export function cursorFromBytes(bytes: Buffer): Cursor | undefined {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? { createdAt: parsed.data.c, id: parsed.data.i } : undefined;
  } catch {
    return undefined;
  }
}

export async function fromDatabase<T>(pool: Pool | null, logger: Logger, fn: (pool: Pool) => Promise<T>): Promise<T> {
  if (!pool) throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'no database is configured (BAYAR_DATABASE_URL)');
  try {
    return await fn(pool);
  } catch (err) {
    if (err instanceof ProblemException) throw err;
    // The cause goes to the log, never to the caller (it may name hosts or statements).
    logger.error(`database read failed: ${(err as Error).message}`);
    throw new ProblemException(503, 'DATABASE_UNAVAILABLE', 'the system of record is not reachable; try again shortly');
  }
}
