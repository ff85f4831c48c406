#!/usr/bin/env bash
# Catalog query latency through Sluice against PostgreSQL 15 answering the
# same statements on the equivalent schema, in the same run (main.go says
# which statements: psql's \d gold.orders family, pgjdbc getColumns,
# SQLAlchemy get_columns). Starts `sluice demo` and a throwaway PostgreSQL,
# copies sluice's schemas and tables into it (-setup), and prints the median
# time of each statement on each server and their ratio (goal <= 1.0x).
#
#   bench/catalog/run.sh            # about a minute
#   N=50 bench/catalog/run.sh       # a quick look
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-200}
CORPUS=${CORPUS:-$(pwd)/../shared/corpus/pg-clients.jsonl}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for b in initdb pg_ctl; do
	[ -x "$PGBIN/$b" ] || { echo "bench: $PGBIN/$b is missing: run make deps" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/sluice-bench-catalog-XXXXXX)
chmod 755 "$WORK"
SLUICE_PID=
cleanup() {
	if [ -n "$SLUICE_PID" ]; then kill -TERM "$SLUICE_PID" 2>/dev/null || true; wait "$SLUICE_PID" 2>/dev/null || true; fi
	if [ -f "$WORK/pg/data/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true; fi
	rm -rf "$WORK"
}
trap cleanup EXIT
# PostgreSQL refuses to run as root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ready() { # port user db
	for _ in $(seq 1 600); do
		psql -X -q -h 127.0.0.1 -p "$1" -U "$2" -d "$3" -c 'select 1' >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "bench: server on port $1 not ready" >&2
	exit 1
}

go build -o "$WORK/sluice" ./cmd/sluice
go build -o "$WORK/catalog-bench" ./bench/catalog

mkdir -p "$WORK/pg"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$WORK/pg"; fi
PG_PORT=$(free_port)
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust --locale=C -E UTF8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" \
	-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/pg -c fsync=off" start >/dev/null
wait_ready "$PG_PORT" postgres postgres
PGSSLMODE=disable psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE sluice"

SL_PORT=$(free_port)
SL_HTTP=$(free_port)
"$WORK/sluice" demo --dir "$WORK/lake" --scale 0.2 --listen "127.0.0.1:$SL_PORT" --http "127.0.0.1:$SL_HTTP" >"$WORK/sluice.log" 2>&1 &
SLUICE_PID=$!
PGSSLMODE=disable wait_ready "$SL_PORT" sluice sluice

"$WORK/catalog-bench" -setup -n "$N" -corpus "$CORPUS" \
	-sluice "postgres://sluice@127.0.0.1:$SL_PORT/sluice?sslmode=disable" \
	-postgres "postgres://postgres@127.0.0.1:$PG_PORT/sluice?sslmode=disable"
