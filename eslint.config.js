// Lint: typescript-eslint's recommended rules, plus the boundaries the design depends on. Formatting
// is Prettier's (.prettierrc.json), checked by `npm run lint` too.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.bayar-data/**', 'test-results/**', 'bench-results/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: { ...importX.flatConfigs.typescript.settings, 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    rules: {
      // A module graph without cycles (type-only imports do not count: they are erased).
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // A promise nobody awaits loses its error (an unhandled rejection) and its ordering.
      // node:test's describe/it return promises the runner itself tracks.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] }] }],
      // A `let` a closure reads before its one assignment (a server handler set up first) stays a `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The checkout page's one script runs in the customer's browser (no build step, no modules).
    files: ['src/checkout/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        ['document', 'window', 'navigator', 'location', 'fetch', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'URL', 'console'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // Tests and scripts read JSON answers loosely, and the cluster harness is loaded lazily by
    // the stack it extends (test/helpers/stack.ts → import('./cluster-stack.js')).
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      'import-x/no-cycle': ['error', { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: true }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, and no provider
    // code at run time (the types of the provider interface are fine: they are erased).
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'workflows run in the deterministic sandbox: no Node built-ins (do I/O in an activity)' })),
          patterns: [{ group: ['**/src/providers/**', '**/src/sandbox/**'], allowTypeImports: true, message: 'workflows may not load provider code; import its types only (import type)' }],
        },
      ],
    },
  },
  {
    // Lower layers do not reach up into one provider: configuration may use the provider LIST
    // (src/providers/index.ts, which it loops over) and the shared provider modules, never a
    // provider's own folder (src/providers/<name>/). Development values are loaded lazily
    // (src/config/development.ts), never imported.
    files: ['src/common/**/*.ts', 'src/config/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/providers/*/**'], message: "src/common and src/config may not import a provider's folder: put the rule in its descriptor (src/providers/<name>/descriptor.ts)" },
            { group: ['**/sandbox/**'], allowTypeImports: true, message: 'development values are loaded by src/config/development.ts only, so the production image can leave them out' },
          ],
        },
      ],
    },
  },
  {
    // Production code never imports the sandboxes or the development keys (the production image
    // does not have them); only the development entrypoints (`npm start`, `npm run cluster`) do.
    // That includes a provider's own adapter: its sandbox sits in its folder
    // (src/providers/<name>/sandbox/), and only the descriptor's lazy sandbox.load() import()
    // reaches it (a dynamic import, which this rule does not see and the production build treats
    // as optional: scripts/production-files.ts). The sandboxes themselves may import the shared
    // kit (src/sandbox/kit.ts) and their adapter's wire types, schemas and signing.
    files: ['src/**/*.ts'],
    ignores: ['src/sandbox/**', 'src/providers/*/sandbox/**', 'src/dev.ts', 'src/dev/**', 'src/cluster/**', 'src/common/**', 'src/config/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['**/sandbox/**'], allowTypeImports: true, message: 'production code does not load sandboxes or development keys (docs/providers.md)' }],
        },
      ],
    },
  },
  {
    // A provider's sandbox is development code: it may use the shared kit and its own adapter's
    // modules, but never another provider's sandbox (each is started on its own by src/sandbox/main.ts).
    files: ['src/providers/*/sandbox/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../../*/sandbox/**', '!../../../sandbox/**'], message: "a provider's sandbox does not import another provider's sandbox" }] },
      ],
    },
  },
);
