package gateway

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/cache"
)

// BenchmarkCacheHit is the per-query cost of a result-cache hit through
// the whole front door (wire, session, planner, cache, replay) over real
// pgx connections, several at once as pgbench's clients are: the path
// bench/cache measures beside PostgreSQL. Profile it with
// -cpuprofile to see what a hit still pays for.
func BenchmarkCacheHit(b *testing.B) {
	cs := startCacheServer(b, testLake(b), cache.Config{}, CacheConfig{})
	ctx := context.Background()
	for _, mode := range []struct {
		name string
		mode pgx.QueryExecMode
	}{{"prepared", pgx.QueryExecModeCacheStatement}, {"simple", pgx.QueryExecModeSimpleProtocol}} {
		b.Run(mode.name, func(b *testing.B) {
			warm := connectX(b, cs.dsn("sluice", "sluice"))
			rowsText(b, warm, dashboardQuery)
			runs := cs.engine.runs.Load()
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				conn, err := pgx.Connect(ctx, cs.dsn("sluice", "sluice"))
				if err != nil {
					b.Error(err)
					return
				}
				defer conn.Close(ctx)
				for pb.Next() {
					rows, err := conn.Query(ctx, dashboardQuery, mode.mode)
					if err != nil {
						b.Error(err)
						return
					}
					for rows.Next() {
					}
					if err := rows.Err(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if got := cs.engine.runs.Load(); got != runs {
				b.Fatalf("%d executions during the benchmark: not all hits", got-runs)
			}
		})
	}
}
