// Connection options for the Temporal client and worker. Temporal's own conventions apply
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, temporal.toml
// profiles), so a Temporal Cloud or self-hosted cluster is configured exactly as the CLI is.
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { AppConfig } from '../config/config.js';

export function temporalConnectionOptions(config: AppConfig) {
  const { connectionOptions } = loadClientConnectConfig();
  return { ...connectionOptions, address: config.temporal.address };
}
