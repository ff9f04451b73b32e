// The bench's meter, shared by its parts (scripts/bench.ts, scripts/bench-open.ts): latency
// statistics, and each process's CPU time and memory read from /proc while a segment runs.
import { readdirSync, readFileSync } from 'node:fs';

export type Stats = { n: number; p50: number; p95: number; p99: number; max: number };
export function stats(values: number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))]! : NaN);
  return { n: v.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(v[v.length - 1] ?? NaN) };
}
export const round = (x: number) => Math.round(x * 10) / 10;

export interface ProcessUse {
  cpuSeconds: number;
  peakRssMiB: number;
  /** CPU seconds by thread name (Node's main thread, workflow threads, Rust core, libuv…). */
  threads: Record<string, number>;
}

/** CPU seconds and peak RSS of the stack's processes (and of the bench itself), read from /proc while the run goes. */
export class ProcessMeter {
  private peak = new Map<string, number>();
  private cpuStart = new Map<string, number>();
  private threadStart = new Map<string, Map<string, number>>();
  private timer?: NodeJS.Timeout;
  private readonly pids: Record<string, number | undefined>;
  constructor(pids: Record<string, number | undefined>) {
    this.pids = { ...pids, bench: process.pid };
  }
  start() {
    for (const [name, pid] of Object.entries(this.pids)) {
      if (!pid) continue;
      this.cpuStart.set(name, processCpuSeconds(name, pid));
      this.threadStart.set(name, threadCpuSeconds(pid));
    }
    this.peak.clear();
    this.timer = setInterval(() => this.sample(), 250);
  }
  sample() {
    for (const [name, pid] of Object.entries(this.pids)) if (pid) this.peak.set(name, Math.max(this.peak.get(name) ?? 0, rssMiB(pid)));
  }
  stop(): Record<string, ProcessUse> {
    clearInterval(this.timer);
    this.sample();
    const use: Record<string, ProcessUse> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      if (!pid) continue;
      const before = this.threadStart.get(name) ?? new Map<string, number>();
      const threads: Record<string, number> = {};
      for (const [thread, seconds] of threadCpuSeconds(pid)) {
        const spent = round(seconds - (before.get(thread) ?? 0));
        if (spent > 0) threads[thread] = spent;
      }
      use[name] = { cpuSeconds: round(processCpuSeconds(name, pid) - (this.cpuStart.get(name) ?? 0)), peakRssMiB: round(this.peak.get(name) ?? 0), threads };
    }
    return use;
  }
}
/**
 * PostgreSQL serves each connection from a child process of the postmaster: its CPU is the
 * postmaster's, its live children's, and that of the children it has reaped (cutime + cstime).
 */
function processCpuSeconds(name: string, pid: number): number {
  if (name !== 'postgres') return cpuSeconds(pid);
  let total = cpuSeconds(pid, '', true);
  for (const child of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid)) total += cpuSeconds(Number(child), '', true);
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
function cpuSeconds(pid: number, task = '', withReapedChildren = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}${task}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const children = withReapedChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (Number(fields[11]) + Number(fields[12]) + children) / 100; // utime + stime (+ cutime + cstime), in clock ticks
  } catch {
    return 0;
  }
}
/** CPU seconds per thread name of one process: threads of the same name are summed. */
function threadCpuSeconds(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const tid of tids) {
    let name = '?';
    try {
      // Node names its main thread and its worker threads alike: tell the main one apart.
      name = tid === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    byName.set(name, (byName.get(name) ?? 0) + cpuSeconds(pid, `/task/${tid}`));
  }
  return byName;
}
export function rssMiB(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export function sumUse(a: ProcessUse | undefined, b: ProcessUse | undefined): ProcessUse {
  if (!a || !b) return (a ?? b)!;
  const threads = { ...a.threads };
  for (const [thread, seconds] of Object.entries(b.threads)) threads[thread] = round((threads[thread] ?? 0) + seconds);
  return { cpuSeconds: round(a.cpuSeconds + b.cpuSeconds), peakRssMiB: Math.max(a.peakRssMiB, b.peakRssMiB), threads };
}

export function sumAll(a: Record<string, ProcessUse>, b: Record<string, ProcessUse>): Record<string, ProcessUse> {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return Object.fromEntries([...names].map((name) => [name, sumUse(a[name], b[name])]));
}
/** CPU milliseconds per payment (or baseline run), by process. */
export function perRun(use: Record<string, ProcessUse>, runs: number): Record<string, number> {
  return Object.fromEntries(Object.entries(use).map(([name, u]) => [name, round((u.cpuSeconds * 1000) / runs)]));
}
