package engine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

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
// -bench 'TPCH/Q21' picks queries. The whole result is read.
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
		})
	}
}
