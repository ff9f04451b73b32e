// The e2e files that `npm test` runs in groups, one process per group (test/e2e/shared-<group>.test.ts),
// where suites that ask for the same stack options share one stack (acquireTestStack in
// test/helpers/stack.ts) instead of starting one each: a stack start-up costs about 7 s of CPU
// (the API and the worker loading, Temporal, PostgreSQL) and is most of a short e2e file's time.
// A group is one lane of `npm test`; its suites run one after another, so the standard stack's
// suites are split in two groups that take about as long each. Each file still runs alone on its
// own stack: `node --test dist/test/e2e/midtrans.test.js`. Not a test file itself (no `.test.` in
// its name).
export const SHARED_STACK_SUITES = {
  // On STANDARD_STACK (polls from 4 s, the API waits up to 30 s for a charge, QRIS routed to
  // Xendit then Midtrans, the Web UI).
  'providers-a': ['xendit', 'midtrans', 'doku', 'doku-ewallet', 'webui'],
  'providers-b': ['aggregator', 'ecommpay', 'indodana', 'checkout', 'provider-refunds', 'routing'],
  // A stack that never polls: what bayar learns, it learns from the request in hand.
  http: ['slice', 'bad-input', 'notification-binding'],
} as const satisfies Record<string, readonly string[]>;

export type SharedStackGroup = keyof typeof SHARED_STACK_SUITES;
