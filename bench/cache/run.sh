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
# speed-up of the cache over the same query uncached, then the time from a
# commit (a new partition directory) to its rows answering the cached
# query; writes everything under bench/results/cache-<stamp>/.
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
NAME=cache
# shellcheck source=../lib.sh
. bench/lib.sh

start_postgres
psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<'SQL'
CREATE TABLE small (id int PRIMARY KEY, name text NOT NULL, amount numeric(12,2) NOT NULL);
INSERT INTO small SELECT i, 'item ' || i, i * 1.25 FROM generate_series(1, 20) i;
VACUUM ANALYZE small;
SQL

start_sluice_demo --scale "$SCALE"

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
	TPS[$name-$mode]=$(pgbench_tps "$OUT/pgbench-$name-$mode.txt")
	AVG[$name-$mode]=$(pgbench_avg "$OUT/pgbench-$name-$mode.txt")
}

for mode in prepared simple; do
	run_one postgres "$PG_PORT" postgres postgres bench/cache/small.sql "$mode"
	run_one sluice-cached "$SL_PORT" sluice sluice bench/cache/dashboard.sql "$mode"
	run_one sluice-uncached "$SL_PORT" sluice sluice bench/cache/dashboard.sql "$mode" "-c sluice.cache=off"
done

# Commit to visibility: a new partition directory of silver.orders (a copy of
# the last day's, renamed in as an ingestion job would) against the cached
# count, read again and again until it changes; the catalog polls the lake
# every second (lake.refresh_interval's default), so each should take at
# most about that.
COUNT_SQL="SELECT count(*) FROM silver.orders"
VIS=()
last_day=$(find "$WORK/lake/silver/orders" -maxdepth 1 -name 'dt=*' | sort | tail -n 1)
for i in 1 2 3 4 5; do
	before=$(psql -X -q -A -t -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice -c "$COUNT_SQL")
	psql -X -q -A -t -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice -c "$COUNT_SQL" >/dev/null # cached now
	cp -r "$last_day" "$WORK/lake/silver/orders/_tmp-$i"
	t0=$(date +%s%N)
	mv "$WORK/lake/silver/orders/_tmp-$i" "$WORK/lake/silver/orders/dt=2099-01-0$i"
	while :; do
		now=$(psql -X -q -A -t -h 127.0.0.1 -p "$SL_PORT" -U sluice -d sluice -c "$COUNT_SQL")
		if [ "$now" != "$before" ]; then
			break
		fi
		if [ $(($(date +%s%N) - t0)) -gt 30000000000 ]; then
			echo "bench: a new partition was not visible after 30 s" >&2
			exit 1
		fi
	done
	VIS+=($((($(date +%s%N) - t0) / 1000000)))
done
curl -fsS "http://127.0.0.1:$SL_HTTP/metrics" | grep '^sluice_cache_' >"$OUT/metrics.txt" || true

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
	echo "avg is pgbench's latency average (clients / tps)."
	echo
	echo "Commit to visibility (a new partition directory of silver.orders, the cached count read until it"
	echo "changes; the catalog polls every 1 s): ${VIS[*]} ms."
	echo
	echo "Cache counters at the end:"
	echo
	sed 's/^/    /' "$OUT/metrics.txt"
} | tee "$OUT/summary.md"
