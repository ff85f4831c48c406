package gateway

// The test harness: a real wire.Server in front of a real Gateway, planner
// and engine over a demo lake written into a temporary directory, driven by
// the real pgx client; and a real PostgreSQL 15 (wire/pgtest) to compare
// against.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgtest"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pg.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the oracle PostgreSQL: %v\n", err)
	}
	lakeOnce.cleanup()
	os.Exit(code)
}

// testServer is a Sluice wire server with a gateway, on a loopback port.
type testServer struct {
	addr    string
	gw      *Gateway
	srv     *wire.Server
	reg     *prometheus.Registry
	lake    *catalog.Lake
	log     *syncBuffer
	stopped chan error
}

type serverOptions struct {
	settings map[string]string
	database string
}

func startServer(t testing.TB, opts serverOptions) *testServer {
	t.Helper()
	return serveGateway(t, testLake(t), slog.LevelDebug, func(lake *catalog.Lake, reg *prometheus.Registry, logger *slog.Logger) (*Gateway, error) {
		return New(Config{Database: opts.database, Version: "test", Settings: opts.settings},
			lake, planner.New(), engine.New(), NewMetrics(reg), logger)
	})
}

// serveGateway opens the lake in dir, makes the gateway with newGateway
// (given the server's metrics registry and a logger at level into the
// server's log) and serves it on a loopback port until the test ends.
func serveGateway(t testing.TB, dir string, level slog.Level, newGateway func(*catalog.Lake, *prometheus.Registry, *slog.Logger) (*Gateway, error)) *testServer {
	t.Helper()
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatalf("opening the lake: %v", err)
	}
	ts := &testServer{reg: prometheus.NewRegistry(), lake: lake, log: &syncBuffer{}, stopped: make(chan error, 1)}
	logger := slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: level}))
	if ts.gw, err = newGateway(lake, ts.reg, logger); err != nil {
		t.Fatal(err)
	}
	ts.srv, err = wire.NewServer(wire.Config{Handler: ts.gw, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	go func() { ts.stopped <- ts.srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		<-ts.stopped
		if t.Failed() {
			t.Logf("server log (tail):\n%s", tail(ts.log.String(), 4000))
		}
	})
	return ts
}

func (ts *testServer) dsn(user, db string, params ...string) string {
	q := ""
	if len(params) > 0 {
		q = "&" + strings.Join(params, "&")
	}
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable%s", user, ts.addr, db, q)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// connectPG opens a pgconn connection, failing the test if it cannot.
func connectPG(t testing.TB, dsn string) *pgconn.PgConn {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var notices noticeLog
	cfg.OnNotice = notices.add
	c, err := pgconn.ConnectConfig(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	noticesOf.Store(c, &notices)
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// noticesOf remembers each connection's notice log.
var noticesOf sync.Map // *pgconn.PgConn -> *noticeLog

type noticeLog struct {
	mu   sync.Mutex
	list []string
}

func (n *noticeLog) add(_ *pgconn.PgConn, notice *pgconn.Notice) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, notice.Severity+" "+notice.Code+" "+notice.Message)
}

// take returns and forgets the notices so far.
func (n *noticeLog) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.list
	n.list = nil
	return out
}

func takeNotices(c *pgconn.PgConn) []string {
	v, ok := noticesOf.Load(c)
	if !ok {
		return nil
	}
	return v.(*noticeLog).take()
}

// render runs one simple Query and prints everything a client sees of it:
// each statement's columns (name, type, format), rows, tag or error, the
// notices, and the transaction status after it.
func render(ctx context.Context, c *pgconn.PgConn, sql string) string {
	var sb strings.Builder
	results, err := c.Exec(ctx, sql).ReadAll()
	for _, r := range results {
		if len(r.FieldDescriptions) > 0 {
			for _, f := range r.FieldDescriptions {
				fmt.Fprintf(&sb, "%s:%d:%d ", f.Name, f.DataTypeOID, f.Format)
			}
			sb.WriteString("| ")
		}
		for _, row := range r.Rows {
			for _, v := range row {
				if v == nil {
					sb.WriteString("NULL,")
				} else {
					fmt.Fprintf(&sb, "%q,", v)
				}
			}
			sb.WriteString("; ")
		}
		if r.Err != nil {
			sb.WriteString(errString(r.Err))
		} else {
			sb.WriteString(r.CommandTag.String())
		}
		sb.WriteString(" / ")
	}
	if err != nil && (len(results) == 0 || results[len(results)-1].Err == nil) {
		sb.WriteString(errString(err))
	}
	for _, n := range takeNotices(c) {
		fmt.Fprintf(&sb, " [%s]", n)
	}
	fmt.Fprintf(&sb, " {%c}", c.TxStatus())
	return sb.String()
}

func errString(err error) string {
	if pe, ok := err.(*pgconn.PgError); ok {
		return fmt.Sprintf("ERROR %s %s", pe.Code, pe.Message)
	}
	return "ERROR " + err.Error()
}

// oracleDSN is the DSN of the real PostgreSQL, read-only by default as
// Sluice is, with the startup parameters a Sluice test connection sends.
func oracleDSN(t testing.TB) string {
	srv := pg.Get(t)
	return srv.DSN() + "&application_name=oracle&TimeZone=UTC&default_transaction_read_only=on"
}

// compareScripts runs each step on fresh connections to Sluice and to
// PostgreSQL and reports every step whose rendering differs.
func compareScripts(t *testing.T, ts *testServer, scripts []script) {
	ctx := testCtx(t)
	odsn := oracleDSN(t)
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
			or := connectPG(t, odsn)
			for i, step := range sc.steps {
				got := render(ctx, sl, step)
				want := render(ctx, or, step)
				if got != want {
					t.Errorf("%s\n  sluice:   %s\n  postgres: %s\n  after: %q", step, got, want, sc.steps[:i])
				}
			}
		})
	}
}

// script is a sequence of Query messages, one connection.
type script struct {
	name  string
	steps []string
}

// --- raw protocol ----------------------------------------------------------

// exchange sends frontend messages and returns a rendering of every
// backend message up to the ReadyForQuery answering the last Sync or Query.
func exchange(ctx context.Context, t testing.TB, c *pgconn.PgConn, msgs ...pgproto3.FrontendMessage) []string {
	t.Helper()
	fe := c.Frontend()
	syncs := 0
	for _, m := range msgs {
		fe.Send(m)
		switch m.(type) {
		case *pgproto3.Sync, *pgproto3.Query:
			syncs++
		}
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var out []string
	for syncs > 0 {
		msg, err := c.ReceiveMessage(ctx)
		if err != nil {
			t.Fatalf("receive: %v (so far %v)", err, out)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			syncs--
			out = append(out, "Ready "+string(m.TxStatus))
		case *pgproto3.ParameterStatus:
			// Sent at different moments by different servers; reported
			// values are tested on their own.
		case *pgproto3.RowDescription:
			var cols []string
			for _, f := range m.Fields {
				cols = append(cols, fmt.Sprintf("%s:%d:%d", f.Name, f.DataTypeOID, f.Format))
			}
			out = append(out, "RowDescription "+strings.Join(cols, ","))
		case *pgproto3.DataRow:
			var vals []string
			for _, v := range m.Values {
				if v == nil {
					vals = append(vals, "NULL")
				} else {
					vals = append(vals, fmt.Sprintf("%q", v))
				}
			}
			out = append(out, "DataRow "+strings.Join(vals, ","))
		case *pgproto3.CommandComplete:
			out = append(out, "CommandComplete "+string(m.CommandTag))
		case *pgproto3.ErrorResponse:
			out = append(out, "Error "+m.Code+" "+m.Message)
		case *pgproto3.NoticeResponse:
			out = append(out, "Notice "+m.Code+" "+m.Message)
		case *pgproto3.ParameterDescription:
			out = append(out, fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs))
		default:
			out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3."))
		}
	}
	return out
}

// --- the demo lake -----------------------------------------------------------

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
