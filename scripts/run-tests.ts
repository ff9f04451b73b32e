// `npm test`: the test pyramid, layer by layer. Lists the files itself: given a directory, Node
// 20's runner also runs every helper under test/ as a test file (a process each). The e2e files
// of SHARED_STACK_SUITES run inside e2e/shared-stack.test.js, on shared stacks, instead of alone.
//
// Unit and integration files run as many at a time as there are cores (they are CPU-bound and
// independent); e2e files two at a time (BAYAR_E2E_CONCURRENCY): each one's stack spends most of
// its time waiting on timers and other processes, and every stack has its own ports, database
// and Temporal server. Extra arguments go to node --test (e.g. --test-name-pattern).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

function run(files: string[], concurrency: number): Promise<number> {
  const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const started = Date.now();
const fast = await run([...layer('unit'), ...layer('integration')], Math.max(1, availableParallelism()));
const e2e = await run(layer('e2e'), Math.max(1, Number(process.env.BAYAR_E2E_CONCURRENCY ?? 2)));
console.log(`npm test: ${Math.round((Date.now() - started) / 1000)} s (unit + integration: ${fast === 0 ? 'passed' : 'FAILED'}, e2e: ${e2e === 0 ? 'passed' : 'FAILED'})`);
process.exit(fast || e2e);
