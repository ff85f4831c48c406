// Command tpch measures Sluice's local engine beside DuckDB on TPC-H: it
// generates the data as a Sluice lake of Parquet files (gen) and runs the 22
// queries on both over the same files with the same number of threads (run).
//
//	go -C bench/tpch run . gen --sf 1 --dir ~/tpch-sf1
//	go -C bench/tpch run . run --dir ~/tpch-sf1 --runs 5 --threads 2
//
// It is a module of its own so that DuckDB (cgo, a 70 MB static library) never
// enters the gateway's binary or the root module's dependencies. It knows
// Sluice only from outside, as a client does: it builds ./cmd/sluice, starts
// `sluice serve` and speaks the PostgreSQL protocol to it through pgx.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage:
  tpch gen --sf 0.1|1 --dir DIR     generate TPC-H into DIR/tpch/<table>/part-0.parquet
  tpch run --dir DIR [--queries 1,6,3] [--runs 5] [--threads N]
                                    time the queries on DuckDB and on Sluice
Run "tpch gen -h" or "tpch run -h" for every option.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "tpch:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	switch args[0] {
	case "gen":
		return genCommand(ctx, args[1:], stdout, stderr)
	case "run":
		return runCommand(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}
