package catalog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtest"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// startPostgres runs a throw-away PostgreSQL 15 and connects to it.
func startPostgres(t *testing.T) *pgx.Conn {
	t.Helper()
	srv := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPgTypeMatchesPostgreSQL compares every row Sluice serves in
// pg_catalog.pg_type with the same row of a real PostgreSQL 15.
func TestPgTypeMatchesPostgreSQL(t *testing.T) {
	s := openLake(t, t.TempDir()).Current()
	tb := mustTable(t, s, "pg_catalog", "pg_type")
	if tb.Format != catalog.FormatSystem || tb.Rows == nil {
		t.Fatal("pg_type is not a system table")
	}
	batches, err := tb.Rows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ours := map[uint32]string{}
	for _, b := range batches {
		if !b.Schema().Equal(tb.ArrowSchema()) {
			t.Fatalf("batch schema %s, table schema %s", b.Schema(), tb.ArrowSchema())
		}
		for r := 0; r < int(b.NumRows()); r++ {
			var parts []string
			for c := 0; c < int(b.NumCols()); c++ {
				parts = append(parts, b.Column(c).ValueStr(r))
			}
			oid := b.Column(0).(*array.Uint32).Value(r)
			ours[oid] = strings.Join(parts, "|")
		}
		b.Release()
	}
	for _, info := range pgtype.Infos() {
		if _, ok := ours[info.OID]; !ok {
			t.Errorf("pg_type has no row for %s (%d)", info.Name, info.OID)
		}
	}

	conn := startPostgres(t)
	rows, err := conn.Query(context.Background(), `
		select oid::int8, typname::text, typnamespace::int8, typlen, typtype::text, typcategory::text,
		       typelem::int8, typarray::int8, typbasetype::int8, typnotnull, typtypmod, typcollation::int8
		from pg_type where oid = any($1)`, keys(ours))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var oid, ns, elem, arr, base, coll int64
		var name, typtype, cat string
		var typlen int16
		var notnull bool
		var typmod int32
		if err := rows.Scan(&oid, &name, &ns, &typlen, &typtype, &cat, &elem, &arr, &base, &notnull, &typmod, &coll); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%d|%s|%d|%d|%s|%s|%d|%d|%d|%v|%d|%d", oid, name, ns, typlen, typtype, cat, elem, arr, base, notnull, typmod, coll)
		if got := ours[uint32(oid)]; got != want {
			t.Errorf("pg_type row %d:\n sluice     %s\n postgresql %s", oid, got, want)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(ours) {
		t.Errorf("PostgreSQL has %d of our %d pg_type rows", n, len(ours))
	}
	// psqlODBC's connect probe finds no large-object type, as on a stock server.
	var lo int
	conn.QueryRow(context.Background(), "select count(*) from pg_type where typname = 'lo'").Scan(&lo)
	for _, line := range ours {
		if strings.Split(line, "|")[1] == "lo" {
			lo--
		}
	}
	if lo != 0 {
		t.Errorf("'lo' rows differ from PostgreSQL")
	}
}

func keys(m map[uint32]string) []int64 {
	var out []int64
	for k := range m {
		out = append(out, int64(k))
	}
	return out
}
