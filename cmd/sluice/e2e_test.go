package main

// End-to-end tests: the real sluice binary, serving its demo lake, driven by
// the real clients people use (psql, pgx, pgjdbc, psycopg2, psqlODBC through
// unixODBC's isql), each checking actual rows.
//
// Where an answer can be known independently, it comes from a real
// PostgreSQL 15 (wire/pgtest): the oracle holds gold.orders with the rows
// Sluice serves (read once through pgx), and every client program runs
// against both servers and the outputs are diffed. What the oracle cannot
// vouch for (the scan itself) is checked by agreement between code paths that
// share nothing but the scan: count(*) against rows streamed, text against
// binary encodings, the simple against the extended protocol, and by facts
// the demo's specification fixes (30 days of orders ending 2026-11-21).
//
// A missing client fails its test with "run make deps"; nothing is skipped.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sluicesql/sluice/wire/pgtest"
)

const (
	demoScale = "0.2"
	demoSeed  = "7"
	// The demo's user and database (trust on loopback).
	demoUser = "sluice"
	demoDB   = "sluice"
	jdbcJar  = "/usr/share/java/postgresql.jar"
	// Debian's python3, which sees python3-psycopg2 (a pyenv python3 on
	// PATH does not).
	debianPython = "/usr/bin/python3"
)

// e2e is the state the tests of this package share: the binary, built once,
// and one demo server, both started on first use so that other tests in
// package main do not pay for them.
type e2e struct {
	buildOnce sync.Once
	buildErr  error
	tmp       string
	bin       string

	demoOnce sync.Once
	demoErr  error
	lake     string
	demo     *sluiceProc

	oracleOnce sync.Once
	oracleErr  error
	orderRows  int
}

var (
	shared e2e
	pg     pgtest.Shared
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.demo != nil {
		// A race-enabled server that saw a data race exits with status 66
		// and its report in the output.
		if err := shared.demo.stop(); err != nil {
			out := shared.demo.out.String()
			if i := strings.Index(out, "WARNING: DATA RACE"); i >= 0 {
				out = out[i:]
			} else if len(out) > 20000 {
				out = out[len(out)-20000:]
			}
			fmt.Fprintf(os.Stderr, "e2e: the demo server did not stop cleanly: %v\n%s\n", err, out)
			if code == 0 {
				code = 1
			}
		}
	}
	if err := pg.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the oracle: %v\n", err)
	}
	if shared.tmp != "" {
		_ = os.RemoveAll(shared.tmp)
	}
	os.Exit(code)
}

// sluiceBinary builds ./cmd/sluice once, with -race when the tests run with
// it, so the server's own goroutines are race-checked under real clients.
func sluiceBinary(t testing.TB) string {
	t.Helper()
	shared.buildOnce.Do(func() {
		shared.tmp, shared.buildErr = os.MkdirTemp("", "sluice-e2e-")
		if shared.buildErr != nil {
			return
		}
		shared.bin = filepath.Join(shared.tmp, "sluice")
		args := []string{"build", "-o", shared.bin}
		if raceEnabled() {
			args = append(args, "-race")
		}
		cmd := exec.Command(goTool(), append(args, ".")...)
		if out, err := cmd.CombinedOutput(); err != nil {
			shared.buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if shared.buildErr != nil {
		t.Fatalf("building sluice: %v", shared.buildErr)
	}
	return shared.bin
}

func raceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" && s.Value == "true" {
			return true
		}
	}
	return false
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// demoServer returns the shared demo server, starting it on first use.
func demoServer(t testing.TB) *sluiceProc {
	t.Helper()
	bin := sluiceBinary(t)
	shared.demoOnce.Do(func() {
		shared.lake = filepath.Join(shared.tmp, "lake")
		shared.demo, shared.demoErr = startDemo(bin, shared.lake)
	})
	if shared.demoErr != nil {
		t.Fatalf("starting sluice demo: %v", shared.demoErr)
	}
	logOnFailure(t, shared.demo)
	return shared.demo
}

// startDemo starts `sluice demo` on free ports. A port found free can be
// taken by a parallel test process before sluice binds it; that start is
// retried on other ports.
func startDemo(bin, lake string) (*sluiceProc, error) {
	var err error
	for range 3 {
		var pgAddr, httpAddr string
		if pgAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		if httpAddr, err = freeAddr(); err != nil {
			return nil, err
		}
		var p *sluiceProc
		p, err = startSluice(bin, pgAddr, httpAddr,
			"demo", "--dir", lake, "--listen", pgAddr, "--http", httpAddr,
			"--scale", demoScale, "--seed", demoSeed)
		if err == nil || !strings.Contains(err.Error(), "address already in use") {
			return p, err
		}
	}
	return nil, err
}

// sluiceProc is one running sluice process.
type sluiceProc struct {
	cmd      *exec.Cmd
	pgAddr   string
	httpAddr string
	out      *syncBuffer
	done     chan struct{}
	waitErr  error
}

func startSluice(bin, pgAddr, httpAddr string, args ...string) (*sluiceProc, error) {
	p := &sluiceProc{pgAddr: pgAddr, httpAddr: httpAddr, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	p.cmd.Env = append(os.Environ(), "TZ=UTC")
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.done)
	}()
	// Generating the demo lake with a race-enabled binary takes a while on
	// two shared cores; readiness is what we wait for, not a fixed sleep.
	deadline := time.Now().Add(4 * time.Minute)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return nil, fmt.Errorf("sluice %s exited before it was ready: %v\n%s", strings.Join(args, " "), p.waitErr, p.out.String())
		default:
		}
		resp, err := client.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return nil, fmt.Errorf("sluice %s was not ready (GET /readyz) within the deadline\n%s", strings.Join(args, " "), p.out.String())
}

// stop sends SIGTERM and waits for a clean exit.
func (p *sluiceProc) stop() error {
	select {
	case <-p.done:
		return p.waitErr
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.waitErr
	case <-time.After(60 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return errors.New("sluice did not exit within 60s of SIGTERM; killed")
	}
}

func (p *sluiceProc) host() string { h, _, _ := net.SplitHostPort(p.pgAddr); return h }
func (p *sluiceProc) port() int {
	_, ps, _ := net.SplitHostPort(p.pgAddr)
	n, _ := strconv.Atoi(ps)
	return n
}

// dsn is a pgx URL for the server. sslmode=prefer makes pgx open with an
// SSLRequest, as psql, pgjdbc and psycopg2 do.
func (p *sluiceProc) dsn(user, db string) string {
	return fmt.Sprintf("postgres://%s@%s/%s?sslmode=prefer&timezone=UTC&connect_timeout=10", user, p.pgAddr, db)
}

func (p *sluiceProc) target() target {
	return target{name: "sluice", host: p.host(), port: p.port(), user: demoUser, db: demoDB}
}

// logOnFailure prints the end of the server's log when t fails.
func logOnFailure(t testing.TB, p *sluiceProc) {
	t.Cleanup(func() {
		if t.Failed() {
			s := p.out.String()
			if len(s) > 6000 {
				s = "...\n" + s[len(s)-6000:]
			}
			t.Logf("sluice output (tail):\n%s", s)
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// target is one server a client program is pointed at.
type target struct {
	name       string
	host       string
	port       int
	user, db   string
	sslDisable bool
}

func (tg target) addr() string { return net.JoinHostPort(tg.host, strconv.Itoa(tg.port)) }

// oracleServer returns the real PostgreSQL with database "sluice" holding
// gold.orders with exactly the rows the demo serves.
func oracleServer(t testing.TB) (*pgtest.Server, target) {
	t.Helper()
	d := demoServer(t)
	srv := pg.Get(t)
	shared.oracleOnce.Do(func() {
		shared.orderRows, shared.oracleErr = loadOracle(srv, d)
	})
	if shared.oracleErr != nil {
		t.Fatalf("loading the oracle PostgreSQL from sluice's gold.orders: %v", shared.oracleErr)
	}
	return srv, target{name: "postgres", host: srv.Host, port: srv.Port, user: srv.User, db: demoDB, sslDisable: true}
}

const ordersDDL = `create table gold.orders(order_id bigint, customer_id int, status text,
	amount numeric(12,2), created_at timestamptz, dt date)`

func loadOracle(srv *pgtest.Server, d *sluiceProc) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		return 0, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "create database "+demoDB); err != nil {
		return 0, err
	}
	dst, err := pgx.Connect(ctx, srv.DSNFor(demoDB)+"&timezone=UTC")
	if err != nil {
		return 0, err
	}
	defer dst.Close(ctx)
	if _, err := dst.Exec(ctx, "create schema gold"); err != nil {
		return 0, err
	}
	if _, err := dst.Exec(ctx, ordersDDL); err != nil {
		return 0, err
	}
	src, err := pgx.Connect(ctx, d.dsn(demoUser, demoDB))
	if err != nil {
		return 0, fmt.Errorf("connecting to sluice: %w", err)
	}
	defer src.Close(ctx)
	// The same search path over the same schemas (both have an empty
	// public), so current_schema() and unqualified names resolve alike.
	var searchPath string
	if err := src.QueryRow(ctx, "show search_path").Scan(&searchPath); err != nil {
		return 0, fmt.Errorf("show search_path on sluice: %w", err)
	}
	for _, stmt := range []string{"alter database " + demoDB + " set search_path to " + searchPath} {
		if _, err := dst.Exec(ctx, stmt); err != nil {
			return 0, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	rows, err := src.Query(ctx, "select order_id, customer_id, status, amount, created_at, dt from gold.orders")
	if err != nil {
		return 0, fmt.Errorf("reading gold.orders from sluice: %w", err)
	}
	var data [][]any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			rows.Close()
			return 0, err
		}
		data = append(data, v)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reading gold.orders from sluice: %w", err)
	}
	n, err := dst.CopyFrom(ctx, pgx.Identifier{"gold", "orders"},
		[]string{"order_id", "customer_id", "status", "amount", "created_at", "dt"}, pgx.CopyFromRows(data))
	if err != nil {
		return 0, err
	}
	if _, err := dst.Exec(ctx, "analyze gold.orders"); err != nil {
		return 0, err
	}
	return int(n), nil
}

func connect(t testing.TB, dsn string, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func oracleDSN(srv *pgtest.Server) string { return srv.DSNFor(demoDB) + "&timezone=UTC" }

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// runTool runs a client program with a deadline and returns its stdout and
// stderr. A missing program fails the test with the fix.
func runTool(t testing.TB, env []string, stdin string, name string, args ...string) (string, string, error) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: run make deps", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Inherited PG* variables (a PGSERVICE, a PGHOST) would point the
	// clients elsewhere; only what the test sets counts.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// libpqEnv is the environment for libpq-based clients (psql, psqlODBC):
// the same time zone and no stray settings from the machine.
func libpqEnv() []string {
	return []string{"PGTZ=UTC", "PGCONNECT_TIMEOUT=10", "LC_ALL=C.UTF-8", "PSQLRC=/dev/null"}
}

func psql(t testing.TB, tg target, args ...string) (string, string, error) {
	t.Helper()
	base := []string{"-X", "-h", tg.host, "-p", strconv.Itoa(tg.port), "-U", tg.user, "-d", tg.db}
	env := libpqEnv()
	if tg.sslDisable {
		env = append(env, "PGSSLMODE=disable")
	} else {
		env = append(env, "PGSSLMODE=prefer")
	}
	return runTool(t, env, "", "psql", append(base, args...)...)
}

// diffOutputs fails t when two client outputs differ, showing the first
// difference in context and then every line found on one side only.
func diffOutputs(t testing.TB, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: sluice and PostgreSQL differ at line %d (sluice %d lines, postgres %d lines)\n", what, i+1, len(g), len(w))
	show := func(label string, lines []string) {
		fmt.Fprintf(&sb, "--- %s:\n", label)
		for j := max(0, i-2); j < min(len(lines), i+4); j++ {
			mark := "  "
			if j == i {
				mark = "> "
			}
			fmt.Fprintf(&sb, "%s%4d %s\n", mark, j+1, lines[j])
		}
	}
	show("sluice", g)
	show("postgres", w)
	onlyIn := func(label string, a, b []string) {
		rest := map[string]int{}
		for _, l := range b {
			rest[l]++
		}
		n := 0
		for _, l := range a {
			if rest[l] > 0 {
				rest[l]--
				continue
			}
			if n == 0 {
				fmt.Fprintf(&sb, "--- only from %s:\n", label)
			}
			if n++; n > 25 {
				sb.WriteString("  ...\n")
				break
			}
			fmt.Fprintf(&sb, "  %s\n", l)
		}
	}
	onlyIn("sluice", g, w)
	onlyIn("postgres", w, g)
	t.Error(sb.String())
}

// ---------------------------------------------------------------------------
// Facts of the demo lake, and agreement between code paths.

func TestDemoLakeShape(t *testing.T) {
	d := demoServer(t)
	ctx := testCtx(t)
	conn := connect(t, d.dsn(demoUser, demoDB), pgx.QueryExecModeCacheStatement)

	rows, err := conn.Query(ctx, "select order_id, customer_id, status, amount, created_at, dt from gold.orders limit 1")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	fds := rows.FieldDescriptions()
	want := []struct {
		name   string
		oid    uint32
		typmod int32
	}{
		{"order_id", pgtype.Int8OID, -1},
		{"customer_id", pgtype.Int4OID, -1},
		{"status", pgtype.TextOID, -1},
		{"amount", pgtype.NumericOID, (12<<16 | 2) + 4},
		{"created_at", pgtype.TimestamptzOID, -1},
		{"dt", pgtype.DateOID, -1},
	}
	if len(fds) != len(want) {
		t.Fatalf("gold.orders has %d columns, want %d", len(fds), len(want))
	}
	for i, w := range want {
		if fds[i].Name != w.name || fds[i].DataTypeOID != w.oid || fds[i].TypeModifier != w.typmod {
			t.Errorf("column %d: got %s oid %d typmod %d, want %s oid %d typmod %d",
				i+1, fds[i].Name, fds[i].DataTypeOID, fds[i].TypeModifier, w.name, w.oid, w.typmod)
		}
	}

	// count(*) against the rows streamed: two paths that share only the scan.
	var count int64
	var minDt, maxDt time.Time
	if err := conn.QueryRow(ctx, "select count(*), min(dt), max(dt) from gold.orders").Scan(&count, &minDt, &maxDt); err != nil {
		t.Fatal(err)
	}
	var streamed int64
	seen := map[int64]bool{}
	rows, err = conn.Query(ctx, "select order_id, dt from gold.orders")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var dt time.Time
		if err := rows.Scan(&id, &dt); err != nil {
			t.Fatal(err)
		}
		if seen[id] {
			t.Errorf("order_id %d appears twice", id)
		}
		seen[id] = true
		if dt.Before(minDt) || dt.After(maxDt) {
			t.Errorf("order %d has dt %s outside min/max %s..%s", id, dt, minDt, maxDt)
		}
		streamed++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if streamed != count {
		t.Errorf("count(*) = %d but %d rows streamed", count, streamed)
	}
	// Scale 0.2 of about 50k orders; the ODBC test needs more than 2048.
	if count < 5000 || count > 20000 {
		t.Errorf("gold.orders has %d rows at scale %s; want about 10000", count, demoScale)
	}
	// 30 days of orders ending 2026-11-21.
	if got := maxDt.Format("2006-01-02"); got != "2026-11-21" {
		t.Errorf("max(dt) = %s, want 2026-11-21", got)
	}
	if got := minDt.Format("2006-01-02"); got < "2026-10-22" || got > "2026-10-23" {
		t.Errorf("min(dt) = %s, want 30 days before 2026-11-21", got)
	}

	for _, table := range []string{"gold.customers", "gold.products", "gold.daily_revenue", "silver.orders", "bronze.orders", "raw.events"} {
		var n int64
		if err := conn.QueryRow(ctx, "select count(*) from "+table).Scan(&n); err != nil {
			t.Errorf("count(*) from %s: %v", table, err)
			continue
		}
		if n == 0 {
			t.Errorf("%s is empty", table)
		}
	}
}

// Every demo table read whole through the simple protocol (text) and the
// extended protocol (binary results) must decode to the same values.
func TestPgxTextAndBinaryAgreeOnEveryDemoTable(t *testing.T) {
	d := demoServer(t)
	ctx := testCtx(t)
	simple := connect(t, d.dsn(demoUser, demoDB), pgx.QueryExecModeSimpleProtocol)
	extended := connect(t, d.dsn(demoUser, demoDB), pgx.QueryExecModeCacheStatement)
	for _, table := range []string{"gold.orders", "gold.customers", "gold.products", "gold.daily_revenue", "silver.orders", "bronze.orders", "raw.events"} {
		t.Run(table, func(t *testing.T) {
			sq := "select * from " + table
			sf, srows := readAll(t, ctx, simple, sq)
			ef, erows := readAll(t, ctx, extended, sq)
			if len(srows) == 0 {
				t.Fatalf("%s returned no rows", table)
			}
			if !slices.Equal(sf, ef) {
				t.Fatalf("columns differ: simple %v, extended %v", sf, ef)
			}
			slices.Sort(srows)
			slices.Sort(erows)
			if len(srows) != len(erows) {
				t.Fatalf("simple protocol returned %d rows, extended %d", len(srows), len(erows))
			}
			for i := range srows {
				if srows[i] != erows[i] {
					t.Fatalf("row differs between text and binary results:\n text:   %s\n binary: %s", srows[i], erows[i])
				}
			}
		})
	}
}

// readAll returns "name:oid" per column and each row's decoded values
// printed in one line.
func readAll(t testing.TB, ctx context.Context, conn *pgx.Conn, sql string, args ...any) ([]string, []string) {
	t.Helper()
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var cols []string
	for _, fd := range rows.FieldDescriptions() {
		cols = append(cols, fmt.Sprintf("%s:%d", fd.Name, fd.DataTypeOID))
	}
	var out []string
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			t.Fatalf("%s: decoding: %v", sql, err)
		}
		out = append(out, fmt.Sprintf("%#v", normalize(v)))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return cols, out
}

// normalize makes decoded values comparable in print: times in UTC, numerics
// as their text.
func normalize(v []any) []any {
	out := make([]any, len(v))
	for i, x := range v {
		switch x := x.(type) {
		case time.Time:
			out[i] = x.UTC().Format(time.RFC3339Nano)
		case pgtype.Numeric:
			b, _ := x.MarshalJSON()
			out[i] = string(b)
		default:
			out[i] = x
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// psql

func TestPsqlQueries(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	queries := []string{
		"select 1 as one, 'two' as two, 3.5 as three, null as four, true as five",
		"select order_id, customer_id, status, amount, created_at, dt from gold.orders order by order_id limit 20",
		"select count(*), sum(amount), min(amount), max(amount), min(created_at), max(created_at) from gold.orders",
		"select order_id, amount from gold.orders where amount between 100 and 200 and status <> 'cancelled' order by amount desc, order_id limit 10 offset 3",
		"select count(*) from gold.orders where dt >= '2026-11-01' and dt < '2026-11-08'",
		"select current_database(), current_setting('DateStyle'), current_setting('TimeZone'), current_schema()",
		"show standard_conforming_strings",
		"show transaction isolation level",
	}
	for _, q := range queries {
		for _, format := range [][]string{{"-A", "-t"}, nil} {
			args := append(append([]string{"-v", "ON_ERROR_STOP=1"}, format...), "-c", q)
			got, gerr, err := psql(t, d.target(), args...)
			if err != nil {
				t.Errorf("psql -c %q against sluice: %v\n%s", q, err, gerr)
				continue
			}
			want, werr, err := psql(t, orc, args...)
			if err != nil {
				t.Fatalf("psql -c %q against postgres: %v\n%s", q, err, werr)
			}
			diffOutputs(t, "psql "+strings.Join(format, " ")+" -c "+q, got, want)
		}
	}

	// count(*) through psql agrees with the rows pgx streamed into the
	// oracle.
	out, _, err := psql(t, d.target(), "-A", "-t", "-c", "select count(*) from gold.orders")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out); got != strconv.Itoa(shared.orderRows) {
		t.Errorf("psql count(*) = %s, pgx streamed %d rows", got, shared.orderRows)
	}
	// version() says PostgreSQL, as clients parse it.
	out, _, err = psql(t, d.target(), "-A", "-t", "-c", "select version()")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "PostgreSQL 15") {
		t.Errorf("version() = %q, want it to start with \"PostgreSQL 15\"", out)
	}
}

func TestPsqlMultiStatement(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	for _, q := range []string{
		// psql 15 prints every result of a multi-statement string.
		"select 1 as a; select 'x' as b, 2 as c; select count(*) > 0 as has_orders from gold.orders",
		"select order_id from gold.orders order by order_id limit 2; select order_id from gold.orders order by order_id desc limit 2",
		// Implicit transaction: an error aborts the rest of the string.
		"select 1 as first; select 1/0; select 2 as never",
		"begin; select 1 as in_tx; commit; select 2 as after",
	} {
		args := []string{"-v", "VERBOSITY=sqlstate", "-c", q}
		got, gerr, _ := psql(t, d.target(), args...)
		want, werr, _ := psql(t, orc, args...)
		diffOutputs(t, "stdout of psql -c "+q, got, want)
		diffOutputs(t, "stderr of psql -c "+q, gerr, werr)
	}
}

func TestPsqlErrorLeavesSessionUsable(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	script := filepath.Join(t.TempDir(), "errors.sql")
	const body = `\set ON_ERROR_STOP 0
\set VERBOSITY sqlstate
select 1 as before;
select * fromm gold.orders;
select 2 as after_syntax_error;
select * from gold.no_such_table;
select no_such_column from gold.orders;
select 1/0;
select order_id / 0 from gold.orders;
select 3 as after_errors;
begin;
select 1/0;
select 4 as in_failed_transaction;
rollback;
select 5 as after_rollback;
select count(*) > 0 as has_orders from gold.orders;
`
	if err := os.WriteFile(script, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, gerr, err := psql(t, d.target(), "-f", script)
	if err != nil {
		t.Errorf("psql -f against sluice exited with %v\n%s", err, gerr)
	}
	want, werr, err := psql(t, orc, "-f", script)
	if err != nil {
		t.Fatalf("psql -f against postgres exited with %v\n%s", err, werr)
	}
	diffOutputs(t, "stdout of psql -f", got, want)
	diffOutputs(t, "stderr of psql -f", gerr, werr)
	for _, code := range []string{"42601", "42P01", "42703", "22012", "25P02"} {
		if !strings.Contains(gerr, "ERROR:  "+code) {
			t.Errorf("psql stderr lacks SQLSTATE %s:\n%s", code, gerr)
		}
	}
}

func TestPsqlCopyTo(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	dir := t.TempDir()
	const limit = 1000
	for _, c := range []struct{ name, query, opts string }{
		{"csv", fmt.Sprintf("select order_id, customer_id, status, amount, created_at, dt from gold.orders order by order_id limit %d", limit), "with (format csv, header)"},
		{"text", fmt.Sprintf("select order_id, customer_id, status, amount, created_at, dt from gold.orders order by order_id limit %d", limit), ""},
		{"escapes-csv", `select 'a,b' as comma, 'q"uote' as quote, null as nothing, E'line\nbreak' as nl, E'tab\there' as tab, '\N' as backslash_n`, "csv"},
		{"escapes-text", `select 'a,b' as comma, 'q"uote' as quote, null as nothing, E'line\nbreak' as nl, E'tab\there' as tab, '\N' as backslash_n`, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			read := func(tg target) string {
				file := filepath.Join(dir, tg.name+"-"+c.name)
				cmd := fmt.Sprintf(`\copy (%s) to '%s' %s`, c.query, file, c.opts)
				out, errOut, err := psql(t, tg, "-v", "ON_ERROR_STOP=1", "-c", cmd)
				if err != nil {
					t.Fatalf("%s against %s: %v\n%s%s", cmd, tg.name, err, out, errOut)
				}
				if got, want := strings.TrimSpace(out), "COPY "; !strings.HasPrefix(got, want) {
					t.Errorf("%s against %s printed %q, want COPY n", cmd, tg.name, got)
				}
				b, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			got := read(d.target())
			want := read(orc)
			diffOutputs(t, "\\copy "+c.name, got, want)
			if c.name != "csv" {
				return
			}
			recs, err := csv.NewReader(strings.NewReader(got)).ReadAll()
			if err != nil {
				t.Fatalf("sluice's CSV does not parse: %v", err)
			}
			if len(recs) != limit+1 {
				t.Fatalf("CSV has %d records, want header + %d", len(recs), limit)
			}
			if h := strings.Join(recs[0], ","); h != "order_id,customer_id,status,amount,created_at,dt" {
				t.Errorf("CSV header = %q", h)
			}
			prev := int64(math.MinInt64)
			for _, r := range recs[1:] {
				id, err := strconv.ParseInt(r[0], 10, 64)
				if err != nil || id <= prev {
					t.Fatalf("order_id %q not ascending after %d", r[0], prev)
				}
				prev = id
			}
		})
	}
}

// ---------------------------------------------------------------------------
// pgx

var execModes = []struct {
	name string
	mode pgx.QueryExecMode
}{
	{"cache-statement", pgx.QueryExecModeCacheStatement},
	{"cache-describe", pgx.QueryExecModeCacheDescribe},
	{"describe-exec", pgx.QueryExecModeDescribeExec},
	{"exec", pgx.QueryExecModeExec},
	{"simple", pgx.QueryExecModeSimpleProtocol},
}

type paramCase struct {
	typ string
	arg any
}

// needsDescribe tells the Go values pgx can encode only once the server has
// described the parameter's type: its exec and simple modes guess the type
// from the Go value and cannot.
func (c paramCase) needsDescribe() bool {
	switch c.arg.(type) {
	case [16]byte, [][16]byte, map[string]any:
		return true
	}
	return false
}

func ptr[T any](v T) *T { return &v }

// paramCases are `select $1::typ` for every type the issue names. Go values
// go out as binary parameters; strings go out as text parameters.
func paramCases() []paramCase {
	uuid := [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	return []paramCase{
		{"bool", true}, {"bool", false}, {"bool", "t"},
		{"int2", int16(-32768)}, {"int2", int16(12345)}, {"int2", "-7"},
		{"int4", int32(math.MaxInt32)}, {"int4", int32(-42)}, {"int4", "2147483647"},
		{"int8", int64(math.MinInt64)}, {"int8", int64(1234567890123)}, {"int8", "-9223372036854775808"},
		{"float4", float32(3.1415927)}, {"float4", float32(-1.5e-30)}, {"float4", "Infinity"}, {"float4", "NaN"},
		{"float8", 0.1}, {"float8", 1e300}, {"float8", -2.5e-300}, {"float8", math.Inf(-1)}, {"float8", "NaN"}, {"float8", "-0"},
		{"numeric", "12345.6789"}, {"numeric", "-0.000001"}, {"numeric", "123456789012345678901234567890.123456789"},
		{"numeric", "NaN"}, {"numeric", "0"}, {"numeric", "100.00"},
		{"numeric", pgtype.Numeric{Int: big.NewInt(-123456), Exp: -3, Valid: true}},
		{"numeric", pgtype.Numeric{Int: big.NewInt(5), Exp: 20, Valid: true}},
		{"text", "héllo, 'wörld'\n\ttab\\back"}, {"text", ""},
		{"varchar", "varchar value"}, {"bpchar", "ab  "}, {"name", "sluice"},
		{"bytea", []byte{0, 1, 2, 0xfe, 0xff}}, {"bytea", []byte{}}, {"bytea", `\x00ff10`},
		{"date", time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}, {"date", "2000-02-29"}, {"date", "1969-12-31"}, {"date", "infinity"},
		{"time", "13:45:30.123456"}, {"time", pgtype.Time{Microseconds: 86399999999, Valid: true}}, {"time", "00:00:00"},
		{"timestamp", time.Date(2026, 11, 21, 13, 45, 30, 123456000, time.UTC)}, {"timestamp", "1999-12-31 23:59:59.5"},
		{"timestamptz", time.Date(2026, 11, 21, 13, 45, 30, 0, time.FixedZone("", 5*3600+30*60))},
		{"timestamptz", "2026-06-01 12:00:00+02"}, {"timestamptz", "1900-01-01 00:00:00+00"},
		{"interval", pgtype.Interval{Months: 14, Days: -3, Microseconds: 3723000004, Valid: true}},
		{"interval", "1 year 2 mons 3 days 04:05:06.789"}, {"interval", "-00:00:01"},
		{"uuid", uuid}, {"uuid", pgtype.UUID{Bytes: uuid, Valid: true}}, {"uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
		{"json", `{"b": 1, "a": [1, 2, null]}`}, {"jsonb", `{"b": 1, "a": [1, 2, null], "c": {"d": "é"}}`},
		{"jsonb", map[string]any{"k": []any{1, "x"}}},
		{"oid", uint32(4294967295)}, {"oid", uint32(0)}, {"oid", "1259"},
		{"int4[]", []int32{1, 2, 3}}, {"int4[]", []*int32{ptr(int32(1)), nil}}, {"int8[]", []int64{}},
		{"int2[]", []int16{-1, 1}}, {"text[]", []string{"a", "b c", `q"uote`, `back\slash`, "NULL", ""}},
		{"text[]", []*string{ptr("x"), nil}}, {"varchar[]", "{v,w}"}, {"float8[]", []float64{1.5, -2}},
		{"float4[]", []float32{0.5}}, {"bool[]", []bool{true, false}}, {"numeric[]", "{1.5,NULL,-3}"},
		{"date[]", []time.Time{time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)}},
		{"timestamptz[]", "{\"2026-11-21 10:00:00+00\"}"}, {"uuid[]", [][16]byte{uuid}}, {"bytea[]", [][]byte{{1, 2}}},
		{"int4", nil}, {"text", nil}, {"int4[]", nil},
	}
}

type rawResult struct {
	code   string // SQLSTATE when the query failed
	oid    uint32
	format int16
	null   bool
	raw    []byte
}

func (r rawResult) String() string {
	if r.code != "" {
		return "ERROR " + r.code
	}
	if r.null {
		return fmt.Sprintf("oid %d format %d NULL", r.oid, r.format)
	}
	if r.format == pgx.TextFormatCode {
		return fmt.Sprintf("oid %d text %q", r.oid, r.raw)
	}
	return fmt.Sprintf("oid %d binary %x", r.oid, r.raw)
}

func queryRaw(ctx context.Context, conn *pgx.Conn, sql string, args ...any) rawResult {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return rawResult{code: sqlstate(err)}
	}
	var r rawResult
	n := 0
	for rows.Next() {
		fd := rows.FieldDescriptions()[0]
		v := rows.RawValues()[0]
		r = rawResult{oid: fd.DataTypeOID, format: fd.Format, null: v == nil, raw: bytes.Clone(v)}
		n++
	}
	if err := rows.Err(); err != nil {
		return rawResult{code: sqlstate(err)}
	}
	if n != 1 {
		return rawResult{code: fmt.Sprintf("%d rows", n)}
	}
	return r
}

func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return "client: " + err.Error()
}

// TestPgxParameterTypesMatchPostgres sends each type as a parameter, in
// text and binary, through every pgx execution mode, asks for text and for
// binary results, and compares the bytes on the wire with PostgreSQL's.
func TestPgxParameterTypesMatchPostgres(t *testing.T) {
	d := demoServer(t)
	srv, _ := oracleServer(t)
	ctx := testCtx(t)
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			sc := connect(t, d.dsn(demoUser, demoDB), m.mode)
			oc := connect(t, oracleDSN(srv), m.mode)
			formats := []pgx.QueryResultFormats{{pgx.TextFormatCode}, {pgx.BinaryFormatCode}}
			if m.mode == pgx.QueryExecModeSimpleProtocol {
				formats = []pgx.QueryResultFormats{nil}
			}
			for _, c := range paramCases() {
				if c.needsDescribe() && (m.mode == pgx.QueryExecModeExec || m.mode == pgx.QueryExecModeSimpleProtocol) {
					continue
				}
				for _, f := range formats {
					sql := "select $1::" + c.typ
					args := []any{c.arg}
					if f != nil {
						args = append([]any{f}, args...)
					}
					want := queryRaw(ctx, oc, sql, args...)
					if want.code != "" {
						t.Errorf("%s with %T %v: the oracle itself failed: %s", sql, c.arg, c.arg, want.code)
						continue
					}
					got := queryRaw(ctx, sc, sql, args...)
					if got.code != want.code || got.oid != want.oid || got.format != want.format || got.null != want.null || !bytes.Equal(got.raw, want.raw) {
						t.Errorf("%s with %T %v, result format %v:\n sluice:   %s\n postgres: %s", sql, c.arg, c.arg, f, got, want)
					}
				}
			}
			// The connection is still good after all of that.
			if r := queryRaw(ctx, sc, "select 1"); r.code != "" {
				t.Errorf("select 1 after the parameter cases: %s", r.code)
			}
		})
	}
}

// TestPgxLakeQueriesMatchPostgres runs queries over gold.orders through
// every pgx execution mode, on Sluice and on the oracle holding the same
// rows, and compares every value's bytes.
func TestPgxLakeQueriesMatchPostgres(t *testing.T) {
	d := demoServer(t)
	srv, _ := oracleServer(t)
	ctx := testCtx(t)
	type q struct {
		sql  string
		args []any
	}
	queries := []q{
		{sql: "select order_id, customer_id, status, amount, created_at, dt from gold.orders order by order_id limit 25"},
		{sql: "select order_id, customer_id, status, amount, created_at, dt from gold.orders order by order_id desc limit 10 offset 100"},
		{sql: "select count(*), sum(amount), min(amount), max(amount), min(created_at), max(created_at), min(dt), max(dt), min(status), max(status) from gold.orders"},
		{sql: "select count(*), sum(order_id), sum(customer_id), avg(amount) from gold.orders where status = 'shipped' and amount >= 100"},
		{sql: "select order_id, amount * 2 as doubled, amount - 0.5 as less, -amount as neg, order_id % 7 as m, customer_id + 1 as c1, status || '/' || status as s2 from gold.orders where amount between 100 and 300 and status in ('paid', 'shipped') order by amount desc, order_id limit 20 offset 5"},
		{sql: "select order_id, created_at, dt from gold.orders where dt = '2026-11-21' order by created_at, order_id limit 10"},
		{sql: "select order_id from gold.orders where created_at >= '2026-11-20 12:00:00+00' and created_at < '2026-11-20 13:00:00+00' order by order_id"},
		{sql: "select order_id, status is null, amount > 500 or customer_id < 10, not (status = 'paid') from gold.orders order by order_id limit 10"},
		{sql: "select count(*), sum(amount) from gold.orders where order_id < 0"},
		{sql: "select order_id, amount from gold.orders where amount > $1 and dt >= $2 and status <> $3 order by order_id limit $4",
			args: []any{"250.5", time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), "cancelled", int64(15)}},
		{sql: "select count(*) from gold.orders where customer_id = $1 or order_id = $2", args: []any{int32(17), int64(42)}},
		{sql: "select 1, version() like 'PostgreSQL 15%', current_database(), current_schema(), current_setting('DateStyle')"},
	}
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			sc := connect(t, d.dsn(demoUser, demoDB), m.mode)
			oc := connect(t, oracleDSN(srv), m.mode)
			for _, qq := range queries {
				got := rawRows(ctx, sc, qq.sql, qq.args...)
				want := rawRows(ctx, oc, qq.sql, qq.args...)
				diffOutputs(t, m.name+": "+qq.sql, got, want)
			}
		})
	}
}

// rawRows prints a result as columns and rows of raw wire values.
func rawRows(ctx context.Context, conn *pgx.Conn, sql string, args ...any) string {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return "ERROR " + sqlstate(err)
	}
	defer rows.Close()
	var sb strings.Builder
	for _, fd := range rows.FieldDescriptions() {
		fmt.Fprintf(&sb, "%s:%d:%d:%d ", fd.Name, fd.DataTypeOID, fd.TypeModifier, fd.Format)
	}
	sb.WriteString("\n")
	for rows.Next() {
		for _, v := range rows.RawValues() {
			if v == nil {
				sb.WriteString("NULL|")
			} else {
				fmt.Fprintf(&sb, "%q|", v)
			}
		}
		sb.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		fmt.Fprintf(&sb, "ERROR %s\n", sqlstate(err))
	}
	return sb.String()
}

// ---------------------------------------------------------------------------
// Errors

func TestErrorsCarryPostgresSQLSTATE(t *testing.T) {
	d := demoServer(t)
	srv, _ := oracleServer(t)
	ctx := testCtx(t)
	cases := []struct{ sql, code string }{
		{"select * fromm gold.orders", "42601"},
		{"select order_id from gold.orders where", "42601"},
		{"select * from gold.no_such_table", "42P01"},
		{"select no_such_column from gold.orders", "42703"},
		{"select 1/0", "22012"},
		{"select order_id / 0 from gold.orders", "22012"},
	}
	for _, m := range []struct {
		name string
		mode pgx.QueryExecMode
	}{{"simple", pgx.QueryExecModeSimpleProtocol}, {"extended", pgx.QueryExecModeCacheStatement}} {
		t.Run(m.name, func(t *testing.T) {
			sc := connect(t, d.dsn(demoUser, demoDB), m.mode)
			oc := connect(t, oracleDSN(srv), m.mode)
			for _, c := range cases {
				serr := execErr(ctx, sc, c.sql)
				oerr := execErr(ctx, oc, c.sql)
				if oerr == nil || oerr.Code != c.code {
					t.Fatalf("oracle: %s gave %v, want %s", c.sql, oerr, c.code)
				}
				if serr == nil {
					t.Errorf("%s: sluice succeeded, want SQLSTATE %s", c.sql, c.code)
					continue
				}
				if serr.Code != oerr.Code || serr.Position != oerr.Position {
					t.Errorf("%s:\n sluice:   %s %q at position %d\n postgres: %s %q at position %d",
						c.sql, serr.Code, serr.Message, serr.Position, oerr.Code, oerr.Message, oerr.Position)
				}
				if serr.Severity != "ERROR" {
					t.Errorf("%s: severity %s, want ERROR", c.sql, serr.Severity)
				}
				var one int
				if err := sc.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
					t.Errorf("after %s the connection is not usable: %v", c.sql, err)
				}
			}

			// A failed transaction refuses everything until ROLLBACK (25P02).
			steps := []string{"begin", "select 1/0", "select 1", "select order_id from gold.orders limit 1", "rollback", "select 2"}
			var got, want []string
			for _, s := range steps {
				got = append(got, s+" -> "+errCode(execErr(ctx, sc, s)))
				want = append(want, s+" -> "+errCode(execErr(ctx, oc, s)))
			}
			diffOutputs(t, "failed transaction", strings.Join(got, "\n"), strings.Join(want, "\n"))
		})
	}
}

func execErr(ctx context.Context, conn *pgx.Conn, sql string) *pgconn.PgError {
	rows, err := conn.Query(ctx, sql)
	if err == nil {
		for rows.Next() {
		}
		err = rows.Err()
	}
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe
	}
	return &pgconn.PgError{Code: "client: " + err.Error()}
}

func errCode(e *pgconn.PgError) string {
	if e == nil {
		return "ok"
	}
	return e.Code
}

func TestUnknownDatabase(t *testing.T) {
	d := demoServer(t)
	srv, _ := oracleServer(t)
	ctx := testCtx(t)
	for _, c := range []struct{ name, dsn string }{
		{"sluice", d.dsn(demoUser, "no_such_db")},
		{"postgres", srv.DSNFor("no_such_db")},
	} {
		conn, err := pgconn.Connect(ctx, c.dsn)
		if err == nil {
			conn.Close(ctx)
			t.Errorf("%s: connecting to database no_such_db succeeded", c.name)
			continue
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "3D000" || pe.Severity != "FATAL" {
			t.Errorf("%s: connecting to no_such_db: %v, want FATAL 3D000", c.name, err)
		}
	}
	assertServes(t, d)
}

// assertServes checks that the server still answers a new connection.
func assertServes(t testing.TB, d *sluiceProc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.dsn(demoUser, demoDB))
	if err != nil {
		t.Fatalf("the server no longer accepts connections: %v", err)
	}
	defer conn.Close(ctx)
	var n int64
	if err := conn.QueryRow(ctx, "select count(*) from gold.orders").Scan(&n); err != nil || n == 0 {
		t.Fatalf("the server no longer answers: %d, %v", n, err)
	}
}

// rawStartup connects with a hand-made StartupMessage (protocol 3.0) and
// reads up to ReadyForQuery, for tests that then misbehave on purpose.
func rawStartup(t testing.TB, addr, user, db string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	fe := pgproto3.NewFrontend(c, c)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber,
		Parameters: map[string]string{"user": user, "database": db}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("startup: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			return c, fe
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s %s", m.Code, m.Message)
		}
	}
}

// readUntilClosed reads messages until the server closes the connection and
// returns the ErrorResponses seen. It fails if the server keeps it open.
func readUntilClosed(t testing.TB, c net.Conn) []*pgproto3.ErrorResponse {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	fe := pgproto3.NewFrontend(c, c)
	var errs []*pgproto3.ErrorResponse
	for {
		msg, err := fe.Receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the server kept the connection open for 15s (errors so far: %v)", errs)
			}
			return errs
		}
		if e, ok := msg.(*pgproto3.ErrorResponse); ok {
			cp := *e
			errs = append(errs, &cp)
		}
	}
}

func TestMessageLongerThanLimitClosesConnection(t *testing.T) {
	d := demoServer(t)
	c, _ := rawStartup(t, d.pgAddr, demoUser, demoDB)
	// A Query whose length word claims ~2 GiB: more than any configured
	// limit, so the server must refuse it from the header alone, without
	// waiting for (or buffering) the body.
	if _, err := c.Write([]byte{'Q', 0x7f, 0xff, 0xff, 0xf0, 's', 'e', 'l'}); err != nil {
		t.Fatal(err)
	}
	errs := readUntilClosed(t, c)
	if len(errs) == 0 {
		t.Errorf("the server closed the connection without an error")
	}
	for _, e := range errs {
		if e.Code != "08P01" && e.Code != "54000" {
			t.Errorf("error for an oversized message: %s %s, want 08P01 (protocol violation) or 54000", e.Code, e.Message)
		}
	}
	assertServes(t, d)
}

func TestGarbageInsteadOfStartupPacket(t *testing.T) {
	d := demoServer(t)
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")},
		{"short length", []byte{0, 0, 0, 2}},
		{"unknown request code", []byte{0, 0, 0, 8, 0x12, 0x34, 0x56, 0x78}},
		{"random", []byte("\x8f\x01\x00\xff\xfe\x00\x13\x37garbage garbage garbage\x00\x00\x00")},
		{"truncated", []byte{0, 0, 0, 40, 0, 3, 0, 0, 'u', 's'}},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", d.pgAddr, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write(c.data); err != nil {
				t.Fatal(err)
			}
			if c.name == "truncated" {
				// Half a startup packet, then the client goes away: the
				// server must not wait forever nor fall over.
				_ = conn.(*net.TCPConn).CloseWrite()
			}
			for _, e := range readUntilClosed(t, conn) {
				if e.Severity != "FATAL" {
					t.Errorf("error for garbage has severity %s, want FATAL", e.Severity)
				}
			}
			assertServes(t, d)
		})
	}
}

func TestUnsupportedProtocolVersion(t *testing.T) {
	d := demoServer(t)
	srv, _ := oracleServer(t)
	// Protocol 2.0 is left out: PostgreSQL answers it in the 2.0 format.
	for _, version := range []uint32{4 << 16, 9<<16 | 9} {
		codes := map[string]string{}
		for name, addr := range map[string]string{"sluice": d.pgAddr, "postgres": srv.Addr()} {
			conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.Write([]byte{byte(version >> 24), byte(version >> 16), byte(version >> 8), byte(version)})
			for _, s := range []string{"user", demoUser, "database", demoDB, ""} {
				body.WriteString(s)
				body.WriteByte(0)
			}
			n := uint32(body.Len() + 4)
			msg := append([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, body.Bytes()...)
			if _, err := conn.Write(msg); err != nil {
				t.Fatal(err)
			}
			errs := readUntilClosed(t, conn)
			conn.Close()
			if len(errs) != 1 {
				t.Errorf("%s, protocol %d.%d: got %d errors before close, want 1", name, version>>16, version&0xffff, len(errs))
				continue
			}
			codes[name] = errs[0].Severity + " " + errs[0].Code
		}
		if codes["sluice"] != codes["postgres"] {
			t.Errorf("protocol %d.%d: sluice answered %q, postgres %q", version>>16, version&0xffff, codes["sluice"], codes["postgres"])
		}
	}
	assertServes(t, d)
}

// ---------------------------------------------------------------------------
// pgjdbc

func TestPgjdbc(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	if _, err := os.Stat(jdbcJar); err != nil {
		t.Fatalf("pgjdbc is not installed (%s): run make deps", jdbcJar)
	}
	classes := t.TempDir()
	src, err := filepath.Abs("../../testdata/clients/java/JdbcClient.java")
	if err != nil {
		t.Fatal(err)
	}
	if out, errOut, err := runTool(t, nil, "", "javac", "-d", classes, "-cp", jdbcJar, src); err != nil {
		t.Fatalf("javac: %v\n%s%s", err, out, errOut)
	}
	run := func(tg target) string {
		url := fmt.Sprintf("jdbc:postgresql://%s/%s", tg.addr(), tg.db)
		if tg.sslDisable {
			url += "?sslmode=disable"
		}
		out, errOut, err := runTool(t, nil, "", "java", "-Duser.timezone=UTC", "-cp", jdbcJar+string(os.PathListSeparator)+classes,
			"JdbcClient", url, tg.user)
		if err != nil {
			t.Errorf("JdbcClient against %s: %v\n%s", tg.name, err, errOut)
		}
		return out
	}
	got := run(d.target())
	want := run(orc)
	diffOutputs(t, "JdbcClient output", got, want)

	// Facts the diff alone would not prove were exercised.
	for _, line := range []string{
		"param 7 server-prepared: true",
		fmt.Sprintf("fetch: rows=%d ", shared.orderRows),
		"maxrows: rows=7 ",
		"meta 4: name=amount label=amount type=2 precision=12 scale=2",
		"meta 4: typename=numeric",
		"done",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("JdbcClient output against sluice lacks %q", line)
		}
	}
	if shared.orderRows <= 500 {
		t.Errorf("gold.orders has %d rows: too few to need more than one fetch of 500", shared.orderRows)
	}
}

// ---------------------------------------------------------------------------
// psycopg2

func TestPsycopg2(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	if _, _, err := runTool(t, nil, "", debianPython, "-c", "import psycopg2"); err != nil {
		t.Fatalf("psycopg2 is not installed for %s: run make deps", debianPython)
	}
	script, err := filepath.Abs("../../testdata/clients/python/psycopg2_client.py")
	if err != nil {
		t.Fatal(err)
	}
	run := func(tg target) string {
		env := libpqEnv()
		if tg.sslDisable {
			env = append(env, "PGSSLMODE=disable")
		}
		out, errOut, err := runTool(t, env, "", debianPython, script, tg.host, strconv.Itoa(tg.port), tg.user, tg.db)
		if err != nil {
			t.Errorf("psycopg2_client.py against %s: %v\n%s", tg.name, err, errOut)
		}
		return out
	}
	got := run(d.target())
	want := run(orc)
	diffOutputs(t, "psycopg2_client.py output", got, want)
	for _, line := range []string{
		fmt.Sprintf("named cursor: rows=%d first=", shared.orderRows),
		"status after rollback: 0",
		"error: 22012",
		"in failed transaction: 25P02",
		"done",
	} {
		if !strings.Contains(got, line) {
			t.Errorf("psycopg2_client.py output against sluice lacks %q", line)
		}
	}
}

// ---------------------------------------------------------------------------
// psqlODBC through unixODBC's isql

func TestPsqlODBCDeclareFetch(t *testing.T) {
	d := demoServer(t)
	_, orc := oracleServer(t)
	drivers, _ := filepath.Glob("/usr/lib/*/odbc/psqlodbcw.so")
	if len(drivers) == 0 {
		t.Fatalf("psqlODBC is not installed: run make deps")
	}
	const query = "select order_id, customer_id, status, amount, created_at, dt from gold.orders order by order_id"
	run := func(tg target) string {
		dir := t.TempDir()
		ssl := "prefer"
		if tg.sslDisable {
			ssl = "disable"
		}
		// UseDeclareFetch=1 makes psqlODBC (Tableau's driver) wrap the
		// query in BEGIN; DECLARE ... CURSOR WITH HOLD; FETCH 2048.
		ini := fmt.Sprintf("[e2e]\nDriver=%s\nServername=%s\nPort=%d\nDatabase=%s\nUsername=%s\nPassword=\nSSLmode=%s\nUseDeclareFetch=1\nFetch=2048\n",
			drivers[0], tg.host, tg.port, tg.db, tg.user, ssl)
		if err := os.WriteFile(filepath.Join(dir, "odbc.ini"), []byte(ini), 0o644); err != nil {
			t.Fatal(err)
		}
		env := append(libpqEnv(), "ODBCINI="+filepath.Join(dir, "odbc.ini"), "ODBCSYSINI="+dir)
		out, errOut, err := runTool(t, env, query+"\nselect count(*) from gold.orders\n", "isql", "e2e", "-b", "-d|", "-c")
		if err != nil || strings.Contains(out, "[ISQL]ERROR") || strings.Contains(errOut, "ERROR") {
			t.Errorf("isql against %s: %v\n%s\n%s", tg.name, err, errOut, firstLines(out, 20))
		}
		return out
	}
	got := run(d.target())
	want := run(orc)
	diffOutputs(t, "isql output", got, want)

	// The rows are all there, in order, more than one fetch's worth.
	sc := bufio.NewScanner(strings.NewReader(got))
	n := 0
	prev := int64(math.MinInt64)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "|")
		if len(fields) != 6 {
			continue
		}
		id, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue // the header
		}
		if id <= prev {
			t.Fatalf("isql: order_id %d after %d", id, prev)
		}
		prev = id
		n++
	}
	if n != shared.orderRows || n <= 2048 {
		t.Errorf("isql returned %d rows; want all %d, more than one fetch of 2048", n, shared.orderRows)
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// Graceful shutdown

// TestGracefulShutdownOnSIGTERM starts its own demo server (on the lake the
// shared one wrote), begins a large query, reads slowly, and sends SIGTERM:
// the listener must close at once, the running query must finish with every
// row, and the process must exit 0.
func TestGracefulShutdownOnSIGTERM(t *testing.T) {
	bin := sluiceBinary(t)
	demoServer(t) // the lake exists once the shared server is up
	p, err := startDemo(bin, shared.lake)
	if err != nil {
		t.Fatal(err)
	}
	logOnFailure(t, p)
	t.Cleanup(func() { _ = p.stop() })
	ctx := testCtx(t)
	conn := connect(t, p.dsn(demoUser, demoDB), pgx.QueryExecModeCacheStatement)

	const table = "raw.events"
	var want int64
	if err := conn.QueryRow(ctx, "select count(*) from "+table).Scan(&want); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, "select * from "+table)
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	got := int64(1)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}

	// New connections are refused while the query is still running.
	refused := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := pgconn.Connect(cctx, p.dsn(demoUser, demoDB))
		cancel()
		if err != nil {
			refused = true
			break
		}
		c.Close(ctx)
		time.Sleep(50 * time.Millisecond)
	}
	if !refused {
		t.Errorf("new connections were still accepted 10s after SIGTERM")
	}

	// The running query finishes: every row arrives, slowly read.
	time.Sleep(500 * time.Millisecond)
	for rows.Next() {
		got++
		if got%2000 == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if err := rows.Err(); err != nil {
		t.Errorf("the running query failed during shutdown after %d of %d rows: %v", got, want, err)
	}
	if got != want {
		t.Errorf("the running query returned %d rows during shutdown, want %d", got, want)
	}
	conn.Close(ctx)

	select {
	case <-p.done:
		if p.waitErr != nil {
			t.Errorf("sluice exited with %v after SIGTERM, want status 0", p.waitErr)
		}
	case <-time.After(60 * time.Second):
		t.Errorf("sluice had not exited 60s after SIGTERM and its last client leaving")
	}
}

// ---------------------------------------------------------------------------
// sluice serve: TLS, passwords and the message size limit

// TestServeTLSPasswordsAndMessageLimit runs `sluice serve` with a
// configuration that has a TLS certificate, asks one user for SCRAM-SHA-256
// (a verifier made by `sluice passwd`), one for md5, one for a cleartext
// password, trusts the rest on loopback, and caps messages at 64 KiB.
func TestServeTLSPasswordsAndMessageLimit(t *testing.T) {
	bin := sluiceBinary(t)
	demoServer(t) // writes the lake this server reads
	dir := t.TempDir()

	passwd := func(password string, args ...string) string {
		out, errOut, err := runTool(t, nil, password+"\n", bin, append([]string{"passwd"}, args...)...)
		if err != nil {
			t.Fatalf("sluice passwd %v: %v\n%s", args, err, errOut)
		}
		return strings.TrimSpace(out)
	}
	scram := passwd("alice-secret", "--method", "scram-sha-256")
	if !strings.HasPrefix(scram, "SCRAM-SHA-256$4096:") {
		t.Fatalf("sluice passwd printed %q, want a SCRAM-SHA-256 verifier", scram)
	}
	md5 := passwd("bob-secret", "--method", "md5", "--user", "bob")
	if len(md5) != 35 || !strings.HasPrefix(md5, "md5") {
		t.Fatalf("sluice passwd --method md5 printed %q", md5)
	}

	pgAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	httpAddr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := selfSignedCert(t, dir)
	const limit = 64 << 10
	config := fmt.Sprintf(`listen: %s
http: %s
database: %s
lake:
  dir: %s
tls:
  cert: %s
  key: %s
auth:
  - user: alice
    method: scram-sha-256
    verifier: %q
  - user: bob
    method: md5
    verifier: %q
  - user: carol
    method: password
    password: carol-secret
  - address: loopback
    method: trust
max_message_bytes: %d
shutdown_grace: 10s
`, pgAddr, httpAddr, demoDB, shared.lake, certFile, keyFile, scram, md5, limit)
	cfgPath := filepath.Join(dir, "sluice.yaml")
	if err := os.WriteFile(cfgPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := startSluice(bin, pgAddr, httpAddr, "serve", "--config", cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logOnFailure(t, p)
	defer func() {
		if err := p.stop(); err != nil {
			t.Errorf("sluice serve did not exit cleanly on SIGTERM: %v", err)
		}
	}()
	ctx := testCtx(t)

	url := func(user, password string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=prefer&connect_timeout=10", user, password, pgAddr, demoDB)
	}
	for _, c := range []struct {
		user, password string
		ok             bool
	}{
		{"alice", "wrong", false},
		{"alice", "", false},
		{"alice", "alice-secret", true},
		{"bob", "alice-secret", false},
		{"bob", "bob-secret", true},
		{"carol", "carol-secret!", false},
		{"carol", "carol-secret", true},
		{"dave", "", true}, // trusted on loopback
	} {
		conn, err := pgx.Connect(ctx, url(c.user, c.password))
		if !c.ok {
			if err == nil {
				conn.Close(ctx)
				t.Errorf("%s with password %q got in", c.user, c.password)
				continue
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != "28P01" || pe.Severity != "FATAL" {
				t.Errorf("%s with password %q: %v, want FATAL 28P01", c.user, c.password, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s with the right password: %v", c.user, err)
			continue
		}
		var one int
		if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
			t.Errorf("%s: select 1 = %d, %v", c.user, one, err)
		}
		conn.Close(ctx)
	}

	// With a certificate configured, clients that require TLS get it:
	// psql (libpq) and pgx, SCRAM over TLS included.
	host, port, _ := net.SplitHostPort(pgAddr)
	out, errOut, err := runTool(t, append(libpqEnv(), "PGSSLMODE=require", "PGPASSWORD=alice-secret"), "",
		"psql", "-X", "-A", "-t", "-h", host, "-p", port, "-U", "alice", "-d", demoDB,
		"-c", "select count(*) > 0 from gold.orders")
	if err != nil || strings.TrimSpace(out) != "t" {
		t.Errorf("psql with sslmode=require as alice: %v %q\n%s", err, out, errOut)
	}
	tlsConn, err := pgx.Connect(ctx, strings.Replace(url("alice", "alice-secret"), "sslmode=prefer", "sslmode=require", 1))
	if err != nil {
		t.Errorf("pgx with sslmode=require: %v", err)
	} else {
		if _, ok := tlsConn.PgConn().Conn().(*tls.Conn); !ok {
			t.Errorf("pgx with sslmode=require is not on TLS")
		}
		tlsConn.Close(ctx)
	}

	// A query just under the limit is served; one over it closes that
	// connection with an error and harms no one else.
	conn, err := pgx.Connect(ctx, url("dave", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	small := strings.Repeat("x", limit-100)
	var echoed string
	if err := conn.QueryRow(ctx, "select '"+small+"'", pgx.QueryExecModeSimpleProtocol).Scan(&echoed); err != nil || echoed != small {
		t.Errorf("a %d-byte query under the %d-byte limit: %v", len(small)+9, limit, err)
	}
	raw, fe := rawStartup(t, pgAddr, "dave", demoDB)
	fe.Send(&pgproto3.Query{String: "select '" + strings.Repeat("y", limit) + "'"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	errs := readUntilClosed(t, raw)
	if len(errs) == 0 {
		t.Errorf("a message over max_message_bytes closed the connection without an error")
	}
	for _, e := range errs {
		if e.Code != "08P01" && e.Code != "54000" {
			t.Errorf("error for a message over the limit: %s %s, want 08P01 or 54000", e.Code, e.Message)
		}
	}
	var n int64
	if err := conn.QueryRow(ctx, "select count(*) from gold.orders").Scan(&n); err != nil || n == 0 {
		t.Errorf("another connection after the oversized message: %d, %v", n, err)
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key as PEM
// files in dir.
func selfSignedCert(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
