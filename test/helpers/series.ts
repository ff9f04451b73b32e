// The series the shipped rules file and dashboard read, for tests that check each one exists.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const RULES_PATH = fileURLToPath(new URL('../../../deploy/prometheus/bayar-rules.yml', import.meta.url));
export const RULES_TEST_PATH = fileURLToPath(new URL('../../../deploy/prometheus/bayar-rules.test.yml', import.meta.url));
export const DASHBOARD_PATH = fileURLToPath(new URL('../../../deploy/grafana/bayar.json', import.meta.url));

/** Series the rules or dashboard read that no process exports yet (none: keep for the next one). */
export const FUTURE_SERIES = new Set<string>();

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}

export function rules(): Rule[] {
  const doc = parse(readFileSync(RULES_PATH, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

export interface Panel {
  title: string;
  targets: { expr: string }[];
}

export function dashboardPanels(): Panel[] {
  return (JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as { panels: Panel[] }).panels;
}

/** Metric names (bayar_*, temporal_*) and recording-rule names (bayar:*) in a PromQL expression. */
export function seriesIn(expr: string): string[] {
  return [...new Set(expr.match(/\b(?:bayar|temporal)_[a-z0-9_]+\b|\bbayar:[a-z0-9_:]+\b/g) ?? [])];
}

/** For a histogram or summary, Prometheus names its parts name_bucket, name_count, name_sum. */
export function baseName(series: string): string {
  return series.replace(/_(bucket|count|sum)$/, '');
}
