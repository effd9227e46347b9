#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 cluster on a loopback port.
#
#   scripts/with_postgres.sh .venv/bin/pytest tests/township
#
# - initdb's a temporary cluster (owned by the postgres user, trust auth on 127.0.0.1 only),
#   starts it on a free port, creates the database, exports DATABASE_URL, runs the command,
#   then stops the cluster and removes it. The command's exit status is the script's.
# - PG_BIN overrides the binaries' folder (default /usr/lib/postgresql/15/bin).
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "PostgreSQL binaries not found in $PG_BIN (apt-get install postgresql-15, or set PG_BIN)" >&2
  exit 2
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

DIR="$(mktemp -d /tmp/pg-township-XXXXXX)"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
PORT="${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
LOG="$DIR/server.log"

stop() {
  as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT INT TERM

as_pg "$PG_BIN/initdb" -D "$DIR/data" -U township --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# fsync off: a throwaway test cluster; durability is what the village side tests, not this.
as_pg "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$LOG" \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c full_page_writes=off" -w start >/dev/null
as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U township township

export DATABASE_URL="postgresql://township@127.0.0.1:$PORT/township"
echo "PostgreSQL 15 on 127.0.0.1:$PORT ($DIR)" >&2
set +e
"$@"
status=$?
set -e
exit $status
