#!/usr/bin/env bash
# Local stand-ins for the national systems and message providers, in one Python process.
#
#   deploy/local/standins.sh start    start (or reuse) them, wait until every one answers
#   deploy/local/standins.sh stop     SIGTERM, wait, SIGKILL after LIENTHONG_STOP_TIMEOUT
#   deploy/local/standins.sh status   exit 0 if running, 3 if not
#
# On 127.0.0.1: SMS gateway ${LIENTHONG_STANDIN_SMS_PORT:-19201}, Zalo OA ${LIENTHONG_STANDIN_ZALO_PORT:-19202},
# public service portal ${LIENTHONG_STANDIN_PORTAL_PORT:-19203}, population database
# ${LIENTHONG_STANDIN_POPULATION_PORT:-19204}, mail control ${LIENTHONG_STANDIN_MAIL_PORT:-19205}, identity
# provider ${LIENTHONG_STANDIN_IDENTITY_PORT:-19206}, payment platform ${LIENTHONG_STANDIN_PAYMENT_PORT:-19207},
# postal service ${LIENTHONG_STANDIN_POSTAL_PORT:-19208} and SMTP ${LIENTHONG_STANDIN_SMTP_PORT:-19225}. Each HTTP
# stand-in serves /_control, /_received and /_reset (deploy/local/standins/control.py). State lives in
# ${LIENTHONG_LOCAL_DIR:-<repo>/.local}/standins (standins.log, standins.pid, identity/<realm>/ signing keys); the
# payment and postal stand-ins share the merchant keys and callback secrets of ${LIENTHONG_LOCAL_DIR}/keys.json
# with intake (deploy/local/local_keys.py).
set -euo pipefail

LT_NAME=standins  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

declare -A LT_STANDIN_DEFAULTS=([sms]=19201 [zalo]=19202 [portal]=19203 [population]=19204 [mail]=19205 [identity]=19206 [payment]=19207 [postal]=19208 [smtp]=19225)
LT_STANDIN_NAMES=(sms zalo portal population mail identity payment postal smtp)
declare -A LT_STANDIN_PORTS=()
PORT_ARGS=()
for name in "${LT_STANDIN_NAMES[@]}"; do
  var="LIENTHONG_STANDIN_${name^^}_PORT"
  LT_STANDIN_PORTS[$name]="${!var:-${LT_STANDIN_DEFAULTS[$name]}}"
  lt_check_port_var "$var" "${LT_STANDIN_PORTS[$name]}"
  PORT_ARGS+=("--$name-port" "${LT_STANDIN_PORTS[$name]}")
done

STANDINS_DIR="$LT_LOCAL_DIR/standins"
PID_FILE="$STANDINS_DIR/standins.pid"
LOG_FILE="$STANDINS_DIR/standins.log"
export PYTHONPATH="$LT_SCRIPT_DIR${PYTHONPATH:+:$PYTHONPATH}"

is_our_server() {
  local args
  args="$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null || true)"
  grep -qxF -- standins <<<"$args" && grep -qxF -- "${LT_STANDIN_PORTS[sms]}" <<<"$args"
}

find_pid() { lt_pid_from_file is_our_server; }

# Every HTTP stand-in answers /_control and SMTP greets; a dead process or the deadline ends the wait.
wait_ready() { # pid
  lt_python -m standins.readiness --pid "$1" --timeout "$LT_READY_TIMEOUT" --log-file "$LOG_FILE" "${PORT_ARGS[@]}"
}

cmd_start() {
  local pid name
  if pid="$(find_pid)"; then
    if LT_READY_TIMEOUT=5 wait_ready "$pid"; then
      lt_log "ready (reused running stand-ins, pid $pid)"
      return 0
    fi
    # The stand-ins hold only what tests and the demo sent them: a hung process is replaced.
    lt_log "pid $pid is running but not answering (see $LOG_FILE); restarting it"
    cmd_stop
  fi
  rm -f "$PID_FILE"
  for name in "${LT_STANDIN_NAMES[@]}"; do
    if lt_port_open "${LT_STANDIN_PORTS[$name]}"; then
      lt_die "port 127.0.0.1:${LT_STANDIN_PORTS[$name]} ($name) is already in use by another process; free it or set LIENTHONG_STANDIN_${name^^}_PORT"
    fi
  done
  lt_python -c 'import aiosmtpd, uvicorn, standins.serve' 2>/dev/null \
    || lt_die "cannot import the stand-ins with $LT_PYTHON (install the dev extras: .venv/bin/pip install -e '.[dev]')"
  mkdir -p "$STANDINS_DIR"
  lt_log "starting on 127.0.0.1 (${PORT_ARGS[*]}), log $LOG_FILE"
  printf '\n===== %s start =====\n' "$(date -Is)" >>"$LOG_FILE"
  # setsid: own session, so a Ctrl-C of the caller leaves it running, like Kafka.
  LIENTHONG_LOCAL_DIR="$LT_LOCAL_DIR" PYTHONUNBUFFERED=1 nohup setsid "$LT_PYTHON" -m standins "${PORT_ARGS[@]}" --data-dir "$STANDINS_DIR" >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  printf '%s\n' "$pid" >"$PID_FILE"
  if ! wait_ready "$pid"; then
    tail -n 30 "$LOG_FILE" >&2 || true
    if lt_pid_alive "$pid"; then cmd_stop; else rm -f "$PID_FILE"; fi
    lt_die "the stand-ins did not become ready"
  fi
  lt_log "ready (pid $pid): sms http://127.0.0.1:${LT_STANDIN_PORTS[sms]}, smtp 127.0.0.1:${LT_STANDIN_PORTS[smtp]}, control on each HTTP port"
}

cmd_stop() { lt_stop; }

cmd_status() {
  local pid
  if pid="$(find_pid)"; then
    echo "standins: running (pid $pid, sms http://127.0.0.1:${LT_STANDIN_PORTS[sms]}, smtp 127.0.0.1:${LT_STANDIN_PORTS[smtp]})"
    return 0
  fi
  echo "standins: not running"
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 {start|stop|status}" >&2; exit 2 ;;
esac
