#!/usr/bin/env bash
# The result cache, measured: a dashboard query (dashboard.sql: an
# aggregate over gold.orders of the demo lake, scale 1) through Sluice with
# the cache hit, and the same query uncached (PGOPTIONS -c sluice.cache=off),
# beside a real PostgreSQL 15 answering a simple SELECT of a small table
# (small.sql, 20 rows) in the same run:
#
#   pgbench -n -f <file> -c 16 -j 2 -T $DURATION -M prepared (then -M simple)
#
# Prints tps and latency, the Sluice-cached / PostgreSQL ratio and the
# speed-up of the cache over the same query uncached; writes everything
# under bench/results/cache-<stamp>/.
#
#   bench/cache/run.sh              # about 2 minutes
#   DURATION=5 bench/cache/run.sh   # a quick look
#   SLUICE_BIN=path/to/sluice bench/cache/run.sh
#
# The servers run one after the other, never at once, so each has the
# machine's cores (shared with pgbench, as a real client would).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-16}
THREADS=${THREADS:-2}
SCALE=${SCALE:-1}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
for b in initdb pg_ctl pgbench; do
	if [ ! -x "$PGBIN/$b" ]; then
		echo "bench: $PGBIN/$b is missing: run make deps" >&2
		exit 1
	fi
done
command -v psql >/dev/null || {
	echo "bench: psql is missing: run make deps" >&2
	exit 1
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/bench/results/cache-$stamp
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/sluice-bench-cache-XXXXXX)
chmod 755 "$WORK"

# PostgreSQL refuses to run as root: run it (and initdb) as the postgres user.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

SLUICE_PID=""
cleanup() {
	if [ -n "$SLUICE_PID" ] && kill -0 "$SLUICE_PID" 2>/dev/null; then
		kill -TERM "$SLUICE_PID" 2>/dev/null || true
		wait "$SLUICE_PID" 2>/dev/null || true
	fi
	if [ -f "$WORK/pg/data/postmaster.pid" ]; then
		as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

wait_sql() { # host port user db
	for _ in $(seq 1 600); do
		if PGCONNECT_TIMEOUT=2 psql -X -q -h "$1" -p "$2" -U "$3" -d "$4" -c 'select 1' >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.2
	done
	echo "bench: $1:$2 did not answer" >&2
	return 1
}

SLUICE=${SLUICE_BIN:-$WORK/sluice}
if [ -z "${SLUICE_BIN:-}" ]; then
	echo "bench: building sluice"
	go build -o "$SLUICE" ./cmd/sluice
fi

echo "bench: starting PostgreSQL"
mkdir -p "$WORK/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg"
PG_PORT=$(free_port)
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust --locale=C -E UTF8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" \
	-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/pg -c max_connections=50 -c fsync=off" start >/dev/null
wait_sql 127.0.0.1 "$PG_PORT" postgres postgres
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE small (id int PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL);
INSERT INTO small SELECT i, 'item ' || i, i * 1.25 FROM generate_series(1, 20) i;
VACUUM ANALYZE small;
SQL

echo "bench: starting sluice demo (scale $SCALE)"
SL_PORT=$(free_port)
SL_HTTP=$(free_port)
"$SLUICE" demo --dir "$WORK/lake" --scale "$SCALE" --listen "127.0.0.1:$SL_PORT" --http "127.0.0.1:$SL_HTTP" >"$OUT/sluice.log" 2>&1 &
SLUICE_PID=$!
wait_sql 127.0.0.1 "$SL_PORT" sluice sluice

# The dashboard query's rows, cached and uncached, must agree.
psql -X -q -A -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice -f bench/cache/dashboard.sql >"$OUT/rows-cached.txt"
PGOPTIONS="-c sluice.cache=off" psql -X -q -A -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice \
	-f bench/cache/dashboard.sql >"$OUT/rows-uncached.txt"
cmp -s "$OUT/rows-cached.txt" "$OUT/rows-uncached.txt" || {
	echo "bench: cached and uncached rows differ" >&2
	exit 1
}
psql -X -q -A -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice -c "EXPLAIN $(cat bench/cache/dashboard.sql)" >"$OUT/explain.txt"

declare -A TPS AVG
run_one() { # name port user db file mode [PGOPTIONS]
	local name=$1 port=$2 user=$3 db=$4 file=$5 mode=$6 opts=${7:-}
	echo "bench: $name -M $mode, ${DURATION}s"
	PGOPTIONS="$opts" "$PGBIN/pgbench" -n -f "$file" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" \
		-M "$mode" -h 127.0.0.1 -p "$port" -U "$user" "$db" >"$OUT/pgbench-$name-$mode.txt" 2>&1 || {
		cat "$OUT/pgbench-$name-$mode.txt" >&2
		echo "bench: pgbench against $name failed" >&2
		exit 1
	}
	TPS[$name-$mode]=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$OUT/pgbench-$name-$mode.txt" | head -n 1)
	AVG[$name-$mode]=$(sed -nE 's/^latency average = ([0-9.]+) ms.*/\1/p' "$OUT/pgbench-$name-$mode.txt" | head -n 1)
}

for mode in prepared simple; do
	run_one postgres "$PG_PORT" postgres postgres bench/cache/small.sql "$mode"
	run_one sluice-cached "$SL_PORT" sluice sluice bench/cache/dashboard.sql "$mode"
	run_one sluice-uncached "$SL_PORT" sluice sluice bench/cache/dashboard.sql "$mode" "-c sluice.cache=off"
done
curl -fsS "http://127.0.0.1:$SL_HTTP/metrics" | grep '^sluice_cache_' >"$OUT/metrics.txt" || true

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.2f", a / b }'; }
{
	echo "# Result cache: a dashboard query through Sluice vs PostgreSQL 15 ($stamp, $(nproc) cores)"
	echo
	echo "pgbench -n -f <file> -c $CLIENTS -j $THREADS -T $DURATION; Sluice: bench/cache/dashboard.sql over the demo"
	echo "lake at scale $SCALE, cached (a hit every time) and with PGOPTIONS='-c sluice.cache=off';"
	echo "PostgreSQL: bench/cache/small.sql (SELECT of a 20-row table)."
	echo
	echo "| protocol | PostgreSQL tps | Sluice cached tps | Sluice uncached tps | cached / PostgreSQL | cached / uncached | PostgreSQL avg ms | cached avg ms | uncached avg ms |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for mode in prepared simple; do
		echo "| -M $mode | ${TPS[postgres-$mode]} | ${TPS[sluice-cached-$mode]} | ${TPS[sluice-uncached-$mode]} |" \
			"$(ratio "${TPS[sluice-cached-$mode]}" "${TPS[postgres-$mode]}") | $(ratio "${TPS[sluice-cached-$mode]}" "${TPS[sluice-uncached-$mode]}") |" \
			"${AVG[postgres-$mode]} | ${AVG[sluice-cached-$mode]} | ${AVG[sluice-uncached-$mode]} |"
	done
	echo
	echo "avg is pgbench's latency average (clients / tps). Cache counters at the end:"
	echo
	sed 's/^/    /' "$OUT/metrics.txt"
} | tee "$OUT/summary.md"
