// The provider e2e suites of SHARED_STACK_SUITES, in one process on one shared stack (see
// test/helpers/provider-suite.ts): the same tests as running each file alone, one stack start-up.
import { after } from 'node:test';
import { shareStacks, stopSharedStacks } from '../helpers/provider-suite.js';
import { SHARED_STACK_SUITES } from './shared-stack-suites.js';

shareStacks();
after(stopSharedStacks);
for (const suite of SHARED_STACK_SUITES) await import(`./${suite}.test.js`);
