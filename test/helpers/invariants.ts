// The money invariants, checked from outside: every payment read back through the HTTP API,
// every provider sandbox's ledger read back from the sandbox, and what the client saw. Used by
// `npm run chaos` (scripts/chaos.ts) and by test/e2e/chaos.test.ts. The check itself
// (checkInvariants) is pure, so it is also tested on hand-made broken data.
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';
import { paymentIdFor as derivePaymentId } from '../../src/payments/payment-id.js';
import type { PaymentView, ProviderName } from '../../src/domain/payment.js';
import type { LedgerEntry } from '../../src/sandbox/kit.js';
import { API_KEY, type TestStack } from './stack.js';
import { RecordChecker } from './records.js';
import { evidenceLine, type PayCall, type ViolationEvidence } from './chaos-evidence.js';

/** What the client (the merchant's backend) knows about one payment it tried to create. */
export interface ClientRecord {
  /** Derived the way the API derives it: sha256("<merchant>\n<merchantReference>"). */
  id: string;
  merchantReference: string;
  provider: ProviderName;
  method: string;
  amount: number;
  /** The API answered the create with 200/201/202 at least once. */
  created: boolean;
  /** The sandbox accepted a payment (`force: true`) after bayar reported the payment EXPIRED. */
  paidAfterExpiry: boolean;
  /**
   * The sandbox accepted a payment whose request the client sent at or after the payment's
   * deadline (expiresAt of the create's answer). The sandbox stamps its paid time no earlier, so
   * by bayar's rule (PaymentState.isLate: the provider's paid time, or failing that the time bayar
   * learned of the money) this is late money. Seeing EXPIRED first (paidAfterExpiry) is one case.
   */
  paidAfterDeadline?: boolean;
  /** Every answer the create got that was neither success nor a transient 5xx (e.g. a 404). */
  createDenials: string[];
  /** Every call of the sandbox's pay control, with its times and answer (evidence for a violation). */
  payCalls?: PayCall[];
  /** Refunds the API confirmed (201), by refund id. */
  confirmedRefunds: Map<string, number>;
}

export interface Violation {
  rule: string;
  paymentId?: string;
  detail: string;
  /** What the client did and what the provider's sandbox holds for the payment (chaos-evidence.ts). */
  evidence?: ViolationEvidence;
}

export interface CheckInput {
  records: ClientRecord[];
  /** Each payment read through the API: the view, or why it could not be read. */
  views: Map<string, PaymentView | { error: string }>;
  /** Every sandbox's charges, by provider. */
  ledgers: Partial<Record<ProviderName, LedgerEntry[]>>;
  now: number;
  /** A PENDING payment this far past its deadline is still "closing" (timer + cancel + final check). */
  expiryGraceMs?: number;
}

export interface InvariantReport {
  payments: number;
  created: number;
  read: number;
  byStatus: Record<string, number>;
  byProvider: Record<string, number>;
  charges: number;
  chargesWithRetriedCreate: number;
  paidAfterExpiry: number;
  paidAfterDeadline: number;
  refundsConfirmed: number;
  refundedAmount: number;
  violations: Violation[];
}

export const MERCHANT_ID = 'demo';

/** The id bayar gives (merchant, reference) under the development data key the test stack runs with. */
export function paymentIdFor(merchantReference: string, merchantId = MERCHANT_ID): string {
  return derivePaymentId(Buffer.from(DEV_DEFAULTS.dataKey, 'base64'), merchantId, merchantReference);
}

const FINAL = new Set(['SETTLED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'EXPIRED', 'CANCELLED', 'FAILED', 'REVIEW_REQUIRED']);

function isView(v: PaymentView | { error: string } | undefined): v is PaymentView {
  return !!v && !('error' in v);
}

/** Pure: every rule over what was read. Returns the violations, never throws. */
export function checkInvariants(input: CheckInput): Violation[] {
  const violations: Violation[] = [];
  const grace = input.expiryGraceMs ?? 0;
  const v = (rule: string, paymentId: string | undefined, detail: string) => violations.push({ rule, paymentId, detail });
  const known = new Map(input.records.map((r) => [r.id, r]));

  // Provider side, by reference (the payment id is every provider's reference / order id).
  const chargesByRef = new Map<string, (LedgerEntry & { provider: ProviderName })[]>();
  for (const [provider, entries] of Object.entries(input.ledgers) as [ProviderName, LedgerEntry[]][]) {
    for (const c of entries ?? []) {
      const list = chargesByRef.get(c.reference) ?? [];
      list.push({ ...c, provider });
      chargesByRef.set(c.reference, list);
      if (!known.has(c.reference)) v('orphan-charge', c.reference, `${provider} holds charge ${c.providerId} for a reference no client ever asked for`);
      if (c.refundedAmount > c.paidAmount) v('provider-over-refund', c.reference, `${provider} refunded ${c.refundedAmount} of ${c.paidAmount} paid`);
    }
  }

  for (const rec of input.records) {
    const view = input.views.get(rec.id);
    const charges = chargesByRef.get(rec.id) ?? [];
    const charge = charges[0];

    if (charges.length > 1) v('double-charge', rec.id, `${charges.length} charges at the provider: ${charges.map((c) => `${c.provider}/${c.providerId}`).join(', ')}`);

    if (!isView(view)) {
      // A payment the API confirmed must be readable; so must one the provider holds a charge for.
      if (rec.created) v('lost-payment', rec.id, `created (API answered) but not readable: ${view?.error ?? 'not read'}`);
      else if (charge) v('lost-payment', rec.id, `never confirmed to the client, but ${charge.provider} holds charge ${charge.providerId}: ${view?.error ?? 'not read'}`);
      continue;
    }
    const p = view;
    const tag = `${p.status} ${p.provider} ${p.method}`;

    // The API must never deny a create (4xx) and then make the payment anyway.
    if (rec.createDenials.length)
      v(
        'create-denied-but-created',
        rec.id,
        `create answered ${rec.createDenials.join(', ')}, yet the payment exists (${tag}, charge ${charge?.providerId ?? 'none'}); timeline: ${p.timeline.map((t) => `${t.at.slice(11, 23)} ${t.source} ${t.type}${t.detail ? ` (${t.detail})` : ''}`).join(' → ')}`,
      );

    if (p.id !== rec.id || p.merchantReference !== rec.merchantReference) v('wrong-payment', rec.id, `read back ${p.id} / ${p.merchantReference}`);
    if (p.amounts.expected !== rec.amount || p.provider !== rec.provider) v('wrong-payment', rec.id, `read back ${p.amounts.expected} via ${p.provider}, asked ${rec.amount} via ${rec.provider}`);

    // Settled (or paid) at most once.
    for (const s of ['PAID', 'SETTLED']) {
      const n = p.timeline.filter((t) => t.type === `status:${s}`).length;
      if (n > 1) v('settled-twice', rec.id, `${n} × status:${s} in the timeline (${tag})`);
    }
    if (['SETTLED', 'PARTIALLY_REFUNDED'].includes(p.status) && p.amounts.paid !== p.amounts.expected)
      v('settled-wrong-amount', rec.id, `${tag}: paid ${p.amounts.paid}, expected ${p.amounts.expected}`);

    // Never refunded beyond what was paid, on either side, and both sides agree.
    if (p.amounts.refunded + p.amounts.refundPending > p.amounts.paid) v('over-refund', rec.id, `${tag}: refunded ${p.amounts.refunded} + pending ${p.amounts.refundPending} > paid ${p.amounts.paid}`);
    if (charge && p.amounts.refundPending === 0 && charge.refundedAmount !== p.amounts.refunded) {
      v('refund-mismatch', rec.id, `${tag}: bayar says refunded ${p.amounts.refunded}, ${charge.provider} refunded ${charge.refundedAmount}`);
    }
    for (const [refundId, amount] of rec.confirmedRefunds) {
      const r = p.refunds.find((x) => x.refundId === refundId);
      if (!r || r.state !== 'SUCCEEDED' || r.amount !== amount)
        v('lost-refund', rec.id, `refund ${refundId} (${amount}) was confirmed to the client but is ${r ? `${r.state} ${r.amount}` : 'missing'}`);
    }

    // Money at the provider is money bayar knows about.
    if (charge && charge.paidAmount > 0 && p.amounts.paid < charge.paidAmount) {
      v('unrecorded-money', rec.id, `${tag}: ${charge.provider} took ${charge.paidAmount} (${charge.status}), bayar records paid ${p.amounts.paid}`);
    }

    // Late money is refunded or flagged, never kept silently — nor settled as if on time. Money
    // the client sent at or after the deadline is late whether or not it saw EXPIRED first: the
    // provider stamps its paid time no earlier, and bayar judges lateness by that stamp
    // (PaymentState.isLate), so checker and workflow agree on what is late.
    if ((rec.paidAfterExpiry || rec.paidAfterDeadline) && p.status !== 'REFUNDED' && p.status !== 'REVIEW_REQUIRED')
      v(
        'late-payment-unhandled',
        rec.id,
        `paid after ${rec.paidAfterExpiry ? 'expiry' : 'the deadline'}, but ${tag}; timeline: ${p.timeline.map((t) => `${t.at.slice(11, 23)} ${t.source} ${t.type}${t.detail ? ` (${t.detail})` : ''}`).join(' → ')}`,
      );

    // Provider side matches bayar's view of it.
    if (p.providerReference) {
      if (!charge) v('missing-charge', rec.id, `${tag}: providerReference ${p.providerReference}, but the provider has no charge`);
      else if (charge.providerId !== p.providerReference) v('wrong-charge', rec.id, `${tag}: providerReference ${p.providerReference}, provider charge ${charge.providerId}`);
    }

    // Final, or waiting for a legitimate reason.
    if (p.status === 'PENDING' && Date.parse(p.expiresAt) + grace < input.now)
      v('stuck-pending', rec.id, `${tag}: PENDING ${Math.round((input.now - Date.parse(p.expiresAt)) / 1000)} s past its deadline`);
    if (p.status === 'CREATED' && charge) v('stuck-created', rec.id, `${tag}: CREATED although ${charge.provider} answered with charge ${charge.providerId}`);
    if (p.status === 'PAID') v('stuck-paid', rec.id, `${tag}: PAID but neither settled nor flagged`);
    if (p.amounts.refundPending > 0) v('stuck-refund', rec.id, `${tag}: ${p.amounts.refundPending} still pending refund`);
    if (!FINAL.has(p.status) && p.status !== 'PENDING' && p.status !== 'CREATED' && p.status !== 'PAID') v('unknown-status', rec.id, tag);
  }
  return violations;
}

/** Read every payment through the API (with retries) and every sandbox's ledger, then check. */
export async function collectAndCheck(
  stack: TestStack,
  records: ClientRecord[],
  options: { concurrency?: number; expiryGraceMs?: number; views?: Map<string, PaymentView | { error: string }> } = {},
): Promise<{ report: InvariantReport; views: Map<string, PaymentView | { error: string }> }> {
  const views =
    options.views ??
    (await readPayments(
      stack,
      records.map((r) => r.id),
      options.concurrency ?? 16,
    ));
  const ledgers = await readLedgers(stack);
  const now = Date.now();
  const violations = checkInvariants({ records, views, ledgers, now, expiryGraceMs: options.expiryGraceMs });
  violations.push(
    ...(await databaseEqualsWorkflow(
      stack,
      records.filter((r) => r.created && isView(views.get(r.id))).map((r) => r.id),
    )),
  );
  const read = [...views.values()].filter(isView);
  const count = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ((acc[x] = (acc[x] ?? 0) + 1), acc), {});
  const allCharges = Object.values(ledgers).flat() as LedgerEntry[];
  const report: InvariantReport = {
    payments: records.length,
    created: records.filter((r) => r.created).length,
    read: read.length,
    byStatus: count(read.map((p) => p.status)),
    byProvider: count(read.map((p) => p.provider)),
    charges: allCharges.length,
    chargesWithRetriedCreate: allCharges.filter((c) => c.createRequests > 1).length,
    paidAfterExpiry: records.filter((r) => r.paidAfterExpiry).length,
    paidAfterDeadline: records.filter((r) => r.paidAfterDeadline).length,
    refundsConfirmed: records.reduce((n, r) => n + r.confirmedRefunds.size, 0),
    refundedAmount: read.reduce((n, p) => n + p.amounts.refunded, 0),
    violations,
  };
  return { report, views };
}

/** "Database equals workflow": the record of every payment the API could read is the workflow's own view. */
export async function databaseEqualsWorkflow(stack: TestStack, ids: string[]): Promise<Violation[]> {
  const address = stack.temporalAddress;
  const checker = await RecordChecker.open(stack.databaseUrl, address);
  try {
    const mismatches = await checker.eventually('payments', ids, 30_000);
    return mismatches.map((m) => ({ rule: 'database equals workflow', paymentId: m.id, detail: m.problem.slice(0, 2000) }));
  } finally {
    await checker.close();
  }
}

export async function readLedgers(stack: TestStack): Promise<Partial<Record<ProviderName, LedgerEntry[]>>> {
  const ledgers: Partial<Record<ProviderName, LedgerEntry[]>> = {};
  for (const provider of ['xendit', 'midtrans', 'doku'] as const) {
    const res = await fetch(`${stack.sandboxUrl(SANDBOX_PORT_OFFSETS[provider])}/_sandbox/ledger`, { signal: AbortSignal.timeout(30_000) });
    ledgers[provider] = ((await res.json()) as { charges: LedgerEntry[] }).charges;
  }
  return ledgers;
}

/** GET /v1/payments/:id for each id; transient failures (API or Temporal restarting) are retried. */
export async function readPayments(stack: TestStack, ids: string[], concurrency = 16, deadlineMs = 60_000): Promise<Map<string, PaymentView | { error: string }>> {
  const out = new Map<string, PaymentView | { error: string }>();
  const until = Date.now() + deadlineMs;
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++]!;
      out.set(id, await readPayment(stack, id, until));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return out;
}

export async function readPayment(stack: TestStack, id: string, until: number): Promise<PaymentView | { error: string }> {
  let last = '';
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${stack.apiUrl}/v1/payments/${id}`, { headers: { authorization: `Bearer ${API_KEY}` }, signal: AbortSignal.timeout(10_000) });
      const text = await res.text();
      if (res.status === 200) return JSON.parse(text) as PaymentView;
      last = `${res.status} ${text.slice(0, 200)}`;
      if (res.status === 404) return { error: last };
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > until) return { error: last };
    await new Promise((r) => setTimeout(r, Math.min(2000, 200 * 1.5 ** attempt)));
  }
}

/** The summary table, and every violation. */
export function formatReport(report: InvariantReport, extra: Record<string, string | number> = {}): string {
  const rows: [string, string | number][] = [
    ...Object.entries(extra),
    ['payments attempted', report.payments],
    ['payments created (API answered)', report.created],
    ['payments read back', report.read],
    ...Object.entries(report.byProvider)
      .sort()
      .map(([k, n]) => [`  via ${k}`, n] as [string, number]),
    ...Object.entries(report.byStatus)
      .sort()
      .map(([k, n]) => [`  ${k}`, n] as [string, number]),
    ['provider charges', report.charges],
    ['  answered idempotently (createRequests > 1)', report.chargesWithRetriedCreate],
    ['paid after expiry', report.paidAfterExpiry],
    ['paid after the deadline (expiry included)', report.paidAfterDeadline],
    ['refunds confirmed to the client', report.refundsConfirmed],
    ['rupiah refunded', report.refundedAmount],
    ['violations', report.violations.length],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, n]) => `  ${k.padEnd(width)}  ${n}`);
  if (report.violations.length) {
    const byRule = new Map<string, number>();
    for (const x of report.violations) byRule.set(x.rule, (byRule.get(x.rule) ?? 0) + 1);
    lines.push('', '  VIOLATIONS by rule: ' + [...byRule].map(([r, n]) => `${r} ${n}`).join(', '));
    for (const x of report.violations.slice(0, 200)) {
      lines.push(`  ✗ ${x.rule} ${x.paymentId ?? ''}: ${x.detail}`);
      if (x.evidence) lines.push(`      evidence: ${evidenceLine(x.evidence)}`);
    }
    if (report.violations.length > 200) lines.push(`  … and ${report.violations.length - 200} more`);
  }
  return lines.join('\n');
}
