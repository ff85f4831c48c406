package catalog_test

import (
	"context"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtest"
)

// A SQL catalog on a real PostgreSQL: its tables are Iceberg's JDBC
// catalog layout (iceberg_tables, iceberg_namespace_properties), which
// Trino's JDBC catalog reads; a mapped namespace is served as the schema
// it is mapped to, and a commit by another writer shows at the next
// refresh.
func TestIcebergSQLCatalogOnPostgreSQL(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	warehouse := (&url.URL{Scheme: "file", Path: filepath.Join(t.TempDir(), "warehouse")}).String()
	cfg := catalog.IcebergCatalog{Name: "lake", Type: catalog.IcebergSQL, URI: srv.DSN(), Warehouse: warehouse,
		Namespaces: map[string]string{"analytics": "gold"}}
	writer, err := catalog.LoadIcebergCatalog(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(writer)
	for _, ns := range []string{"analytics", "scratch"} {
		if err := writer.CreateNamespace(ctx, icetable.Identifier{ns}, nil); err != nil {
			t.Fatal(err)
		}
	}
	tbl, err := writer.CreateTable(ctx, icetable.Identifier{"analytics", "orders"}, icebergOrders)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writer.CreateTable(ctx, icetable.Identifier{"scratch", "tmp"}, icebergOrders); err != nil {
		t.Fatal(err)
	}
	tbl = appendRows(t, tbl, `[{"order_id": 1}, {"order_id": 2}]`)

	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var catalogName, ns, name, loc string
	if err := conn.QueryRow(ctx, `select catalog_name, table_namespace, table_name, metadata_location
		from iceberg_tables where table_name = 'orders'`).Scan(&catalogName, &ns, &name, &loc); err != nil {
		t.Fatalf("the JDBC catalog layout: %v", err)
	}
	if catalogName != "lake" || ns != "analytics" || loc != tbl.MetadataLocation() {
		t.Errorf("iceberg_tables row: %s %s %s %s", catalogName, ns, name, loc)
	}

	l, err := catalog.OpenLake(t.TempDir(), catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{cfg}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	orders, err := l.Current().Table("gold", "orders")
	if err != nil {
		t.Fatalf("%v (problems %v)", err, l.Current().Problems)
	}
	if orders.Format != catalog.FormatIceberg || orders.RowCount != 2 || orders.SnapshotID != tbl.CurrentSnapshot().SnapshotID {
		t.Errorf("gold.orders: format %v, %d rows, snapshot %d", orders.Format, orders.RowCount, orders.SnapshotID)
	}
	if l.Current().Schema("scratch") != nil || l.Current().Schema("analytics") != nil {
		t.Error("namespaces outside the mapping are served")
	}

	tbl = appendRows(t, tbl, `[{"order_id": 3}]`)
	if changed, err := l.Refresh(ctx); err != nil || !changed {
		t.Fatalf("refresh after a commit: %v %v", changed, err)
	}
	if now, _ := l.Current().Table("gold", "orders"); now.RowCount != 3 || now.SnapshotID != tbl.CurrentSnapshot().SnapshotID {
		t.Errorf("after the commit: %d rows, snapshot %d", now.RowCount, now.SnapshotID)
	}
}
