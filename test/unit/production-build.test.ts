// The production image holds no provider sandbox and no development value: the files the
// production entrypoints import (scripts/production-files.ts, the list the Dockerfile prunes
// dist/ to) are checked here, on this build's dist/.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { productionGraph, PRODUCTION_ENTRYPOINTS } from '../../scripts/production-files.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { DEV_DEFAULTS } from '../../src/sandbox/dev-defaults.js';

// Compiled to dist/test/unit/: dist/ is two levels up.
const DIST = fileURLToPath(new URL('../../', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A file in a sandbox folder: the shared src/sandbox/ or a provider's src/providers/<name>/sandbox/. */
const IN_A_SANDBOX_FOLDER = /(?:^|\/)sandbox\//;

/** Every development-keys module the build holds (each provider's sandbox folder may have one), by path under dist/. */
function developmentKeyModules(): string[] {
  const providers = `${DIST}/src/providers`;
  return readdirSync(providers, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(`${providers}/${e.name}/sandbox/dev-keys.js`))
    .map((e) => `src/providers/${e.name}/sandbox/dev-keys.js`);
}

/** Every string in the development defaults, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

describe('the production build', () => {
  const graph = productionGraph(DIST);
  const files = [...graph.files];

  it('holds the production entrypoints and their imports', () => {
    for (const entry of PRODUCTION_ENTRYPOINTS) assert.ok(graph.files.has(entry), entry);
    assert.ok(graph.files.has('src/config/config.js') && graph.files.has('src/providers/index.js'));
    // The provider list loads each descriptor with an awaited import(): shipped, not optional.
    for (const d of PROVIDERS) assert.ok(graph.files.has(`src/providers/${d.name}/descriptor.js`), d.name);
    assert.ok(files.length > 100, `${files.length} files`);
  });

  it('imports no sandbox, no development-keys module and no development launcher', () => {
    const development = files.filter((f) => IN_A_SANDBOX_FOLDER.test(f) || f === 'src/dev.js' || f.startsWith('src/cluster/') || f.startsWith('test/') || f.startsWith('scripts/'));
    assert.deepEqual(development, []);
    // Each provider's sandbox is built in its own folder (so the check above looks where they are).
    for (const d of PROVIDERS) assert.ok(existsSync(`${DIST}/src/providers/${d.name}/sandbox/index.js`), `${d.name}'s sandbox is in src/providers/${d.name}/sandbox/`);
  });

  it('reaches the development half only through import() calls the pruned image cannot resolve', () => {
    const targets = graph.optional.map((o) => o.target);
    assert.ok(targets.includes('src/sandbox/dev-defaults.js'), 'config/development.js loads the development values lazily');
    for (const d of PROVIDERS) assert.ok(targets.includes(`src/providers/${d.name}/sandbox/index.js`), `${d.name}'s descriptor loads its sandbox lazily`);
    for (const { from, target } of graph.optional) assert.match(target, IN_A_SANDBOX_FOLDER, `${from} → ${target}`);
  });

  it('contains no published development value or key, in any file', async () => {
    const keyModules = developmentKeyModules();
    assert.ok(keyModules.length >= 2, keyModules.join(', '));
    const pems = (await Promise.all(keyModules.map(async (m) => Object.values((await import(pathToFileURL(`${DIST}/${m}`).href)) as Record<string, string>)))).flat();
    // Each key by a line of its base64 body: enough to find it, whatever surrounds it.
    const keyLines = pems.map((pem) => pem.split('\n')[3]!);
    // The demo API key by its secret half; the placeholder return page is no secret.
    const values = strings({ ...DEV_DEFAULTS, apiKeys: DEV_DEFAULTS.apiKeys.split(':')[1] });
    const secrets = [...values.filter((s) => !s.startsWith('https://') && !s.startsWith('-----')), ...keyLines];
    assert.ok(secrets.length >= 15, `${secrets.length} values`);
    for (const file of files) {
      const text = readFileSync(`${DIST}/${file}`, 'utf8');
      for (const secret of secrets) assert.ok(!text.includes(secret), `${file} holds a development value`);
    }
  });

  it('is what the Dockerfile ships: the production target prunes dist/ to this list', () => {
    const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
    assert.match(dockerfile, /cp -r dist dist-production \\\n && node dist\/scripts\/production-files\.js --prune dist-production/);
    const stages = [...dockerfile.matchAll(/^FROM\s+\S+(?:\s+AS\s+(\S+))?/gm)].map((m) => m[1]);
    assert.equal(stages.at(-1), 'production', 'the default target (the last stage) is production');
    const production = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    assert.match(production, /COPY --from=build \/app\/dist-production \.\/dist/);
    assert.doesNotMatch(production, /COPY --from=build \/app\/dist /, 'not the whole build');
  });
});
