#!/usr/bin/env bash
# Helm, built from its Go module at a pinned version, and the checks of lienthong's chart. No Docker, no cluster.
#
#   deploy/local/helm.sh install      build helm (once) into ${LIENTHONG_LOCAL_DIR:-<repo>/.local}/helm/bin
#   deploy/local/helm.sh path         print the helm binary's path (installing it first if missing)
#   deploy/local/helm.sh lint         helm lint and helm template of deploy/helm/lienthong (what make lint runs)
#   deploy/local/helm.sh template ... helm template of the chart, extra arguments passed on (e.g. --set ...)
#
# Needs `go` 1.21 or later on PATH (or in /usr/local/go/bin). GOPATH, GOCACHE and
# GOMODCACHE live under the local folder, so the build touches nothing of the user's Go setup; the
# module comes through GOPROXY as the user's go is configured. The binary is rebuilt only when
# HELM_VERSION changes (the stamp .installed-version beside it).
set -euo pipefail

LT_NAME=helm  # used by lt_log/lt_die in _common.sh
# shellcheck source=_common.sh source-path=SCRIPTDIR
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/_common.sh"

# The newest Helm 3 the module proxy serves; v3.19.5 builds with the same go if a newer Go is needed.
HELM_VERSION="${LIENTHONG_HELM_VERSION:-v3.22.0}"
HELM_DIR="$LT_LOCAL_DIR/helm"
HELM_BIN="$HELM_DIR/bin/helm"
STAMP="$HELM_DIR/.installed-version"
# What the binary was built as: a binary built otherwise (another version, no link-time stamps) is rebuilt.
STAMP_VALUE="$HELM_VERSION with-k8s-version-stamp"
CHART="$LT_REPO_ROOT/deploy/helm/lienthong"

is_installed() {
  [[ -x "$HELM_BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$STAMP_VALUE" ]]
}

# Runs a go command with GOPATH and the caches under the helm folder; a go.work or vendor folder of the
# caller's must not change what is built.
go_env() {
  GOPATH="$HELM_DIR/gopath" GOMODCACHE="$HELM_DIR/gopath/pkg/mod" GOCACHE="$HELM_DIR/gocache" \
    GOBIN="$HELM_DIR/bin" GOFLAGS=-mod=mod GO111MODULE=on GOWORK=off CGO_ENABLED=0 "$@"
}

cmd_install() {
  if is_installed; then
    lt_log "already installed (Helm $HELM_VERSION) in $HELM_BIN"
    return 0
  fi
  # Go's own installer puts it in /usr/local/go, which a non-login shell's PATH may lack.
  command -v go >/dev/null 2>&1 || [[ ! -x /usr/local/go/bin/go ]] || PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 \
    || lt_die "go not found on PATH: Helm is built from its Go module (Go 1.21 or later, which fetches the newer toolchain Helm needs by itself; Debian 12's golang-go is too old)"
  mkdir -p "$HELM_DIR"
  local start log="$HELM_DIR/go-install.log" k8s ldflags
  start="$(lt_now)"
  lt_log "building Helm $HELM_VERSION with $(go version | cut -d' ' -f3) into $HELM_DIR/bin (a few minutes the first time; log $log) ..."
  : >"$log"
  # Helm's Makefile stamps its version and the Kubernetes version it renders for (from the client-go it
  # builds with) at link time; go install alone would leave helm template assuming Kubernetes 1.20.
  k8s="$(go_env go mod download -json "helm.sh/helm/v3@$HELM_VERSION" 2>>"$log" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p' | xargs -r grep -m1 'k8s.io/client-go ' | awk '{print $2}')" \
    || true
  [[ "$k8s" =~ ^v0\.([0-9]+)\. ]] || { tail -n 30 "$log" >&2; lt_die "could not read the client-go version of Helm $HELM_VERSION"; }
  ldflags="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  for package in pkg/lint/rules pkg/chartutil; do
    ldflags+=" -X helm.sh/helm/v3/$package.k8sVersionMajor=1 -X helm.sh/helm/v3/$package.k8sVersionMinor=${BASH_REMATCH[1]}"
  done
  if ! go_env go install -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2 || true
    lt_die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed (output above, also in $log)"
  fi
  "$HELM_BIN" version --short >/dev/null || lt_die "the built $HELM_BIN does not run"
  printf '%s\n' "$STAMP_VALUE" >"$STAMP"
  lt_log "installed Helm $HELM_VERSION (it says $("$HELM_BIN" version --short)) in $(lt_elapsed "$start")s"
}

helm_run() {
  is_installed || cmd_install
  # Helm's own caches and config stay under the local folder too.
  HELM_CACHE_HOME="$HELM_DIR/cache" HELM_CONFIG_HOME="$HELM_DIR/config" HELM_DATA_HOME="$HELM_DIR/data" \
    "$HELM_BIN" "$@"
}

cmd_lint() {
  is_installed || cmd_install
  lt_log "helm lint --strict $CHART"
  helm_run lint --strict "$CHART"
  local rendered
  rendered="$(helm_run template lienthong "$CHART" --namespace lienthong)" \
    || lt_die "helm template failed (output above)"
  lt_log "helm template: $(grep -c '^kind: ' <<<"$rendered") objects rendered"
}

case "${1:-}" in
  install) cmd_install ;;
  path) is_installed || cmd_install >&2; printf '%s\n' "$HELM_BIN" ;;
  lint) cmd_lint ;;
  template) shift; helm_run template lienthong "$CHART" --namespace lienthong "$@" ;;
  *) echo "usage: $0 {install|path|lint|template [ARGS...]}" >&2; exit 2 ;;
esac
