package wire

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

const adminShutdownText = "Error FATAL 57P01 terminating connection due to administrator command"

// TestShutdownIdle: idle connections are told at once, and no new ones are
// accepted.
func TestShutdownIdle(t *testing.T) {
	ts := startServer(t, nil)
	rc := dialRaw(t, ts.addr, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := rc.read(0, 0); !reflect.DeepEqual(got, []string{adminShutdownText, "EOF"}) {
		t.Errorf("idle connection got %v", got)
	}
	if nc, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		nc.Close()
		t.Error("a connection was accepted after Shutdown")
	}
	if ts.h.closed.Load() != 1 {
		t.Errorf("%d sessions closed", ts.h.closed.Load())
	}
}

// TestShutdownLetsQueriesFinish: a running query completes, then its
// connection is told.
func TestShutdownLetsQueriesFinish(t *testing.T) {
	ts := startServer(t, nil)
	rc := dialRaw(t, ts.addr, nil)
	rc.send(&pgproto3.Query{String: "select pg_sleep(0.5)"})
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("Shutdown returned after %v, before the query could finish", d)
	}
	want := []string{"RowDescription ?column?:23:4:-1:0", "DataRow 31", "CommandComplete SELECT 1", "ReadyForQuery I", adminShutdownText, "EOF"}
	if got := rc.read(0, 0); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}

// TestShutdownDeadline: past the deadline, running queries are cancelled
// and their connections told; so are connections in the middle of an
// extended-protocol batch.
func TestShutdownDeadline(t *testing.T) {
	ts := startServer(t, nil)
	busy := dialRaw(t, ts.addr, nil)
	busy.send(&pgproto3.Query{String: "select pg_sleep(1000)"})
	batch := dialRaw(t, ts.addr, nil)
	batch.send(&pgproto3.Parse{Query: "select 1"}, &pgproto3.Flush{})
	if got := batch.read(0, 1); got[0] != "ParseComplete" {
		t.Fatalf("got %v", got)
	}
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	// The busy connection had its RowDescription before the query blocked.
	if got := busy.read(0, 0); !reflect.DeepEqual(got, []string{"RowDescription ?column?:23:4:-1:0", adminShutdownText, "EOF"}) {
		t.Errorf("busy connection got %v", got)
	}
	if got := batch.read(0, 0); !reflect.DeepEqual(got, []string{adminShutdownText, "EOF"}) {
		t.Errorf("connection in a batch got %v", got)
	}
	if n := ts.srv.OpenConns(); n != 0 {
		t.Errorf("%d connections open", n)
	}
}

// TestServeContext: cancelling Serve's context stops everything at once.
func TestServeContext(t *testing.T) {
	h := &testHandler{}
	srv, err := NewServer(Config{Handler: h, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	idle := dialRaw(t, ln.Addr().String(), nil)
	busy := dialRaw(t, ln.Addr().String(), nil)
	busy.send(&pgproto3.Query{String: "select pg_sleep(1000)"})
	time.Sleep(100 * time.Millisecond)
	cancel()
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve: %v", err)
	}
	if got := idle.read(0, 0); !reflect.DeepEqual(got, []string{adminShutdownText, "EOF"}) {
		t.Errorf("idle connection got %v", got)
	}
	if got := busy.read(0, 0); !reflect.DeepEqual(got, []string{"RowDescription ?column?:23:4:-1:0", adminShutdownText, "EOF"}) {
		t.Errorf("busy connection got %v", got)
	}
	waitFor(t, "sessions to close", func() bool { return h.closed.Load() == 2 })
}
