package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" database/sql driver
)

// schemaName is the lake folder the tables go in: one schema (a layer, in the
// lake's terms) named tpch, so Sluice shows them as tpch.lineitem and so on.
const schemaName = "tpch"

// tables are the eight TPC-H tables, each written to its own folder.
var tables = []string{"customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier"}

// markerName records in the lake's root which scale factor it holds. The
// leading dot keeps Sluice from taking it for a schema.
const markerName = ".tpch-sf"

func genCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tpch gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	sf := fs.String("sf", "0.1", "TPC-H scale factor (0.01, 0.1, 1, ...)")
	dir := fs.String("dir", "", "lake directory to write (required); the tables go in DIR/tpch/<table>/part-0.parquet")
	cacheDir := fs.String("cache", defaultCacheDir(), "where the built tpch extension is kept between runs")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("gen needs --dir and no other arguments")
	}
	scale, err := strconv.ParseFloat(*sf, 64)
	if err != nil || scale <= 0 {
		return fmt.Errorf("--sf %q: want a positive number", *sf)
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "tpch: "+format+"\n", a...) }
	return generate(ctx, *dir, scale, *cacheDir, logf)
}

// defaultCacheDir is outside the repository, so the built extension survives
// `git clean` and never gets committed.
func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "sluice-bench")
	}
	return filepath.Join(os.TempDir(), "sluice-bench")
}

// lakeScale reads the scale factor a generated lake holds; ok is false when
// dir holds no complete generated lake.
func lakeScale(dir string) (sf float64, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, markerName))
	if os.IsNotExist(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, found := strings.CutPrefix(line, "sf="); found {
			sf, err = strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, false, fmt.Errorf("%s: %w", filepath.Join(dir, markerName), err)
			}
			return sf, true, nil
		}
	}
	return 0, false, fmt.Errorf("%s names no scale factor", filepath.Join(dir, markerName))
}

// generate writes TPC-H at scale factor sf into dir unless it is there
// already. The tables are written into a hidden folder first and renamed into
// place, and the marker is written last, so a Sluice watching dir never sees
// half a table and an interrupted run is redone rather than trusted.
func generate(ctx context.Context, dir string, sf float64, cacheDir string, logf func(string, ...any)) error {
	have, ok, err := lakeScale(dir)
	if err != nil {
		return err
	}
	if ok {
		if have != sf {
			return fmt.Errorf("%s holds TPC-H SF %g, not %g: use another --dir or remove it", dir, have, sf)
		}
		logf("%s already holds TPC-H SF %g: nothing to do", dir, sf)
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, schemaName)); err == nil {
		return fmt.Errorf("%s exists without %s (an interrupted or foreign lake?): remove it first",
			filepath.Join(dir, schemaName), markerName)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	staging := filepath.Join(dir, "."+schemaName+".partial")
	if err := os.RemoveAll(staging); err != nil {
		return err
	}

	db, err := sql.Open("duckdb", "?allow_unsigned_extensions=true")
	if err != nil {
		return err
	}
	defer db.Close()
	// One connection: dbgen's tables live in that connection's in-memory
	// database only as long as the connection does.
	db.SetMaxOpenConns(1)
	ext, err := tpchExtension(ctx, db, cacheDir, logf)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "LOAD "+quoteString(ext)); err != nil {
		return fmt.Errorf("load %s: %w", ext, err)
	}
	start := time.Now()
	logf("generating TPC-H SF %g with DuckDB dbgen", sf)
	if _, err := db.ExecContext(ctx, fmt.Sprintf("CALL dbgen(sf=%s)", strconv.FormatFloat(sf, 'g', -1, 64))); err != nil {
		return fmt.Errorf("dbgen: %w", err)
	}
	for _, t := range tables {
		tdir := filepath.Join(staging, t)
		if err := os.MkdirAll(tdir, 0o755); err != nil {
			return err
		}
		// DuckDB's defaults throughout (snappy, 122,880-row row groups,
		// DECIMAL(15,2) stored as INT64, DATE as INT32): the files are what
		// a lake written by DuckDB would hold. Insertion order is preserved,
		// so the same scale factor gives the same files.
		q := fmt.Sprintf("COPY %s TO %s (FORMAT parquet)", t, quoteString(filepath.Join(tdir, "part-0.parquet")))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("write %s: %w", t, err)
		}
	}
	if err := os.Rename(staging, filepath.Join(dir, schemaName)); err != nil {
		return err
	}
	var version string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&version); err != nil {
		return err
	}
	marker := fmt.Sprintf("sf=%s\nduckdb=%s\n", strconv.FormatFloat(sf, 'g', -1, 64), version)
	if err := os.WriteFile(filepath.Join(dir, markerName), []byte(marker), 0o644); err != nil {
		return err
	}
	size, _ := dirSize(filepath.Join(dir, schemaName))
	logf("wrote %s (%.1f MB) in %s", filepath.Join(dir, schemaName), float64(size)/1e6, time.Since(start).Round(time.Millisecond))
	return nil
}

// quoteString quotes s as an SQL string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	return n, err
}
