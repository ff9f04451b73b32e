// The HTTP files of SHARED_STACK_SUITES.http on one stack that never polls (test/e2e/shared-stack-suites.ts).
import { runSharedSuites } from '../helpers/shared-stack.js';

await runSharedSuites('http');
