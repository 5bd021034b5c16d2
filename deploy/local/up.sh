#!/usr/bin/env bash
# Install (if needed) and start the local Kafka and PostgreSQL, then wait until both
# answer real client requests. Idempotent: running services are reused.
#
#   deploy/local/up.sh
#
# Kafka:      bootstrap 127.0.0.1:${LIENTHONG_KAFKA_PORT:-19092}
# PostgreSQL: postgresql://lienthong:lienthong@127.0.0.1:${LIENTHONG_PG_PORT:-15432}/lienthong
# See _common.sh for the environment variables; stop with deploy/local/down.sh.
set -euo pipefail

LT_NAME=up  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

"$LT_SCRIPT_DIR/kafka.sh" install
"$LT_SCRIPT_DIR/postgres.sh" install

t0="$(lt_now)"
"$LT_SCRIPT_DIR/kafka.sh" start
kafka_s="$(lt_elapsed "$t0")"

t0="$(lt_now)"
"$LT_SCRIPT_DIR/postgres.sh" start
pg_s="$(lt_elapsed "$t0")"

echo
echo "up: kafka    ready in ${kafka_s}s  -> bootstrap 127.0.0.1:$LT_KAFKA_PORT"
echo "up: postgres ready in ${pg_s}s  -> postgresql://lienthong:lienthong@127.0.0.1:$LT_PG_PORT/lienthong"
echo "up: logs in $LT_LOCAL_DIR/kafka/kafka.log and postgres.log beside the database's files ($("$LT_SCRIPT_DIR/postgres.sh" dir)); stop with deploy/local/down.sh"
