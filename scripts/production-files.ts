// The production image's files: what the production entrypoints import, and nothing else. The
// Dockerfile prunes dist/ to this list (`node dist/scripts/production-files.js --prune dist`);
// test/unit/production-build.test.ts checks that it holds no sandbox and no development value.
//
// Development material is reachable from production code only through `import()` calls that
// may fail (src/config/development.ts, each descriptor's sandbox.load): in the pruned image they
// find nothing, and BAYAR_ENV=development is refused at boot. Only an import() into a sandbox
// folder (the shared src/sandbox/, or a provider's own src/providers/<name>/sandbox/) is such an
// optional load; any other import() is followed like a static import (the provider list,
// src/providers/index.ts, loads each descriptor with one awaited import()).
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** What runs in production: the API, the worker, the migration job, the admin CLI (paths under dist/). */
export const PRODUCTION_ENTRYPOINTS = ['src/main.js', 'src/worker.js', 'src/db/migrate.js', 'src/admin/cli.js'] as const;

/** Read by path, not imported: the prebuilt workflow bundles and the workflow sources the worker falls back to. */
const LOADED_BY_PATH = ['workflow-bundle.js', 'workflow-bundle-traced.js', 'workflows/index.js'] as const;

/**
 * The development half: the only files production code may import() without shipping them. The
 * shared sandbox code (src/sandbox/) and each provider's sandbox (src/providers/<name>/sandbox/).
 */
export const DEVELOPMENT_FOLDER = /^src\/(?:providers\/[^/]+\/)?sandbox\//;

const STATIC_IMPORT = /(?:^|[\s;])(?:import|export)\s+(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

export interface ProductionGraph {
  /** Files (relative to dist/) the entrypoints import, transitively (statically, or by an import() outside a sandbox folder). */
  files: Set<string>;
  /** `import()` targets in a sandbox folder (DEVELOPMENT_FOLDER) from those files that are not in `files` (optional loads), with who asks. */
  optional: { from: string; target: string }[];
}

export function productionGraph(dist: string): ProductionGraph {
  const files = new Set<string>();
  const optional: { from: string; target: string }[] = [];
  const dynamic: { from: string; target: string }[] = [];
  const queue: string[] = [...PRODUCTION_ENTRYPOINTS, ...LOADED_BY_PATH];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    // The bundles are webpack output with no relative imports left.
    if (file.startsWith('workflow-bundle')) continue;
    const text = readFileSync(join(dist, file), 'utf8');
    const target = (specifier: string) => relative(dist, resolve(dist, dirname(file), specifier));
    for (const m of text.matchAll(STATIC_IMPORT)) queue.push(target(m[1]!));
    for (const m of text.matchAll(DYNAMIC_IMPORT)) {
      const t = target(m[1]!);
      if (DEVELOPMENT_FOLDER.test(t)) dynamic.push({ from: file, target: t });
      else queue.push(t);
    }
  }
  for (const d of dynamic) if (!files.has(d.target)) optional.push(d);
  return { files, optional };
}

function allFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? allFiles(path, base) : [relative(base, path)];
  });
}

function removeEmptyDirectories(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      removeEmptyDirectories(path);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    }
  }
}

/** Deletes every file under dist/ the production graph does not hold (source maps go too). */
export function prune(dist: string): number {
  const { files } = productionGraph(dist);
  let removed = 0;
  for (const file of allFiles(dist)) {
    if (files.has(file)) continue;
    rmSync(join(dist, file));
    removed++;
  }
  removeEmptyDirectories(dist);
  return removed;
}

if (process.argv[2] === '--prune' && process.argv[3]) {
  const dist = process.argv[3];
  const removed = prune(dist);
  console.log(`production-files: kept ${productionGraph(dist).files.size} files, removed ${removed}`);
} else if (process.argv[2] === '--list' && process.argv[3]) {
  console.log([...productionGraph(process.argv[3]).files].sort().join('\n'));
}
