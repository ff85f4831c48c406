package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

type runOptions struct {
	dir       string
	queries   []int
	runs      int
	threads   int
	timeout   time.Duration
	sluiceBin string
	rev       string
	repo      string
	out       string
}

// queryResult is one query's outcome. DuckDB's figures are there whenever
// DuckDB ran the query; Sluice's and the ratio only when Sluice ran it and
// agreed with DuckDB.
type queryResult struct {
	Query      int       `json:"query"`
	Status     string    `json:"status"` // "ok", or why there is no timing
	Rows       int       `json:"rows"`
	DuckDBMS   float64   `json:"duckdb_ms,omitempty"`
	SluiceMS   float64   `json:"sluice_ms,omitempty"`
	Ratio      float64   `json:"ratio,omitempty"`
	DuckDBRuns []float64 `json:"duckdb_runs_ms,omitempty"`
	SluiceRuns []float64 `json:"sluice_runs_ms,omitempty"`
	DuckDBPeak int64     `json:"duckdb_peak_rss_bytes,omitempty"`
	SluicePeak int64     `json:"sluice_peak_rss_bytes,omitempty"`
}

func (r queryResult) ok() bool { return r.Status == "ok" }

func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tpch run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o runOptions
	fs.StringVar(&o.dir, "dir", "", "lake directory written by gen (required)")
	qs := fs.String("queries", "all", "comma-separated query numbers, e.g. 1,6,3")
	fs.IntVar(&o.runs, "runs", 5, "timed runs per query and engine, after one warm-up; the median is reported")
	fs.IntVar(&o.threads, "threads", runtime.NumCPU(), "threads for both engines (DuckDB SET threads, Sluice GOMAXPROCS)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "longest one execution of one query may take")
	fs.StringVar(&o.sluiceBin, "sluice", "", "a sluice binary to run (default: build ./cmd/sluice from --repo)")
	fs.StringVar(&o.rev, "rev", "", "build Sluice from this commit of --repo instead of its working tree (e.g. HEAD)")
	fs.StringVar(&o.repo, "repo", "", "the Sluice repository (default: found above the working directory)")
	fs.StringVar(&o.out, "out", "", "where the report goes (default: REPO/bench/results)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("run needs --dir and no other arguments")
	}
	if o.runs < 1 || o.threads < 1 {
		return fmt.Errorf("--runs and --threads must be at least 1")
	}
	var err error
	if o.queries, err = parseQueryList(*qs); err != nil {
		return err
	}
	if o.dir, err = filepath.Abs(o.dir); err != nil {
		return err
	}
	return benchmark(ctx, o, stdout, stderr)
}

func benchmark(ctx context.Context, o runOptions, stdout, stderr io.Writer) error {
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, "tpch: "+format+"\n", a...) }
	sf, ok, err := lakeScale(o.dir)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s holds no generated TPC-H lake: run `tpch gen --dir %s` first", o.dir, o.dir)
	}
	if o.repo == "" && (o.sluiceBin == "" || o.out == "") {
		if o.repo, err = findRepo(); err != nil {
			return err
		}
	}
	if o.out == "" {
		o.out = filepath.Join(o.repo, "bench", "results")
	}
	work, err := os.MkdirTemp("", "sluice-tpch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	builtFrom := "" // the repository the binary was built from, if built here
	if o.sluiceBin == "" {
		builtFrom = o.repo
		logf("building ./cmd/sluice in %s %s", o.repo, o.rev)
		if o.sluiceBin, err = buildSluice(ctx, o.repo, o.rev, work); err != nil {
			return err
		}
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	outDir := filepath.Join(o.out, fmt.Sprintf("tpch-sf%s-%s", strconv.FormatFloat(sf, 'g', -1, 64), stamp))
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}

	duck, err := openDuck(ctx, o.dir, o.threads)
	if err != nil {
		return err
	}
	defer duck.Close()

	sluiceLog := filepath.Join(outDir, "sluice.log")
	srv, err := startSluice(ctx, o.sluiceBin, work, o.dir, o.threads, o.timeout, sluiceLog)
	if err != nil {
		return err
	}
	defer func() { srv.stop() }()
	conn, err := connectSluice(ctx, srv.addr)
	if err != nil {
		return err
	}
	defer func() { conn.Close(context.Background()) }()

	rep := &report{
		SF: sf, Threads: o.threads, Runs: o.runs, Dir: o.dir,
		Machine: describeMachine(), LoadBefore: loadAverage(),
		DuckDB: duckVersion(ctx, duck), Sluice: sluiceVersion(ctx, builtFrom, o.rev, o.sluiceBin),
		Started: time.Now().UTC(),
	}
	var text strings.Builder
	out := io.MultiWriter(stdout, &text)
	rep.writeHeader(out)
	for _, q := range o.queries {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, restart := runQuery(ctx, o, duck, conn, srv, q)
		rep.Results = append(rep.Results, r)
		rep.writeRow(out, r)
		if restart {
			// The connection broke, or the server died: carry on with the
			// next query on a fresh one, noting it in the report.
			conn.Close(context.Background())
			if !srv.alive() {
				logf("sluice serve exited during Q%02d (%v); restarting it; log: %s", q, srv.err, sluiceLog)
				srv.stop()
				if srv, err = startSluice(ctx, o.sluiceBin, work, o.dir, o.threads, o.timeout, sluiceLog); err != nil {
					return err
				}
			}
			if conn, err = connectSluice(ctx, srv.addr); err != nil {
				return err
			}
		}
	}
	rep.LoadAfter = loadAverage()
	rep.writeSummary(out)
	if err := os.WriteFile(filepath.Join(outDir, "report.txt"), []byte(text.String()), 0o644); err != nil {
		return err
	}
	if err := rep.writeJSON(filepath.Join(outDir, "report.json")); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "written to %s\n", outDir)
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Status, "mismatch") || strings.HasPrefix(r.Status, "crashed") {
			return fmt.Errorf("Sluice answered some queries wrongly or crashed: see the status column")
		}
	}
	return nil
}

// openDuck opens an in-memory DuckDB whose views read the lake's files with
// read_parquet, as Sluice reads them: no table is loaded into DuckDB's own
// storage, which would measure a different thing.
func openDuck(ctx context.Context, dir string, threads int) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	// One connection, so that SET and the views hold for every query.
	db.SetMaxOpenConns(1)
	stmts := []string{fmt.Sprintf("SET threads = %d", threads)}
	for _, t := range tables {
		glob := filepath.Join(dir, schemaName, t, "*.parquet")
		stmts = append(stmts, fmt.Sprintf("CREATE VIEW %s AS SELECT * FROM read_parquet(%s)", t, quoteString(glob)))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("duckdb: %s: %w", s, err)
		}
	}
	return db, nil
}

func duckVersion(ctx context.Context, db *sql.DB) string {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return "unknown"
	}
	return v
}

func connectSluice(ctx context.Context, addr string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, "postgres://bench@"+addr+"/sluice?sslmode=disable&application_name=tpch-bench")
	if err != nil {
		return nil, fmt.Errorf("connect to sluice at %s: %w", addr, err)
	}
	return conn, nil
}

// runQuery measures query q on both engines. restart reports that the Sluice
// connection is no longer usable.
func runQuery(ctx context.Context, o runOptions, duck *sql.DB, conn *pgx.Conn, srv *sluiceServer, q int) (r queryResult, restart bool) {
	r.Query = q
	text, err := queryText(q)
	if err != nil {
		r.Status = "error: " + err.Error()
		return r, false
	}

	// DuckDB: the warm-up run also gives the reference answer.
	want, err := duckQuery(ctx, duck, text, o.timeout, true)
	if err != nil {
		r.Status = "duckdb error: " + oneLine(err.Error())
		return r, false
	}
	r.Rows = len(want)
	self := os.Getpid()
	peakOK := resetPeak(self)
	for range o.runs {
		start := time.Now()
		got, err := duckQuery(ctx, duck, text, o.timeout, false)
		d := time.Since(start)
		if err != nil {
			r.Status = "duckdb error: " + oneLine(err.Error())
			return r, false
		}
		if len(got) != len(want) {
			r.Status = fmt.Sprintf("duckdb error: %d rows, then %d", len(want), len(got))
			return r, false
		}
		r.DuckDBRuns = append(r.DuckDBRuns, ms(d))
	}
	if peakOK {
		r.DuckDBPeak, _ = peakRSS(self)
	}
	r.DuckDBMS = median(r.DuckDBRuns)

	// Sluice: the warm-up fetches text, to compare as PostgreSQL shows
	// values; the timed runs use pgx's defaults (binary where it can), as an
	// application would.
	got, err := sluiceQuery(ctx, conn, text, o.timeout, true)
	if err != nil {
		return sluiceFailure(r, err, srv)
	}
	if err := compareResults(want, got); err != nil {
		r.Status = "mismatch: " + oneLine(err.Error())
		return r, false
	}
	peakOK = resetPeak(srv.pid())
	for range o.runs {
		start := time.Now()
		rows, err := sluiceQuery(ctx, conn, text, o.timeout, false)
		d := time.Since(start)
		if err != nil {
			return sluiceFailure(r, err, srv)
		}
		if len(rows) != len(want) {
			r.Status = fmt.Sprintf("mismatch: %d rows in a timed run, %d in the checked one", len(rows), len(want))
			return r, false
		}
		r.SluiceRuns = append(r.SluiceRuns, ms(d))
	}
	if peakOK {
		r.SluicePeak, _ = peakRSS(srv.pid())
	}
	r.SluiceMS = median(r.SluiceRuns)
	r.Ratio = r.SluiceMS / r.DuckDBMS
	r.Status = "ok"
	return r, false
}

// sluiceFailure turns a Sluice error into a status. A query Sluice refuses
// with a feature_not_supported SQLSTATE (class 0A) is unsupported, not
// failed: that is where the engine is still growing.
func sluiceFailure(r queryResult, err error, srv *sluiceServer) (queryResult, bool) {
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &pe) && strings.HasPrefix(pe.Code, "0A"):
		r.Status = "unsupported: " + pe.Code + " " + oneLine(pe.Message)
		return r, false
	case errors.As(err, &pe) && pe.Code == "57014":
		r.Status = "timeout: " + pe.Code + " " + oneLine(pe.Message)
		return r, false
	case errors.As(err, &pe):
		r.Status = "error: " + pe.Code + " " + oneLine(pe.Message)
		return r, false
	case errors.Is(err, context.DeadlineExceeded):
		r.Status = "timeout: no answer within the --timeout"
		return r, true
	}
	if !srv.alive() {
		r.Status = "crashed: " + oneLine(err.Error())
	} else {
		r.Status = "error: " + oneLine(err.Error())
	}
	return r, true
}

// duckQuery runs q and reads every row; keep asks for the values back.
func duckQuery(ctx context.Context, db *sql.DB, q string, timeout time.Duration, keep bool) ([][]any, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		if keep {
			out = append(out, vals)
		} else {
			out = append(out, nil)
		}
	}
	return out, rows.Err()
}

// sluiceQuery runs q through pgx's extended protocol (a cached prepared
// statement after the first run) and reads every row: as text values when
// asText, else decoded as pgx decodes for an application.
func sluiceQuery(ctx context.Context, conn *pgx.Conn, q string, timeout time.Duration, asText bool) ([][]*string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var args []any
	if asText {
		args = append(args, pgx.QueryResultFormats{pgx.TextFormatCode})
	}
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]*string
	for rows.Next() {
		if !asText {
			if _, err := rows.Values(); err != nil {
				return nil, err
			}
			out = append(out, nil)
			continue
		}
		raw := rows.RawValues()
		row := make([]*string, len(raw))
		for i, v := range raw {
			if v != nil {
				s := string(v)
				row[i] = &s
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// median of xs (not empty).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
