// Development mode's defaults (src/sandbox/dev-defaults.ts), when this build has them. The
// production image leaves every sandbox/ folder out (Dockerfile; test/unit/production-build.test.ts), so
// there this is undefined and BAYAR_ENV=development is refused at boot instead of running on keys
// that are not there. Loaded by import() at module load, so loadConfig stays synchronous.
import type { DevDefaults } from '../sandbox/dev-defaults.js';

export const DEVELOPMENT_DEFAULTS: DevDefaults | undefined = await import('../sandbox/dev-defaults.js').then(
  (m) => m.DEV_DEFAULTS,
  (err: NodeJS.ErrnoException) => {
    // Only "this build has no development material"; anything else is a bug worth seeing.
    if (err.code === 'ERR_MODULE_NOT_FOUND' && /sandbox/.test(err.message)) return undefined;
    throw err;
  },
);
