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
	icetable "github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/catalog"
)

// TestServeIcebergSQLCatalog runs serve with a lake.iceberg SQL catalog (a
// SQLite file iceberg-go wrote, outside the lake directory): its namespace
// is served as the schema the config renames it to, with the rows iceberg-go
// committed, and serve closes the catalog on the way out.
func TestServeIcebergSQLCatalog(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dbFile := filepath.Join(tmp, "catalog.db")
	warehouse := "file://" + filepath.ToSlash(filepath.Join(tmp, "warehouse"))
	if err := os.Mkdir(filepath.Join(tmp, "lake"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeIcebergEvents(t, catalog.IcebergCatalog{Name: "ext", Type: catalog.IcebergSQL, URI: dbFile, Warehouse: warehouse})

	cfg, err := ParseConfig([]byte(fmt.Sprintf(`listen: 127.0.0.1:0
http: 127.0.0.1:0
lake:
  dir: %q
  iceberg:
    - name: ext
      type: sql
      uri: %q
      warehouse: %q
      namespaces: {analytics: ext_gold}
`, filepath.Join(tmp, "lake"), dbFile, warehouse)))
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	s, done := startServe(t, sctx, cfg)
	tctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, err := pgx.Connect(tctx, fmt.Sprintf("postgres://sluice@%s/sluice?sslmode=disable", s.PGAddr))
	if err != nil {
		t.Fatal(err)
	}
	var n, sum int64
	var names string
	if err := conn.QueryRow(tctx, "SELECT count(*), sum(id), string_agg(name, ',' ORDER BY id) FROM ext_gold.events").Scan(&n, &sum, &names); err != nil {
		t.Fatalf("ext_gold.events: %v", err)
	}
	if n != 3 || sum != 6 || names != "a,b,c" {
		t.Errorf("ext_gold.events: count %d, sum %d, names %q; want the 3 rows iceberg-go committed", n, sum, names)
	}
	var schemas int
	if err := conn.QueryRow(tctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name IN ('ext_gold', 'analytics')").Scan(&schemas); err != nil {
		t.Fatal(err)
	}
	if schemas != 1 {
		t.Errorf("%d schemas named ext_gold or analytics; want only ext_gold (the config renames the namespace)", schemas)
	}
	conn.Close(tctx)

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

// writeIcebergEvents creates namespace analytics with table events (id,
// name) holding three rows, through iceberg-go's SQL catalog.
func writeIcebergEvents(t *testing.T, c catalog.IcebergCatalog) {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.LoadIcebergCatalog(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(cat)
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"analytics"}, nil); err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"analytics", "events"}, iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "name", Type: iceberg.PrimitiveTypes.String},
	))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(`[{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	at := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer at.Release()
	if _, err := tbl.AppendTable(ctx, at, 1024, nil); err != nil {
		t.Fatal(err)
	}
}
