// Runs one group of SHARED_STACK_SUITES in this process: suites asking for the same stack options
// share one stack (acquireTestStack), stopped once after the last suite.
import { after } from 'node:test';
import { shareTestStacks, stopSharedTestStacks } from './stack.js';
import { SHARED_STACK_SUITES, type SharedStackGroup } from '../e2e/shared-stack-suites.js';

export async function runSharedSuites(group: SharedStackGroup): Promise<void> {
  shareTestStacks();
  after(stopSharedTestStacks);
  for (const suite of SHARED_STACK_SUITES[group]) await import(`../e2e/${suite}.test.js`);
}
