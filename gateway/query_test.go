package gateway

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	dto "github.com/prometheus/client_model/go"
)

// count runs a count(*) query through pgx.
func count(t testing.TB, conn *pgx.Conn, sql string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(testCtx(t), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func connectPgx(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(testCtx(t), dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestCursorsOverTheLake reads a table larger than a batch through
// cursors the way psqlODBC and psycopg2 do, and checks every row arrives
// once, in the order of a plain SELECT.
func TestCursorsOverTheLake(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	conn := connectPgx(t, ts.dsn("sluice", "sluice"))
	total := count(t, conn, "SELECT count(*) FROM raw.events")
	if total < 5000 {
		t.Fatalf("raw.events has %d rows; the test needs more than a batch", total)
	}
	var want []string
	rows, err := conn.Query(ctx, "SELECT event_id::text FROM raw.events ORDER BY event_id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	if rows.Err() != nil || int64(len(want)) != total {
		t.Fatalf("plain SELECT: %d rows, %v; count(*) says %d", len(want), rows.Err(), total)
	}

	t.Run("psqlODBC declare/fetch with hold", func(t *testing.T) {
		c := connectPG(t, ts.dsn("sluice", "sluice"))
		var got []string
		collect := func(sql string) string {
			results, err := c.Exec(ctx, sql).ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			tag := ""
			for _, r := range results {
				for _, row := range r.Rows {
					got = append(got, string(row[0]))
				}
				tag = r.CommandTag.String()
			}
			return tag
		}
		tag := collect(`BEGIN;declare "SQL_CUR0x55d1" cursor with hold for SELECT event_id::text FROM raw.events ORDER BY event_id;fetch 2048 in "SQL_CUR0x55d1"`)
		if tag != "FETCH 2048" {
			t.Errorf("first fetch tag %q", tag)
		}
		// The driver commits between fetches in autocommit mode; the
		// cursor is WITH HOLD and goes on.
		collect("COMMIT")
		for i := 0; ; i++ {
			tag = collect(`fetch 2048 in "SQL_CUR0x55d1"`)
			if tag == "FETCH 0" {
				break
			}
			if i > 1000 {
				t.Fatal("cursor never ends")
			}
		}
		collect(`close "SQL_CUR0x55d1";commit`)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("cursor returned %d rows, want the %d of a plain SELECT in the same order", len(got), len(want))
		}
		if c.TxStatus() != 'I' {
			t.Errorf("status %c after close;commit", c.TxStatus())
		}
	})

	t.Run("extended protocol max_rows", func(t *testing.T) {
		c := connectPG(t, ts.dsn("sluice", "sluice"))
		var got []string
		suspended := 0
		fe := c.Frontend()
		fe.Send(&pgproto3.Query{String: "BEGIN"})
		fe.Send(&pgproto3.Parse{Name: "s", Query: "SELECT event_id::text FROM raw.events ORDER BY event_id"})
		fe.Send(&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s"})
		fe.Send(&pgproto3.Sync{})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		waitReady(ctx, t, c, 2)
		for done := false; !done; {
			fe.Send(&pgproto3.Execute{Portal: "p", MaxRows: 500})
			fe.Send(&pgproto3.Sync{})
			if err := fe.Flush(); err != nil {
				t.Fatal(err)
			}
			for {
				msg, err := c.ReceiveMessage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				switch m := msg.(type) {
				case *pgproto3.DataRow:
					got = append(got, string(m.Values[0]))
				case *pgproto3.PortalSuspended:
					suspended++
				case *pgproto3.CommandComplete:
					done = true
					if want := fmt.Sprintf("SELECT %d", len(want)%500); string(m.CommandTag) != want {
						t.Errorf("last Execute's tag %q, want %q", m.CommandTag, want)
					}
				case *pgproto3.ErrorResponse:
					t.Fatalf("error: %s %s", m.Code, m.Message)
				}
				if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
					break
				}
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("portal returned %d rows, want %d", len(got), len(want))
		}
		if suspended != len(want)/500 {
			t.Errorf("%d PortalSuspended, want %d", suspended, len(want)/500)
		}
	})

	t.Run("scroll cursor reads backwards", func(t *testing.T) {
		c := connectPG(t, ts.dsn("sluice", "sluice"))
		render(ctx, c, "BEGIN; DECLARE s SCROLL CURSOR FOR SELECT event_id::text FROM raw.events ORDER BY event_id")
		last := render(ctx, c, "FETCH LAST FROM s")
		if !strings.Contains(last, strconv.Quote(want[len(want)-1])) {
			t.Errorf("FETCH LAST = %s, want %s", last, want[len(want)-1])
		}
		mid := render(ctx, c, fmt.Sprintf("FETCH ABSOLUTE %d FROM s", len(want)/2))
		if !strings.Contains(mid, strconv.Quote(want[len(want)/2-1])) {
			t.Errorf("FETCH ABSOLUTE = %s", mid)
		}
		back := render(ctx, c, "FETCH BACKWARD 3 FROM s")
		for i := 2; i <= 4; i++ {
			if !strings.Contains(back, strconv.Quote(want[len(want)/2-i])) {
				t.Errorf("FETCH BACKWARD 3 = %s, missing row %d", back, len(want)/2-i+1)
			}
		}
	})
}

func waitReady(ctx context.Context, t testing.TB, c *pgconn.PgConn, n int) {
	t.Helper()
	for n > 0 {
		msg, err := c.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			n--
		case *pgproto3.ErrorResponse:
			t.Fatalf("error: %s %s", m.Code, m.Message)
		}
	}
}

// TestReadOnly checks DDL and DML get 25006 with PostgreSQL's message, and
// that the session goes on (temporary tables, which may be written, are
// temp_test.go's).
func TestReadOnly(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	for sql, msg := range map[string]string{
		"INSERT INTO gold.orders (order_id) VALUES (1)": "cannot execute INSERT in a read-only transaction",
		"UPDATE gold.orders SET status = 'x'":           "cannot execute UPDATE in a read-only transaction",
		"DELETE FROM gold.orders":                       "cannot execute DELETE in a read-only transaction",
		"CREATE TABLE gold.t (a int)":                   "cannot execute CREATE TABLE in a read-only transaction",
		"CREATE TABLE t AS SELECT 1":                    "cannot execute CREATE TABLE AS in a read-only transaction",
		"DROP TABLE IF EXISTS nosuch":                   "cannot execute DROP TABLE in a read-only transaction",
		"DROP TABLE gold.orders":                        "cannot execute DROP TABLE in a read-only transaction",
		"TRUNCATE gold.orders":                          "cannot execute TRUNCATE TABLE in a read-only transaction",
		"COPY gold.orders FROM STDIN":                   "cannot execute COPY FROM in a read-only transaction",
	} {
		got := render(ctx, c, sql)
		if want := "ERROR 25006 " + msg; !strings.HasPrefix(got, want) {
			t.Errorf("%s: %s, want %s", sql, got, want)
		}
	}
	if got := render(ctx, c, "PREPARE d AS DELETE FROM gold.orders; EXECUTE d"); !strings.Contains(got, "ERROR 25006") {
		t.Errorf("EXECUTE of a prepared DELETE: %s", got)
	}
	if got := render(ctx, c, "SELECT count(*) > 0 FROM gold.orders"); !strings.Contains(got, `"t"`) {
		t.Errorf("session unusable after refusals: %s", got)
	}
}

func TestCopyToStdout(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	conn := connectPgx(t, ts.dsn("sluice", "sluice"))
	var want [][]string
	rows, err := conn.Query(ctx, "SELECT order_id::text, status, amount::text FROM gold.orders WHERE dt = '2026-11-20' ORDER BY order_id",
		pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, b, c string
		if err := rows.Scan(&a, &b, &c); err != nil {
			t.Fatal(err)
		}
		want = append(want, []string{a, b, c})
	}
	if rows.Err() != nil || len(want) == 0 {
		t.Fatalf("%d rows, %v", len(want), rows.Err())
	}
	var buf bytes.Buffer
	tag, err := conn.PgConn().CopyTo(ctx, &buf,
		"COPY (SELECT order_id, status, amount FROM gold.orders WHERE dt = '2026-11-20' ORDER BY order_id) TO STDOUT WITH (FORMAT csv, HEADER)")
	if err != nil {
		t.Fatal(err)
	}
	if tag.String() != fmt.Sprintf("COPY %d", len(want)) {
		t.Errorf("tag %q, want COPY %d", tag, len(want))
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != len(want)+1 || strings.Join(recs[0], ",") != "order_id,status,amount" {
		t.Fatalf("csv has %d records, header %v", len(recs), recs[0])
	}
	for i, r := range recs[1:] {
		if strings.Join(r, "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d: csv %v, select %v", i, r, want[i])
			break
		}
	}
}

func TestExplain(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	res := c.ExecParams(ctx, "EXPLAIN SELECT status, count(*) FROM gold.orders WHERE amount > 100 GROUP BY status", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if len(res.FieldDescriptions) != 1 || res.FieldDescriptions[0].Name != "QUERY PLAN" || res.CommandTag.String() != "EXPLAIN" {
		t.Fatalf("columns %v tag %q", res.FieldDescriptions, res.CommandTag)
	}
	var lines []string
	for _, r := range res.Rows {
		lines = append(lines, string(r[0]))
	}
	if len(lines) < 3 || lines[0] != "Route: local" || !strings.Contains(strings.Join(lines, "\n"), "gold.orders") {
		t.Errorf("EXPLAIN:\n%s", strings.Join(lines, "\n"))
	}
	got := render(ctx, c, "EXPLAIN ANALYZE SELECT * FROM gold.orders")
	if !strings.Contains(got, `"Rows: `) || !strings.Contains(got, "Execution Time") {
		t.Errorf("EXPLAIN ANALYZE: %s", got)
	}
	if got := render(ctx, c, "EXPLAIN SELECT * FROM pg_catalog.pg_type"); !strings.Contains(got, `"Route: catalog"`) {
		t.Errorf("EXPLAIN of a catalog query: %s", got)
	}
}

func TestStatementTimeoutAndCancel(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)

	t.Run("timeout", func(t *testing.T) {
		c := connectPG(t, ts.dsn("sluice", "sluice"))
		// Scanning, encoding and sending thirty thousand rows from thirty
		// partition files takes far longer than 1ms.
		got := render(ctx, c, "SET statement_timeout = '1ms'; SELECT * FROM raw.events")
		if !strings.Contains(got, "ERROR 57014 canceling statement due to statement timeout") {
			t.Errorf("got %s", got)
		}
		got = render(ctx, c, "BEGIN; SET LOCAL statement_timeout = '1ms'; DECLARE c NO SCROLL CURSOR FOR SELECT * FROM raw.events")
		if strings.Contains(got, "ERROR") {
			t.Fatalf("DECLARE: %s", got)
		}
		if got := render(ctx, c, "FETCH ALL FROM c"); !strings.Contains(got, "ERROR 57014 canceling statement due to statement timeout") || !strings.HasSuffix(got, "{E}") {
			t.Errorf("FETCH under the timeout: %s", got)
		}
		render(ctx, c, "ROLLBACK")
		if got := render(ctx, c, "RESET statement_timeout; SELECT count(*) > 0 FROM raw.events"); !strings.Contains(got, `"t"`) {
			t.Errorf("after the timeouts: %s", got)
		}
	})

	t.Run("configured default", func(t *testing.T) {
		ts := startServer(t, serverOptions{settings: map[string]string{"statement_timeout": "1ms"}})
		c := connectPG(t, ts.dsn("sluice", "sluice"))
		if got := render(ctx, c, "SELECT * FROM raw.events"); !strings.Contains(got, "ERROR 57014") {
			t.Errorf("server-wide statement_timeout: %s", got)
		}
	})

	t.Run("cancel request", func(t *testing.T) {
		c := connectPG(t, ts.dsn("sluice", "sluice"))
		rr := c.ExecParams(ctx, "SELECT * FROM raw.events", nil, nil, nil, nil)
		if !rr.NextRow() {
			_, err := rr.Close()
			t.Fatalf("no first row: %v", err)
		}
		if err := c.CancelRequest(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		n := 1
		for rr.NextRow() {
			n++
		}
		_, err := rr.Close()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to user request" {
			t.Fatalf("after cancel (%d rows read): %v", n, err)
		}
		if got := render(ctx, c, "SELECT 1"); !strings.Contains(got, `"1"`) {
			t.Errorf("session after cancel: %s", got)
		}
	})
}

// TestMetrics checks the counters and the gauge move with real traffic.
func TestMetrics(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	render(ctx, c, "SELECT count(*) FROM gold.orders")
	render(ctx, c, "SELECT 1/0")
	render(ctx, c, "SET application_name = 'm'")
	render(ctx, c, "SELECT count(*) FROM pg_catalog.pg_type")
	render(ctx, c, "SET statement_timeout = '1ms'; SELECT * FROM raw.events")

	values := map[string]float64{}
	families, err := ts.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			values[f.GetName()+labels(m)] = metricValue(m)
		}
	}
	for key, min := range map[string]float64{
		"sluice_connections_open":                               1,
		`sluice_queries_total{route="local",status="ok"}`:       1,
		`sluice_queries_total{route="local",status="error"}`:    1,
		`sluice_queries_total{route="session",status="ok"}`:     2,
		`sluice_queries_total{route="catalog",status="ok"}`:     1,
		`sluice_queries_total{route="local",status="canceled"}`: 1,
		`sluice_query_duration_seconds{route="local"}`:          3,
	} {
		if values[key] < min {
			t.Errorf("%s = %v, want at least %v (all: %v)", key, values[key], min, values)
		}
	}
	c.Close(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		families, _ := ts.reg.Gather()
		for _, f := range families {
			if f.GetName() == "sluice_connections_open" && f.GetMetric()[0].GetGauge().GetValue() == 0 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("sluice_connections_open did not return to 0 after the client left")
}

func labels(m *dto.Metric) string {
	if len(m.GetLabel()) == 0 {
		return ""
	}
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	case m.Histogram != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return 0
}
