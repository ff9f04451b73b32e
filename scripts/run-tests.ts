// `npm test`: the test pyramid in one node --test run, one file at a time. Lists the files itself:
// given a directory, Node 20's runner also runs every helper under test/ as a test file (a
// process each). The provider suites that share a stack run inside e2e/providers.test.js
// instead of alone. Extra arguments go to node --test (e.g. --test-name-pattern).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_STACK_SUITES } from '../test/e2e/shared-stack-suites.js';

const testDir = fileURLToPath(new URL('../test/', import.meta.url));
const shared = new Set<string>(SHARED_STACK_SUITES.map((s) => `${s}.test.js`));
const layer = (dir: string) =>
  readdirSync(join(testDir, dir))
    .filter((f) => f.endsWith('.test.js') && !(dir === 'e2e' && shared.has(f)))
    .sort()
    .map((f) => join(testDir, dir, f));
const files = [...layer('unit'), ...layer('integration'), ...layer('e2e')];

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
