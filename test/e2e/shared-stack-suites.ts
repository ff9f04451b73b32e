// The provider e2e files that start the same stack (providerSuite's defaults): `npm test` runs
// them together in test/e2e/providers.test.ts on ONE stack instead of one stack each (a stack
// start-up is most of an e2e file's time). Each still runs alone, on its own stack:
// `node --test dist/test/e2e/midtrans.test.js`. Not a test file itself (no `.test.` in its name).
export const SHARED_STACK_SUITES = ['aggregator', 'doku', 'doku-ewallet', 'ecommpay', 'midtrans'] as const;
