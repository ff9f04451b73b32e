# One image for both processes: the API is the default command, the worker runs the same
# image with `node dist/src/worker.js` (see docker-compose.yml).
#
# Two targets. `production` (the default, the last stage) holds only what the production
# entrypoints import (scripts/production-files.ts): no sandbox/ folder (src/sandbox/, nor any
# src/providers/<name>/sandbox/), so no provider sandbox and no development key, and
# BAYAR_ENV=development is refused at boot. `development` (docker build --target development,
# docker-compose.yml with BAYAR_ENV=development) keeps the whole build, sandboxes included.

# ---- build: full install (TypeScript is a dev dependency), compile, prebundle workflows ----
FROM node:20-slim AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json nest-cli.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY scripts ./scripts
COPY migrations ./migrations
# `npm run build` also writes dist/workflow-bundle.js, so workers start without running webpack.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund
# The production target's dist/: only what the API, worker, migration job and admin CLI import
# (test/unit/production-build.test.ts checks that list holds no sandbox and no development value).
RUN cp -r dist dist-production \
 && node dist/scripts/production-files.js --prune dist-production

# ---- development: the whole build, provider sandboxes and development keys included ----
FROM node:20-slim AS development
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]

# ---- production: only what the production entrypoints import ----
FROM node:20-slim AS production
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist-production ./dist
# Versioned SQL: `node dist/src/db/migrate.js` applies it; the API and worker check it at boot.
COPY --from=build /app/migrations ./migrations
# The checkout page's stylesheet and script, served as they are (no build step).
COPY --from=build /app/src/checkout/assets ./src/checkout/assets
# Nothing is written at runtime; run unprivileged.
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
