package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Peak memory per query is the process's peak resident set (VmHWM) over that
// query's timed runs: Linux resets the mark when "5" is written to
// /proc/PID/clear_refs. DuckDB runs inside this process, so its figure
// includes the harness (a few MB); Sluice's is the server process alone.

// resetPeak starts a new peak-RSS interval for pid; it reports whether the
// kernel allowed it (a figure read without a reset would be the process's
// lifetime peak, so it is not shown).
func resetPeak(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// peakRSS is pid's peak resident set since the last reset, in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmHWM", pid)
}
