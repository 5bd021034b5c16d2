# shellcheck shell=bash disable=SC2034  # variables are used by the sourcing scripts
# Shared settings and helpers for deploy/local/*.sh. Sourced, not executed.
#
# Environment (all optional):
#   LIENTHONG_LOCAL_DIR              state directory        (default <repo>/.local)
#   LIENTHONG_PYTHON                 python with aiokafka+asyncpg (default <repo>/.venv/bin/python)
#   LIENTHONG_KAFKA_PORT             Kafka PLAINTEXT port   (default 19092)
#   LIENTHONG_KAFKA_CONTROLLER_PORT  Kafka CONTROLLER port  (default 19093)
#   LIENTHONG_KAFKA_BROKERS          Kafka nodes, 1-9       (default 1; 3 for a replicated cluster, see kafka.sh)
#   LIENTHONG_PG_PORT                PostgreSQL port        (default 15432)
#   LIENTHONG_READY_TIMEOUT          readiness deadline, s  (default 60)
#   LIENTHONG_STOP_TIMEOUT           stop deadline, s       (default 30)

LT_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
LT_REPO_ROOT="$(cd "$LT_SCRIPT_DIR/../.." && pwd -P)"
LT_LOCAL_DIR="${LIENTHONG_LOCAL_DIR:-$LT_REPO_ROOT/.local}"
LT_PYTHON="${LIENTHONG_PYTHON:-$LT_REPO_ROOT/.venv/bin/python}"
LT_KAFKA_PORT="${LIENTHONG_KAFKA_PORT:-19092}"
LT_KAFKA_CONTROLLER_PORT="${LIENTHONG_KAFKA_CONTROLLER_PORT:-19093}"
LT_KAFKA_BROKERS="${LIENTHONG_KAFKA_BROKERS:-1}"
LT_PG_PORT="${LIENTHONG_PG_PORT:-15432}"
LT_READY_TIMEOUT="${LIENTHONG_READY_TIMEOUT:-60}"
LT_STOP_TIMEOUT="${LIENTHONG_STOP_TIMEOUT:-30}"

lt_log() { printf '%s: %s\n' "${LT_NAME:-local}" "$*"; }
lt_die() { printf '%s: ERROR: %s\n' "${LT_NAME:-local}" "$*" >&2; exit 1; }

lt_check_port_var() { # name value
  if ! [[ "$2" =~ ^[0-9]{1,5}$ ]] || (( 10#$2 < 1 || 10#$2 > 65535 )); then
    lt_die "$1='$2' is not a TCP port number"
  fi
}
lt_check_port_var LIENTHONG_KAFKA_PORT "$LT_KAFKA_PORT"
lt_check_port_var LIENTHONG_KAFKA_CONTROLLER_PORT "$LT_KAFKA_CONTROLLER_PORT"
lt_check_port_var LIENTHONG_PG_PORT "$LT_PG_PORT"
[[ "$LT_KAFKA_BROKERS" =~ ^[1-9]$ ]] || lt_die "LIENTHONG_KAFKA_BROKERS='$LT_KAFKA_BROKERS' is not a number of Kafka nodes from 1 to 9"

# LIENTHONG_LOCAL_DIR may be relative: resolve it against the current directory once.
case "$LT_LOCAL_DIR" in
  /*) ;;
  *) LT_LOCAL_DIR="$PWD/$LT_LOCAL_DIR" ;;
esac

lt_python() {
  [[ -x "$LT_PYTHON" ]] || lt_die "python not found at $LT_PYTHON (create the venv: python3 -m venv .venv && .venv/bin/pip install -e .; or set LIENTHONG_PYTHON)"
  "$LT_PYTHON" "$@"
}

# 0 if something accepts TCP connections on 127.0.0.1:<port>.
lt_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# 0 if pid is a live (non-zombie) process.
lt_pid_alive() {
  local pid="$1" state
  [[ -n "$pid" && "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)"
  [[ "$state" != "Z" ]]
}

lt_now() { date +%s.%N; }
lt_elapsed() { # start -> seconds with one decimal
  LC_ALL=C awk -v s="$1" -v e="$(lt_now)" 'BEGIN { printf "%.1f", e - s }'
}

# Fetch the dependencies a pom lists into <dest> with Maven, atomically, recording the pom's
# checksum in <dest>/.installed-from-pom.sha256; <jar-glob> must match a fetched file.
lt_maven_fetch() { # pom dest jar-glob
  local pom="$1" dest="$2" glob="$3"
  command -v mvn >/dev/null 2>&1 || lt_die "mvn not found on PATH (on Debian: apt-get install -y maven)"
  mkdir -p "$(dirname "$dest")"
  local tmp="$dest.tmp.$$" mvn_log
  mvn_log="$(dirname "$dest")/mvn-install.log"
  rm -rf "$tmp"
  if ! mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
        -DoutputDirectory="$tmp" -DincludeScope=runtime >"$mvn_log" 2>&1; then
    cat "$mvn_log" >&2 || true
    rm -rf "$tmp"
    lt_die "mvn dependency:copy-dependencies failed (output above, also in $mvn_log)"
  fi
  # shellcheck disable=SC2086  # the glob is meant to expand
  compgen -G "$tmp/"$glob >/dev/null || { rm -rf "$tmp"; lt_die "Maven ran but no $glob landed in $tmp"; }
  sha256sum "$pom" | cut -d' ' -f1 >"$tmp/.installed-from-pom.sha256"
  rm -rf "$dest"
  mv "$tmp" "$dest"
}

# Prints the pid in PID_FILE if that process is alive and <is-ours> <pid> agrees; else fails.
lt_pid_from_file() { # is-ours
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(tr -dc '0-9' <"$PID_FILE" || true)"
  lt_pid_alive "$pid" && "$1" "$pid" || return 1
  printf '%s' "$pid"
}

# Prints the pid of the live process <is-ours> recognises: PID_FILE's if it agrees, else one found in /proc
# (a pid file missing or stale); fails when there is none.
lt_find_pid() { # is-ours
  local pid cmdline
  lt_pid_from_file "$1" && return 0
  for cmdline in /proc/[0-9]*/cmdline; do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    if "$1" "$pid" && lt_pid_alive "$pid"; then
      printf '%s' "$pid"
      return 0
    fi
  done 2>/dev/null
  return 1
}

# After a server's start: the calling script's wait_ready on <pid>; if it fails, the log's last lines
# are shown, the server is stopped (cmd_stop) when still alive, and the script dies.
lt_ready_or_stop() { # pid what
  local pid="$1" what="$2"
  wait_ready --pid "$pid" && return 0
  echo "----- last lines of $LOG_FILE -----" >&2
  tail -n 30 "$LOG_FILE" >&2 || true
  if lt_pid_alive "$pid"; then
    lt_log "stopping the $what that did not become ready"
    cmd_stop || true
  else
    rm -f "$PID_FILE"
  fi
  lt_die "$what did not become ready"
}

# The usual `stop`: terminate the process the calling script's find_pid names (if any) and
# forget its PID_FILE.
lt_stop() {
  local pid
  if ! pid="$(find_pid)"; then
    rm -f "$PID_FILE"
    lt_log "not running"
    return 0
  fi
  lt_terminate "$pid"
  rm -f "$PID_FILE"
}

# SIGTERM <pid>, wait LIENTHONG_STOP_TIMEOUT seconds, then SIGKILL and wait 10 s more.
lt_terminate() { # pid
  local pid="$1" start deadline
  start="$(lt_now)"
  lt_log "stopping (SIGTERM to pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(( SECONDS + LT_STOP_TIMEOUT ))
  while lt_pid_alive "$pid"; do
    if (( SECONDS >= deadline )); then
      lt_log "still alive after ${LT_STOP_TIMEOUT}s; sending SIGKILL to pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      local kdeadline=$(( SECONDS + 10 ))
      while lt_pid_alive "$pid"; do
        (( SECONDS < kdeadline )) || lt_die "pid $pid survived SIGKILL"
        sleep 0.1
      done
      break
    fi
    sleep 0.1
  done
  lt_log "stopped (took $(lt_elapsed "$start")s)"
}
