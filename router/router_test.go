package router

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/router/trinotest"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtest"
	"github.com/sluicesql/sluice/wire/pgtype"
)

var (
	trinoSrv trinotest.Shared
	pg       pgtest.Shared
)

func TestMain(m *testing.M) {
	code := m.Run()
	if err := trinoSrv.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "trinotest:", err)
	}
	_ = pg.Stop()
	os.Exit(code)
}

// oneCluster is a router with one tier ("adhoc") of one cluster at url.
func oneCluster(t *testing.T, url string, tweak func(*Config)) *Router {
	t.Helper()
	cfg := Config{
		Tiers:          []TierConfig{{Name: "adhoc", Clusters: []ClusterConfig{{Name: "c1", URL: url}}}},
		HealthInterval: 500 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// collect reads a whole result; each row's values in PostgreSQL's text
// form ("NULL" for NULL).
func collect(t *testing.T, res *Result, types []pgtype.Type) [][]string {
	t.Helper()
	defer res.Close()
	var rows [][]string
	for {
		rec, err := res.Next(context.Background())
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if rec == nil {
			return rows
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]string, rec.NumCols())
			for j := range row {
				typ := types[j]
				d := pgtype.DatumAt(typ, rec.Column(j), i)
				if d == nil {
					row[j] = "NULL"
					continue
				}
				b, err := pgtype.AppendText(nil, typ, d, pgtype.DefaultSettings())
				if err != nil {
					t.Fatalf("column %d: %v", j, err)
				}
				row[j] = string(b)
			}
			rows = append(rows, row)
		}
		rec.Release()
	}
}

func schemaOf(types ...pgtype.Type) *arrow.Schema {
	fields := make([]arrow.Field, len(types))
	for i, typ := range types {
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: typ.ArrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Trino's values arrive as the PostgreSQL types the gateway bound, and print
// as PostgreSQL prints the same values: every case runs on real Trino and
// on real PostgreSQL.
func TestForwardTypesMatchPostgres(t *testing.T) {
	srv := trinoSrv.Get(t)
	pgs := pg.Get(t)
	r := oneCluster(t, srv.URL, nil)
	conn, err := pgconn.Connect(context.Background(), pgs.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	_ = conn.Exec(context.Background(), "SET TimeZone = 'UTC'; SET extra_float_digits = 1").Close()

	cases := []struct {
		trino string
		typ   pgtype.Type
		pg    string
	}{
		{"CAST(1 AS integer)", pgtype.Int4, "1::int4"},
		{"CAST(-5 AS smallint)", pgtype.Int2, "-5::int2"},
		{"CAST(-5 AS tinyint)", pgtype.Int2, "-5::int2"},
		{"9223372036854775807", pgtype.Int8, "9223372036854775807::int8"},
		{"CAST(1.5 AS double)", pgtype.Float8, "1.5::float8"},
		{"CAST(0.1 AS real)", pgtype.Float4, "0.1::float4"},
		{"1e300 * 10", pgtype.Float8, "1e301::float8"},
		{"DECIMAL '12.345'", pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(10, 3)}, "12.345::numeric(10,3)"},
		{"CAST('-123.4500' AS decimal(12,4))", pgtype.Numeric, "-123.4500::numeric"},
		{"CAST('12345678901234567890123456789.123456789' AS decimal(38,9))", pgtype.Numeric, "12345678901234567890123456789.123456789::numeric"},
		{"'héllo'", pgtype.Text, "'héllo'::text"},
		{"CAST('ab' AS char(4))", pgtype.Type{OID: pgtype.BPCharOID, Typmod: 8}, "'ab'::char(4)"},
		{"true", pgtype.Bool, "true"},
		{"DATE '2024-02-29'", pgtype.Date, "'2024-02-29'::date"},
		{"DATE '0001-01-01'", pgtype.Date, "'0001-01-01'::date"},
		{"TIMESTAMP '2024-02-29 13:14:15.123456'", pgtype.Timestamp, "'2024-02-29 13:14:15.123456'::timestamp"},
		{"TIMESTAMP '2024-02-29 13:14:15.123456 UTC'", pgtype.Timestamptz, "'2024-02-29 13:14:15.123456+00'::timestamptz"},
		{"TIMESTAMP '2024-02-29 13:14:15 America/New_York'", pgtype.Timestamptz, "'2024-02-29 13:14:15 America/New_York'::timestamptz"},
		{"TIME '13:14:15.5'", pgtype.Time, "'13:14:15.5'::time"},
		{"INTERVAL '3' DAY", pgtype.Interval, "interval '3 days'"},
		{"INTERVAL '-1 02:03:04.5' DAY TO SECOND", pgtype.Interval, "interval '-1 day -02:03:04.5'"},
		{"INTERVAL '14' MONTH", pgtype.Interval, "interval '14 months'"},
		{"CAST(NULL AS integer)", pgtype.Int4, "NULL::int4"},
		{"ARRAY[1, 2, NULL]", pgtype.Type{OID: pgtype.Int4ArrayOID, Typmod: -1}, "ARRAY[1, 2, NULL]::int4[]"},
		{"ARRAY['a', 'b c']", pgtype.TextArray, "ARRAY['a', 'b c']::text[]"},
		{"UUID '12151fd2-7586-11e9-8f9e-2a86e4085a59'", pgtype.UUID, "'12151fd2-7586-11e9-8f9e-2a86e4085a59'::uuid"},
		{"X'DEADBEEF'", pgtype.Bytea, "'\\xdeadbeef'::bytea"},
		{"JSON '{\"a\":1}'", pgtype.JSON, "'{\"a\":1}'::json"},
		// The gateway's types differ from Trino's where PostgreSQL's
		// functions return others: avg of integers is numeric in
		// PostgreSQL, double in Trino; count is bigint in both.
		{"CAST(2.5 AS double)", pgtype.Numeric, "2.5::numeric"},
		{"CAST(42 AS bigint)", pgtype.Numeric, "42::numeric"},
		{"CAST(42 AS bigint)", pgtype.Int4, "42::int4"},
		{"CAST(7 AS integer)", pgtype.Text, "7::text"},
	}
	exprs := make([]string, len(cases))
	pgExprs := make([]string, len(cases))
	types := make([]pgtype.Type, len(cases))
	for i, c := range cases {
		exprs[i], pgExprs[i], types[i] = c.trino, c.pg, c.typ
	}
	res, err := r.Execute(context.Background(), "adhoc", Request{
		SQL:     "SELECT " + strings.Join(exprs, ", "),
		User:    "alice",
		Columns: schemaOf(types...),
		Types:   types,
	})
	if err != nil {
		t.Fatalf("Execute: %v", err)
	}
	got := collect(t, res, types)
	if len(got) != 1 {
		t.Fatalf("%d rows, want 1", len(got))
	}
	pgRes := conn.ExecParams(context.Background(), "SELECT "+strings.Join(pgExprs, ", "), nil, nil, nil, nil).Read()
	if pgRes.Err != nil {
		t.Fatalf("postgres: %v", pgRes.Err)
	}
	for i, c := range cases {
		want := "NULL"
		if v := pgRes.Rows[0][i]; v != nil {
			want = string(v)
		}
		if got[0][i] != want {
			t.Errorf("%s as %s: got %q, PostgreSQL prints %q", c.trino, c.typ, got[0][i], want)
		}
	}
}

// Without a schema from the caller, the result's types follow Trino's.
func TestForwardRowsWithTrinoTypes(t *testing.T) {
	srv := trinoSrv.Get(t)
	r := oneCluster(t, srv.URL, func(c *Config) { c.BatchRows = 7 })
	res, err := r.Execute(context.Background(), "adhoc", Request{
		SQL:  "SELECT n_nationkey, n_name, r_name FROM tpch.tiny.nation JOIN tpch.tiny.region ON n_regionkey = r_regionkey ORDER BY n_nationkey",
		User: "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cluster() != "c1" || res.Tier() != "adhoc" || res.QueryID() == "" {
		t.Errorf("cluster %q tier %q query %q", res.Cluster(), res.Tier(), res.QueryID())
	}
	s := res.Schema()
	if s.NumFields() != 3 || s.Field(0).Name != "n_nationkey" || s.Field(0).Type.ID() != arrow.INT64 || s.Field(1).Type.ID() != arrow.STRING {
		t.Fatalf("schema %s", s)
	}
	batches := 0
	var rows [][]string
	for {
		rec, err := res.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			break
		}
		batches++
		if rec.NumRows() > 7 {
			t.Errorf("batch of %d rows, BatchRows is 7", rec.NumRows())
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row := []string{}
			for j := 0; j < 3; j++ {
				b, _ := pgtype.AppendText(nil, []pgtype.Type{pgtype.Int8, pgtype.Text, pgtype.Text}[j],
					pgtype.DatumAt([]pgtype.Type{pgtype.Int8, pgtype.Text, pgtype.Text}[j], rec.Column(j), i), pgtype.DefaultSettings())
				row = append(row, string(b))
			}
			rows = append(rows, row)
		}
		rec.Release()
	}
	res.Close()
	// TPC-H's nation table: 25 nations in 5 regions.
	if len(rows) != 25 || batches != 4 {
		t.Fatalf("%d rows in %d batches, want 25 in 4", len(rows), batches)
	}
	if strings.Join(rows[0], "|") != "0|ALGERIA|AFRICA" || strings.Join(rows[24], "|") != "24|UNITED STATES|AMERICA" {
		t.Errorf("first %v, last %v", rows[0], rows[24])
	}
}

// Trino's errors reach the client with the SQLSTATE PostgreSQL would send
// and Trino's message.
func TestTrinoErrorsAsSQLSTATE(t *testing.T) {
	srv := trinoSrv.Get(t)
	r := oneCluster(t, srv.URL, nil)
	cases := []struct {
		sql, user, code, msg string
	}{
		{"SELEC 1", "alice", pgerr.SyntaxError, "mismatched input"},
		{"SELECT * FROM tpch.tiny.nope", "alice", pgerr.UndefinedTable, "does not exist"},
		{"SELECT nope FROM tpch.tiny.nation", "alice", pgerr.UndefinedColumn, "cannot be resolved"},
		{"SELECT * FROM tpch.nope.nation", "alice", codeUndefinedSch, "does not exist"},
		{"SELECT * FROM nocatalog.a.b", "alice", pgerr.InvalidCatalogName, "not found"},
		{"SELECT count(*) FROM tpch.tiny.nation", "denied", pgerr.InsufficientPrivilege, "Access Denied"},
		{"SELECT 'a' + 1", "alice", pgerr.DatatypeMismatch, "Cannot apply operator"},
		{"SELECT n_nationkey / 0 FROM tpch.tiny.nation", "alice", pgerr.DivisionByZero, "Division by zero"},
		{"SELECT CAST('x' AS integer)", "alice", pgerr.InvalidTextRepresentation, "Cannot cast"},
		{"SELECT nofunc(1)", "alice", pgerr.UndefinedFunction, "nofunc"},
		{"SELECT n_name, count(*) FROM tpch.tiny.nation", "alice", pgerr.GroupingError, "aggregate"},
		{"SELECT (SELECT n_name FROM tpch.tiny.nation)", "alice", pgerr.CardinalityViolation, "multiple rows"},
	}
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			res, err := r.Execute(context.Background(), "adhoc", Request{SQL: c.sql, User: c.user})
			if err == nil {
				// Some errors come with the rows (division by zero in a
				// scan): then Next reports them.
				for err == nil {
					var rec arrow.RecordBatch
					rec, err = res.Next(context.Background())
					if rec == nil && err == nil {
						break
					}
					if rec != nil {
						rec.Release()
					}
				}
				res.Close()
			}
			pe := pgerr.Convert(err)
			if err == nil || pe.Code != c.code || !strings.Contains(pe.Message, c.msg) {
				t.Fatalf("%s: got %v, want SQLSTATE %s with %q", c.sql, err, c.code, c.msg)
			}
			if strings.HasPrefix(pe.Message, "line ") || !strings.Contains(pe.Detail, "Trino error") {
				t.Errorf("message %q detail %q", pe.Message, pe.Detail)
			}
		})
	}
	// None of those is the cluster's fault: its breaker stayed closed.
	if st := r.Clusters()[0]; st.Breaker != "closed" || !st.Healthy {
		t.Errorf("after SQL errors: %+v", st)
	}
}

// trinoQuery is what GET /v1/query/{id} says of a query.
type trinoQuery struct {
	State     string `json:"state"`
	ErrorCode struct {
		Name string `json:"name"`
	} `json:"errorCode"`
	Session struct {
		Source string `json:"source"`
	} `json:"session"`
	QueryID string `json:"queryId"`
}

func queryInfo(t *testing.T, base, id string) trinoQuery {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/query/"+id, nil)
	req.Header.Set("X-Trino-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var q trinoQuery
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		t.Fatalf("GET /v1/query/%s: %v", id, err)
	}
	return q
}

// queriesBySource lists Trino's queries of one source (the test's marker).
func queriesBySource(t *testing.T, base, source string) []trinoQuery {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/query", nil)
	req.Header.Set("X-Trino-User", "alice")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var all []trinoQuery
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatal(err)
	}
	var out []trinoQuery
	for _, q := range all {
		if q.Session.Source == source {
			out = append(out, q)
		}
	}
	return out
}

// waitKilled waits up to a second for Trino to report the query failed
// with USER_CANCELED.
func waitKilled(t *testing.T, base, id string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	var q trinoQuery
	for time.Now().Before(deadline) {
		q = queryInfo(t, base, id)
		if q.State == "FAILED" && q.ErrorCode.Name == "USER_CANCELED" {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("query %s not killed within a second: state %s, error %s", id, q.State, q.ErrorCode.Name)
}

// A slow query: it returns no row for a long time (minutes on two cores).
const slowSQL = "SELECT count(*) FROM tpch.sf100.lineitem a CROSS JOIN tpch.sf100.nation b WHERE a.l_comment > b.n_comment"

// Cancelling the caller's context kills the Trino query, while Execute
// still waits for the first row and while rows stream.
func TestCancelKillsTrinoQuery(t *testing.T) {
	srv := trinoSrv.Get(t)
	r := oneCluster(t, srv.URL, func(c *Config) { c.ProgressInterval = 500 * time.Millisecond })

	t.Run("waiting", func(t *testing.T) {
		source := fmt.Sprintf("cancel-wait-%d", time.Now().UnixNano())
		ctx, cancel := context.WithCancel(context.Background())
		var progress []Notice
		go func() { time.Sleep(2500 * time.Millisecond); cancel() }()
		_, err := r.Execute(ctx, "adhoc", Request{SQL: slowSQL, User: "alice", Source: source,
			Notice: func(n Notice) {
				if n.Kind == NoticeProgress {
					progress = append(progress, n)
				}
			}})
		if pgerr.Code(err) != pgerr.QueryCanceled {
			t.Fatalf("Execute: %v, want 57014", err)
		}
		qs := queriesBySource(t, srv.URL, source)
		if len(qs) != 1 {
			t.Fatalf("%d queries of source %s", len(qs), source)
		}
		waitKilled(t, srv.URL, qs[0].QueryID)
		if len(progress) == 0 || progress[0].QueryID != qs[0].QueryID || !strings.Contains(progress[0].Message, "RUNNING") {
			t.Errorf("progress notices of a 2.5 s query at a 0.5 s interval: %+v", progress)
		}
	})

	t.Run("streaming", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		res, err := r.Execute(ctx, "adhoc", Request{SQL: "SELECT * FROM tpch.sf1.lineitem", User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := res.Next(ctx)
		if err != nil || rec == nil {
			t.Fatalf("first batch: %v", err)
		}
		rec.Release()
		cancel()
		_, err = res.Next(ctx)
		if pgerr.Code(err) != pgerr.QueryCanceled {
			t.Errorf("Next after cancel: %v", err)
		}
		waitKilled(t, srv.URL, res.QueryID())
		res.Close()
	})

	t.Run("router close", func(t *testing.T) {
		r2 := oneCluster(t, srv.URL, nil)
		res, err := r2.Execute(context.Background(), "adhoc", Request{SQL: "SELECT * FROM tpch.sf1.lineitem", User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() { r2.Close(); close(closed) }() // the result is still open
		select {
		case <-closed:
		case <-time.After(30 * time.Second):
			t.Fatal("Router.Close hangs on an open result")
		}
		waitKilled(t, srv.URL, res.QueryID())
		res.Close()
	})

	t.Run("close", func(t *testing.T) {
		res, err := r.Execute(context.Background(), "adhoc", Request{SQL: "SELECT * FROM tpch.sf1.lineitem", User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		res.Close() // a client that stops reading (a closed portal)
		waitKilled(t, srv.URL, res.QueryID())
	})
}

// A result of millions of rows streams through a bounded amount of Arrow
// memory: the reader waits for the caller (one batch in hand, one in the
// channel, one being built).
func TestLargeResultBoundedMemory(t *testing.T) {
	srv := trinoSrv.Get(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	var peak peakAllocator
	peak.Allocator = mem
	cfg := Config{Tiers: []TierConfig{{Name: "adhoc", Clusters: []ClusterConfig{{Name: "c1", URL: srv.URL}}}}}
	r, err := New(cfg, WithAllocator(&peak))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// 60,175 lineitems × 34 = 2,045,950 rows of (bigint, bigint).
	const want = 60175 * 34
	start := time.Now()
	res, err := r.Execute(context.Background(), "adhoc", Request{
		SQL:  "SELECT l_orderkey, x FROM tpch.tiny.lineitem CROSS JOIN UNNEST(sequence(1, 34)) AS t(x)",
		User: "alice",
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows int64
	var sum int64
	for {
		rec, err := res.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			break
		}
		rows += rec.NumRows()
		for _, v := range rec.Column(1).(interface{ Int64Values() []int64 }).Int64Values() {
			sum += v
		}
		rec.Release()
	}
	res.Close()
	elapsed := time.Since(start)
	if rows != want || sum != 60175*(34*35/2) {
		t.Fatalf("%d rows (sum of x %d), want %d", rows, sum, want)
	}
	mem.AssertSize(t, 0)
	// A 4096-row batch of these columns is 64 kB; the whole result is
	// 32 MB. Bounded means a few batches, whatever the size.
	if p := peak.max(); p > 2<<20 {
		t.Errorf("peak Arrow memory %d bytes for a streamed result: not bounded", p)
	}
	t.Logf("%d rows in %s (%.0f rows/s), peak Arrow memory %d bytes, %s", rows, elapsed.Round(time.Millisecond),
		float64(rows)/elapsed.Seconds(), peak.max(), rss())
}

// peakAllocator records the most bytes allocated at once.
type peakAllocator struct {
	*memory.CheckedAllocator
	Allocator *memory.CheckedAllocator
	mu        sync.Mutex
	cur, top  int
}

func (p *peakAllocator) Allocate(n int) []byte {
	p.mu.Lock()
	p.cur += n
	p.top = max(p.top, p.cur)
	p.mu.Unlock()
	return p.Allocator.Allocate(n)
}

func (p *peakAllocator) Reallocate(n int, b []byte) []byte {
	p.mu.Lock()
	p.cur += n - len(b)
	p.top = max(p.top, p.cur)
	p.mu.Unlock()
	return p.Allocator.Reallocate(n, b)
}

func (p *peakAllocator) Free(b []byte) {
	p.mu.Lock()
	p.cur -= len(b)
	p.mu.Unlock()
	p.Allocator.Free(b)
}

func (p *peakAllocator) max() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.top
}

func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS") || strings.HasPrefix(l, "VmHWM") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}
