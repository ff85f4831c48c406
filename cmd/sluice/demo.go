package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sluicesql/sluice/catalog/demolake"
)

// cmdDemo writes the demo lake into --dir unless it is there already, then
// serves it with trust authentication for any user on loopback.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	dir := fs.String("dir", "./sluice-demo", "directory of the demo lake (written if absent)")
	listen := fs.String("listen", defaultListen, "PostgreSQL wire address")
	httpAddr := fs.String("http", defaultHTTP, "HTTP address of /healthz, /readyz and /metrics")
	seed := fs.Int64("seed", 1, "random seed of the generated data")
	scale := fs.Float64("scale", 1, "size of the generated data (1 is 50,000 orders and 300,000 clickstream events)")
	logLevel := fs.String("log-level", "info", "log level: debug (logs every query), info, warn, error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !(*scale > 0) || *scale > 1000 {
		return usageError{fmt.Errorf("--scale must be in (0, 1000]")}
	}
	cfg := &Config{
		Listen: *listen,
		HTTP:   *httpAddr,
		Lake:   LakeConfig{Dir: *dir},
		Auth:   []AuthRule{{Address: "loopback", Method: "trust"}},
		// gold before public: unqualified names and current_schema() (the
		// default schema SQLAlchemy and BI tools take) land on the demo's
		// tables, not on the empty public schema.
		Settings: map[string]string{"search_path": `"$user", gold, public`},
		Log:      LogConfig{Level: *logLevel},
	}
	cfg.applyDefaults()
	if err := cfg.validate(); err != nil {
		return err
	}
	log := cfg.newLogger(stderr)

	wrote, err := ensureDemoLake(*dir, *seed, *scale)
	if err != nil {
		return err
	}
	if wrote > 0 {
		log.Info("demo lake written", "dir", *dir, "seed", *seed, "scale", *scale, "took", wrote.Round(time.Millisecond).String())
	} else {
		log.Info("demo lake found; serving it as it is", "dir", *dir)
	}
	return serve(ctx, cfg, log, func(s serving) {
		fmt.Fprintf(stdout, "\nSluice demo is serving %s\n\n  psql \"postgres://sluice@%s/sluice\"\n\n"+
			"  try: select status, count(*), sum(amount) from gold.orders group by status;\n"+
			"  metrics: http://%s/metrics\n\n", *dir, s.PGAddr, s.HTTPAddr)
	})
}

// ensureDemoLake writes the lake into dir unless a finished one is there
// (demolake writes into a sibling and renames, so an interrupted run leaves
// nothing half-written behind). It returns how long writing took (0:
// nothing written).
func ensureDemoLake(dir string, seed int64, scale float64) (time.Duration, error) {
	if demolake.Exists(dir) {
		return 0, nil
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return 0, fmt.Errorf("%s is not empty and holds no demo lake; choose another --dir", dir)
	}
	start := time.Now()
	// gold as Iceberg tables of the embedded catalog, the other layers
	// Hive-style folders: the demo serves both kinds of table.
	if err := demolake.WriteWith(dir, seed, scale, demolake.Options{GoldIceberg: true}); err != nil {
		return 0, fmt.Errorf("writing the demo lake: %w", err)
	}
	return max(time.Since(start), time.Nanosecond), nil
}
