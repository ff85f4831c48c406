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
n=0
for f in "${files[@]}"; do
	dir=./$(dirname "${f#./}")
	for name in $(sed -nE 's/^func (Fuzz[A-Za-z0-9_]*)\(.*/\1/p' "$f"); do
		echo "== fuzz $dir $name for $FUZZTIME"
		go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$dir"
		n=$((n + 1))
	done
done
if [ "$n" -eq 0 ]; then
	echo "fuzz: no fuzz targets found (expected at least the wire message loop and parse+plan)" >&2
	exit 1
fi
echo "fuzz: $n targets ran for $FUZZTIME each"
