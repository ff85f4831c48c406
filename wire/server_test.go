package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/sluicesql/sluice/wire/pgtest"
)

// pg is the real PostgreSQL the protocol tests compare Sluice with.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
	}
	os.Exit(code)
}

// testLog sends the server's log lines to the test log while the test
// runs, and drops them after.
type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

type testServer struct {
	srv  *Server
	h    *testHandler
	addr string
	// panicsAllowed is how many recovered panics the test expects.
	panicsAllowed int64
}

// startServer serves the stand-in handler on 127.0.0.1:0 until the test
// ends, and fails the test if a connection panicked unexpectedly.
func startServer(t testing.TB, configure func(*Config)) *testServer {
	t.Helper()
	h := &testHandler{}
	lw := &testLog{t: t}
	cfg := Config{
		Handler: h,
		Logger:  slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{srv: srv, h: h, addr: ln.Addr().String()}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
		if n := srv.panics.Load(); n != ts.panicsAllowed {
			t.Errorf("%d connection goroutines panicked, want %d", n, ts.panicsAllowed)
		}
		lw.mu.Lock()
		lw.done = true
		lw.mu.Unlock()
	})
	return ts
}

func (ts *testServer) dsn(extra string) string {
	return fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=disable%s", ts.addr, extra)
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func connect(t testing.TB, dsn string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	conn, err := pgx.ConnectConfig(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// collect runs a query and returns its rows as pgx decodes them.
func collect(t testing.TB, conn *pgx.Conn, sql string, args ...any) [][]any {
	t.Helper()
	rows, err := conn.Query(testCtx(t), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out [][]any
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// TestPgxAgainstPostgres runs the same statements through pgx against
// PostgreSQL and Sluice, in each of pgx's query modes, and compares the
// decoded rows: simple protocol (text), extended protocol with binary
// results and parameters, and describe-exec.
func TestPgxAgainstPostgres(t *testing.T) {
	ts := startServer(t, nil)
	real := pg.Get(t)
	modes := []pgx.QueryExecMode{
		pgx.QueryExecModeSimpleProtocol,
		pgx.QueryExecModeCacheStatement,
		pgx.QueryExecModeDescribeExec,
		pgx.QueryExecModeExec,
	}
	queries := []struct {
		sql  string
		args []any
	}{
		{"select 1", nil},
		{seriesSQL(20), nil},
		{seriesSQL(2500), nil}, // more than one batch
		{weirdSQL(), nil},
		{"select $1::text", []any{"hello, world"}},
		{"select $1::int8", []any{int64(-42)}},
	}
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			want := connect(t, real.DSN(), mode)
			got := connect(t, ts.dsn(""), mode)
			for _, q := range queries {
				w := collect(t, want, q.sql, q.args...)
				g := collect(t, got, q.sql, q.args...)
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%.60s: Sluice returned\n%v\nPostgreSQL returned\n%v", q.sql, g, w)
				}
			}
			// An error leaves the connection usable, as in PostgreSQL.
			_, errW := want.Exec(testCtx(t), "selec 1")
			_, errG := got.Exec(testCtx(t), "selec 1")
			if pgCode(errG) != "42601" || pgCode(errW) != pgCode(errG) {
				t.Errorf("syntax error: Sluice %v, PostgreSQL %v", errG, errW)
			}
			var one int
			if err := got.QueryRow(testCtx(t), "select 1").Scan(&one); err != nil || one != 1 {
				t.Errorf("after an error: select 1 = %d, %v", one, err)
			}
		})
	}
}

// TestSimpleQueryFeatures covers multi-statement strings, empty queries
// and ParameterStatus through pgconn.
func TestSimpleQueryFeatures(t *testing.T) {
	ts := startServer(t, nil)
	real := pg.Get(t)
	ctx := testCtx(t)
	for _, dsn := range []string{real.DSN(), ts.dsn("")} {
		conn, err := pgconn.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		results, err := conn.Exec(ctx, "select 1; "+seriesSQL(3)+";").ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if len(results) != 2 || results[0].CommandTag.String() != "SELECT 1" || results[1].CommandTag.String() != "SELECT 3" || len(results[1].Rows) != 3 {
			t.Errorf("%s: multi-statement results %+v", dsn, results)
		}
		results, err = conn.Exec(ctx, "").ReadAll()
		if err != nil || len(results) != 1 || results[0].CommandTag.String() != "" {
			t.Errorf("%s: empty query: %+v, %v", dsn, results, err)
		}
		if _, err := conn.Exec(ctx, "set application_name = 'tested'").ReadAll(); err != nil {
			t.Fatal(err)
		}
		if got := conn.ParameterStatus("application_name"); got != "tested" {
			t.Errorf("%s: application_name reported as %q", dsn, got)
		}
		if conn.PID() == 0 {
			t.Errorf("%s: no BackendKeyData", dsn)
		}
		// An error in a multi-statement string stops it there.
		results, err = conn.Exec(ctx, "select 1; select 1/0; select 1").ReadAll()
		if pgCode(err) != "22012" || len(results) != 1 {
			t.Errorf("%s: error mid-string: %d results, %v", dsn, len(results), err)
		}
	}
}

// TestLargeResultStreams reads a result far larger than any buffer with
// pgx, in text and binary.
func TestLargeResultStreams(t *testing.T) {
	ts := startServer(t, nil)
	const n = 200_000
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheStatement} {
		conn := connect(t, ts.dsn(""), mode)
		rows, err := conn.Query(testCtx(t), seriesSQL(n))
		if err != nil {
			t.Fatal(err)
		}
		var count, sum, nulls int64
		for rows.Next() {
			var v int64
			var s *string
			if err := rows.Scan(&v, &s); err != nil {
				t.Fatal(err)
			}
			count++
			sum += v
			if s == nil {
				nulls++
			} else if *s != fmt.Sprintf("row %d", v) {
				t.Fatalf("row %d: s = %q", v, *s)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if count != n || sum != n*(n+1)/2 || nulls != n/7 {
			t.Errorf("%v: %d rows, sum %d, %d NULLs", mode, count, sum, nulls)
		}
		if tag := rows.CommandTag().String(); tag != fmt.Sprintf("SELECT %d", n) {
			t.Errorf("tag %q", tag)
		}
	}
}

// TestBackpressure shows that a result is produced only as fast as the
// client reads it: a client that stops reading stops the query, far short
// of the whole result, and hanging up ends it.
func TestBackpressure(t *testing.T) {
	ts := startServer(t, nil)
	const n = 20_000_000
	rc := dialRaw(t, ts.addr, nil)
	rc.send(&pgproto3.Query{String: seriesSQL(n)})
	var last int64 = -1
	deadline := time.Now().Add(10 * time.Second)
	for {
		time.Sleep(200 * time.Millisecond)
		p := ts.h.produced.Load()
		if p == last && p > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("production never stalled: %d rows", p)
		}
		last = p
	}
	if last >= n/4 {
		t.Fatalf("%d of %d rows produced while the client read nothing", last, n)
	}
	t.Logf("production stalled at %d of %d rows while the client read nothing", last, n)
	rc.nc.Close()
	waitFor(t, "the session to close", func() bool { return ts.h.closed.Load() == 1 })
	// The server is unharmed.
	conn := connect(t, ts.dsn(""), pgx.QueryExecModeSimpleProtocol)
	if got := collect(t, conn, "select 1"); len(got) != 1 {
		t.Errorf("select 1: %v", got)
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCancelRequest cancels a running query with pgconn's CancelRequest,
// which arrives on a connection of its own.
func TestCancelRequest(t *testing.T) {
	ts := startServer(t, nil)
	ctx := testCtx(t)
	conn, err := pgconn.Connect(ctx, ts.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "select pg_sleep(1000)").ReadAll()
		done <- err
	}()
	var qerr error
	func() {
		for {
			select {
			case qerr = <-done:
				return
			case <-time.After(100 * time.Millisecond):
				// The first request may come before the query runs;
				// PostgreSQL ignores those too.
				if err := conn.CancelRequest(ctx); err != nil {
					t.Fatalf("CancelRequest: %v", err)
				}
			}
		}
	}()
	var pe *pgconn.PgError
	if !errors.As(qerr, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to user request" {
		t.Fatalf("cancelled query: %v", qerr)
	}
	results, err := conn.Exec(ctx, "select 1").ReadAll()
	if err != nil || len(results) != 1 || len(results[0].Rows) != 1 {
		t.Fatalf("after cancel: %v %v", results, err)
	}
}

// TestCancelWrongKey checks that a CancelRequest needs the secret.
func TestCancelWrongKey(t *testing.T) {
	ts := startServer(t, nil)
	ctx := testCtx(t)
	conn, err := pgconn.Connect(ctx, ts.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "select pg_sleep(0.5)").ReadAll()
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	key := conn.SecretKey()
	wrong := append([]byte(nil), key...)
	wrong[0] ^= 0xff
	for _, k := range []struct {
		pid    uint32
		secret []byte
	}{{conn.PID(), wrong}, {conn.PID() ^ 1, key}} {
		nc, err := net.Dial("tcp", ts.addr)
		if err != nil {
			t.Fatal(err)
		}
		buf, _ := (&pgproto3.CancelRequest{ProcessID: k.pid, SecretKey: k.secret}).Encode(nil)
		nc.Write(buf)
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := nc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Errorf("cancel connection answered %d bytes, %v; want a silent close", n, err)
		}
		nc.Close()
	}
	if err := <-done; err != nil {
		t.Fatalf("query cancelled by a wrong key: %v", err)
	}
}

// TestCopyToAgainstPostgres compares the bytes of COPY TO STDOUT in text
// and CSV with PostgreSQL's, through pgconn.CopyTo.
func TestCopyToAgainstPostgres(t *testing.T) {
	ts := startServer(t, nil)
	real := pg.Get(t)
	ctx := testCtx(t)
	want, err := pgconn.Connect(ctx, real.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close(ctx)
	got, err := pgconn.Connect(ctx, ts.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close(ctx)
	for _, q := range []string{weirdSQL(), seriesSQL(3000), "select 1"} {
		for _, opts := range []string{"", " with (format csv)", " with (format csv, header)", " with (format csv, force_quote *)", " with (delimiter '|')", " with (format text, header)"} {
			sql := "copy (" + q + ") to stdout" + opts
			var wb, gb strings.Builder
			wtag, werr := want.CopyTo(ctx, &wb, sql)
			gtag, gerr := got.CopyTo(ctx, &gb, sql)
			if werr != nil || gerr != nil {
				t.Fatalf("%s: PostgreSQL %v, Sluice %v", sql, werr, gerr)
			}
			if gb.String() != wb.String() || gtag.String() != wtag.String() {
				t.Errorf("%.80s: Sluice wrote %q (%s), PostgreSQL %q (%s)", sql, trim(gb.String()), gtag, trim(wb.String()), wtag)
			}
		}
	}
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// TestUnknownDatabase: the handler's FATAL reaches the client.
func TestUnknownDatabase(t *testing.T) {
	ts := startServer(t, nil)
	_, err := pgconn.Connect(testCtx(t), fmt.Sprintf("postgres://sluice@%s/nope?sslmode=disable", ts.addr))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "3D000" || pe.Severity != "FATAL" || pe.Message != `database "nope" does not exist` {
		t.Fatalf("connect to unknown database: %v", err)
	}
}

// TestPanicIsContained: a panicking session ends its connection with
// XX000 and nothing else.
func TestPanicIsContained(t *testing.T) {
	ts := startServer(t, nil)
	ts.panicsAllowed = 1
	conn := connect(t, ts.dsn(""), pgx.QueryExecModeSimpleProtocol)
	_, err := conn.Exec(testCtx(t), "select 'boom'::text as panic")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "XX000" || pe.Severity != "FATAL" || strings.Contains(pe.Message, "goroutine") {
		t.Fatalf("panic reached the client as %v", err)
	}
	other := connect(t, ts.dsn(""), pgx.QueryExecModeSimpleProtocol)
	if got := collect(t, other, "select 1"); len(got) != 1 {
		t.Errorf("select 1 after a panic: %v", got)
	}
	waitFor(t, "the panicked session to close", func() bool { return ts.h.closed.Load() >= 1 })
}

// TestOversizedMessage: a message over the limit ends its connection with
// an error the client sees; the server goes on.
func TestOversizedMessage(t *testing.T) {
	ts := startServer(t, func(c *Config) { c.MaxMessageSize = 4096 })
	conn := connect(t, ts.dsn(""), pgx.QueryExecModeSimpleProtocol)
	_, err := conn.Exec(testCtx(t), "select '"+strings.Repeat("x", 100_000)+"'")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "54000" || pe.Severity != "FATAL" {
		t.Fatalf("oversized query: %v", err)
	}
	if !conn.IsClosed() {
		if _, err := conn.Exec(testCtx(t), "select 1"); err == nil {
			t.Errorf("connection still usable after FATAL")
		}
	}
	other := connect(t, ts.dsn(""), pgx.QueryExecModeSimpleProtocol)
	if got := collect(t, other, "select 1"); len(got) != 1 {
		t.Errorf("select 1 after: %v", got)
	}
}

// TestHooks: the metrics callbacks see every connection open and close,
// and failed authentications.
func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var opened, closed, authFailed, protocol int
	ts := startServer(t, func(c *Config) {
		c.Hooks = Hooks{
			ConnOpened:    func(net.Addr) { mu.Lock(); opened++; mu.Unlock() },
			ConnClosed:    func(net.Addr) { mu.Lock(); closed++; mu.Unlock() },
			AuthFailed:    func(string, net.Addr) { mu.Lock(); authFailed++; mu.Unlock() },
			ProtocolError: func(net.Addr, error) { mu.Lock(); protocol++; mu.Unlock() },
		}
		c.Auth = staticAuth{"sluice": {Method: AuthTrust}, "pw": {Method: AuthPassword, Secret: "right"}}
	})
	ctx := testCtx(t)
	c1, err := pgconn.Connect(ctx, ts.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://pw:wrong@%s/sluice?sslmode=disable", ts.addr)); pgCode(err) != "28P01" {
		t.Fatalf("wrong password: %v", err)
	}
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	nc.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	io.Copy(io.Discard, nc)
	nc.Close()
	c1.Close(ctx)
	waitFor(t, "connections to close", func() bool { return ts.srv.OpenConns() == 0 })
	mu.Lock()
	defer mu.Unlock()
	if opened != 3 || closed != 3 || authFailed != 1 || protocol != 1 {
		t.Errorf("opened %d, closed %d, auth failed %d, protocol errors %d; want 3, 3, 1, 1", opened, closed, authFailed, protocol)
	}
}

// TestNewerProtocolClient: a client asking for protocol 3.2 is negotiated
// down to 3.0 and works.
func TestNewerProtocolClient(t *testing.T) {
	ts := startServer(t, nil)
	ctx := testCtx(t)
	conn, err := pgconn.Connect(ctx, ts.dsn("&max_protocol_version=3.2"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "select 1").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if len(conn.SecretKey()) != 4 {
		t.Errorf("secret key of %d bytes", len(conn.SecretKey()))
	}
}

// BenchmarkSelectOne is one round trip of SELECT 1 through the wire, in
// the simple and the extended protocol, with the stand-in session.
func BenchmarkSelectOne(b *testing.B) {
	ts := startServer(b, func(c *Config) { c.Logger = slog.New(slog.DiscardHandler) })
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, ts.dsn(""))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	b.Run("simple", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := conn.Exec(ctx, "select 1").ReadAll(); err != nil {
				b.Fatal(err)
			}
		}
	})
	if _, err := conn.Prepare(ctx, "one", "select 1", nil); err != nil {
		b.Fatal(err)
	}
	b.Run("prepared", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := conn.ExecPrepared(ctx, "one", nil, nil, nil).Read(); r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	})
}
