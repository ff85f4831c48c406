#!/usr/bin/env bash
# SELECT 1 forwarded through the router (router.Execute, the path Sluice's
# Trino tiers take) beside the same statement through trino-go-client
# straight to the same real Trino, alternating, in one run: p50 and p95 of
# each and the router's added p50. Starts its own Trino (scripts/trino.sh);
# writes the output under bench/results/.
#
#   bench/trino/run.sh               # 300 of each
#   N=1000 bench/trino/run.sh
#   SLUICE_TRINO_URL=http://127.0.0.1:18080 bench/trino/run.sh   # a running Trino
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${N:-300}
out="bench/results/trino-select1-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
go test -run '^$' -bench 'BenchmarkSelect1$' -benchtime "${N}x" -count 1 ./router/ | tee "$out/bench.txt"
echo "results in $out"
