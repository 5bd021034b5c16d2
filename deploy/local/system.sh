#!/usr/bin/env bash
# The Debian packages the project runs on, installed with apt-get when missing. `make install`
# (so every target that needs it) runs this first; it prints nothing and calls no apt-get when
# everything is there.
#
#   deploy/local/system.sh install [--for demo|test]
#
#   --for demo (default)  java    -> openjdk-17-jre-headless  (Kafka and Zipkin run on it)
#                         mvn     -> maven                    (fetches the Kafka and Zipkin jars)
#                         /usr/lib/postgresql/*/bin/postgres -> postgresql
#                         python3 with venv and ensurepip -> python3-venv (make creates .venv)
#                         fc-match and DejaVu Sans -> fontconfig, fonts-dejavu-core (PDFs in Vietnamese)
#   --for test            the same, plus chromium -> chromium (the trace UI test drives it headless)
#
# Runs `apt-get update -q` once, then `apt-get install -y -q` of the missing packages: as root
# directly, otherwise through sudo; without sudo it fails, printing the commands to run as root.
# LIENTHONG_PG_BINDIR set: that PostgreSQL is used (postgres.sh checks it), the package is not needed.
set -euo pipefail

LT_NAME=system  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

has_java() { command -v java >/dev/null 2>&1; }
has_mvn() { command -v mvn >/dev/null 2>&1; }
has_postgres() { [[ -n "${LIENTHONG_PG_BINDIR:-}" ]] || compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; }
has_venv() { command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }
has_fc_match() { command -v fc-match >/dev/null 2>&1; }
has_dejavu() { has_fc_match && [[ "$(fc-match --format='%{family}' 'DejaVu Sans' 2>/dev/null)" == *'DejaVu Sans'* ]]; }
has_chromium() { command -v chromium >/dev/null 2>&1; }

MISSING=()  # Debian packages to install
REASONS=()  # one "package (why)" per missing package

need() { # package check why
  if ! "$2"; then
    MISSING+=("$1")
    REASONS+=("$1 ($3)")
  fi
}

find_missing() { # for
  MISSING=()
  REASONS=()
  need openjdk-17-jre-headless has_java "no java: Kafka and Zipkin run on it"
  need maven has_mvn "no mvn: it fetches the Kafka and Zipkin jars"
  need postgresql has_postgres "no /usr/lib/postgresql/*/bin/postgres: the local database server"
  need python3-venv has_venv "no python3 with venv and ensurepip: make creates .venv with it"
  need fontconfig has_fc_match "no fc-match: documents find their font through fontconfig"
  need fonts-dejavu-core has_dejavu "no DejaVu Sans: receipts and results are written in Vietnamese with it"
  if [[ "$1" == test ]]; then
    need chromium has_chromium "no chromium: the trace UI test drives it headless"
  fi
}

joined() { local IFS=', '; printf '%s' "$*"; }

cmd_install() { # for
  local for="$1"
  find_missing "$for"
  (( ${#MISSING[@]} > 0 )) || return 0

  local update=(apt-get update -q)
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${MISSING[@]}")
  local as_root="apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${MISSING[*]}"
  command -v apt-get >/dev/null 2>&1 \
    || lt_die "no apt-get (not Debian?); install the equivalents of: $(joined "${REASONS[@]}")"
  local sudo=()
  if (( EUID != 0 )); then
    command -v sudo >/dev/null 2>&1 \
      || lt_die "missing $(joined "${REASONS[@]}"); installing them needs root and there is no sudo. Run as root: $as_root"
    sudo=(sudo)
  fi

  local start
  start="$(lt_now)"
  lt_log "installing Debian packages ${sudo[*]:+with sudo }for $for: $(joined "${REASONS[@]}")"
  "${sudo[@]}" "${update[@]}" || lt_die "apt-get update failed (output above); to retry by hand, as root: $as_root"
  "${sudo[@]}" "${install[@]}" || lt_die "apt-get install failed (output above); to retry by hand, as root: $as_root"

  local installed=("${MISSING[@]}")
  find_missing "$for"
  (( ${#MISSING[@]} == 0 )) \
    || lt_die "apt-get installed ${installed[*]}, yet still $(joined "${REASONS[@]}"); is another python3 or java first on PATH?"
  lt_log "installed ${installed[*]} in $(lt_elapsed "$start")s"
}

usage() { echo "usage: $0 install [--for demo|test]" >&2; exit 2; }

[[ "${1:-}" == install ]] || usage
shift
for="demo"
while (( $# > 0 )); do
  case "$1" in
    --for) (( $# >= 2 )) || usage; for="$2"; shift 2 ;;
    --for=*) for="${1#--for=}"; shift ;;
    *) usage ;;
  esac
done
[[ "$for" == demo || "$for" == test ]] || usage
cmd_install "$for"
