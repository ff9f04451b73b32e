// The chaos invariant checker must catch what it claims to: fed hand-made broken data, each
// rule fires; fed a clean run, none does.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkInvariants, paymentIdFor, type ClientRecord } from '../helpers/invariants.js';
import type { PaymentView } from '../../src/domain/payment.js';
import type { LedgerEntry } from '../../src/sandbox/kit.js';

const NOW = Date.parse('2026-11-22T01:00:00Z');

function record(ref: string, extra: Partial<ClientRecord> = {}): ClientRecord {
  return {
    id: paymentIdFor(ref),
    merchantReference: ref,
    provider: 'xendit',
    method: 'QRIS',
    amount: 50_000,
    created: true,
    paidAfterExpiry: false,
    createDenials: [],
    confirmedRefunds: new Map(),
    ...extra,
  };
}

function view(rec: ClientRecord, extra: Partial<PaymentView> = {}, amounts: Partial<PaymentView['amounts']> = {}): PaymentView {
  return {
    id: rec.id,
    merchantId: 'demo',
    merchantReference: rec.merchantReference,
    provider: rec.provider,
    method: rec.method as PaymentView['method'],
    currency: 'IDR',
    status: 'SETTLED',
    amounts: { expected: rec.amount, paid: rec.amount, refunded: 0, refundPending: 0, refundable: rec.amount, ...amounts },
    instructions: {},
    providerReference: `pr-${rec.id}`,
    expiresAt: new Date(NOW + 3_600_000).toISOString(),
    createdAt: new Date(NOW - 60_000).toISOString(),
    refunds: [],
    timeline: [
      { at: '', source: 'webhook', type: 'status:PAID' },
      { at: '', source: 'workflow', type: 'status:SETTLED' },
    ],
    merchantNotified: false,
    notifications: { duplicates: 0, refused: 0, wakeUps: 0 },
    ...extra,
  };
}

function charge(rec: ClientRecord, extra: Partial<LedgerEntry> = {}): LedgerEntry {
  return { reference: rec.id, providerId: `pr-${rec.id}`, amount: rec.amount, status: 'SUCCEEDED', paidAmount: rec.amount, refundedAmount: 0, createRequests: 1, ...extra };
}

function rules(records: ClientRecord[], views: PaymentView[] | Map<string, PaymentView | { error: string }>, charges: LedgerEntry[]): string[] {
  const map = views instanceof Map ? views : new Map(views.map((v) => [v.id, v]));
  return checkInvariants({ records, views: map, ledgers: { xendit: charges }, now: NOW })
    .map((v) => v.rule)
    .sort();
}

describe('chaos invariant checker', () => {
  it('passes a clean settled payment', () => {
    const r = record('ok');
    assert.deepEqual(rules([r], [view(r)], [charge(r)]), []);
  });

  it('catches a lost payment, a double charge and an orphan charge', () => {
    const lost = record('lost');
    const twice = record('twice');
    assert.deepEqual(rules([lost], new Map([[lost.id, { error: '404' }]]), []), ['lost-payment']);
    assert.deepEqual(rules([twice], [view(twice)], [charge(twice), charge(twice, { providerId: 'pr-other' })]), ['double-charge']);
    assert.deepEqual(rules([], [], [charge(record('nobody'))]), ['orphan-charge']);
    // Never confirmed to the client, not readable, but charged: lost too.
    const unconfirmed = record('unconfirmed', { created: false });
    assert.deepEqual(rules([unconfirmed], new Map(), [charge(unconfirmed)]), ['lost-payment']);
    assert.deepEqual(rules([unconfirmed], new Map(), []), []);
  });

  it('catches settling twice and settling the wrong amount', () => {
    const r = record('twice-settled');
    const v = view(r);
    v.timeline.push({ at: '', source: 'poll', type: 'status:SETTLED' });
    assert.deepEqual(rules([r], [v], [charge(r)]), ['settled-twice']);
    const m = record('mismatch');
    assert.deepEqual(rules([m], [view(m, {}, { paid: 40_000 })], [charge(m, { paidAmount: 40_000 })]), ['settled-wrong-amount']);
  });

  it('catches over-refunds on either side, disagreement, and a confirmed refund that vanished', () => {
    const r = record('over');
    assert.deepEqual(rules([r], [view(r, { status: 'REFUNDED' }, { refunded: 60_000 })], [charge(r, { refundedAmount: 60_000 })]), ['over-refund', 'provider-over-refund']);
    const d = record('disagree');
    assert.deepEqual(rules([d], [view(d, { status: 'PARTIALLY_REFUNDED' }, { refunded: 30_000 })], [charge(d, { refundedAmount: 20_000 })]), ['refund-mismatch']);
    const c = record('confirmed', { confirmedRefunds: new Map([['rf-1', 30_000]]) });
    assert.deepEqual(rules([c], [view(c)], [charge(c)]), ['lost-refund']);
  });

  it('catches late money kept silently and money bayar does not know about', () => {
    const r = record('late', { paidAfterExpiry: true });
    assert.deepEqual(rules([r], [view(r, { status: 'EXPIRED', timeline: [] }, { paid: 50_000 })], [charge(r)]), ['late-payment-unhandled']);
    // Paid at or after the deadline without ever seeing EXPIRED: late money all the same, so
    // neither settled as if on time nor left EXPIRED with the money.
    const d = record('after-deadline', { paidAfterDeadline: true });
    assert.deepEqual(rules([d], [view(d)], [charge(d)]), ['late-payment-unhandled']);
    assert.deepEqual(rules([d], [view(d, { status: 'EXPIRED', timeline: [] }, { paid: 50_000 })], [charge(d)]), ['late-payment-unhandled']);
    assert.deepEqual(rules([d], [view(d, { status: 'REVIEW_REQUIRED', timeline: [] }, { paid: 50_000 })], [charge(d)]), []);
    const u = record('unrecorded');
    assert.deepEqual(rules([u], [view(u, { status: 'EXPIRED', timeline: [] }, { paid: 0 })], [charge(u)]), ['unrecorded-money']);
  });

  it('catches payments stuck where they should not wait', () => {
    const p = record('stuck-pending');
    assert.deepEqual(rules([p], [view(p, { status: 'PENDING', timeline: [], expiresAt: new Date(NOW - 5_000).toISOString() }, { paid: 0 })], [charge(p, { paidAmount: 0, status: 'PENDING' })]), [
      'stuck-pending',
    ]);
    assert.deepEqual(rules([p], [view(p, { status: 'PENDING', timeline: [] }, { paid: 0 })], [charge(p, { paidAmount: 0, status: 'PENDING' })]), []);
    const c = record('stuck-created');
    const created = view(c, { status: 'CREATED', timeline: [], providerReference: undefined }, { paid: 0 });
    assert.deepEqual(rules([c], [created], [charge(c, { paidAmount: 0, status: 'PENDING' })]), ['stuck-created']);
    assert.deepEqual(rules([c], [created], []), [], 'CREATED is fine while the provider never answered');
  });
});
