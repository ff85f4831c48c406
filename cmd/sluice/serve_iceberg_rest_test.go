package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/icebergresttest"
)

// TestServeIcebergRESTCatalog runs serve with a lake.iceberg REST catalog
// against Apache Iceberg's reference REST catalog server (catalog/icebergresttest). iceberg-go's REST client creates a namespace
// and a table and commits to it through the server; Sluice serves the
// namespace as a schema with the table's columns typed as PostgreSQL types,
// returns the committed rows, sees a new append after a poll, reads the old
// snapshot by id under sluice.as_of, and applies a merge-on-read delete.
func TestServeIcebergRESTCatalog(t *testing.T) {
	ctx := context.Background()
	srv := icebergresttest.Start(t)
	tmp := t.TempDir()
	if err := os.Mkdir(filepath.Join(tmp, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	ref := catalog.IcebergCatalog{Name: "rest", Type: catalog.IcebergREST, URI: srv.URL}
	writer, err := catalog.LoadIcebergCatalog(ctx, ref)
	if err != nil {
		t.Fatalf("iceberg-go REST client on %s: %v", srv.URL, err)
	}
	defer catalog.CloseIcebergCatalog(writer)
	if err := writer.CreateNamespace(ctx, icetable.Identifier{"sales"}, nil); err != nil {
		t.Fatal(err)
	}
	sch := iceberg.NewSchemaWithIdentifiers(0, []int{1},
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "name", Type: iceberg.PrimitiveTypes.String, Doc: "customer name"},
		iceberg.NestedField{ID: 3, Name: "qty", Type: iceberg.PrimitiveTypes.Int32},
		iceberg.NestedField{ID: 4, Name: "amount", Type: iceberg.DecimalTypeOf(10, 2)},
		iceberg.NestedField{ID: 5, Name: "day", Type: iceberg.PrimitiveTypes.Date},
		iceberg.NestedField{ID: 6, Name: "at", Type: iceberg.PrimitiveTypes.TimestampTz},
		iceberg.NestedField{ID: 7, Name: "paid", Type: iceberg.PrimitiveTypes.Bool},
		iceberg.NestedField{ID: 8, Name: "score", Type: iceberg.PrimitiveTypes.Float64},
	)
	// Merge-on-read: the delete below writes a position delete file
	// instead of rewriting the data file.
	tbl, err := writer.CreateTable(ctx, icetable.Identifier{"sales", "orders"}, sch,
		icecat.WithProperties(iceberg.Properties{icetable.WriteDeleteModeKey: icetable.WriteModeMergeOnRead}))
	if err != nil {
		t.Fatalf("create sales.orders through the REST catalog: %v", err)
	}
	tbl = appendOrders(t, tbl, `[
		{"id": 1, "name": "ann", "qty": 2, "amount": "10.50", "day": "2024-01-02", "at": "2024-01-02T10:00:00Z", "paid": true, "score": 1.5},
		{"id": 2, "name": "bob", "qty": 1, "amount": "3.25", "day": "2024-01-03", "at": "2024-01-03T11:30:00Z", "paid": false, "score": 2.5},
		{"id": 3, "name": "cy", "qty": null, "amount": null, "day": "2024-01-04", "at": "2024-01-04T12:00:00Z", "paid": null, "score": null}]`)
	first := tbl.CurrentSnapshot().SnapshotID

	cfg, err := ParseConfig([]byte(fmt.Sprintf(`listen: 127.0.0.1:0
http: 127.0.0.1:0
lake:
  dir: %q
  refresh_interval: 200ms
  iceberg:
    - name: rest
      type: rest
      uri: %q
`, filepath.Join(tmp, "lake"), srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	s, done := startServe(t, sctx, cfg)
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(tctx, fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=disable", s.PGAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(tctx)

	var schemas int
	if err := conn.QueryRow(tctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'sales'").Scan(&schemas); err != nil {
		t.Fatal(err)
	}
	if schemas != 1 {
		t.Errorf("%d schemas named sales; want the REST catalog's namespace as one schema", schemas)
	}

	// The Iceberg spec's types as PostgreSQL names them.
	rows, err := conn.Query(tctx, `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
		coalesce(col_description(a.attrelid, a.attnum), '')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'sales' AND c.relname = 'orders' AND a.attnum > 0 ORDER BY a.attnum`)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var name, typ, doc string
		var notNull bool
		if err := rows.Scan(&name, &typ, &notNull, &doc); err != nil {
			t.Fatal(err)
		}
		col := name + " " + typ
		if notNull {
			col += " not null"
		}
		if doc != "" {
			col += " -- " + doc
		}
		cols = append(cols, col)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	wantCols := []string{"id bigint not null", "name text -- customer name", "qty integer", "amount numeric(10,2)",
		"day date", "at timestamp with time zone", "paid boolean", "score double precision"}
	if strings.Join(cols, "; ") != strings.Join(wantCols, "; ") {
		t.Errorf("sales.orders columns:\n got %q\nwant %q", cols, wantCols)
	}
	var pk string
	if err := conn.QueryRow(tctx, `SELECT string_agg(kcu.column_name, ',') FROM information_schema.table_constraints tc
		JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
		WHERE tc.table_schema = 'sales' AND tc.table_name = 'orders' AND tc.constraint_type = 'PRIMARY KEY'`).Scan(&pk); err != nil {
		t.Fatalf("primary key of sales.orders: %v", err)
	}
	if pk != "id" {
		t.Errorf("sales.orders primary key %q; want id (the identifier field)", pk)
	}

	const q = `SELECT count(*), sum(id), string_agg(name || ':' || coalesce(qty::text, '-') || ':' || coalesce(amount::text, '-') || ':' ||
		day::text || ':' || coalesce(paid::text, '-') || ':' || coalesce(score::text, '-'), ',' ORDER BY id),
		min(at AT TIME ZONE 'UTC')::text FROM sales.orders`
	check := func(what string, wantN, wantSum int64, wantRows, wantMinAt string) {
		t.Helper()
		var n, sum int64
		var got, minAt string
		if err := conn.QueryRow(tctx, q).Scan(&n, &sum, &got, &minAt); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != wantN || sum != wantSum || got != wantRows || minAt != wantMinAt {
			t.Errorf("%s: count %d sum %d rows %q min(at) %s;\nwant count %d sum %d rows %q min(at) %s",
				what, n, sum, got, minAt, wantN, wantSum, wantRows, wantMinAt)
		}
	}
	firstRows := "ann:2:10.50:2024-01-02:true:1.5,bob:1:3.25:2024-01-03:false:2.5,cy:-:-:2024-01-04:-:-"
	check("the first commit", 3, 6, firstRows, "2024-01-02 10:00:00")

	// A second append through the REST catalog: visible once the catalog
	// polls again.
	tbl = appendOrders(t, tbl, `[
		{"id": 4, "name": "dee", "qty": 7, "amount": "99.99", "day": "2023-12-31", "at": "2023-12-31T23:59:59Z", "paid": true, "score": -1}]`)
	second := tbl.CurrentSnapshot().SnapshotID
	waitSnapshot(t, tctx, conn, second)
	secondRows := firstRows + ",dee:7:99.99:2023-12-31:true:-1"
	check("after the second append", 4, 10, secondRows, "2023-12-31 23:59:59")

	// Time travel by snapshot id reads the first commit's files.
	if _, err := conn.Exec(tctx, fmt.Sprintf("SET sluice.as_of = 'snapshot:%d'", first)); err != nil {
		t.Fatal(err)
	}
	check("as of the first snapshot", 3, 6, firstRows, "2024-01-02 10:00:00")
	if _, err := conn.Exec(tctx, "RESET sluice.as_of"); err != nil {
		t.Fatal(err)
	}
	check("after RESET sluice.as_of", 4, 10, secondRows, "2023-12-31 23:59:59")

	// A merge-on-read delete of one row of the first data file: a position
	// delete file, which Sluice applies.
	tbl, err = tbl.Delete(ctx, iceberg.EqualTo(iceberg.Reference("id"), int64(2)), nil)
	if err != nil {
		t.Fatalf("delete id = 2 through the REST catalog: %v", err)
	}
	if sum := tbl.CurrentSnapshot().Summary; sum == nil || sum.Properties["added-position-delete-files"] != "1" {
		t.Fatalf("the delete of id 2 wrote no position delete file (summary %+v); the test means to read one", sum)
	}
	waitSnapshot(t, tctx, conn, tbl.CurrentSnapshot().SnapshotID)
	check("after deleting id 2", 3, 8, "ann:2:10.50:2024-01-02:true:1.5,cy:-:-:2024-01-04:-:-,dee:7:99.99:2023-12-31:true:-1", "2023-12-31 23:59:59")
	if _, err := conn.Exec(tctx, fmt.Sprintf("SET sluice.as_of = 'snapshot:%d'", second)); err != nil {
		t.Fatal(err)
	}
	check("as of the snapshot before the delete", 4, 10, secondRows, "2023-12-31 23:59:59")
	if _, err := conn.Exec(tctx, "RESET sluice.as_of"); err != nil {
		t.Fatal(err)
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not return within a minute of shutdown")
	}
}

// appendOrders commits rows (JSON) to tbl and returns the table after the
// commit.
func appendOrders(t *testing.T, tbl *icetable.Table, rowsJSON string) *icetable.Table {
	t.Helper()
	sc, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rowsJSON))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	at := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer at.Release()
	out, err := tbl.AppendTable(context.Background(), at, 1024, nil)
	if err != nil {
		t.Fatalf("append through the REST catalog: %v", err)
	}
	return out
}

// waitSnapshot polls sluice.tables until sales.orders is at snapshot id
// (the catalog polls every 200 ms; a minute is only the give-up bound).
func waitSnapshot(t *testing.T, ctx context.Context, conn *pgx.Conn, id int64) {
	t.Helper()
	waitTableSnapshot(t, ctx, conn, "sales", "orders", id)
}

// waitTableSnapshot polls sluice.tables until schema.table is at snapshot id.
func waitTableSnapshot(t *testing.T, ctx context.Context, conn *pgx.Conn, schema, table string, id int64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	var cur int64
	for time.Now().Before(deadline) {
		if err := conn.QueryRow(ctx, "SELECT snapshot_id FROM sluice.tables WHERE layer = $1 AND table_name = $2", schema, table).Scan(&cur); err != nil {
			t.Fatalf("sluice.tables: %v", err)
		}
		if cur == id {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s.%s still at snapshot %d a minute after snapshot %d was committed", schema, table, cur, id)
}

// TestServeIcebergRESTDeletionVectorNested serves a format v3 table of a
// nested REST namespace (ops.daily, mapped to the schema daily): the
// rows over pgx; a merge-on-read delete, which iceberg-go writes as a
// Puffin deletion vector, hides the deleted rows after a poll; time travel
// to the snapshot before the delete still returns them.
func TestServeIcebergRESTDeletionVectorNested(t *testing.T) {
	ctx := context.Background()
	srv := icebergresttest.Start(t)
	tmp := t.TempDir()
	if err := os.Mkdir(filepath.Join(tmp, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	ref := catalog.IcebergCatalog{Name: "rest", Type: catalog.IcebergREST, URI: srv.URL}
	writer, err := catalog.LoadIcebergCatalog(ctx, ref)
	if err != nil {
		t.Fatalf("iceberg-go REST client on %s: %v", srv.URL, err)
	}
	defer catalog.CloseIcebergCatalog(writer)
	for _, ns := range []icetable.Identifier{{"ops"}, {"ops", "daily"}} {
		if err := writer.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatal(err)
		}
	}
	sch := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "note", Type: iceberg.PrimitiveTypes.String})
	tbl, err := writer.CreateTable(ctx, icetable.Identifier{"ops", "daily", "events"}, sch, icecat.WithProperties(iceberg.Properties{
		icetable.PropertyFormatVersion: "3", icetable.WriteDeleteModeKey: icetable.WriteModeMergeOnRead}))
	if err != nil {
		t.Fatal(err)
	}
	tbl = appendOrders(t, tbl, `[{"id": 1, "note": "a"}, {"id": 2, "note": "b"}, {"id": 3, "note": null}, {"id": 4, "note": "d"}, {"id": 5, "note": "e"}]`)
	before := tbl.CurrentSnapshot().SnapshotID

	cfg, err := ParseConfig([]byte(fmt.Sprintf(`listen: 127.0.0.1:0
http: 127.0.0.1:0
lake:
  dir: %q
  refresh_interval: 200ms
  iceberg:
    - name: rest
      type: rest
      uri: %q
      namespaces: {ops.daily: daily}
`, filepath.Join(tmp, "lake"), srv.URL)))
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	s, done := startServe(t, sctx, cfg)
	tctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(tctx, fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=disable", s.PGAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(tctx)

	const q = `SELECT count(*), string_agg(id || ':' || coalesce(note, '-'), ',' ORDER BY id) FROM daily.events`
	check := func(what string, wantN int64, wantRows string) {
		t.Helper()
		var n int64
		var got string
		if err := conn.QueryRow(tctx, q).Scan(&n, &got); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != wantN || got != wantRows {
			t.Errorf("%s: count %d rows %q; want count %d rows %q", what, n, got, wantN, wantRows)
		}
	}
	all := "1:a,2:b,3:-,4:d,5:e"
	check("the nested namespace's table", 5, all)

	tbl, err = tbl.Delete(ctx, iceberg.IsIn(iceberg.Reference("id"), int64(2), int64(4)), nil)
	if err != nil {
		t.Fatalf("delete through the REST catalog: %v", err)
	}
	if sum := tbl.CurrentSnapshot().Summary; tbl.Metadata().Version() != 3 || sum == nil || sum.Properties["added-position-delete-files"] != "1" {
		t.Fatalf("the delete wrote no deletion vector on a v3 table (summary %+v); the test means to read one", sum)
	}
	waitTableSnapshot(t, tctx, conn, "daily", "events", tbl.CurrentSnapshot().SnapshotID)
	check("after the delete (a deletion vector)", 3, "1:a,3:-,5:e")
	var live int64
	if err := conn.QueryRow(tctx, "SELECT n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'daily' AND relname = 'events'").Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 3 {
		t.Errorf("n_live_tup of daily.events %d; want 3", live)
	}
	if _, err := conn.Exec(tctx, fmt.Sprintf("SET sluice.as_of = 'snapshot:%d'", before)); err != nil {
		t.Fatal(err)
	}
	check("as of the snapshot before the delete", 5, all)
	if _, err := conn.Exec(tctx, "RESET sluice.as_of"); err != nil {
		t.Fatal(err)
	}
	check("after RESET sluice.as_of", 3, "1:a,3:-,5:e")

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not return within a minute of shutdown")
	}
}
