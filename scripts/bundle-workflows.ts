// Prebuilds the workflow bundle so workers start in well under a second instead of
// re-running webpack on every start (Temporal's recommended production setup).
import { writeFile } from 'node:fs/promises';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_PATH, WORKFLOW_TRACED_BUNDLE_PATH, WORKFLOWS_PATH } from '../src/worker.js';
import { OTEL_WORKFLOW_INTERCEPTORS } from '../src/observability/worker-observability.js';

const logger = { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} } as never;
// Two bundles: tracing (OTEL_TRACES_EXPORTER) needs the OpenTelemetry workflow interceptors
// compiled in; without it the workflows run with no tracing code at all.
for (const [path, workflowInterceptorModules] of [
  [WORKFLOW_BUNDLE_PATH, []],
  [WORKFLOW_TRACED_BUNDLE_PATH, [OTEL_WORKFLOW_INTERCEPTORS]],
] as const) {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: [...workflowInterceptorModules], logger });
  await writeFile(path, code);
  console.log(`workflow bundle: ${path} (${(code.length / 1024).toFixed(0)} KiB)`);
}
