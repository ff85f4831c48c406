package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/catalog/demolake"
)

// TestServeInProcessShutsDownGracefully runs serve itself (what `sluice
// serve` runs) over a small demo lake: the HTTP endpoints answer, and on
// shutdown the listener closes at once, /readyz turns 503, a running query
// still delivers every row, and serve returns cleanly.
func TestServeInProcessShutsDownGracefully(t *testing.T) {
	lake := filepath.Join(t.TempDir(), "lake")
	if err := demolake.Write(lake, 3, 0.05); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig([]byte(fmt.Sprintf("listen: 127.0.0.1:0\nhttp: 127.0.0.1:0\nlake: {dir: %q}\nshutdown_grace: 20s\n", lake)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	s, done := startServe(t, ctx, cfg)
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + s.HTTPAddr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if code, body := get(p); code != 200 {
			t.Errorf("GET %s = %d %s", p, code, body)
		}
	}
	dsn := fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=disable", s.PGAddr)
	tctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(tctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var want int64
	if err := conn.QueryRow(tctx, "SELECT count(*) FROM raw.events").Scan(&want); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `sluice_queries_total{route="local",status="ok"} 1`) ||
		!strings.Contains(body, "sluice_connections_open 1") {
		t.Errorf("GET /metrics = %d, without the query or the connection:\n%s", code, body)
	}

	rows, err := conn.Query(tctx, "SELECT * FROM raw.events")
	if err != nil {
		t.Fatal(err)
	}
	if !rows.Next() {
		t.Fatalf("no first row: %v", rows.Err())
	}
	got := int64(1)
	stop() // what SIGTERM does

	deadline := time.Now().Add(10 * time.Second)
	for {
		if code, _ := get("/readyz"); code == http.StatusServiceUnavailable || code == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/readyz still 200 after shutdown began")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cctx, ccancel := context.WithTimeout(tctx, 5*time.Second)
	if c, err := pgconn.Connect(cctx, dsn); err == nil {
		c.Close(cctx)
		t.Errorf("a new connection was accepted during shutdown")
	}
	ccancel()
	for rows.Next() {
		got++
		if got%1000 == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
	if err := rows.Err(); err != nil || got != want {
		t.Errorf("the running query delivered %d of %d rows: %v", got, want, err)
	}
	conn.Close(tctx)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after its last client left")
	}
}

// startServe runs serve (what `sluice serve` runs) with cfg until ctx ends,
// and returns once it serves: its addresses, and what serve returned when
// it stops.
func startServe(t *testing.T, ctx context.Context, cfg *Config) (serving, <-chan error) {
	t.Helper()
	up := make(chan serving, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(s serving) { up <- s })
	}()
	select {
	case s := <-up:
		return s, done
	case err := <-done:
		t.Fatalf("serve ended before serving: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("serve did not start within a minute")
	}
	return serving{}, done
}
