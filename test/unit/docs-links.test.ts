// Every relative link in the repository's Markdown (README, CHANGELOG, docs/, provider READMEs)
// names a file or folder the repository has: no links outside it, no documents it lacks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SKIP = new Set(['node_modules', 'dist', '.git', 'bench-results', 'chaos-results', 'test-results', '.bayar-data']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** [text](target) and [text]: target, without the code spans and fenced blocks (examples, not links). */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const inline = [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  const reference = [...prose.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!);
  return [...inline, ...reference];
}

describe('documentation links', () => {
  const files = markdownFiles(ROOT);

  it('finds the Markdown files', () => {
    assert.ok(files.some((f) => relative(ROOT, f) === 'README.md'));
    assert.ok(files.some((f) => relative(ROOT, f).startsWith('docs/')));
  });

  it('every relative link resolves to a file in the repository', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const target of links(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // a URL or an anchor in the same file
        checked += 1;
        const path = resolve(dirname(file), decodeURIComponent(target.split('#')[0]!));
        if (!path.startsWith(ROOT + '/') || !existsSync(path)) broken.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    assert.ok(checked > 10, `only ${checked} relative links found: the link pattern is wrong`);
    assert.deepEqual(broken, []);
  });
});
