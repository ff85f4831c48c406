package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// cpuTime is the process's user and system CPU time so far, in ns.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// tpchEnv binds the TPC-H queries as the benchmark's server does: bare
// table names resolve in schema tpch.
type tpchEnv struct{ settings *pgtype.Settings }

func (tpchEnv) SearchPath() []string              { return []string{"tpch"} }
func (tpchEnv) Setting(string) (string, bool)     { return "", false }
func (tpchEnv) Database() string                  { return "sluice" }
func (tpchEnv) User() string                      { return "postgres" }
func (e tpchEnv) ValueSettings() *pgtype.Settings { return e.settings }

// BenchmarkTPCH runs TPC-H queries in process over a lake written by
// `tpch gen` (bench/tpch), for profiles of one operator at a time without
// the wire: SLUICE_TPCH_DIR names the lake (e.g. /root/tpch-sf0.1), and
// -bench 'TPCH/Q21' picks queries; SLUICE_TPCH_WORKERS=1 runs the operators
// on one goroutine; SLUICE_TPCH_EXPLAIN=1 logs each bound plan. The whole
// result is read.
//
//	SLUICE_TPCH_DIR=/root/tpch-sf0.1 go test ./engine -run '^$' -bench 'TPCH/Q(1|6)$' -cpuprofile cpu.out
func BenchmarkTPCH(b *testing.B) {
	dir := os.Getenv("SLUICE_TPCH_DIR")
	if dir == "" {
		b.Fatal("SLUICE_TPCH_DIR is not set: generate a lake with `go -C bench/tpch run . gen --sf 0.1 --dir DIR` and point it there")
	}
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	state := lake.Current()
	p := planner.New()
	eng := engine.New()
	if w := os.Getenv("SLUICE_TPCH_WORKERS"); w != "" {
		// Workers per parallel pipeline (1: operators on one goroutine),
		// to measure what morsel parallelism gains on this machine.
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 {
			b.Fatalf("SLUICE_TPCH_WORKERS=%q is not a worker count", w)
		}
		eng.WithWorkers(n)
	}
	settings := pgtype.DefaultSettings()
	env := tpchEnv{settings: settings}
	ctx := context.Background()
	for q := 1; q <= 22; q++ {
		text, err := os.ReadFile(filepath.Join("..", "bench", "tpch", "queries", fmt.Sprintf("q%02d.sql", q)))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("Q%d", q), func(b *testing.B) {
			stmts, err := p.Parse(strings.TrimSpace(string(text)))
			if err != nil {
				b.Fatal(err)
			}
			// CPU time per query beside the wall time: on a shared
			// machine it moves less with the load, and it shows what
			// parallel workers cost beside what they save.
			if os.Getenv("SLUICE_TPCH_EXPLAIN") != "" {
				// The bound plan, to read beside a profile.
				bound, err := p.Bind(stmts[0].(*planner.Query), state, env, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.Log("\n" + strings.Join(plan.Explain(bound.Root), "\n"))
			}
			cpu0 := cpuTime()
			for b.Loop() {
				bound, err := p.Bind(stmts[0].(*planner.Query), state, env, nil)
				if err != nil {
					b.Fatal(err)
				}
				st, err := eng.Execute(ctx, bound.Root, nil, engine.WithSettings(settings))
				if err != nil {
					b.Fatal(err)
				}
				for {
					rec, err := st.Next(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if rec == nil {
						break
					}
					rec.Release()
				}
				st.Close()
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
