package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// report is one run's figures: what the table shows, plus what is needed to
// read it later (the machine, the load on it, both versions).
type report struct {
	SF         float64       `json:"sf"`
	Threads    int           `json:"threads"`
	Runs       int           `json:"runs"`
	Dir        string        `json:"dir"`
	Machine    string        `json:"machine"`
	LoadBefore string        `json:"load_before"`
	LoadAfter  string        `json:"load_after"`
	DuckDB     string        `json:"duckdb"`
	Sluice     string        `json:"sluice"`
	Started    time.Time     `json:"started"`
	Results    []queryResult `json:"results"`
	Geomean    float64       `json:"geomean_ratio,omitempty"`
}

func (rep *report) writeHeader(w io.Writer) {
	fmt.Fprintf(w, "TPC-H SF %g, %d threads each, median of %d runs after 1 warm-up\n", rep.SF, rep.Threads, rep.Runs)
	fmt.Fprintf(w, "machine: %s; load average before: %s\n", rep.Machine, rep.LoadBefore)
	fmt.Fprintf(w, "DuckDB %s over read_parquet views (SET threads=%d), in process\n", rep.DuckDB, rep.Threads)
	fmt.Fprintf(w, "Sluice %s: sluice serve (GOMAXPROCS=%d), pgx extended protocol over loopback, every row read\n", rep.Sluice, rep.Threads)
	fmt.Fprintf(w, "data: %s\n\n", rep.Dir)
	fmt.Fprintf(w, "%-5s %10s %10s %7s %10s %10s  %s\n", "query", "DuckDB ms", "Sluice ms", "ratio", "DuckDB MB", "Sluice MB", "status")
}

func (rep *report) writeRow(w io.Writer, r queryResult) {
	dash := func(ok bool, f string, v float64) string {
		if !ok {
			return "-"
		}
		return fmt.Sprintf(f, v)
	}
	fmt.Fprintf(w, "Q%02d   %10s %10s %7s %10s %10s  %s\n", r.Query,
		dash(r.DuckDBMS > 0, "%.1f", r.DuckDBMS),
		dash(r.ok(), "%.1f", r.SluiceMS),
		dash(r.ok(), "%.2fx", r.Ratio),
		dash(r.DuckDBPeak > 0, "%.0f", float64(r.DuckDBPeak)/(1<<20)),
		dash(r.ok() && r.SluicePeak > 0, "%.0f", float64(r.SluicePeak)/(1<<20)),
		r.Status)
}

func (rep *report) writeSummary(w io.Writer) {
	var ratios []float64
	counts := map[string]int{}
	for _, r := range rep.Results {
		kind, _, _ := strings.Cut(r.Status, ":")
		counts[kind]++
		if r.ok() {
			ratios = append(ratios, r.Ratio)
		}
	}
	fmt.Fprintln(w)
	var parts []string
	for _, k := range []string{"ok", "unsupported", "mismatch", "timeout", "error", "crashed", "duckdb error"} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	fmt.Fprintf(w, "%d queries: %s\n", len(rep.Results), strings.Join(parts, ", "))
	if len(ratios) == 0 {
		fmt.Fprintln(w, "geometric mean of Sluice/DuckDB: none (no query ran on both)")
	} else {
		rep.Geomean = geomean(ratios)
		fmt.Fprintf(w, "geometric mean of Sluice/DuckDB over the %d queries both ran: %.2fx (goal: at most 1.30x over all 22)\n",
			len(ratios), rep.Geomean)
	}
	fmt.Fprintf(w, "load average after: %s\n", rep.LoadAfter)
}

func (rep *report) writeJSON(path string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// geomean is the geometric mean of positive xs.
func geomean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += math.Log(x)
	}
	return math.Exp(s / float64(len(xs)))
}

// describeMachine names the CPU, the core count and the memory: figures
// from another machine are not comparable.
func describeMachine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		for _, line := range strings.Split(string(b), "\n") {
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				mem = fmt.Sprintf(", %.1f GB RAM", float64(kb)/(1<<20))
				break
			}
		}
	}
	kernel := ""
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d CPUs%s%s, %s/%s, %s", cpu, runtime.NumCPU(), mem, kernel, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadAverage is the 1, 5 and 15 minute load: a busy machine slows both
// engines, not always equally.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// sluiceVersion names the commit the binary was built from (rev, or the
// working tree's, marked dirty if it had changes), or the binary's path if it
// came from --sluice.
func sluiceVersion(ctx context.Context, repo, rev, bin string) string {
	if repo == "" {
		return bin
	}
	args := []string{"-C", repo, "describe", "--always", "--dirty"}
	if rev != "" {
		args = []string{"-C", repo, "describe", "--always", rev}
	}
	out, err := exec.CommandContext(ctx, "git", args...).Output()
	if err != nil {
		return bin
	}
	return "commit " + strings.TrimSpace(string(out))
}
