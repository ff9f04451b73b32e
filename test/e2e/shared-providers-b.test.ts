// The provider files of SHARED_STACK_SUITES['providers-b'] on STANDARD_STACK (test/e2e/shared-stack-suites.ts).
import { runSharedSuites } from '../helpers/shared-stack.js';

await runSharedSuites('providers-b');
