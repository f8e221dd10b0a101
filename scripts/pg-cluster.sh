#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback for the test suite.
#   source scripts/pg-cluster.sh start   -> exports ITAKU_TEST_POSTGRES_URL
#   source scripts/pg-cluster.sh stop
# PostgreSQL refuses to run as root, so the cluster belongs to an unprivileged
# user; it lives in a temporary directory and is removed on stop.
set -euo pipefail

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; return 1; }
  echo "$d"
}

pg_start() {
  local bin port dir owner
  bin=$(pg_bin)
  port=${ITAKU_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
  dir=$(mktemp -d /tmp/itaku-pg.XXXXXX)
  owner=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    owner=itaku-pg
    id -u "$owner" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$owner"
    chown "$owner" "$dir"
  fi
  run() { if [ "$(id -u)" = 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
  run "$bin/initdb" -D "$dir/data" -U itaku --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  export ITAKU_PG_DIR="$dir" ITAKU_PG_OWNER="$owner"
  export ITAKU_TEST_POSTGRES_URL="postgres://itaku@127.0.0.1:$port/postgres"
  echo "PostgreSQL test cluster: $ITAKU_TEST_POSTGRES_URL ($dir)"
}

pg_stop() {
  [ -n "${ITAKU_PG_DIR:-}" ] || return 0
  local bin
  bin=$(pg_bin)
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$ITAKU_PG_OWNER" -- "$bin/pg_ctl" -D "$ITAKU_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  else
    "$bin/pg_ctl" -D "$ITAKU_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$ITAKU_PG_DIR"
  unset ITAKU_PG_DIR ITAKU_TEST_POSTGRES_URL
}

case "${1:-}" in
  start) pg_start ;;
  stop) pg_stop ;;
  *) echo "usage: source scripts/pg-cluster.sh start|stop" >&2; return 2 2>/dev/null || exit 2 ;;
esac
