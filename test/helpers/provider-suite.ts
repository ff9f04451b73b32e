// What every provider's e2e file starts with: the real stack and a merchant receiver for the
// whole describe block, and a create that charges at that provider. Call it inside describe().
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { SANDBOX_PORT_OFFSETS } from '../../src/config/config.js';
import type { PaymentView, ProviderName } from '../../src/domain/payment.js';
import type { LedgerEntry } from '../../src/sandbox/kit.js';
import { acquireTestStack, releaseTestStack, STANDARD_STACK, startMerchantReceiver, uniqueRef, type TestStack } from './stack.js';

/** The timeline's PAID transitions: a payment settled once has exactly one. */
export const paidEntries = (p: PaymentView) => p.timeline.filter((t) => t.type === 'status:PAID');

export type MerchantReceiver = Awaited<ReturnType<typeof startMerchantReceiver>>;

export interface ProviderSuite {
  readonly stack: TestStack;
  readonly merchant: MerchantReceiver;
  /** POST /v1/payments at this provider; expects 201 and a payment charged there. */
  create(body: Record<string, unknown>): Promise<PaymentView>;
  /** The provider sandbox's ledger entry for a payment. */
  ledgerEntry(paymentId: string): Promise<LedgerEntry | undefined>;
}

export function providerSuite(provider: ProviderName, options: { refPrefix: string; defaults?: Record<string, unknown>; env?: Record<string, string> }): ProviderSuite {
  // The standard stack (STANDARD_STACK: polls from 4 s, the API waits up to 30 s for a charge).
  const stackOptions = options.env ? { env: options.env } : STANDARD_STACK;
  let stack: TestStack | undefined;
  let merchant: MerchantReceiver | undefined;
  before(async () => {
    stack = await acquireTestStack(stackOptions);
    merchant = await startMerchantReceiver();
  });
  after(async () => {
    await releaseTestStack(stack);
    await merchant?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('providerSuite: used before its before() hook ran');
    return value;
  };
  return {
    get stack() {
      return started(stack);
    },
    get merchant() {
      return started(merchant);
    },
    async create(body) {
      const res = await started(stack).api('POST', '/v1/payments', { merchantReference: uniqueRef(options.refPrefix), provider, ...options.defaults, ...body });
      assert.equal(res.status, 201, res.text);
      const payment = res.json as PaymentView;
      assert.equal(payment.provider, provider);
      return payment;
    },
    ledgerEntry: async (paymentId) => (await started(stack).charges(paymentId, SANDBOX_PORT_OFFSETS[provider]))[0],
  };
}

/**
 * How many notifications of `provider` the APIs have answered with this outcome so far (their
 * metrics, summed: on the cluster a webhook may reach either API).
 */
export async function webhookOutcomes(stack: TestStack, provider: ProviderName, outcome: string): Promise<number> {
  let total = 0;
  for (const apiUrl of stack.apiUrls) {
    const text = await (await fetch(`${apiUrl}/metrics`)).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('bayar_webhooks_total{')) continue;
      if (line.includes(`provider="${provider}"`) && line.includes(`outcome="${outcome}"`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/**
 * Copies of notifications absorbed so far: by the API, which sends no signal for a copy of one it
 * already signalled (counted per provider in its metrics), plus those that reached the payment's
 * workflow anyway and were counted there. Neither adds a timeline line. `apiCountBefore`: the
 * API's count (webhookOutcomes(…, 'duplicate')) before the copies were sent.
 */
export async function duplicatesAbsorbed(stack: TestStack, provider: ProviderName, paymentId: string, apiCountBefore: number): Promise<number> {
  const view = await stack.payment(paymentId);
  return (await webhookOutcomes(stack, provider, 'duplicate')) - apiCountBefore + view.notifications.duplicates;
}
