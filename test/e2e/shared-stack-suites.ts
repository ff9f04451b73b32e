// The e2e files that `npm test` runs together in test/e2e/shared-stack.test.ts, where suites that
// ask for the same stack options share one stack (acquireTestStack in test/helpers/stack.ts)
// instead of starting one each: a stack start-up is most of an e2e file's time. Here: the five
// providerSuite files (one stack), and three files whose stack never polls (a second one). Each
// still runs alone on its own stack: `node --test dist/test/e2e/midtrans.test.js`. Not a test
// file itself (no `.test.` in its name).
export const SHARED_STACK_SUITES = ['aggregator', 'doku', 'doku-ewallet', 'ecommpay', 'midtrans', 'slice', 'bad-input', 'notification-binding'] as const;
