// API entrypoint.
import { Logger } from '@nestjs/common';
import { createApi, listenAdmin } from './api.js';
import { ConfigError, loadConfig } from './config/config.js';
import { openCheckedPool } from './db/boot.js';
import { SchemaBehindError } from './db/migrations.js';
import { startTracing } from './observability/tracing.js';

async function main(): Promise<void> {
  const config = loadConfig();
  // Refuse to serve on a schema older than this code (the check's pool is closed again).
  await (await openCheckedPool(config, 'bayar-api-boot', 1)).end();
  // Before the app is built: the Temporal client adds its tracing interceptor only when tracing is on.
  startTracing('api');
  const app = await createApi(config);
  await app.listen(config.port, config.host);
  await listenAdmin(app, config);
  const admin = config.adminEndpoints;
  const where = admin.mode === 'port' ? `on http://${admin.host}:${admin.port}` : admin.mode === 'public' ? 'at /docs and /metrics' : 'closed (BAYAR_ADMIN_ENDPOINTS)';
  new Logger('api').log(`bayar API listening on http://${config.host}:${config.port} (docs and metrics ${where})`);
}

main().catch((err) => {
  console.error(err instanceof ConfigError || err instanceof SchemaBehindError ? err.message : err);
  process.exit(1);
});
