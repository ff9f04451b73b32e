// Observability settings of the worker, from the environment (parsed with zod like all config).
import { z } from 'zod';
import { settingsFromEnv } from '../config/config.js';

const port = z.coerce.number().int().min(0).max(65535);
const schema = z.object({
  /** bayar's Prometheus series (GET /metrics); unset = not served. */
  BAYAR_WORKER_METRICS_PORT: port.optional(),
  /** Temporal SDK metrics (the Runtime's own Prometheus exporter); unset = not exported. */
  BAYAR_WORKER_SDK_METRICS_PORT: port.optional(),
  /** Interface both listen on; loopback unless told (metrics reveal volumes per provider). */
  BAYAR_WORKER_METRICS_HOST: z.string().min(1).max(255).default('127.0.0.1'),
  /** How often the visibility gauges (pending, oldest pending, review backlog) are refreshed. */
  BAYAR_WORKER_GAUGE_INTERVAL_MS: z.coerce.number().int().min(200).max(3_600_000).default(15_000),
});

export type WorkerObservabilitySettings = z.infer<typeof schema>;

export function workerObservabilitySettings(env: NodeJS.ProcessEnv = process.env): WorkerObservabilitySettings {
  return settingsFromEnv(schema, 'worker observability settings', env);
}
