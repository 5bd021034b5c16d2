#!/usr/bin/env bash
# The schemas' roles in the compose PostgreSQL (docs/security.md, Database roles). Mounted into
# /docker-entrypoint-initdb.d, so it runs once, when the container makes its data directory, as
# POSTGRES_USER (the migration login): for each schema a NOLOGIN owner role the migration login
# may SET ROLE to, and the LOGIN role the service connects as, with the password from
# PG_<SCHEMA>_PASSWORD. deploy/local/postgres.sh does the same for the local cluster.
set -euo pipefail

for schema in intake routing department notification operations; do
  variable="PG_${schema^^}_PASSWORD"
  password="${!variable:?$variable is not set}"
  psql -v ON_ERROR_STOP=1 -q --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v owner="lienthong_${schema}_owner" -v login="lienthong_$schema" -v admin="$POSTGRES_USER" \
    -v password="$password" <<'SQL'
CREATE ROLE :"owner" NOLOGIN;
GRANT :"owner" TO :"admin";
CREATE ROLE :"login" LOGIN PASSWORD :'password';
SQL
done
