// The daily statement's pure parts: Jakarta days, fee / PPN / net, totals, the CSV (parsed back
// and summed), and the reconciliation's comparison of a record with a provider's answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays, dayWindow, daysToProduce, isDay, jakartaDay } from '../../src/statements/day.js';
import { CSV_COLUMNS, csvCell, feeBreakdown, ppnOn, statementCsv, totalsOf, type StatementLine } from '../../src/statements/statement.js';
import { comparePayment, comparePayout } from '../../src/statements/reconcile.js';
import { statementFileSchema } from '../../src/statements/statements.controller.js';
import { STATEMENT_SCHEDULE_ID, statementSchedule, statementSettings } from '../../src/statements/schedule.js';
import type { ChargeSnapshot } from '../../src/providers/provider.js';
import { listXenditTransactions } from '../../src/providers/xendit/transactions.js';
import type { XenditClient } from '../../src/providers/xendit/client.js';
import { parseCsv } from '../helpers/csv.js';

const line = (over: Partial<StatementLine>): StatementLine => ({
  type: 'payment',
  at: '2026-12-04T03:00:00.000Z',
  paymentId: 'pay_1',
  merchantReference: 'o-1',
  method: 'QRIS',
  status: 'SETTLED',
  gross: 100_000,
  ...feeBreakdown(over.gross ?? 100_000),
  ...over,
});

describe('Jakarta days', () => {
  it('a day is 00:00 to 24:00 WIB (UTC+7, no daylight saving)', () => {
    assert.deepEqual(dayWindow('2026-12-04'), { from: '2026-12-03T17:00:00.000Z', to: '2026-12-04T17:00:00.000Z' });
    assert.equal(jakartaDay(Date.parse('2026-12-03T16:59:59.999Z')), '2026-12-03');
    assert.equal(jakartaDay(Date.parse('2026-12-03T17:00:00.000Z')), '2026-12-04');
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
    assert.equal(addDays('2028-03-01', -1), '2028-02-29');
  });

  it('every instant falls in exactly the window of its day', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2100-01-01') }), (ms) => {
        const { from, to } = dayWindow(jakartaDay(ms));
        return Date.parse(from) <= ms && ms < Date.parse(to);
      }),
    );
  });

  it('only real calendar dates are days', () => {
    for (const ok of ['2026-12-04', '2028-02-29']) assert.ok(isDay(ok), ok);
    for (const bad of ['2026-02-30', '2027-02-29', '2026-13-01', '2026-1-01', '20261204', '2026-12-04T00:00', '']) assert.ok(!isDay(bad), bad);
    assert.deepEqual(statementFileSchema.parse('2026-12-04.csv'), { day: '2026-12-04', csv: true });
    assert.deepEqual(statementFileSchema.parse('2026-12-04'), { day: '2026-12-04', csv: false });
    // Well-formed but not in the calendar: the controller refuses it (422 NOT_A_CALENDAR_DATE).
    assert.deepEqual(statementFileSchema.parse('2026-02-30'), { day: '2026-02-30', csv: false });
    for (const bad of ['2026-12-04.json', '../2026-12-04', '2026-12-04.csv.csv']) assert.equal(statementFileSchema.safeParse(bad).success, false, bad);
  });

  it('the catch-up produces every day after the last one, the newest first kept within the bound', () => {
    assert.deepEqual(daysToProduce(null, '2026-12-04', 31), ['2026-12-04']);
    assert.deepEqual(daysToProduce('2026-12-04', '2026-12-04', 31), []);
    assert.deepEqual(daysToProduce('2026-12-05', '2026-12-04', 31), []);
    assert.deepEqual(daysToProduce('2026-12-01', '2026-12-04', 31), ['2026-12-02', '2026-12-03', '2026-12-04']);
    assert.deepEqual(daysToProduce('2026-10-01', '2026-12-04', 3), ['2026-12-02', '2026-12-03', '2026-12-04']);
  });
});

describe('fee, PPN and net', () => {
  it('nothing is invented: without a reported fee, fee and PPN are null and net is the gross', () => {
    assert.deepEqual(feeBreakdown(150_000), { fee: null, ppn: null, net: 150_000 });
    assert.deepEqual(feeBreakdown(-20_000), { fee: null, ppn: null, net: -20_000 });
  });

  it('PPN is 11 % of the reported fee, rounded half up, unless the provider reports its own', () => {
    assert.deepEqual(feeBreakdown(100_000, { fee: 700 }), { fee: 700, ppn: 77, net: 99_223 });
    assert.deepEqual(feeBreakdown(100_000, { fee: 4_500, vat: 495 }), { fee: 4_500, ppn: 495, net: 95_005 });
    assert.equal(ppnOn(50), 6); // 5.5 → 6
    assert.equal(ppnOn(49), 5); // 5.39 → 5
    assert.equal(ppnOn(0), 0);
    // A payout whose fee is taken from its amount already counts the fee in the gross.
    assert.deepEqual(feeBreakdown(-1_000_000, { fee: 2_500 }, { feeInsideGross: true }), { fee: 2_500, ppn: 275, net: -1_000_000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (fee) => ppnOn(fee) === Math.round((fee * 11) / 100)));
  });

  it('refuses amounts that are not integer rupiah', () => {
    assert.throws(() => feeBreakdown(1.5));
    assert.throws(() => feeBreakdown(100, { fee: -1 }));
    assert.throws(() => feeBreakdown(100, { fee: 0.5 }));
  });

  it('totals per method add up to the whole, and count lines without a reported fee', () => {
    const lines = [
      line({ gross: 100_000 }),
      line({ paymentId: 'pay_2', method: 'VA_BCA', gross: 250_000, ...feeBreakdown(250_000, { fee: 4_000 }) }),
      line({ type: 'refund', refundId: 'ref_1', gross: -30_000, ...feeBreakdown(-30_000) }),
      line({ type: 'change', paymentId: 'pay_3', status: 'EXPIRED', gross: 0, ...feeBreakdown(0) }),
      line({ type: 'payout', paymentId: undefined, payoutId: 'po_1', method: 'PAYOUT', gross: -50_000, ...feeBreakdown(-50_000, { fee: 2_500 }) }),
    ];
    const t = totalsOf(lines);
    assert.deepEqual(t.all, { count: 5, gross: 270_000, fee: 6_500, ppn: 440 + 275, net: 270_000 - 6_500 - 715, feeUnreported: 2, collected: 350_000, refunded: 30_000, paidOut: 50_000 });
    assert.equal(t.byMethod.QRIS!.gross, 70_000);
    assert.equal(
      Object.values(t.byMethod).reduce((s, m) => s + m.net, 0),
      t.all.net,
    );
    assert.equal(
      Object.values(t.byMethod).reduce((s, m) => s + m.count, 0),
      5,
    );
  });
});

describe('statement CSV', () => {
  it('parses back to the lines, and its columns sum to the totals', () => {
    const lines = [line({ merchantReference: 'order, "big"\nsecond line' }), line({ paymentId: 'pay_2', gross: 5_000, ...feeBreakdown(5_000, { fee: 100 }) })];
    const csv = statementCsv('2026-12-04', [{ provider: 'xendit', lines }]);
    const rows = parseCsv(csv);
    assert.deepEqual(rows[0], [...CSV_COLUMNS]);
    assert.equal(rows.length, 3);
    const col = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    assert.equal(rows[1]![col('merchant_reference')], 'order, "big"\nsecond line');
    assert.equal(rows[1]![col('fee')], '');
    const sum = (name: string) => rows.slice(1).reduce((s, r) => s + Number(r[col(name)] || 0), 0);
    const totals = totalsOf(lines).all;
    assert.equal(sum('gross'), totals.gross);
    assert.equal(sum('net'), totals.net);
    assert.equal(sum('fee'), totals.fee);
    assert.equal(sum('ppn'), totals.ppn);
  });

  it('text a spreadsheet would run as a formula is defused; numbers are written as they are', () => {
    for (const formula of ['=HYPERLINK("http://x")', '+1+1', '-2+3', '@SUM(A1)', '\tx']) assert.match(csvCell(formula), /^"?'/, formula);
    assert.equal(csvCell(-5000), '-5000');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell('plain'), 'plain');
  });
});

describe('reconciliation comparison', () => {
  const snap = (over: Partial<ChargeSnapshot>): ChargeSnapshot => ({ providerReference: 'ref', chargeStatus: 'PAID', providerStatus: 'settlement', instructions: {}, ...over });
  const settled = { status: 'SETTLED', paid: 100_000, refunded: 0, refundPending: 0 };
  const kinds = (d: ReturnType<typeof comparePayment>) => d.map((x) => `${x.kind}/${x.action}`);

  it('agreeing records are no difference; open payments are the workflow’s own business', () => {
    assert.deepEqual(comparePayment(settled, snap({ paidAmount: 100_000 })), []);
    assert.deepEqual(comparePayment({ status: 'EXPIRED', paid: 0, refunded: 0, refundPending: 0 }, snap({ chargeStatus: 'EXPIRED', providerStatus: 'expire' })), []);
    assert.deepEqual(comparePayment({ status: 'PENDING', paid: 0, refunded: 0, refundPending: 0 }, snap({ paidAmount: 100_000 })), []);
    // A refund bayar asked for that the provider has not finished is not a difference.
    assert.deepEqual(comparePayment({ ...settled, refundPending: 20_000 }, snap({ paidAmount: 100_000, providerRefunds: { total: 0 } })), []);
  });

  it('each kind of difference, and where it goes', () => {
    assert.deepEqual(kinds(comparePayment({ status: 'EXPIRED', paid: 0, refunded: 0, refundPending: 0 }, snap({ paidAmount: 100_000 }))), ['paid_unknown_to_bayar/wake']);
    assert.deepEqual(kinds(comparePayment(settled, snap({ chargeStatus: 'EXPIRED', providerStatus: 'expire' }))), ['paid_unknown_to_provider/review']);
    assert.deepEqual(kinds(comparePayment(settled, null)), ['paid_unknown_to_provider/review']);
    assert.deepEqual(comparePayment({ status: 'FAILED', paid: 0, refunded: 0, refundPending: 0 }, null), []);
    assert.deepEqual(kinds(comparePayment(settled, snap({ paidAmount: 90_000 }))), ['amount_mismatch/review']);
    assert.deepEqual(kinds(comparePayment(settled, snap({ paidAmount: 100_000, providerRefunds: { total: 40_000 } }))), ['refund_unknown_to_bayar/wake']);
    assert.deepEqual(kinds(comparePayment(settled, snap({ chargeStatus: 'REFUNDED', providerStatus: 'refund' }))), ['refund_unknown_to_bayar/wake']);
    assert.deepEqual(kinds(comparePayment({ ...settled, status: 'PARTIALLY_REFUNDED', refunded: 30_000 }, snap({ paidAmount: 100_000, providerRefunds: { total: 0 } }))), [
      'refund_unknown_to_provider/review',
    ]);
    // An answer that lists no refunds says nothing about them.
    assert.deepEqual(comparePayment({ ...settled, status: 'PARTIALLY_REFUNDED', refunded: 30_000 }, snap({ paidAmount: 100_000 })), []);
  });

  it('payouts: paid out here and not there, or failed here and paid out there', () => {
    const attempts = [{ providerPayoutId: 'po_1-1', state: 'SUCCEEDED' }];
    const there = (state: 'SUCCEEDED' | 'FAILED' | 'PENDING' | null) => new Map([['po_1-1', state ? { state, providerStatus: state } : null]]);
    assert.deepEqual(comparePayout({ status: 'SUCCEEDED', attempts }, there('SUCCEEDED')), []);
    assert.deepEqual(comparePayout({ status: 'FAILED', attempts }, there('FAILED')), []);
    assert.deepEqual(comparePayout({ status: 'PENDING', attempts }, there('SUCCEEDED')), []);
    assert.equal(comparePayout({ status: 'SUCCEEDED', attempts }, there('FAILED'))[0]?.kind, 'payout_mismatch');
    assert.equal(comparePayout({ status: 'SUCCEEDED', attempts }, there(null))[0]?.kind, 'payout_mismatch');
    assert.equal(comparePayout({ status: 'FAILED', attempts }, there('SUCCEEDED'))[0]?.kind, 'payout_mismatch');
  });
});

describe("Xendit's transaction list (GET /transactions)", () => {
  const tx = (id: string, over: Record<string, unknown> = {}) => ({
    id,
    type: 'PAYMENT',
    status: 'SUCCESS',
    reference_id: `pay_${id}`,
    amount: 100_000,
    fee: { xendit_fee: 4_000, value_added_tax: 440 },
    created: '2026-12-04T01:00:00.000Z',
    ...over,
  });
  const client = (pages: unknown[], asked: string[]) =>
    ({ call: async (_m: string, path: string) => ({ status: 200, headers: {}, text: JSON.stringify(pages[asked.push(path) - 1]) }) }) as unknown as XenditClient;

  it('reads every page of the Jakarta day (created[gte] .. the last millisecond), fee and VAT as reported', async () => {
    const asked: string[] = [];
    const pages = [
      { has_more: true, data: [tx('a'), tx('b', { fee: null })] },
      { has_more: false, data: [tx('c', { type: 'REFUND', reference_id: null, fee: undefined })] },
    ];
    const listed = await listXenditTransactions(client(pages, asked), dayWindow('2026-12-04'));
    assert.deepEqual(
      listed.map((t) => [t.id, t.type, t.referenceId, t.fee]),
      [
        ['a', 'PAYMENT', 'pay_a', { fee: 4_000, vat: 440 }],
        ['b', 'PAYMENT', 'pay_b', undefined],
        ['c', 'REFUND', undefined, undefined],
      ],
    );
    const first = new URL(asked[0]!, 'https://api.xendit.co');
    assert.equal(first.pathname, '/transactions');
    assert.deepEqual(first.searchParams.getAll('types'), ['PAYMENT', 'REFUND']);
    assert.equal(first.searchParams.get('created[gte]'), '2026-12-03T17:00:00.000Z');
    assert.equal(first.searchParams.get('created[lte]'), '2026-12-04T16:59:59.999Z');
    assert.equal(new URL(asked[1]!, 'https://api.xendit.co').searchParams.get('after_id'), 'b');
  });

  it('an answer that is not integer rupiah or not the documented shape is refused, not guessed', async () => {
    for (const bad of [{ has_more: false, data: [tx('a', { amount: 10.5 })] }, { has_more: false, data: [tx('a', { fee: { xendit_fee: -1 } })] }, { data: [] }]) {
      await assert.rejects(listXenditTransactions(client([bad], []), dayWindow('2026-12-04')), /unexpected response shape/);
    }
  });
});

describe('the statement schedule', () => {
  it('runs once a day at BAYAR_STATEMENT_TIME in Asia/Jakarta, one run at a time, catching up by its bound', () => {
    const options = statementSchedule(statementSettings({ BAYAR_STATEMENT_TIME: '01:15', BAYAR_STATEMENT_CATCH_UP_DAYS: '7' }), 'bayar-payments', 20_000);
    assert.equal(options.scheduleId, STATEMENT_SCHEDULE_ID);
    assert.deepEqual(options.spec, { calendars: [{ hour: 1, minute: 15 }], timezone: 'Asia/Jakarta' });
    assert.equal(options.action.type, 'startWorkflow');
    assert.deepEqual((options.action as { args?: unknown[] }).args, [{ maxDays: 7, deliverForMs: 20_000 }]);
    assert.deepEqual(statementSettings({}), { BAYAR_STATEMENT_TIME: '00:30', BAYAR_STATEMENT_CATCH_UP_DAYS: 31, BAYAR_STATEMENT_SCHEDULE: 'true' });
    for (const bad of [{ BAYAR_STATEMENT_TIME: '24:00' }, { BAYAR_STATEMENT_TIME: '7:30' }, { BAYAR_STATEMENT_CATCH_UP_DAYS: '0' }, { BAYAR_STATEMENT_SCHEDULE: 'yes' }]) {
      assert.throws(() => statementSettings(bad), /statement settings/, JSON.stringify(bad));
    }
  });
});
