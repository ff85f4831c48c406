package wire

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestClientGoneCancelsItsQuery drops the socket of a client whose query
// waits for cancellation: the message's context ends within a second, so
// the connection closes instead of holding the query for nobody.
func TestClientGoneCancelsItsQuery(t *testing.T) {
	ts := startServer(t, nil)
	ctx := testCtx(t)
	conn, err := pgconn.Connect(ctx, ts.dsn(""))
	if err != nil {
		t.Fatal(err)
	}
	// Pipelined bytes are not a hang-up: a message that runs while the
	// next one waits in the socket is left alone.
	if _, err := conn.Exec(ctx, "select pg_sleep(0.6); select 1").ReadAll(); err != nil {
		t.Fatalf("a query longer than the check interval: %v", err)
	}
	// The result is never read: pgconn's reader, closed, would clean up
	// on its own, and the point is a client that says nothing more.
	_ = conn.Exec(ctx, "select pg_sleep(1000)")
	waitFor(t, "the query to run", func() bool { return ts.srv.OpenConns() == 1 })
	time.Sleep(100 * time.Millisecond)
	conn.Conn().Close() // gone without Terminate, as a killed client goes
	start := time.Now()
	waitFor(t, "the connection to end", func() bool { return ts.srv.OpenConns() == 0 })
	if d := time.Since(start); d > time.Second {
		t.Errorf("the query of a gone client ran %v after it left, want under 1s", d)
	}
}
