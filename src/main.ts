// API entrypoint.
import { Logger } from '@nestjs/common';
import { createApi } from './api.js';
import { ConfigError, loadConfig } from './config/config.js';
import { startTracing } from './observability/tracing.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Before the app is built: the Temporal client adds its tracing interceptor only when tracing is on.
  startTracing('api');
  const app = await createApi(config);
  await app.listen(config.port, config.host);
  new Logger('api').log(`bayar API listening on http://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
