#!/usr/bin/env bash
# Install (if needed) and start the local Kafka, PostgreSQL and object store, then wait until
# each answers real client requests. Idempotent: running services are reused.
#
#   deploy/local/up.sh
#
# Kafka:      bootstrap 127.0.0.1:${LIENTHONG_KAFKA_PORT:-19092} (LIENTHONG_KAFKA_BROKERS=3: a cluster, see kafka.sh)
# PostgreSQL: postgresql://lienthong:lienthong@127.0.0.1:${LIENTHONG_PG_PORT:-15432}/lienthong
# Objects:    http://127.0.0.1:${LIENTHONG_OBJECT_STORE_PORT:-19300} (S3, keys: deploy/local/objectstore.sh env)
# See _common.sh for the environment variables; stop with deploy/local/down.sh.
set -euo pipefail

LT_NAME=up  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

"$LT_SCRIPT_DIR/kafka.sh" install
"$LT_SCRIPT_DIR/postgres.sh" install
"$LT_SCRIPT_DIR/objectstore.sh" install

t0="$(lt_now)"
"$LT_SCRIPT_DIR/kafka.sh" start
kafka_s="$(lt_elapsed "$t0")"

t0="$(lt_now)"
"$LT_SCRIPT_DIR/postgres.sh" start
pg_s="$(lt_elapsed "$t0")"

t0="$(lt_now)"
"$LT_SCRIPT_DIR/objectstore.sh" start
objects_s="$(lt_elapsed "$t0")"

echo
echo "up: kafka    ready in ${kafka_s}s  -> bootstrap $("$LT_SCRIPT_DIR/kafka.sh" bootstrap)"
echo "up: postgres ready in ${pg_s}s  -> postgresql://lienthong:lienthong@127.0.0.1:$LT_PG_PORT/lienthong"
echo "up: objects  ready in ${objects_s}s  -> http://127.0.0.1:${LIENTHONG_OBJECT_STORE_PORT:-19300} (bucket ${LIENTHONG_OBJECT_STORE_BUCKET:-lienthong-documents})"
echo "up: logs in $LT_LOCAL_DIR/kafka/kafka.log, $LT_LOCAL_DIR/objectstore/objectstore.log and postgres.log beside the database's files ($("$LT_SCRIPT_DIR/postgres.sh" dir)); stop with deploy/local/down.sh"
