// The API contract, machine-checked: starts the whole stack on loopback (the test harness: Temporal
// dev server, PostgreSQL, sandboxes, worker, API) and runs schemathesis against the OpenAPI
// document it serves, with a development API key. Every status, content type and schema an answer
// has must be the document's; TRACE and other undocumented methods must be 405.
//
//   npm run build && node dist/scripts/schemathesis.js [--max-examples 5] [--st path/to/st]
//
// schemathesis comes from PyPI into a virtualenv outside the clone (.ci/run installs it there):
//   python3 -m venv ~/.cache/bayar/schemathesis && ~/.cache/bayar/schemathesis/bin/pip install schemathesis
// Configuration (checks, the statuses a valid request may get) is in schemathesis.toml; docs/api.md
// explains each choice.
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API_KEY, startTestStack } from '../test/helpers/stack.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const ST = args.get('st') ?? process.env.BAYAR_SCHEMATHESIS ?? join(homedir(), '.cache/bayar/schemathesis/bin/st');
const MAX_EXAMPLES = Number(args.get('max-examples') ?? 5);
const CONFIG = fileURLToPath(new URL('../../schemathesis.toml', import.meta.url));

const stack = await startTestStack({ env: { BAYAR_ENV: 'development', BAYAR_LOG_LEVEL: 'error' } });
let code = 1;
try {
  const url = stack.apiUrl;
  // Loopback only: the stack listens on 127.0.0.1 and nothing else is called.
  if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(url)) throw new Error(`refusing to fuzz ${url}: not loopback`);
  console.log(`schemathesis: ${url}/docs/openapi.json, ${MAX_EXAMPLES} examples per operation`);
  code = await new Promise<number>((resolve, reject) => {
    const st = spawn(
      ST,
      [
        '--config-file',
        CONFIG,
        'run',
        `${url}/docs/openapi.json`,
        '--header',
        `Authorization: Bearer ${API_KEY}`,
        '--max-examples',
        String(MAX_EXAMPLES),
        '--seed',
        args.get('seed') ?? '1',
        '--workers',
        '1',
        '--request-timeout',
        '30',
      ],
      { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false', NO_COLOR: '1' } },
    );
    st.once('error', reject);
    st.once('exit', (c) => resolve(c ?? 1));
  });
} finally {
  await stack.stop();
}
process.exit(code);
