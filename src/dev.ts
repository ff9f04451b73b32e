// `npm start`: the whole local stack in one process tree — Temporal dev server with Web UI,
// provider sandboxes, worker and API — in development mode (BAYAR_ENV=development, set here for
// every child): sandboxes and the published development keys. Ctrl-C stops it all.
import { ConfigError, loadConfig } from './config/config.js';
import { DEV_DEFAULTS } from './sandbox/dev-defaults.js';
import { ensureTemporalCli } from './temporal/cli.js';
import { PROVIDERS } from './providers/index.js';
import { Stack, dataFile, postgresDir } from './dev/stack.js';
import { runInForeground } from './dev/processes.js';

async function main(): Promise<void> {
  // `npm start` is the development stack: sandboxes, development keys, callbacks to a local
  // receiver. Production runs `start:api` and `start:worker`.
  const env: NodeJS.ProcessEnv = { ...process.env, BAYAR_ENV: 'development', BAYAR_ALLOW_LOOPBACK_CALLBACKS: process.env.BAYAR_ALLOW_LOOPBACK_CALLBACKS ?? 'true' };
  const config = loadConfig(env);
  const cliPath = config.temporal.embedded ? await ensureTemporalCli() : undefined;
  const stack = new Stack({ env, config, cliPath, ui: true, dbFile: dataFile(config), postgresDir: postgresDir(config), output: 'inherit', log: (line) => console.log(`bayar: ${line}`) });

  await runInForeground({
    name: 'bayar',
    stopping: `stopping API, worker, sandboxes${config.temporal.embedded ? ', Temporal' : ''}${config.database.embedded ? ' and PostgreSQL' : ''}`,
    start: () => stack.start(),
    stop: () => stack.stop(),
  });

  // Only the documented development key is ever printed; configured keys are secrets.
  const demoKey = [...config.apiKeys].find(([m, k]) => `${m}:${k}` === DEV_DEFAULTS.apiKeys);
  console.log(
    [
      '',
      '  bayar is running (development mode: local sandboxes, published development keys)',
      `  API             ${stack.apiUrl}`,
      `  OpenAPI docs    ${stack.apiUrl}/docs`,
      config.temporal.embedded ? `  Temporal Web UI http://127.0.0.1:${config.temporal.uiPort}` : `  Temporal        ${config.temporal.address} (external)`,
      ...PROVIDERS.map(({ name }) => {
        const p = config.providers[name];
        return `  ${`${name} sandbox`.padEnd(19)} ${p?.sandbox ? p.baseUrl : '(real provider configured)'}`;
      }),
      config.temporal.embedded ? `  Data            ${dataFile(config)}` : '',
      config.database.embedded ? `  PostgreSQL      ${postgresDir(config)} (embedded, 127.0.0.1:${config.database.port}, database "bayar")` : '  PostgreSQL      BAYAR_DATABASE_URL (external)',
      demoKey ? `  Demo API key    ${demoKey[1]}   (merchant "demo"; webhook secret ${DEV_DEFAULTS.merchantWebhookSecret})` : '  API keys        from BAYAR_API_KEYS',
      '',
      '  Ctrl-C stops everything; the next start reuses the data.',
      '',
    ]
      .filter((l) => l !== '')
      .join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
