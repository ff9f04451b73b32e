// `npm test`: the test pyramid, layer by layer. Lists the files itself: given a directory, Node
// 20's runner also runs every helper under test/ as a test file (a process each). The e2e files
// named in test/e2e/shared-stack-suites.ts run inside the e2e/shared-*.test.js files, several
// suites on one stack, instead of alone.
//
// 1. Unit files, twice as many at a time as there are cores: they are independent, and most of
//    their time is timers and loopback servers (41 s of CPU in all, 36 s of wall time two at a time).
// 2. integration/one-task.test.js alone: it arranges a charge result and its webhooks into one
//    workflow task by timing, which a neighbour's load can undo.
// 3. The other integration files and the e2e files, in lanes: one more than the cores when the
//    machine is otherwise idle — an e2e stack spends most of its time waiting on timers and other
//    processes (a whole `npm test` used 344 s of CPU in 419 s on two cores, about 40 % of them;
//    shared-providers-a alone 29 s of CPU in 77 s), and every stack has its own ports, database
//    and Temporal server — and one when the machine's load already fills the cores: starved of
//    CPU, short deadlines in the tests (2 s expiries, the API's wait for a charge) pass before the
//    stack gets to them. BAYAR_E2E_CONCURRENCY sets it. Longest file first (the durations of the
//    last run, test-results/test-durations.json, else the estimates below), so the lanes finish
//    together: the layer takes about the longest of the lanes, not the sum of the files.
// 4. The chaos run, last and alone: its load phase has a time budget, and must start its 80
//    payments within it.
//
// Each file of layers 2–4 is its own `node --test` process, whose output is printed whole when it
// ends. Extra arguments go to node --test (e.g. --test-name-pattern).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED_STACK_SUITES } from '../test/e2e/shared-stack-suites.js';

const testDir = fileURLToPath(new URL('../test/', import.meta.url));
const DURATIONS = 'test-results/test-durations.json';
const shared = new Set<string>(Object.values(SHARED_STACK_SUITES).flatMap((suites) => suites.map((s) => `${s}.test.js`)));
/** Run alone, before the lanes (timing-sensitive). */
const FIRST = 'integration/one-task.test.js';
/** Run alone, after the lanes. */
const LAST = 'e2e/chaos.test.js';
/**
 * Seconds per file on an idle 2-core machine, for a clone that has no durations file yet: only
 * the order matters (longest first). Files not listed count as 20 s.
 */
const ESTIMATES: Record<string, number> = {
  'e2e/shared-providers-a.test.js': 110,
  'e2e/shared-providers-b.test.js': 115,
  'e2e/merchants-ledger-events.test.js': 55,
  'e2e/live-providers.test.js': 45,
  'e2e/crash.test.js': 40,
  'e2e/shared-http.test.js': 35,
  'e2e/circuit.test.js': 30,
  'e2e/payouts.test.js': 30,
  'e2e/saga.test.js': 25,
  'integration/saga-paths.test.js': 20,
  'e2e/outgoing-and-surface.test.js': 20,
  'e2e/statements.test.js': 20,
  'e2e/system-of-record.test.js': 20,
  'e2e/observability.test.js': 17,
  'e2e/ecommpay-payouts.test.js': 16,
  'integration/tracing.test.js': 8,
  'integration/replay.test.js': 8,
  'integration/lost-activity-task.test.js': 8,
  'integration/lost-workflow-task.test.js': 12,
  'integration/records.test.js': 5,
};

// tsc leaves the output of a deleted test file in dist/: only files whose source still exists run.
const sourceDir = fileURLToPath(new URL('../../test/', import.meta.url));
const layer = (dir: string, keep: (file: string) => boolean = () => true) =>
  readdirSync(join(testDir, dir))
    .filter((f) => f.endsWith('.test.js') && existsSync(join(sourceDir, dir, f.replace(/\.js$/, '.ts'))) && !(dir === 'e2e' && shared.has(f)) && keep(`${dir}/${f}`))
    .sort()
    .map((f) => join(testDir, dir, f));
const name = (file: string) => relative(testDir, file);

interface FileResult {
  file: string;
  code: number;
  seconds: number;
  counts: Record<string, number>;
}

// Every stack start-up of this run (test/helpers/stack.ts appends one line per start).
const stackLogDir = mkdtempSync(join(tmpdir(), 'bayar-test-run-'));
const stackLog = join(stackLogDir, 'stacks.jsonl');
const childEnv = { ...process.env, BAYAR_TEST_STACK_LOG: stackLog };

/** One node --test process over `files`; its output is streamed (stream) or printed whole when it ends. */
function run(files: string[], options: { concurrency?: number; stream?: boolean; label?: string } = {}): Promise<FileResult> {
  const started = Date.now();
  const args = ['--test', `--test-concurrency=${options.concurrency ?? 1}`, '--test-reporter=spec', ...process.argv.slice(2), ...files];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  let output = '';
  const take = (to: NodeJS.WriteStream) => (d: Buffer) => {
    output += d.toString();
    if (options.stream) to.write(d);
  };
  child.stdout.on('data', take(process.stdout));
  child.stderr.on('data', take(process.stderr));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      if (!options.stream) process.stdout.write(output);
      const counts: Record<string, number> = {};
      for (const m of output.matchAll(/^ℹ (tests|pass|fail|skipped|cancelled) (\d+)$/gm)) counts[m[1]!] = (counts[m[1]!] ?? 0) + Number(m[2]);
      const seconds = (Date.now() - started) / 1000;
      const result = { file: options.label ?? name(files[0]!), code: code ?? (signal ? 1 : 0), seconds, counts };
      console.log(`npm test: ${result.file} ${verdict(result.code)} in ${seconds.toFixed(1)} s`);
      resolve(result);
    }),
  );
}

/** Runs `files` in `lanes` lanes, longest expected first; each lane takes the next file when free. */
async function lanes(files: string[], count: number, expected: (file: string) => number): Promise<FileResult[]> {
  const queue = [...files].sort((a, b) => expected(name(b)) - expected(name(a)));
  const results: FileResult[] = [];
  const lane = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) results.push(await run([file]));
  };
  await Promise.all(Array.from({ length: count }, lane));
  return results;
}

function readDurations(): Record<string, number> {
  try {
    return existsSync(DURATIONS) ? (JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>) : {};
  } catch {
    return {};
  }
}

function verdict(code: number) {
  return code === 0 ? 'passed' : 'FAILED';
}

const started = Date.now();
// Measured before this run adds its own load. The one-minute average still carries the lint and
// the build that just ran (about 2 on an otherwise idle 2-core machine), so "busy" means more than
// twice the cores: other work that would starve the lanes.
const load = loadavg()[0]!;
const idle = load < 2 * availableParallelism();
const last = readDurations();

const unitStart = Date.now();
const unit = await run(layer('unit'), { concurrency: 2 * availableParallelism(), stream: true, label: 'the unit files' });
const unitSeconds = (Date.now() - unitStart) / 1000;
const first = await run([join(testDir, FIRST)]);

const laneCount = Math.max(1, Number(process.env.BAYAR_E2E_CONCURRENCY ?? (idle ? availableParallelism() + 1 : 1)));
console.log(
  `npm test: integration and e2e files ${laneCount} at a time, longest first (${idle ? 'the machine was idle' : 'the machine was busy'} at the start: load average ${load.toFixed(1)} on ${availableParallelism()} cores; ${loadavg()[0]!.toFixed(1)} now)`,
);
const pooled = [...layer('integration', (f) => f !== FIRST), ...layer('e2e', (f) => f !== LAST)];
const laneStart = Date.now();
const middle = await lanes(pooled, laneCount, (f) => last[f] ?? ESTIMATES[f] ?? 20);
const laneSeconds = (Date.now() - laneStart) / 1000;
const chaos = await run([join(testDir, LAST)]);

const files = [first, ...middle, chaos];
const failed = [unit, ...files].filter((r) => r.code !== 0);
const total = (key: string) => [unit, ...files].reduce((n, r) => n + (r.counts[key] ?? 0), 0);
const stacks = existsSync(stackLog)
  ? readFileSync(stackLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { ms: number })
  : [];
rmSync(stackLogDir, { recursive: true, force: true });
if (!process.argv.slice(2).some((a) => a.startsWith('--test-name-pattern') || a === '--test-only')) {
  mkdirSync('test-results', { recursive: true });
  writeFileSync(DURATIONS, JSON.stringify(Object.fromEntries(files.map((r) => [r.file, Math.round(r.seconds)])), null, 2) + '\n');
}
console.log('\nnpm test: seconds per file (integration, e2e, chaos)');
for (const r of [...files].sort((a, b) => b.seconds - a.seconds)) console.log(`  ${r.seconds.toFixed(1).padStart(6)}  ${r.file}${r.code ? '  FAILED' : ''}`);
console.log(
  `npm test: ${Math.round((Date.now() - started) / 1000)} s — unit ${unitSeconds.toFixed(0)} s, one-task ${first.seconds.toFixed(0)} s, ${pooled.length} files in ${laneCount} lane(s) ${laneSeconds.toFixed(0)} s (their sum ${middle.reduce((s, r) => s + r.seconds, 0).toFixed(0)} s), chaos ${chaos.seconds.toFixed(0)} s; ${stacks.length} stack start-ups (${(stacks.reduce((s, x) => s + x.ms, 0) / 1000).toFixed(0)} s in all); tests ${total('tests')}, pass ${total('pass')}, fail ${total('fail')}, skipped ${total('skipped')}${failed.length ? `; FAILED: ${failed.map((r) => r.file).join(', ')}` : ''}`,
);
process.exit(failed.length ? 1 : 0);
