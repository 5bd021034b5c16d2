#!/usr/bin/env bash
# Local PostgreSQL (Debian packages, no Docker) in a git-ignored data directory.
#
#   deploy/local/postgres.sh install   apt-get install postgresql, only if no server binaries exist
#   deploy/local/postgres.sh start     initdb (once), start on 127.0.0.1, create role/db, wait until ready
#   deploy/local/postgres.sh stop      pg_ctl stop -m fast
#   deploy/local/postgres.sh status    exit 0 if running, 3 if not
#   deploy/local/postgres.sh dir       print the folder of its data, socket and log
#
# Connect with: postgresql://lienthong:lienthong@127.0.0.1:${LIENTHONG_PG_PORT:-15432}/lienthong
# (role lienthong: LOGIN CREATEDB, owns database lienthong, member of pg_signal_backend so that
# dropping a database it owns WITH (FORCE) may end the sessions the services hold there as their
# own roles: test runs, make demo's scratch copy, an operator). TCP needs the password
# (scram-sha-256); the unix socket in <local>/postgres/run is trust-only for the server's OS user.
#
# Every start also makes sure each schema's roles exist (docs/security.md, Database roles):
# lienthong_<schema> (LOGIN, what the service connects as) and lienthong_<schema>_owner
# (NOLOGIN, owns the schema; lienthong is a member, so migrations can SET ROLE to it). The login
# roles' passwords are generated once into <local>/postgres-roles.pgpass (mode 0600, the
# PostgreSQL password-file format), where the services read them.
#
# The server refuses to run as root: when run as root, every server command runs as the
# `postgres` OS user (created by the Debian package); otherwise as the current user.
# State: ${LIENTHONG_LOCAL_DIR:-<repo>/.local}/postgres (data, run, postgres.log). When run as root
# from a folder the `postgres` user cannot reach (a clone in root's home or any drwx------ folder),
# the state goes to /var/lib/lienthong/postgres-<hash of the local folder's path> instead (owned by
# `postgres`, 0700), and stays there for that folder; `status` prints where.
# LIENTHONG_PG_DIR overrides the state folder; LIENTHONG_PG_BINDIR where pg_ctl/initdb/postgres are.
set -euo pipefail

LT_NAME=postgres  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

CONF_INCLUDE="lienthong.conf"
# One pair of roles per schema: the four services' (services/registry.py) and the operators'.
SCHEMAS=(intake routing department notification operations)
PASSFILE="$LT_LOCAL_DIR/postgres-roles.pgpass"
DB_USER=lienthong
DB_PASSWORD=lienthong
DB_NAME=lienthong
PG_OS_USER=postgres
# Where a private local folder's cluster lives: one folder per local folder, keyed by its path.
PG_SHARED_ROOT=/var/lib/lienthong
PG_SHARED_DIR="$PG_SHARED_ROOT/postgres-$(printf '%s' "$LT_LOCAL_DIR" | sha256sum | cut -c1-16)"

find_bindir() {
  if [[ -n "${LIENTHONG_PG_BINDIR:-}" ]]; then
    [[ -x "$LIENTHONG_PG_BINDIR/postgres" ]] || return 1
    printf '%s' "$LIENTHONG_PG_BINDIR"
    return 0
  fi
  local newest
  newest="$(compgen -G '/usr/lib/postgresql/*/bin/postgres' | sort -V | tail -n1 || true)"
  if [[ -n "$newest" ]]; then
    printf '%s' "${newest%/postgres}"
    return 0
  fi
  return 1
}

cmd_install() {
  local bindir
  if bindir="$(find_bindir)"; then
    lt_log "already installed: $("$bindir/postgres" --version) in $bindir"
    return 0
  fi
  [[ -z "${LIENTHONG_PG_BINDIR:-}" ]] || lt_die "LIENTHONG_PG_BINDIR=$LIENTHONG_PG_BINDIR has no postgres binary"
  command -v apt-get >/dev/null 2>&1 || lt_die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin and no apt-get; install PostgreSQL 15+ and set LIENTHONG_PG_BINDIR"
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null 2>&1 || lt_die "installing PostgreSQL needs root (apt-get install postgresql); run as root or install sudo"
    sudo=(sudo)
  fi
  lt_log "no PostgreSQL server binaries found; installing the Debian package 'postgresql' ..."
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
  bindir="$(find_bindir)" || lt_die "apt-get install postgresql finished but /usr/lib/postgresql/*/bin/postgres is still missing"
  lt_log "installed: $("$bindir/postgres" --version)"
}

BINDIR=""
need_bindir() {
  if [[ -z "$BINDIR" ]]; then
    BINDIR="$(find_bindir)" || lt_die "PostgreSQL server binaries not found (run: $0 install)"
  fi
}

# Run a command as the OS user that owns the cluster, from a directory it can read.
as_pg() {
  if (( EUID == 0 )); then
    (cd "$PG_DIR" && runuser -u "$PG_OS_USER" -- "$@")
  else
    (cd "$PG_DIR" && "$@")
  fi
}

pg_ctl_() { need_bindir; as_pg "$BINDIR/pg_ctl" -D "$DATA" "$@"; }

# The state folder: LIENTHONG_PG_DIR; else, as root, the per-folder one under /var/lib/lienthong if
# it exists or if the `postgres` user cannot reach the local folder; else <local>/postgres.
choose_pg_dir() {
  if [[ -n "${LIENTHONG_PG_DIR:-}" ]]; then
    case "$LIENTHONG_PG_DIR" in
      /*) printf '%s' "$LIENTHONG_PG_DIR" ;;
      *) printf '%s' "$PWD/$LIENTHONG_PG_DIR" ;;
    esac
    return 0
  fi
  if (( EUID == 0 )) && id -u "$PG_OS_USER" >/dev/null 2>&1; then
    if [[ -d "$PG_SHARED_DIR" && ! -f "$LT_LOCAL_DIR/postgres/data/PG_VERSION" ]] \
        || first_blocked_dir "$LT_LOCAL_DIR" >/dev/null; then
      printf '%s' "$PG_SHARED_DIR"
      return 0
    fi
  fi
  printf '%s' "$LT_LOCAL_DIR/postgres"
}

# First path component, walking down from /, that the server's OS user cannot enter.
first_blocked_dir() {
  local path="$1" cur="" part
  IFS='/' read -r -a parts <<<"${path#/}"
  for part in "${parts[@]}"; do
    [[ -n "$part" ]] || continue
    cur="$cur/$part"
    [[ -e "$cur" ]] || break
    if ! runuser -u "$PG_OS_USER" -- test -x "$cur"; then
      printf '%s' "$cur"
      return 0
    fi
  done
  return 1
}

PG_DIR="$(choose_pg_dir)"
DATA="$PG_DIR/data"
SOCK_DIR="$PG_DIR/run"
LOG_FILE="$PG_DIR/postgres.log"

prepare_dirs() {
  if (( EUID == 0 )); then
    id -u "$PG_OS_USER" >/dev/null 2>&1 || lt_die "OS user '$PG_OS_USER' does not exist (it comes with the Debian postgresql package: $0 install)"
    mkdir -p "$LT_LOCAL_DIR"
    if [[ "$PG_DIR" == "$PG_SHARED_DIR" && ! -d "$PG_DIR" ]]; then
      lt_log "the '$PG_OS_USER' OS user cannot reach $LT_LOCAL_DIR ($(first_blocked_dir "$LT_LOCAL_DIR") is private): the database's files go to $PG_DIR"
      install -d -m 0755 -o root -g root "$PG_SHARED_ROOT"
      printf '%s\n' "$LT_LOCAL_DIR" >"$PG_SHARED_DIR.for"  # which folder it belongs to
    fi
    local blocked
    if blocked="$(first_blocked_dir "$PG_DIR")"; then
      lt_die "the '$PG_OS_USER' OS user cannot traverse $blocked ($(stat -c '%A %U:%G' "$blocked")), so it cannot reach $PG_DIR (set LIENTHONG_PG_DIR to a folder it can reach)"
    fi
    mkdir -p "$PG_DIR"
    chown "$PG_OS_USER:$PG_OS_USER" "$PG_DIR"
    chmod 0700 "$PG_DIR"
    as_pg mkdir -p "$SOCK_DIR"
    as_pg test -w "$PG_DIR" || lt_die "the '$PG_OS_USER' OS user cannot write to $PG_DIR"
  else
    mkdir -p "$PG_DIR" "$SOCK_DIR"
    chmod 0700 "$PG_DIR"
  fi
  # Unix socket paths are limited to 107 bytes.
  local sock="$SOCK_DIR/.s.PGSQL.$LT_PG_PORT"
  (( ${#sock} <= 107 )) || lt_die "unix socket path too long (${#sock} > 107 bytes): $sock; set LIENTHONG_LOCAL_DIR to a shorter path"
}

initdb_once() {
  if [[ -f "$DATA/PG_VERSION" ]]; then
    return 0
  fi
  if [[ -d "$DATA" ]] && [[ -n "$(ls -A "$DATA" 2>/dev/null)" ]]; then
    lt_die "$DATA exists but is not a PostgreSQL data directory (half-finished initdb?); remove it and retry"
  fi
  local locale_opt=(--locale=C.UTF-8)
  if command -v locale >/dev/null 2>&1 && ! locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
    locale_opt=(--no-locale)
  fi
  lt_log "initdb $DATA (UTF8, ${locale_opt[*]}, local socket trust, TCP scram-sha-256)"
  if ! as_pg "$BINDIR/initdb" -D "$DATA" -U postgres --encoding=UTF8 "${locale_opt[@]}" \
        --auth-local=trust --auth-host=scram-sha-256 >"$PG_DIR/initdb.log" 2>&1; then
    cat "$PG_DIR/initdb.log" >&2 || true
    lt_die "initdb failed (output above, also in $PG_DIR/initdb.log)"
  fi
  printf "\n# Added by deploy/local/postgres.sh: port, addresses and socket dir, rewritten at every start.\ninclude_if_exists = '%s'\n" \
    "$CONF_INCLUDE" | as_pg tee -a "$DATA/postgresql.conf" >/dev/null
}

write_conf() {
  local sock_escaped="${SOCK_DIR//\'/\'\'}"
  as_pg tee "$DATA/$CONF_INCLUDE" >/dev/null <<EOF
# Generated by deploy/local/postgres.sh at every start; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $LT_PG_PORT
unix_socket_directories = '$sock_escaped'
max_connections = 200
EOF
}

postmaster_pid() {
  [[ -r "$DATA/postmaster.pid" ]] || return 1
  local pid
  pid="$(head -n1 "$DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  lt_pid_alive "$pid" || return 1
  printf '%s' "$pid"
}

running_port() { # port the running server listens on (line 4 of postmaster.pid)
  sed -n 4p "$DATA/postmaster.pid" 2>/dev/null | tr -dc '0-9'
}

is_running() {
  [[ -f "$DATA/PG_VERSION" ]] || return 1
  pg_ctl_ status >/dev/null 2>&1
}

psql_admin() { # runs SQL from stdin as the superuser over the unix socket
  as_pg "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK_DIR" -p "$1" -U postgres -d postgres
}

ensure_role_and_db() {
  local port="$1"
  psql_admin "$port" <<EOF
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '$DB_USER', '$DB_PASSWORD')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER')\gexec
SELECT format('GRANT pg_signal_backend TO %I', '$DB_USER')
 WHERE NOT pg_has_role('$DB_USER', 'pg_signal_backend', 'MEMBER')\gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L', '$DB_NAME', '$DB_USER', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DB_NAME')\gexec
EOF
}

# The password of login role $1 from the password file, generated and added when missing.
role_password() {
  local role="$1" password
  password="$(awk -F: -v role="$role" '$4 == role { print $5; exit }' "$PASSFILE" 2>/dev/null || true)"
  if [[ -z "$password" ]]; then
    password="$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    printf '*:*:*:%s:%s\n' "$role" "$password" >>"$PASSFILE"
  fi
  printf '%s' "$password"
}

ensure_schema_roles() {
  local port="$1" schema login owner sql=""
  mkdir -p "$LT_LOCAL_DIR"
  (umask 077 && touch "$PASSFILE")
  chmod 0600 "$PASSFILE"
  for schema in "${SCHEMAS[@]}"; do
    login="lienthong_$schema"
    owner="${login}_owner"
    sql+="SELECT format('CREATE ROLE %I NOLOGIN', '$owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$owner')\gexec
SELECT format('GRANT %I TO %I', '$owner', '$DB_USER')
 WHERE NOT pg_has_role('$DB_USER', '$owner', 'MEMBER')\gexec
SELECT format('CREATE ROLE %I LOGIN', '$login')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$login')\gexec
ALTER ROLE \"$login\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$(role_password "$login")';
"
  done
  psql_admin "$port" <<<"$sql"
}

wait_ready() { # port, extra args for wait_ready.py
  local port="$1"
  shift
  lt_python "$LT_SCRIPT_DIR/wait_ready.py" postgres \
    --dsn "postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME" \
    --timeout "$LT_READY_TIMEOUT" --log "$LOG_FILE" "$@"
}

cmd_start() {
  need_bindir
  prepare_dirs
  if is_running; then
    local pid port
    pid="$(postmaster_pid || echo '?')"
    port="$(running_port)"
    if [[ "$port" != "$LT_PG_PORT" ]]; then
      lt_die "already running (pid $pid) on port $port, not LIENTHONG_PG_PORT=$LT_PG_PORT; stop it first ($0 stop)"
    fi
    lt_log "already running (pid $pid); checking readiness"
    ensure_role_and_db "$port"
    ensure_schema_roles "$port" || lt_die "could not create the schemas' roles"
    wait_ready "$port" --quiet || lt_die "server pid $pid is running but does not accept $DB_USER on 127.0.0.1:$port (see $LOG_FILE)"
    lt_log "ready on 127.0.0.1:$port (reused running server, pid $pid, files in $PG_DIR)"
    return 0
  fi
  if lt_port_open "$LT_PG_PORT"; then
    lt_die "port 127.0.0.1:$LT_PG_PORT is already in use by another process; free it or set LIENTHONG_PG_PORT"
  fi
  initdb_once
  write_conf
  lt_log "starting $("$BINDIR/postgres" --version) on 127.0.0.1:$LT_PG_PORT, log $LOG_FILE"
  if ! pg_ctl_ -l "$LOG_FILE" -w -t "$LT_READY_TIMEOUT" start >/dev/null; then
    echo "----- last lines of $LOG_FILE -----" >&2
    tail -n 30 "$LOG_FILE" >&2 || true
    lt_die "pg_ctl start failed"
  fi
  local pid
  pid="$(postmaster_pid)" || lt_die "pg_ctl reported success but there is no live postmaster (see $LOG_FILE)"
  ensure_role_and_db "$LT_PG_PORT" || lt_die "could not create role/database $DB_USER/$DB_NAME"
  ensure_schema_roles "$LT_PG_PORT" || lt_die "could not create the schemas' roles"
  wait_ready "$LT_PG_PORT" --pid "$pid" || lt_die "server started (pid $pid) but is not accepting $DB_USER connections"
  lt_log "ready on 127.0.0.1:$LT_PG_PORT (pid $pid, files in $PG_DIR)"
}

cmd_stop() {
  if ! find_bindir >/dev/null || ! is_running; then
    lt_log "not running"
    return 0
  fi
  local pid start
  pid="$(postmaster_pid || true)"
  start="$(lt_now)"
  lt_log "stopping (pg_ctl stop -m fast, pid ${pid:-?})"
  if ! pg_ctl_ -m fast -w -t "$LT_STOP_TIMEOUT" stop >/dev/null; then
    lt_log "fast shutdown did not finish in ${LT_STOP_TIMEOUT}s; trying -m immediate"
    pg_ctl_ -m immediate -w -t 10 stop >/dev/null || lt_die "could not stop the server (pid ${pid:-?})"
  fi
  if [[ -n "$pid" ]] && lt_pid_alive "$pid"; then
    lt_die "postmaster pid $pid still alive after pg_ctl stop"
  fi
  lt_log "stopped (took $(lt_elapsed "$start")s)"
}

cmd_status() {
  if find_bindir >/dev/null && is_running; then
    BINDIR="$(find_bindir)"
    echo "postgres: running (pid $(postmaster_pid || echo '?'), 127.0.0.1:$(running_port), $("$BINDIR/postgres" --version), files in $PG_DIR)"
    return 0
  fi
  echo "postgres: not running (files in $PG_DIR)"
  return 3
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  dir) printf '%s\n' "$PG_DIR" ;;
  *) echo "usage: $0 {install|start|stop|status|dir}" >&2; exit 2 ;;
esac
