// Which payment holds a provider's own charge reference: for notices that name only that
// reference (Xendit's refund callback names the payment request, never bayar's payment id). Not
// merchant-scoped: the webhook path has no merchant, and it learns only a payment id, which it
// hands to that payment's workflow as a wake-up (the workflow checks the reference again).
import { z } from 'zod';
import type { ProviderName } from '../domain/payment.js';
import type { Pool } from './pool.js';

const rowSchema = z.object({ id: z.string() });

/**
 * The payment whose recorded provider and charge reference are these (index
 * payments_by_provider_reference), or undefined when none is — or, which a provider's unique
 * reference never gives, more than one: a reference that does not name one payment names none.
 */
export async function findPaymentByProviderReference(pool: Pool, provider: ProviderName, providerReference: string): Promise<string | undefined> {
  const { rows } = await pool.query('SELECT id FROM payments WHERE provider = $1 AND provider_reference = $2 LIMIT 2', [provider, providerReference]);
  if (rows.length !== 1) return undefined;
  return rowSchema.parse(rows[0]).id;
}
