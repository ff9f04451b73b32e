// The Xendit sandbox's transaction list (`GET /transactions`, as src/providers/xendit/transactions.ts
// cites): one PAYMENT transaction per paid payment request, with a fee. The fee figures are the
// sandbox's own (4,000 per VA payment, 0.7 % for QRIS, 1.5 % otherwise, PPN 11 % on the fee), not
// Xendit's price list, which depends on each merchant's contract.
// `POST /_sandbox/xendit/transactions` adds a paid transaction bayar never made (a charge created
// in Xendit's dashboard or by another system on the same account), for the reconciliation tests.
import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse } from '../../../sandbox/kit.js';

interface Transaction {
  id: string;
  product_id: string;
  type: 'PAYMENT' | 'REFUND';
  status: 'SUCCESS';
  channel_category: string;
  reference_id: string;
  currency: 'IDR';
  amount: number;
  net_amount: number;
  cashflow: 'MONEY_IN' | 'MONEY_OUT';
  settlement_status: 'PENDING';
  fee: { xendit_fee: number; value_added_tax: number; status: 'COMPLETED' };
  created: string;
  updated: string;
}

function feeFor(channelType: string, amount: number): number {
  if (channelType === 'VIRTUAL_ACCOUNT') return 4_000;
  return Math.round((amount * (channelType === 'QR_CODE' ? 7 : 15)) / 1000);
}

export class XenditTransactions {
  private readonly all: Transaction[] = [];

  /** A payment request was paid: its transaction. */
  payment(p: { id: string; referenceId: string; channelType: string; amount: number }): void {
    const fee = feeFor(p.channelType, p.amount);
    const vat = Math.round((fee * 11) / 100);
    const now = new Date().toISOString();
    this.all.push({
      id: `txn_${randomBytes(12).toString('hex')}`,
      product_id: p.id,
      type: 'PAYMENT',
      status: 'SUCCESS',
      channel_category: p.channelType === 'VIRTUAL_ACCOUNT' ? 'VIRTUAL_ACCOUNT' : p.channelType === 'QR_CODE' ? 'QR_CODE' : 'EWALLET',
      reference_id: p.referenceId,
      currency: 'IDR',
      amount: p.amount,
      net_amount: p.amount - fee - vat,
      cashflow: 'MONEY_IN',
      settlement_status: 'PENDING',
      fee: { xendit_fee: fee, value_added_tax: vat, status: 'COMPLETED' },
      created: now,
      updated: now,
    });
  }

  /** GET /transactions: types, created[gte] / created[lte], limit, after_id; newest last. */
  list(r: SandboxRequest): SandboxResponse {
    const types = r.query.getAll('types');
    const gte = r.query.get('created[gte]');
    const lte = r.query.get('created[lte]');
    const limit = Math.min(Math.max(Number(r.query.get('limit') ?? 10), 1), 50);
    let rows = this.all.filter((t) => (types.length === 0 || types.includes(t.type)) && (!gte || t.created >= gte) && (!lte || t.created <= lte));
    const after = r.query.get('after_id');
    if (after) rows = rows.slice(rows.findIndex((t) => t.id === after) + 1);
    const page = rows.slice(0, limit);
    return { status: 200, body: { has_more: rows.length > limit, data: page, links: [] } };
  }

  /** The control: a paid transaction under a reference bayar does not know. */
  inject(r: SandboxRequest): SandboxResponse {
    const body = JSON.parse(r.rawBody.toString('utf8') || '{}') as { referenceId?: unknown; amount?: unknown };
    if (typeof body.referenceId !== 'string' || !Number.isSafeInteger(body.amount) || (body.amount as number) <= 0)
      return { status: 400, body: { error: 'referenceId and a positive integer amount' } };
    this.payment({ id: `pr-${randomBytes(12).toString('hex')}`, referenceId: body.referenceId, channelType: 'VIRTUAL_ACCOUNT', amount: body.amount as number });
    return { status: 200, body: this.all.at(-1) };
  }

  reset(): void {
    this.all.length = 0;
  }
}
