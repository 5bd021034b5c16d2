#!/usr/bin/env bash
# Stop the local Kafka, PostgreSQL and object store started by up.sh. Idempotent: exits 0 when
# nothing runs. Tries each even if one fails; exits 1 if any could not be stopped.
set -euo pipefail

LT_NAME=down  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

rc=0
"$LT_SCRIPT_DIR/kafka.sh" stop || rc=1
"$LT_SCRIPT_DIR/postgres.sh" stop || rc=1
"$LT_SCRIPT_DIR/objectstore.sh" stop || rc=1
(( rc == 0 )) || lt_die "at least one service could not be stopped (see above)"
echo "down: all stopped"
