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
OUT=$ROOT/bench/results/select1-$stamp
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/sluice-bench-XXXXXX)
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
	# Ask the kernel for a free port.
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

# SLUICE_BIN: a prebuilt binary to measure instead of building one.
SLUICE=${SLUICE_BIN:-$WORK/sluice}
if [ -z "${SLUICE_BIN:-}" ]; then
	echo "bench: building sluice"
	go build -o "$SLUICE" ./cmd/sluice
fi
go build -o "$WORK/latency" ./bench/latency
LAT_DURATION=${LAT_DURATION:-10}

echo "bench: starting PostgreSQL"
mkdir -p "$WORK/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg"
PG_PORT=$(free_port)
as_pg "$PGBIN/initdb" -D "$WORK/pg/data" -U postgres --auth=trust --locale=C -E UTF8 --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$WORK/pg/data" -w -l "$WORK/pg/log" \
	-o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK/pg -c max_connections=50 -c fsync=off" start >/dev/null
wait_sql 127.0.0.1 "$PG_PORT" postgres postgres

echo "bench: starting sluice demo"
SL_PORT=$(free_port)
SL_HTTP=$(free_port)
"$SLUICE" demo --dir "$WORK/lake" --listen "127.0.0.1:$SL_PORT" --http "127.0.0.1:$SL_HTTP" >"$OUT/sluice.log" 2>&1 &
SLUICE_PID=$!
wait_sql 127.0.0.1 "$SL_PORT" sluice sluice

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
	TPS[$name-$mode]=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' "$OUT/pgbench-$name-$mode.txt" | head -n 1)
	LOGP50[$name-$mode]=$(log_p50_ms "$dir"/tx.*)
	rm -rf "$dir"
	local lat
	lat=$("$WORK/latency" -dsn "postgres://$user@$host:$port/$db?sslmode=disable" -clients "$CLIENTS" \
		-duration "${LAT_DURATION}s" -mode "$mode" | tee "$OUT/latency-$name-$mode.txt")
	P50[$name-$mode]=$(sed -nE 's/.*p50_ms=([0-9.]+).*/\1/p' <<<"$lat")
	P99[$name-$mode]=$(sed -nE 's/.*p99_ms=([0-9.]+).*/\1/p' <<<"$lat")
	AVG[$name-$mode]=$(sed -nE 's/^latency average = ([0-9.]+) ms.*/\1/p' "$OUT/pgbench-$name-$mode.txt" | head -n 1)
}

for mode in prepared simple; do
	run_one postgres 127.0.0.1 "$PG_PORT" postgres postgres "$mode"
	run_one sluice 127.0.0.1 "$SL_PORT" sluice sluice "$mode"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "nan"; else printf "%.2f", a / b }'; }
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
