// Xendit's transaction list, for the daily reconciliation: `GET /transactions`, "filter by date,
// type, or status … paginated and ordered by the created date" (docs.xendit.co/apidocs/list-transactions-1;
// API key permission "Transaction Read"). Query and fields as the official SDK sends and reads them
// (xendit-node 7.0.0 balance_and_transaction/apis/Transaction.js getAllTransactions: `types`,
// `created[gte]` / `created[lte]` (DateRangeFilter, ISO), `limit`, `after_id`; TransactionsResponse
// `has_more`, `data`; TransactionResponse `id`, `type`, `status`, `reference_id`, `amount`, `fee`
// (FeeResponse `xendit_fee`, `value_added_tax`), `created`).
import { z } from 'zod';
import { parseJson } from '../http.js';
import { ProviderUnavailable } from '../provider.js';
import type { ProviderTransaction } from '../reporting.js';
import { throwForStatus, type XenditClient } from './client.js';

const rupiah = z.number().int().nonnegative();
const transactionSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  status: z.string(),
  reference_id: z.string().nullish(),
  amount: rupiah,
  fee: z.looseObject({ xendit_fee: rupiah, value_added_tax: rupiah.optional() }).nullish(),
  created: z.string(),
});
const pageSchema = z.looseObject({ has_more: z.boolean(), data: z.array(transactionSchema) });

/** Pages read at most for one day (50 each): a day with more is reported, not silently cut. */
const MAX_PAGES = 400;
const PAGE_SIZE = 50;

export async function listXenditTransactions(client: XenditClient, window: { from: string; to: string }): Promise<ProviderTransaction[]> {
  // created[lte] is inclusive: the last millisecond before the window's end.
  const lte = new Date(Date.parse(window.to) - 1).toISOString();
  const out: ProviderTransaction[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const pairs: [string, string][] = [
      ['types', 'PAYMENT'],
      ['types', 'REFUND'],
      ['created[gte]', window.from],
      ['created[lte]', lte],
      ['limit', String(PAGE_SIZE)],
    ];
    if (after) pairs.push(['after_id', after]);
    const query = new URLSearchParams(pairs);
    const res = await client.call('GET', `/transactions?${query.toString()}`);
    if (res.status !== 200) throwForStatus(res, 'list transactions');
    const parsed = pageSchema.safeParse(parseJson(res.text));
    if (!parsed.success) throw new ProviderUnavailable('xendit transactions: unexpected response shape', 'xendit', 'BAD_RESPONSE');
    for (const t of parsed.data.data) {
      out.push({
        id: t.id,
        type: t.type === 'PAYMENT' || t.type === 'REFUND' ? t.type : 'OTHER',
        status: t.status,
        ...(t.reference_id ? { referenceId: t.reference_id } : {}),
        amount: t.amount,
        ...(t.fee ? { fee: { fee: t.fee.xendit_fee, ...(t.fee.value_added_tax !== undefined ? { vat: t.fee.value_added_tax } : {}) } } : {}),
        created: t.created,
      });
    }
    if (!parsed.data.has_more || parsed.data.data.length === 0) return out;
    after = parsed.data.data.at(-1)!.id;
  }
  throw new ProviderUnavailable(`xendit transactions: more than ${MAX_PAGES * PAGE_SIZE} in one day; reconcile by hand`, 'xendit', 'TOO_MANY');
}
