#!/usr/bin/env bash
# SELECT 1 through Sluice beside a real PostgreSQL 15 on the same machine, in
# the same run: pgbench -n -f select1.sql -c 8 -j 2 -T $DURATION against each,
# with the extended protocol (-M prepared) and the simple one (-M simple).
# Prints tps and latency and the Sluice/PostgreSQL ratios, and writes
# everything under bench/results/.
#
# Latency percentiles come from bench/latency (8 pgx clients timing every
# execution), run right after each pgbench run: pgbench's per-transaction log
# reads its clock lazily and logs replies that were already waiting as 0 µs,
# which for SELECT 1 on loopback can be most of them. That log's median is
# still reported, beside the share of 0 µs entries, for transparency.
#
#   bench/pgbench/run.sh            # or: make bench-select1
#   DURATION=5 bench/pgbench/run.sh # a quick look
#   SLUICE_BIN=path/to/sluice bench/pgbench/run.sh
#
# The two servers run one after the other, never at once, so each has the
# machine's cores to itself (shared with pgbench, as a real client would).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
NAME=select1
# shellcheck source=../lib.sh
. bench/lib.sh

go build -o "$WORK/latency" ./bench/latency
LAT_DURATION=${LAT_DURATION:-10}

start_postgres
start_sluice_demo

# p50 of the per-transaction latencies (µs, 3rd field of pgbench's log) and
# the share logged as 0 µs.
log_p50_ms() {
	cat "$@" | awk '{print $3}' | sort -n | awk '{a[NR]=$1; if ($1 == 0) z++} END {if (NR == 0) {print "nan"} else {printf "%.3f (%.0f%% at 0)", a[int((NR+1)/2)]/1000, 100*z/NR}}'
}

declare -A TPS AVG LOGP50 P50 P99
run_one() { # name host port user db mode
	local name=$1 host=$2 port=$3 user=$4 db=$5 mode=$6
	local dir=$WORK/logs-$name-$mode
	mkdir -p "$dir"
	echo "bench: $name -M $mode, ${DURATION}s"
	(cd "$dir" && "$PGBIN/pgbench" -n -f "$ROOT/bench/pgbench/select1.sql" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" \
		-M "$mode" -h "$host" -p "$port" -U "$user" --log --log-prefix=tx "$db") >"$OUT/pgbench-$name-$mode.txt" 2>&1 || {
		cat "$OUT/pgbench-$name-$mode.txt" >&2
		echo "bench: pgbench against $name failed" >&2
		exit 1
	}
	TPS[$name-$mode]=$(pgbench_tps "$OUT/pgbench-$name-$mode.txt")
	LOGP50[$name-$mode]=$(log_p50_ms "$dir"/tx.*)
	rm -rf "$dir"
	local lat
	lat=$("$WORK/latency" -dsn "postgres://$user@$host:$port/$db?sslmode=disable" -clients "$CLIENTS" \
		-duration "${LAT_DURATION}s" -mode "$mode" | tee "$OUT/latency-$name-$mode.txt")
	P50[$name-$mode]=$(sed -nE 's/.*p50_ms=([0-9.]+).*/\1/p' <<<"$lat")
	P99[$name-$mode]=$(sed -nE 's/.*p99_ms=([0-9.]+).*/\1/p' <<<"$lat")
	AVG[$name-$mode]=$(pgbench_avg "$OUT/pgbench-$name-$mode.txt")
}

for mode in prepared simple; do
	run_one postgres 127.0.0.1 "$PG_PORT" postgres postgres "$mode"
	run_one sluice 127.0.0.1 "$SL_PORT" sluice sluice "$mode"
done

{
	echo "# SELECT 1: Sluice vs PostgreSQL 15 ($stamp, $(nproc) cores)"
	echo
	echo "pgbench -n -f select1.sql -c $CLIENTS -j $THREADS -T $DURATION; latency: bench/latency, $CLIENTS pgx clients, ${LAT_DURATION}s."
	echo
	echo "| protocol | PostgreSQL tps | Sluice tps | tps ratio | PostgreSQL p50 ms | Sluice p50 ms | p50 ratio | PostgreSQL p99 ms | Sluice p99 ms | PostgreSQL avg ms | Sluice avg ms |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for mode in prepared simple; do
		echo "| -M $mode | ${TPS[postgres-$mode]} | ${TPS[sluice-$mode]} | $(ratio "${TPS[sluice-$mode]}" "${TPS[postgres-$mode]}") | ${P50[postgres-$mode]} | ${P50[sluice-$mode]} | $(ratio "${P50[sluice-$mode]}" "${P50[postgres-$mode]}") | ${P99[postgres-$mode]} | ${P99[sluice-$mode]} | ${AVG[postgres-$mode]} | ${AVG[sluice-$mode]} |"
	done
	echo
	echo "Ratios are Sluice / PostgreSQL. tps and avg (clients / tps) are pgbench's; p50 and p99 are"
	echo "bench/latency's wall-clock timings. The median of pgbench's own per-transaction log, for"
	echo "reference (it logs replies already waiting as 0 µs): PostgreSQL ${LOGP50[postgres-prepared]} / ${LOGP50[postgres-simple]},"
	echo "Sluice ${LOGP50[sluice-prepared]} / ${LOGP50[sluice-simple]} (prepared / simple). Raw outputs beside this file."
} | tee "$OUT/summary.md"
