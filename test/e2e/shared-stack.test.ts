// The e2e suites of SHARED_STACK_SUITES in one process: suites asking for the same stack options
// share one stack (test/helpers/stack.ts, acquireTestStack). The same tests as running each file
// alone, with two stack start-ups instead of eight.
import { after } from 'node:test';
import { shareTestStacks, stopSharedTestStacks } from '../helpers/stack.js';
import { SHARED_STACK_SUITES } from './shared-stack-suites.js';

shareTestStacks();
after(stopSharedTestStacks);
for (const suite of SHARED_STACK_SUITES) await import(`./${suite}.test.js`);
