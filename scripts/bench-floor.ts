// The floor of the reads bench: the same paced GETs (same ids, rate and client) against a bare
// Node server reading the same rows from the same database (scripts/bench-floor-server.ts), on
// the same machine with the same stack running beside it. bayar's GET latency minus this is what
// bayar's own request path adds; this alone is what the machine gives any Node service (issue 13's
// GET p99 target is measured against it in docs/performance.md).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { httpCall } from '../src/common/http-client.js';

export async function floorGets(databaseUrl: string, ids: string[], rate: number, requests: number): Promise<number[]> {
  const child = fork(fileURLToPath(new URL('./bench-floor-server.js', import.meta.url)), [databaseUrl], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m) => resolve(Number(m)));
      child.once('exit', (code) => reject(new Error(`bench-floor-server exited (${code})`)));
    });
    const get = async (id: string) => {
      const t = performance.now();
      const res = await httpCall({ method: 'GET', url: `http://127.0.0.1:${port}/v1/payments/${id}`, timeoutMs: 30_000 });
      if (res.status !== 200) throw new Error(`bench floor: GET ${id} → ${res.status}`);
      return performance.now() - t;
    };
    for (let i = 0; i < 50; i++) await get(ids[i % ids.length]!); // warm-up, as bayar's API is warm
    // Open loop, as bayar's reads: each GET goes at its time, whether or not the one before is back.
    const times: number[] = [];
    const inFlight: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < requests; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inFlight.push(get(ids[i % ids.length]!).then((ms) => void times.push(ms)));
    }
    await Promise.all(inFlight);
    return times;
  } finally {
    child.kill();
  }
}
