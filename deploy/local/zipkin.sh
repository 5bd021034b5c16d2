#!/usr/bin/env bash
# Local Zipkin server (trace UI and API, spans kept in memory), no Docker.
#
#   deploy/local/zipkin.sh install   fetch the server's exec jar from Maven Central (once)
#   deploy/local/zipkin.sh start     start (or reuse) it, wait until /health answers UP
#   deploy/local/zipkin.sh stop      SIGTERM, wait, SIGKILL after LIENTHONG_STOP_TIMEOUT
#   deploy/local/zipkin.sh status    exit 0 if running, 3 if not
#
# UI and API on http://127.0.0.1:${LIENTHONG_ZIPKIN_PORT:-19411}/zipkin/ ; spans kept in memory (the newest
# ${LIENTHONG_ZIPKIN_MAX_SPANS:-50000}); services send spans to
# /api/v2/spans when OTEL_EXPORTER_ZIPKIN_ENDPOINT points there. State lives in
# ${LIENTHONG_LOCAL_DIR:-<repo>/.local}/zipkin (libs, zipkin.log, zipkin.pid).
set -euo pipefail

LT_NAME=zipkin  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

LT_ZIPKIN_PORT="${LIENTHONG_ZIPKIN_PORT:-19411}"
# The oldest traces are dropped past this many spans; 50,000 fit the 512 MB heap with room to spare.
LT_ZIPKIN_MAX_SPANS="${LIENTHONG_ZIPKIN_MAX_SPANS:-50000}"
lt_check_port_var LIENTHONG_ZIPKIN_PORT "$LT_ZIPKIN_PORT"

POM="$LT_SCRIPT_DIR/zipkin/pom.xml"
ZIPKIN_DIR="$LT_LOCAL_DIR/zipkin"
LIBS="$ZIPKIN_DIR/libs"
INSTALL_MARKER="$LIBS/.installed-from-pom.sha256"
PID_FILE="$ZIPKIN_DIR/zipkin.pid"
LOG_FILE="$ZIPKIN_DIR/zipkin.log"
BASE_URL="http://127.0.0.1:$LT_ZIPKIN_PORT"

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }
server_jar() { compgen -G "$LIBS/zipkin-server-*-exec.jar" | head -n1; }

is_installed() {
  [[ -f "$INSTALL_MARKER" && "$(cat "$INSTALL_MARKER")" == "$(pom_sum)" ]] && [[ -n "$(server_jar || true)" ]]
}

cmd_install() {
  if is_installed; then
    lt_log "already installed ($(basename "$(server_jar)")) in $LIBS"
    return 0
  fi
  command -v java >/dev/null 2>&1 || lt_die "java not found on PATH (Zipkin 3 needs Java 17+; on Debian: apt-get install -y openjdk-17-jre-headless)"
  lt_log "fetching the Zipkin server jar with Maven into $LIBS ..."
  lt_maven_fetch "$POM" "$LIBS" 'zipkin-server-*-exec.jar'
  lt_log "installed $(basename "$(server_jar)")"
}

is_our_server() {
  local args
  args="$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null || true)"
  grep -q "^$LIBS/zipkin-server-.*-exec.jar$" <<<"$args" && grep -qxF -- "--armeria.ports[0].port=$LT_ZIPKIN_PORT" <<<"$args"
}

find_pid() { lt_pid_from_file is_our_server; }

# Polls /health until Zipkin says UP; a dead process or the deadline ends the wait.
wait_ready() { # pid
  lt_python - "$BASE_URL/health" "$1" "$LT_READY_TIMEOUT" <<'EOF'
import os, sys, time
import httpx
url, pid, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(f"zipkin: process {pid} exited before becoming ready")
    try:
        if httpx.get(url, timeout=2).json().get("status") == "UP":
            sys.exit(0)
    except (httpx.HTTPError, ValueError):
        pass
    time.sleep(0.2)
sys.exit(f"zipkin: {url} not UP after {timeout:.0f}s")
EOF
}

cmd_start() {
  local pid
  if pid="$(find_pid)"; then
    if LT_READY_TIMEOUT=5 wait_ready "$pid"; then
      lt_log "ready on $BASE_URL/zipkin/ (reused running server, pid $pid)"
      return 0
    fi
    # Traces are only a view of the past: a hung server is replaced rather than kept.
    lt_log "pid $pid is running but not answering on $BASE_URL (see $LOG_FILE); restarting it"
    cmd_stop
  fi
  rm -f "$PID_FILE"
  if lt_port_open "$LT_ZIPKIN_PORT"; then
    lt_die "port 127.0.0.1:$LT_ZIPKIN_PORT is already in use by another process; free it or set LIENTHONG_ZIPKIN_PORT"
  fi
  is_installed || cmd_install
  mkdir -p "$ZIPKIN_DIR"
  lt_log "starting $(basename "$(server_jar)") on $BASE_URL, log $LOG_FILE"
  printf '\n===== %s start =====\n' "$(date -Is)" >>"$LOG_FILE"
  # Only the in-memory store and the HTTP collector: unset what would enable other collectors.
  # setsid: own session, so a Ctrl-C of the caller leaves it running, like Kafka.
  nohup setsid env -u KAFKA_BOOTSTRAP_SERVERS -u RABBIT_ADDRESSES -u RABBIT_URI -u ACTIVEMQ_URL \
    java -Xms64m -Xmx512m -XX:TieredStopAtLevel=1 -jar "$(server_jar)" \
    --zipkin.storage.type=mem "--zipkin.storage.mem.max-spans=$LT_ZIPKIN_MAX_SPANS" \
    "--armeria.ports[0].ip=127.0.0.1" "--armeria.ports[0].port=$LT_ZIPKIN_PORT" \
    "--armeria.ports[0].protocols[0]=http" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  if ! wait_ready "$pid"; then
    tail -n 30 "$LOG_FILE" >&2 || true
    if lt_pid_alive "$pid"; then cmd_stop; else rm -f "$PID_FILE"; fi
    lt_die "Zipkin did not become ready"
  fi
  lt_log "ready on $BASE_URL/zipkin/ (pid $pid)"
}

cmd_stop() { lt_stop; }

cmd_status() {
  local pid
  if pid="$(find_pid)"; then
    echo "zipkin: running (pid $pid, $BASE_URL/zipkin/)"
    return 0
  fi
  echo "zipkin: not running"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {install|start|stop|status}" >&2; exit 2 ;;
esac
