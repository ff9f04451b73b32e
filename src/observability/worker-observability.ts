// What the worker adds for observability: bayar's metrics interceptor and status sink, and,
// when tracing is on, Temporal's OpenTelemetry interceptors (activity side here; workflow side
// compiled into the separate prebuilt bundle, see scripts/bundle-workflows.ts).
import { createRequire } from 'node:module';
import type { WorkerOptions } from '@temporalio/worker';
import { OpenTelemetryActivityInboundInterceptor, OpenTelemetryActivityOutboundInterceptor, makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { WorkerMetrics } from './worker-metrics.js';
import type { Tracing } from './tracing.js';

export interface WorkerObservability {
  metrics?: WorkerMetrics;
  tracing?: Tracing;
}

/** The workflow-side OpenTelemetry interceptors, for bundling. */
export const OTEL_WORKFLOW_INTERCEPTORS = createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

export function observedWorkerOptions(o: WorkerObservability, prebuiltBundle: boolean): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const activity: NonNullable<NonNullable<WorkerOptions['interceptors']>['activity']> = [];
  if (o.tracing) activity.push((ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }));
  // After the tracing interceptor, so the metered time is inside the activity's span.
  if (o.metrics) activity.push(o.metrics.activityInterceptor);
  return {
    interceptors: { activity, ...(o.tracing && !prebuiltBundle ? { workflowModules: [OTEL_WORKFLOW_INTERCEPTORS] } : {}) },
    sinks: {
      ...(o.metrics ? o.metrics.sinks() : {}),
      ...(o.tracing ? { exporter: makeWorkflowExporter(o.tracing.spanProcessor, o.tracing.resource) } : {}),
    },
  };
}
