// `npm test`: the test pyramid, layer by layer. Lists the files itself: given a directory, Node
// 20's runner also runs every helper under test/ as a test file (a process each). The e2e files
// of SHARED_STACK_SUITES run inside e2e/shared-stack.test.js, on shared stacks, instead of alone.
//
// Unit files run as many at a time as there are cores (they are CPU-bound and independent),
// integration files one at a time; e2e files two at a time when the machine is otherwise idle (each one's stack
// spends most of its time waiting on timers and other processes, and every stack has its own
// ports, database and Temporal server), one at a time when its load already fills the cores:
// starved of CPU, short deadlines in the tests (2 s expiries, the API's wait for a charge) pass
// before the stack gets to them. BAYAR_E2E_CONCURRENCY sets it. The chaos run goes last and alone: its load phase has a time budget, and
// must start its 80 payments within it. Extra arguments go to node --test (e.g. --test-name-pattern).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_STACK_SUITES } from '../test/e2e/shared-stack-suites.js';

const testDir = fileURLToPath(new URL('../test/', import.meta.url));
const shared = new Set<string>(SHARED_STACK_SUITES.map((s) => `${s}.test.js`));
/** e2e files that run after the others, one at a time. */
const SOLO = new Set(['chaos.test.js']);
const layer = (dir: string, keep: (file: string) => boolean = () => true) =>
  readdirSync(join(testDir, dir))
    .filter((f) => f.endsWith('.test.js') && !(dir === 'e2e' && shared.has(f)) && keep(f))
    .sort()
    .map((f) => join(testDir, dir, f));

function run(files: string[], concurrency: number): Promise<number> {
  const child = spawn(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

const started = Date.now();
// Measured before this run adds its own load (the build just before it uses about one core).
const idle = loadavg()[0]! < availableParallelism();
const unit = await run(layer('unit'), Math.max(1, availableParallelism()));
// One at a time: each starts a real Temporal server, and one-task.test.ts arranges a charge result
// and its webhooks into one workflow task by timing, which a neighbour's load can undo.
const integration = await run(layer('integration'), 1);
const fast = unit || integration;
const e2eConcurrency = Math.max(1, Number(process.env.BAYAR_E2E_CONCURRENCY ?? (idle ? 2 : 1)));
console.log(
  `npm test: e2e files ${e2eConcurrency} at a time (${idle ? 'the machine was idle' : 'the machine was busy'} at the start: load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores now)`,
);
const e2e = await run(
  layer('e2e', (f) => !SOLO.has(f)),
  e2eConcurrency,
);
const solo = await run(
  layer('e2e', (f) => SOLO.has(f)),
  1,
);
const verdict = (code: number) => (code === 0 ? 'passed' : 'FAILED');
console.log(`npm test: ${Math.round((Date.now() - started) / 1000)} s (unit + integration: ${verdict(fast)}, e2e: ${verdict(e2e)}, chaos: ${verdict(solo)})`);
process.exit(fast || e2e || solo);
