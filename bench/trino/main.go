// Command trinobench measures Sluice's Trino routes from outside, as a
// client sees them, against one real Trino reading the same TPC-H Parquet
// lake as Sluice (its hive catalog over the lake directory):
//
//   - results of 1M and 4M rows streamed from Trino through Sluice while
//     the sluice process's RSS is sampled from /proc (first, before the
//     local engine's TPC-H work grows the heap);
//   - each TPC-H query on the local engine (SET sluice.route = 'local') and
//     on Trino through Sluice (SET sluice.route = 'etl'), with whether the
//     rows agree;
//   - a small TPC-H query forwarded through Sluice beside the same Trino SQL
//     sent by trino-go-client straight to Trino, alternating: p50, p95 and
//     the added latency.
//
// bench/trino/run.sh builds sluice, generates the data and starts Trino;
// this program registers the lake's tables in Trino, starts `sluice serve`
// and prints the figures.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/trinodb/trino-go-client/trino"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/trinoeq"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "trinobench:", err)
		os.Exit(1)
	}
}

type options struct {
	data, trino, sluice, queries, work, out string
	runs, latency                           int
	only                                    map[int]bool
	stream                                  []int
	timeout                                 time.Duration
}

func run() error {
	var o options
	var stream string
	flag.StringVar(&o.data, "data", "", "lake directory holding tpch/<table>/*.parquet")
	flag.StringVar(&o.trino, "trino", "", "Trino URL whose hive catalog reads --data")
	flag.StringVar(&o.sluice, "sluice", "", "the sluice binary")
	flag.StringVar(&o.queries, "queries", "bench/tpch/queries", "folder of q01.sql ... q22.sql")
	flag.StringVar(&o.work, "work", os.TempDir(), "scratch folder")
	flag.StringVar(&o.out, "out", "", "folder for the rows of queries whose routes disagree (qNN.local, qNN.trino)")
	flag.IntVar(&o.runs, "runs", 1, "timed runs per query and route (the median is reported)")
	flag.IntVar(&o.latency, "latency", 200, "runs of each path in the latency comparison")
	flag.StringVar(&stream, "stream", "1000000,4000000", "row counts streamed from Trino while RSS is sampled")
	var only string
	flag.StringVar(&only, "only", "", "TPC-H query numbers to run (1,7,...); empty: all 22")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "statement_timeout of each query")
	flag.Parse()
	if o.data == "" || o.trino == "" || o.sluice == "" {
		return errors.New("--data, --trino and --sluice are required")
	}
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("--only: %v", err)
			}
			if o.only == nil {
				o.only = map[int]bool{}
			}
			o.only[n] = true
		}
	}
	for _, s := range strings.Split(stream, ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return fmt.Errorf("--stream: %v", err)
			}
			o.stream = append(o.stream, n)
		}
	}
	ctx := context.Background()

	lake, err := catalog.OpenLake(o.data, catalog.LakeOptions{})
	if err != nil {
		return err
	}
	defer lake.Close()
	tdb, err := sql.Open("trino", userURL(o.trino, "sluice")+"?catalog=hive&schema=default")
	if err != nil {
		return err
	}
	defer tdb.Close()
	if err := trinoeq.RegisterLake(ctx, tdb, o.data, lake.Current(), "tpch"); err != nil {
		return fmt.Errorf("registering the lake in Trino: %w", err)
	}

	srv, err := startSluice(o)
	if err != nil {
		return err
	}
	defer srv.stop()
	conn, err := pgx.Connect(ctx, srv.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)

	// Streaming first, while the process has not yet grown (and kept) the
	// local engine's working memory of the TPC-H queries.
	if len(o.stream) > 0 {
		fmt.Printf("# Streaming from Trino through Sluice: RSS of the sluice process\n\n")
		if err := streamRSS(ctx, conn, srv.pid, o); err != nil {
			return err
		}
	}
	fmt.Printf("\n# TPC-H through Sluice: local engine vs Trino (median of %d)\n\n", o.runs)
	if err := tpch(ctx, conn, o); err != nil {
		return err
	}
	if o.latency > 0 {
		fmt.Printf("\n# Added latency: through Sluice vs trino-go-client direct (%d each, alternating)\n\n", o.latency)
		if err := latency(ctx, conn, o); err != nil {
			return err
		}
	}
	return nil
}

func userURL(raw, user string) string {
	u, _ := url.Parse(raw)
	u.User = url.User(user)
	return u.String()
}

// server is a running `sluice serve`.
type server struct {
	cmd *exec.Cmd
	pid int
	dsn string
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// startSluice serves the lake with one Trino tier, etl, over o.trino; the
// result cache is off so that every timed run executes.
func startSluice(o options) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := fmt.Sprintf(`listen: 127.0.0.1:%d
database: sluice
lake:
  dir: %s
  refresh_interval: 10m
auth:
  - address: loopback
    method: trust
log:
  level: warn
settings:
  search_path: tpch
  statement_timeout: %dms
cache:
  enabled: false
trino:
  tiers:
    - name: etl
      max_concurrency: 8
      clusters:
        - name: trino-1
          url: %s
          catalogs: {tpch: hive.tpch}
`, port, strconv.Quote(o.data), o.timeout.Milliseconds(), strconv.Quote(o.trino))
	path := filepath.Join(o.work, "sluice-trinobench.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(o.sluice, "serve", "--config", path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, dsn: fmt.Sprintf("postgres://sluice@127.0.0.1:%d/sluice?sslmode=disable", port)}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		c, err := pgx.Connect(context.Background(), s.dsn)
		if err == nil {
			c.Close(context.Background())
			return s, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("sluice did not answer: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
	}
}

// rowsText runs a query and returns its rows as text (for comparing the
// two routes), timing it.
func rowsText(ctx context.Context, c *pgx.Conn, q string) (string, time.Duration, error) {
	start := time.Now()
	rows, err := c.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return "", 0, err
	}
	var sb strings.Builder
	for rows.Next() {
		for _, b := range rows.RawValues() {
			sb.Write(b)
			sb.WriteByte('|')
		}
		sb.WriteByte('\n')
	}
	rows.Close()
	return sb.String(), time.Since(start), rows.Err()
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func setRoute(ctx context.Context, c *pgx.Conn, route string) error {
	_, err := c.Exec(ctx, "SET sluice.route = '"+route+"'")
	return err
}

func tpch(ctx context.Context, c *pgx.Conn, o options) error {
	fmt.Printf("| query | local | Trino | Trino / local | rows agree |\n|---|---|---|---|---|\n")
	var wins, both int
	for i := 1; i <= 22; i++ {
		if o.only != nil && !o.only[i] {
			continue
		}
		b, err := os.ReadFile(filepath.Join(o.queries, fmt.Sprintf("q%02d.sql", i)))
		if err != nil {
			return err
		}
		q := string(b)
		res := map[string]string{}
		times := map[string]time.Duration{}
		errs := map[string]error{}
		for _, route := range []string{"local", "etl"} {
			if err := setRoute(ctx, c, route); err != nil {
				return err
			}
			var ds []time.Duration
			for r := 0; r < o.runs; r++ {
				text, d, err := rowsText(ctx, c, q)
				if err != nil {
					errs[route] = err
					break
				}
				res[route] = text
				ds = append(ds, d)
			}
			if len(ds) > 0 {
				times[route] = median(ds)
			}
		}
		cell := func(route string) string {
			if e := errs[route]; e != nil {
				msg := e.Error()
				if len(msg) > 60 {
					msg = msg[:60] + "…"
				}
				return "error: " + msg
			}
			return fmt.Sprintf("%.2f s", times[route].Seconds())
		}
		ratio, agree := "", ""
		if errs["local"] == nil && errs["etl"] == nil {
			both++
			ratio = fmt.Sprintf("%.2fx", times["etl"].Seconds()/times["local"].Seconds())
			if times["local"] < times["etl"] {
				wins++
			}
			agree = "yes"
			if res["local"] != res["etl"] {
				agree = "no"
				if o.out != "" {
					base := filepath.Join(o.out, fmt.Sprintf("q%02d", i))
					_ = os.WriteFile(base+".local", []byte(res["local"]), 0o644)
					_ = os.WriteFile(base+".trino", []byte(res["etl"]), 0o644)
				}
			}
		}
		fmt.Printf("| Q%d | %s | %s | %s | %s |\n", i, cell("local"), cell("etl"), ratio, agree)
	}
	fmt.Printf("\nThe local engine was faster on %d of the %d queries both routes answered.\n", wins, both)
	return setRoute(ctx, c, "")
}

// latency alternates a small TPC-H query through Sluice (forwarded to the
// tier) with the same Trino SQL through trino-go-client to the same Trino.
func latency(ctx context.Context, c *pgx.Conn, o options) error {
	const q = "SELECT n_name, r_name FROM nation JOIN region ON n_regionkey = r_regionkey ORDER BY n_name"
	if err := setRoute(ctx, c, "etl"); err != nil {
		return err
	}
	defer setRoute(ctx, c, "")
	// The Trino SQL Sluice sends, from EXPLAIN.
	var trinoSQL string
	rows, err := c.Query(ctx, "EXPLAIN "+q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if s, ok := strings.CutPrefix(line, "Trino SQL: "); ok {
			trinoSQL = s
		}
	}
	rows.Close()
	if trinoSQL == "" {
		return errors.New("EXPLAIN shows no Trino SQL")
	}
	db, err := sql.Open("trino", userURL(o.trino, "sluice"))
	if err != nil {
		return err
	}
	defer db.Close()
	via := func() error {
		_, _, err := rowsText(ctx, c, q)
		return err
	}
	direct := func() error {
		rows, err := db.QueryContext(ctx, trinoSQL)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var a, b string
			if err := rows.Scan(&a, &b); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	for i := 0; i < 20; i++ { // warm both paths
		if err := via(); err != nil {
			return err
		}
		if err := direct(); err != nil {
			return err
		}
	}
	var vl, dl []time.Duration
	for i := 0; i < o.latency; i++ {
		start := time.Now()
		if err := via(); err != nil {
			return err
		}
		vl = append(vl, time.Since(start))
		start = time.Now()
		if err := direct(); err != nil {
			return err
		}
		dl = append(dl, time.Since(start))
	}
	pct := func(l []time.Duration, p int) float64 {
		s := append([]time.Duration(nil), l...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
	}
	fmt.Printf("query: %s\n\n", q)
	fmt.Printf("| path | p50 ms | p95 ms |\n|---|---|---|\n")
	fmt.Printf("| psql wire → Sluice → Trino | %.1f | %.1f |\n", pct(vl, 50), pct(vl, 95))
	fmt.Printf("| trino-go-client → Trino | %.1f | %.1f |\n", pct(dl, 50), pct(dl, 95))
	fmt.Printf("\nadded by Sluice: p50 %+.1f ms, p95 %+.1f ms\n", pct(vl, 50)-pct(dl, 50), pct(vl, 95)-pct(dl, 95))
	return nil
}

// rss is the process's resident set in bytes, from /proc.
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb << 10, err
		}
	}
	return 0, io.ErrUnexpectedEOF
}

func streamRSS(ctx context.Context, c *pgx.Conn, pid int, o options) error {
	if err := setRoute(ctx, c, "etl"); err != nil {
		return err
	}
	defer setRoute(ctx, c, "")
	fmt.Printf("| rows | time | rows/s | RSS before | peak RSS during |\n|---|---|---|---|---|\n")
	for _, n := range o.stream {
		before, err := rss(pid)
		if err != nil {
			return err
		}
		var mu sync.Mutex
		peak := before
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				if r, err := rss(pid); err == nil {
					mu.Lock()
					if r > peak {
						peak = r
					}
					mu.Unlock()
				}
			}
		}()
		start := time.Now()
		q := fmt.Sprintf("SELECT l_orderkey, l_partkey, l_suppkey, l_linenumber, l_shipmode FROM lineitem LIMIT %d", n)
		rows, err := c.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
		got := 0
		if err == nil {
			for rows.Next() {
				got++
			}
			rows.Close()
			err = rows.Err()
		}
		close(stop)
		wg.Wait()
		if err != nil {
			return fmt.Errorf("streaming %d rows: %w", n, err)
		}
		if got != n {
			return fmt.Errorf("streamed %d rows, want %d", got, n)
		}
		d := time.Since(start)
		fmt.Printf("| %d | %.1f s | %.0f | %.1f MB | %.1f MB |\n", n, d.Seconds(), float64(n)/d.Seconds(),
			float64(before)/(1<<20), float64(peak)/(1<<20))
	}
	return nil
}
