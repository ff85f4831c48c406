// Command latency measures the latency distribution of one statement under
// concurrent clients, timing every execution with the wall clock around it.
//
// bench/pgbench/run.sh runs it beside pgbench because pgbench's
// per-transaction log cannot give a fair median for very fast statements:
// pgbench reads the clock lazily, once per pass of its event loop, so a
// reply that is already waiting when it checks is logged as 0 µs, and for
// SELECT 1 on loopback that can be most transactions (the median then reads
// 0). This probe measures both servers the same way, so their ratio is fair.
//
//	go run ./bench/latency -dsn postgres://sluice@127.0.0.1:5433/sluice -mode prepared
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	dsn := flag.String("dsn", "", "server to measure (libpq URL or key=value)")
	sql := flag.String("sql", "SELECT 1", "statement to run")
	clients := flag.Int("clients", 8, "concurrent connections")
	duration := flag.Duration("duration", 10*time.Second, "how long to run")
	mode := flag.String("mode", "prepared", "prepared (extended protocol, named statement) or simple")
	flag.Parse()
	if err := run(*dsn, *sql, *clients, *duration, *mode); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run(dsn, sql string, clients int, duration time.Duration, mode string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	switch mode {
	case "prepared":
		cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	case "simple":
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	default:
		return fmt.Errorf("unknown -mode %q", mode)
	}
	ctx := context.Background()
	conns := make([]*pgx.Conn, clients)
	for i := range conns {
		if conns[i], err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return err
		}
		defer conns[i].Close(ctx)
		// Warm up: the first execution prepares the statement.
		if _, err := conns[i].Exec(ctx, sql); err != nil {
			return err
		}
	}

	samples := make([][]time.Duration, clients)
	errs := make([]error, clients)
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	for i, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := make([]time.Duration, 0, 1<<16)
			for time.Now().Before(deadline) {
				start := time.Now()
				if _, err := conn.Exec(ctx, sql); err != nil {
					errs[i] = err
					return
				}
				s = append(s, time.Since(start))
			}
			samples[i] = s
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	all := slices.Concat(samples...)
	if len(all) == 0 {
		return fmt.Errorf("no executions completed")
	}
	slices.Sort(all)
	q := func(p float64) float64 {
		return float64(all[int(p*float64(len(all)-1))]) / float64(time.Millisecond)
	}
	fmt.Printf("executions=%d qps=%.0f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f\n",
		len(all), float64(len(all))/duration.Seconds(), q(0.50), q(0.95), q(0.99))
	return nil
}
