package gateway

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
)

// BenchmarkSelectOne is the per-statement cost of the whole front door
// (wire, session, planner, engine) for the smallest query, over a real
// pgx connection: the path bench/pgbench measures beside PostgreSQL.
func BenchmarkSelectOne(b *testing.B) {
	lake, err := catalog.OpenLake(testLake(b), catalog.LakeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	gw, err := New(Config{Version: "bench"}, lake, planner.New(), engine.New(), NewMetrics(prometheus.NewRegistry()), logger)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := wire.NewServer(wire.Config{Handler: gw, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Serve(ctx, ln) }()
	for _, mode := range []struct {
		name string
		mode pgx.QueryExecMode
	}{{"prepared", pgx.QueryExecModeCacheStatement}, {"simple", pgx.QueryExecModeSimpleProtocol}} {
		b.Run(mode.name, func(b *testing.B) {
			conn, err := pgx.Connect(ctx, "postgres://sluice@"+ln.Addr().String()+"/sluice?sslmode=disable")
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close(ctx)
			var v int
			b.ReportAllocs()
			for b.Loop() {
				if err := conn.QueryRow(ctx, "SELECT 1", mode.mode).Scan(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
