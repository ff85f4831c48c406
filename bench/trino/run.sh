#!/usr/bin/env bash
# Sluice's Trino routes measured against one real Trino reading the same
# TPC-H Parquet lake (bench/trino/main.go says what and how):
#   - each TPC-H query on the local engine vs on Trino through Sluice;
#   - a small TPC-H query through Sluice vs trino-go-client direct, p50/p95;
#   - 1M and 4M rows streamed from Trino through Sluice: sluice's RSS;
#   - SELECT 1 through the router vs trino-go-client direct (router/
#     bench_test.go: the router's own added latency, without the wire).
# Generates TPC-H (bench/tpch, DuckDB's dbgen) once into $TPCH_DIR, starts
# its own Trino (scripts/trino.sh) over it, and writes the report under
# bench/results/.
#
#   bench/trino/run.sh                       # SF 1, 1 run per query
#   SF=0.1 RUNS=3 N=300 bench/trino/run.sh
#   ONLY=1,7 N=0 STREAM= bench/trino/run.sh  # some TPC-H queries only
#   TPCH_DIR=/data/tpch-sf1 bench/trino/run.sh
#   SLUICE_TRINO_URL=http://127.0.0.1:18080 bench/trino/run.sh   # a running
#       Trino whose hive catalog reads $TPCH_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
SF=${SF:-1}
RUNS=${RUNS:-1}
N=${N:-200}
STREAM=${STREAM:-1000000,4000000}
DATA=${TPCH_DIR:-$HOME/.cache/sluice-bench/tpch-sf$SF}
out="bench/results/trino-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
work=$(mktemp -d /tmp/sluice-bench-trino-XXXXXX)
started=""
cleanup() {
	if [ -n "$started" ]; then
		scripts/trino.sh stop --dir "$work/trino" >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ ! -d "$DATA/tpch" ]; then
	echo "trino bench: generating TPC-H SF $SF into $DATA"
	go -C bench/tpch run . gen --sf "$SF" --dir "$DATA"
fi
go build -o "$work/sluice" ./cmd/sluice
TRINO=${SLUICE_TRINO_URL:-}
if [ -z "$TRINO" ]; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
	started=1
	scripts/trino.sh start --dir "$work/trino" --port "$port" --lake "$DATA"
	TRINO=http://127.0.0.1:$port
fi
{
	echo "TPC-H SF $SF, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
	echo
	go run ./bench/trino --data "$DATA" --trino "$TRINO" --sluice "$work/sluice" \
		--runs "$RUNS" --latency "$N" --stream "$STREAM" --work "$work" --out "$out" --only "${ONLY:-}"
	if [ "$N" -gt 0 ]; then
		echo
		echo "# SELECT 1: router vs trino-go-client direct ($N each)"
		echo
		SLUICE_TRINO_URL=$TRINO go test -run '^$' -bench 'BenchmarkSelect1$' -benchtime "${N}x" -count 1 ./router/
	fi
} 2>&1 | tee "$out/report.md"
echo "results in $out"
