// `npm run chaos`: payments through the whole real stack on loopback while it is being broken
// on a schedule (worker and API SIGKILLed and restarted, the Temporal server restarted on its
// SQLite file, provider sandboxes answering 5xx, timing out, slow, notifying twice and out of
// order, or not at all), then faults off, a bounded settle, and the invariant checker over
// every payment and every sandbox ledger. Bounded in count and time; exits non-zero on any
// violation, listing them.
//
//   node dist/scripts/chaos.js [--payments 2000] [--seconds 900] [--concurrency 32] [--seed N] [--out chaos-results/latest.json] [--cluster]
//
// --cluster: on the cluster (two APIs, two workers, Temporal as four services over PostgreSQL)
// with its own schedule: SIGKILL of one worker, one API, history, matching, and a PostgreSQL crash.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CLUSTER_SCHEDULE, DEFAULT_OPTIONS, runChaos } from '../test/helpers/chaos.js';

const argv = process.argv.slice(2);
const cluster = argv.includes('--cluster');
const args = new Map<string, string>();
const valued = argv.filter((a) => a !== '--cluster');
for (let i = 0; i < valued.length; i += 2) args.set(valued[i]!.replace(/^--/, ''), valued[i + 1]!);
const payments = Number(args.get('payments') ?? DEFAULT_OPTIONS.payments);
// Default cap grows with the run: about 0.4 s per payment, at least 10 minutes.
const seconds = Number(args.get('seconds') ?? Math.max(600, Math.ceil(payments * 0.4)));
const concurrency = Number(args.get('concurrency') ?? DEFAULT_OPTIONS.concurrency);
const seed = args.has('seed') ? Number(args.get('seed')) : Date.now() % 1_000_000;
const out = args.get('out') ?? 'chaos-results/latest.json';
for (const [name, value] of Object.entries({ payments, seconds, concurrency, seed })) {
  if (!Number.isFinite(value) || value < 0) {
    console.error(`chaos: --${name} must be a number`);
    process.exit(64);
  }
}

// Always stops by itself: past the cap plus time to stop the stack, exit hard.
const watchdog = setTimeout(
  () => {
    console.error(`chaos: hard time limit (${seconds} s + 60 s) reached, exiting`);
    process.exit(2);
  },
  (seconds + 60) * 1000,
);
watchdog.unref();

console.log(`chaos: seed ${seed}`);
console.log(`chaos: ${cluster ? 'cluster mode' : 'dev server'}`);
const result = await runChaos({ payments, seconds, concurrency, seed, keepDataIn: dirname(out), ...(cluster ? { cluster, schedule: CLUSTER_SCHEDULE } : {}) });
console.log('\n' + result.table + '\n');
console.log('journeys:', JSON.stringify(result.plans));
console.log('client saw:', JSON.stringify(result.client));
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), seed, ...result }, null, 2));
console.log(`chaos: results written to ${out}`);
for (const line of result.unexpectedExits) console.error(`chaos: unexpected exit: ${line}`);
if (result.report.violations.length > 0 || result.unexpectedExits.length > 0) {
  console.error(`chaos: ${result.report.violations.length} invariant violation(s), ${result.unexpectedExits.length} unexpected process exit(s)`);
  process.exit(1);
}
console.log('chaos: no violations');
process.exit(0);
