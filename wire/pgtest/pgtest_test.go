package pgtest_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/wire/pgtest"
)

var shared pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := shared.Stop(); err != nil {
		println("pgtest: stop:", err.Error())
		code = 1
	}
	os.Exit(code)
}

func TestSharedServerAnswers(t *testing.T) {
	srv := shared.Get(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, srv.Log())
	}
	defer conn.Close(ctx)
	var v string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v, "15.") {
		t.Fatalf("server_version = %q, want 15.x", v)
	}
	if again := shared.Get(t); again != srv {
		t.Fatal("Shared.Get started a second server")
	}
}

func TestStartStopsAndRemoves(t *testing.T) {
	var dir string
	t.Run("inner", func(t *testing.T) {
		srv := pgtest.Start(t)
		dir = srv.Dir
		conn, err := pgx.Connect(context.Background(), srv.DSN())
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		conn.Close(context.Background())
	})
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("server directory %s still there after cleanup (err %v)", dir, err)
	}
}
