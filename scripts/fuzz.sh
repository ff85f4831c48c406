#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a short time each (FUZZTIME,
# default 15s). Targets are discovered, not listed, so a new `func FuzzX` is
# fuzzed in CI the day it is written. Finding no target at all is an error:
# the issue requires fuzzing of the message loop and of parse+plan, and a
# silent no-op here would hide their loss.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-15s}

mapfile -t files < <(grep -rlE --include='*_test.go' --exclude-dir=.git --exclude-dir=testdata \
	'^func Fuzz[A-Za-z0-9_]*\(' . | sort)
# fuzz_one runs one target. A finding makes the fuzzer save the failing
# input ("Failing input written to ...") and fails the run at once. Go's
# fuzz coordinator also fails with a bare "context deadline exceeded" when
# -fuzztime runs out while a worker is still inside one input (every input
# of ours is bounded by its own deadline, which reports a finding); that
# run is repeated once, and fails the suite if it happens again.
fuzz_one() {
	local dir=$1 name=$2 out
	for attempt in 1 2; do
		out=$(mktemp)
		if go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$dir" 2>&1 | tee "$out"; then
			rm -f "$out"
			return 0
		fi
		if grep -q "Failing input written" "$out" || ! grep -q "context deadline exceeded" "$out" || [ "$attempt" = 2 ]; then
			rm -f "$out"
			return 1
		fi
		rm -f "$out"
		echo "fuzz: $name: the coordinator timed out at the end of -fuzztime with no failing input; running it once more"
	done
}

n=0
for f in "${files[@]}"; do
	dir=./$(dirname "${f#./}")
	for name in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$f"); do
		echo "== fuzz $dir $name for $FUZZTIME"
		fuzz_one "$dir" "$name"
		n=$((n + 1))
	done
done
if [ "$n" -eq 0 ]; then
	echo "fuzz: no fuzz targets found (expected at least the wire message loop and parse+plan)" >&2
	exit 1
fi
echo "fuzz: $n targets ran for $FUZZTIME each"
