// The daily statement's arithmetic and its CSV, pure (unit-tested in test/unit/statements.test.ts).
// Money is integer rupiah; a fee or its PPN is shown only where the provider reported it — never
// estimated — and the net is the gross less what was reported.

/** PPN (VAT) on a provider's fee: 11 % since April 2022 (UU 7/2021 HPP art. 7), charged on the fee, not on the payment. */
export const PPN_PERCENT = 11;

export type LineType = 'payment' | 'refund' | 'refund_reversal' | 'payout' | 'change';

export interface StatementLine {
  type: LineType;
  /** When the money moved in bayar's ledger (or the change was recorded), ISO 8601 UTC. */
  at: string;
  paymentId?: string;
  refundId?: string;
  payoutId?: string;
  merchantReference: string;
  /** The payment method; PAYOUT for payouts. */
  method: string;
  /** The payment's or payout's status when the statement was made. */
  status: string;
  providerReference?: string;
  /** Signed rupiah: money in positive, refunds and payouts negative; 0 for a change without money. */
  gross: number;
  /** The provider's fee as it reported it (positive), or null when it did not. */
  fee: number | null;
  /** PPN on that fee: the provider's figure, else 11 % of its fee (rounded to the rupiah); null without a fee. */
  ppn: number | null;
  /** gross − fee − ppn (of what was reported). */
  net: number;
}

export interface ReportedFee {
  fee: number;
  /** The VAT the provider itself reported on the fee, when it does. */
  vat?: number;
}

/**
 * Fee, PPN and net of one line. PPN is the provider's own figure where it reports one, else 11 %
 * of the fee it reported (the tax is fixed by law on that fee); without a reported fee both are
 * null and the net is the gross.
 */
export function feeBreakdown(gross: number, reported?: ReportedFee, options: { feeInsideGross?: boolean } = {}): Pick<StatementLine, 'fee' | 'ppn' | 'net'> {
  if (!Number.isSafeInteger(gross)) throw new Error(`gross must be integer rupiah, got ${gross}`);
  if (!reported) return { fee: null, ppn: null, net: gross };
  const { fee } = reported;
  if (!Number.isSafeInteger(fee) || fee < 0) throw new Error(`fee must be non-negative integer rupiah, got ${fee}`);
  const ppn = reported.vat ?? ppnOn(fee);
  if (!Number.isSafeInteger(ppn) || ppn < 0) throw new Error(`PPN must be non-negative integer rupiah, got ${ppn}`);
  // A payout whose fee is deducted from its amount already counts the fee inside the gross.
  return { fee, ppn, net: options.feeInsideGross ? gross : gross - fee - ppn };
}

/** 11 % of a fee, rounded half up to the rupiah, in integers (no float error on large fees). */
export function ppnOn(fee: number): number {
  return Math.floor((fee * PPN_PERCENT * 2 + 100) / 200);
}

export interface Totals {
  count: number;
  gross: number;
  /** Sum of the reported fees; lines without a reported fee are counted in feeUnreported. */
  fee: number;
  ppn: number;
  net: number;
  feeUnreported: number;
  collected: number;
  refunded: number;
  paidOut: number;
}

export interface StatementTotals {
  all: Totals;
  byMethod: Record<string, Totals>;
}

function emptyTotals(): Totals {
  return { count: 0, gross: 0, fee: 0, ppn: 0, net: 0, feeUnreported: 0, collected: 0, refunded: 0, paidOut: 0 };
}

function add(t: Totals, l: StatementLine): void {
  t.count += 1;
  t.gross += l.gross;
  t.net += l.net;
  if (l.fee === null) {
    if (l.gross !== 0) t.feeUnreported += 1;
  } else {
    t.fee += l.fee;
    t.ppn += l.ppn ?? 0;
  }
  if (l.type === 'payment') t.collected += l.gross;
  if (l.type === 'refund' || l.type === 'refund_reversal') t.refunded -= l.gross;
  if (l.type === 'payout') t.paidOut -= l.gross;
}

export function totalsOf(lines: readonly StatementLine[]): StatementTotals {
  const all = emptyTotals();
  const byMethod: Record<string, Totals> = {};
  for (const l of lines) {
    add(all, l);
    add((byMethod[l.method] ??= emptyTotals()), l);
  }
  return { all, byMethod };
}

/** Lines in a stable order (time, then ids), so a statement made twice is the same. */
export function sortLines(lines: StatementLine[]): StatementLine[] {
  const key = (l: StatementLine) => [l.at, l.paymentId ?? l.payoutId ?? '', l.refundId ?? '', l.type].join('\u0000');
  return lines.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export const CSV_COLUMNS = [
  'date',
  'provider',
  'method',
  'type',
  'at',
  'payment_id',
  'refund_id',
  'payout_id',
  'merchant_reference',
  'status',
  'provider_reference',
  'gross',
  'fee',
  'ppn',
  'net',
] as const;

/**
 * One cell. Text that a spreadsheet would run as a formula (= + - @, tab, CR at the start) gets
 * a leading apostrophe: merchant references are the merchant's customers' input and finance
 * teams open this file in Excel (OWASP "CSV injection"). Numbers are written as they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface ProviderStatement {
  provider: string;
  lines: StatementLine[];
}

/** RFC 4180 CSV (CRLF line ends, header first) of a merchant's statements for one day. */
export function statementCsv(day: string, statements: readonly ProviderStatement[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const s of statements) {
    for (const l of s.lines) {
      rows.push(
        [day, s.provider, l.method, l.type, l.at, l.paymentId, l.refundId, l.payoutId, l.merchantReference, l.status, l.providerReference, l.gross, l.fee, l.ppn, l.net]
          .map((v) => csvCell(v))
          .join(','),
      );
    }
  }
  return rows.join('\r\n') + '\r\n';
}
