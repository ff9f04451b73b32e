// Jakarta calendar days (WIB, UTC+7 all year: Indonesia has no daylight saving time). Pure and
// free of Node APIs: the statement workflow imports it.

const JAKARTA_OFFSET_MS = 7 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** The Jakarta calendar day (YYYY-MM-DD) that the instant `ms` falls in. */
export function jakartaDay(ms: number): string {
  return new Date(ms + JAKARTA_OFFSET_MS).toISOString().slice(0, 10);
}

/** A real calendar date in YYYY-MM-DD form (2026-02-30 is not). */
export function isDay(day: string): boolean {
  if (!DAY_PATTERN.test(day)) return false;
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** The instants the day covers: [from, to), as ISO strings in UTC. */
export function dayWindow(day: string): { from: string; to: string } {
  const start = Date.parse(`${day}T00:00:00Z`) - JAKARTA_OFFSET_MS;
  return { from: new Date(start).toISOString(), to: new Date(start + DAY_MS).toISOString() };
}

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The days a run must produce, oldest first: every day after `lastProduced` up to `through`,
 * at most `maxDays` (the newest ones: a longer gap is an outage an operator must look at, and
 * the older days can be asked for one by one). Without a produced day, only `through`.
 */
export function daysToProduce(lastProduced: string | null, through: string, maxDays: number): string[] {
  if (lastProduced !== null && lastProduced >= through) return [];
  const first = lastProduced === null ? through : addDays(lastProduced, 1);
  const days: string[] = [];
  for (let d = through; d >= first && days.length < maxDays; d = addDays(d, -1)) days.unshift(d);
  return days;
}
