#!/bin/sh
# Creates Temporal's two PostgreSQL databases (persistence and visibility) and brings each schema
# to the version this server release needs, with Temporal's own SQL tool — the way Temporal's
# auto-setup image does it. Idempotent: a second run finds the databases and applies nothing.
#
# One script for both shapes: `npm run cluster` runs it with the tool it built (src/cluster/schema.ts),
# and docker-compose.yml's temporal-schema job runs it inside temporalio/admin-tools.
#
# Environment (the SQL tool reads the SQL_* variables itself, so the password is never an argument):
#   SQL_TOOL     temporal-sql-tool binary (default: temporal-sql-tool on PATH)
#   SCHEMA_DIR   the server release's schema/postgresql/v12 folder
#   SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD
set -eu
: "${SQL_TOOL:=temporal-sql-tool}"
: "${SCHEMA_DIR:?SCHEMA_DIR must name schema/postgresql/v12}"
export SQL_PLUGIN=postgres12

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=${pair#*:}
  # Fails when the database exists already (a restart); any other problem fails the next step loudly.
  SQL_DATABASE=$db "$SQL_TOOL" create-database >/dev/null 2>&1 || echo "temporal schema: database $db exists"
  SQL_DATABASE=$db "$SQL_TOOL" setup-schema -v 0.0
  SQL_DATABASE=$db "$SQL_TOOL" update-schema -d "$SCHEMA_DIR/$dir/versioned"
done
echo "temporal schema: $SCHEMA_DIR applied"
