// The Prometheus rules and the Grafana dashboard that ship in deploy/: promtool accepts the
// rules and their unit tests (each alert fires on a history that should page, and the seed's
// api_error_rate stays quiet at 1 %), and every series they read is one bayar declares.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Metrics } from '../../src/health/metrics.js';
import { WorkerMetrics } from '../../src/observability/worker-metrics.js';
import { FUTURE_SERIES, RULES_PATH, RULES_TEST_PATH, baseName, dashboardPanels, rules, seriesIn } from '../helpers/series.js';

/** Names bayar's two registries declare (the API's and the worker's), labelled or not yet. */
async function declaredNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const registry of [new Metrics().registry, new WorkerMetrics().registry]) {
    for (const metric of await registry.getMetricsAsJSON()) names.add(metric.name);
  }
  return names;
}

function promtool(...args: string[]): string {
  // Installed by .ci/run (Debian's prometheus package); a missing promtool fails the test.
  return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('Prometheus rules and Grafana dashboard', () => {
  it('promtool check rules accepts the rules file', () => {
    const out = promtool('check', 'rules', RULES_PATH);
    assert.match(out, /SUCCESS: \d+ rules found/);
  });

  it("promtool test rules: every alert fires on its history, the seed's error-rate alert stays quiet below 5 %", () => {
    assert.match(promtool('test', 'rules', RULES_TEST_PATH), /SUCCESS/);
  });

  it("has the seed's two alerts and the on-call ones", () => {
    const alerts = rules()
      .filter((r) => r.alert)
      .map((r) => r.alert);
    for (const name of [
      'BayarApiErrorRate',
      'BayarSettlementDelay',
      'BayarReviewBacklogGrowing',
      'BayarMerchantDeliveriesFailing',
      'BayarProviderErrorRate',
      'BayarPendingPastDeadline',
      'BayarReconciliationDifferences',
    ]) {
      assert.ok(alerts.includes(name), `${name} is missing`);
    }
  });

  it('every series the rules read is declared by bayar (or recorded by a rule)', async () => {
    const declared = await declaredNames();
    const recorded = new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));
    for (const rule of rules()) {
      for (const series of seriesIn(rule.expr)) {
        if (series.startsWith('bayar:')) assert.ok(recorded.has(series), `${rule.alert ?? rule.record} reads ${series}, which no rule records`);
        else if (!FUTURE_SERIES.has(series)) assert.ok(declared.has(baseName(series)) || declared.has(series), `${rule.alert ?? rule.record} reads ${series}, which bayar does not export`);
      }
    }
  });

  it('each dashboard panel reads at least one series, and every bayar series it reads exists', async () => {
    const declared = await declaredNames();
    const recorded = new Set(rules().flatMap((r) => (r.record ? [r.record] : [])));
    const panels = dashboardPanels();
    assert.ok(panels.length >= 10);
    for (const panel of panels) {
      const series = panel.targets.flatMap((t) => seriesIn(t.expr));
      assert.ok(series.length > 0, `panel "${panel.title}" reads no series`);
      for (const s of series) {
        if (s.startsWith('bayar:')) assert.ok(recorded.has(s), `panel "${panel.title}": ${s} is recorded by no rule`);
        // temporal_* come from the Temporal Runtime; the e2e test checks them on a live worker.
        else if (s.startsWith('bayar_') && !FUTURE_SERIES.has(s)) assert.ok(declared.has(baseName(s)) || declared.has(s), `panel "${panel.title}": ${s} is not exported by bayar`);
      }
    }
  });
});
