package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/icebergresttest"
)

// TestIcebergRESTCatalog opens a lake over Apache Iceberg's reference REST
// catalog server: the namespaces map renames a namespace, an unmapped
// namespace is not served, and a commit
// through the REST catalog is a new snapshot on the next Refresh, published
// to subscribers as a change of exactly that table.
func TestIcebergRESTCatalog(t *testing.T) {
	ctx := context.Background()
	srv := icebergresttest.Start(t)
	ref := catalog.IcebergCatalog{Name: "rest", Type: catalog.IcebergREST, URI: srv.URL,
		Namespaces: map[string]string{"sales": "shop", "ops": "ops"}}
	writer, err := catalog.LoadIcebergCatalog(ctx, ref)
	if err != nil {
		t.Fatalf("iceberg-go REST client on %s: %v", srv.URL, err)
	}
	defer catalog.CloseIcebergCatalog(writer)
	sch := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "note", Type: iceberg.PrimitiveTypes.String},
	)
	tables := map[string]*icetable.Table{}
	for _, ns := range []icetable.Identifier{{"sales"}, {"ops"}, {"other"}} {
		if err := writer.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatalf("create namespace %v: %v", ns, err)
		}
		id := append(slices.Clone(ns), "t")
		tbl, err := writer.CreateTable(ctx, id, sch)
		if err != nil {
			t.Fatalf("create %v: %v", id, err)
		}
		tables[strings.Join(ns, ".")] = appendRows(t, tbl, `[{"id": 1, "note": "x"}, {"id": 2, "note": null}]`)
	}

	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{ref}})
	if err != nil {
		t.Fatal(err)
	}
	defer lake.Close()
	st := lake.Current()
	var served []string
	for _, sc := range st.Schemas {
		for _, tb := range sc.Tables {
			if tb.Format == catalog.FormatIceberg {
				served = append(served, sc.Name+"."+tb.Name)
			}
		}
	}
	if want := []string{"ops.t", "shop.t"}; !slices.Equal(served, want) {
		t.Errorf("Iceberg tables served %v; want %v (the mapped namespaces, renamed; other is not mapped)", served, want)
	}
	for schema, ns := range map[string]string{"shop": "sales", "ops": "ops"} {
		tb, err := st.Table(schema, "t")
		if err != nil {
			t.Fatalf("%s.t: %v", schema, err)
		}
		if want := tables[ns].CurrentSnapshot().SnapshotID; tb.SnapshotID != want || tb.RowCount != 2 {
			t.Errorf("%s.t: snapshot %d, %d rows; want snapshot %d (iceberg-go's commit), 2 rows", schema, tb.SnapshotID, tb.RowCount, want)
		}
	}

	var mu sync.Mutex
	var commits []catalog.Commit
	cancel := lake.Subscribe(func(c catalog.Commit) {
		mu.Lock()
		commits = append(commits, c)
		mu.Unlock()
	})
	defer cancel()
	changed, err := lake.Refresh(ctx)
	if err != nil || changed {
		t.Fatalf("refresh without a commit: changed %v, err %v", changed, err)
	}
	tables["sales"] = appendRows(t, tables["sales"], `[{"id": 3, "note": "y"}]`)
	changed, err = lake.Refresh(ctx)
	if err != nil || !changed {
		t.Fatalf("refresh after a commit through the REST catalog: changed %v, err %v", changed, err)
	}
	tb, err := lake.Current().Table("shop", "t")
	if err != nil {
		t.Fatal(err)
	}
	if want := tables["sales"].CurrentSnapshot().SnapshotID; tb.SnapshotID != want || tb.RowCount != 3 {
		t.Errorf("shop.t after the append: snapshot %d, %d rows; want snapshot %d, 3 rows", tb.SnapshotID, tb.RowCount, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(commits) != 1 || !slices.Equal(commits[0].Changed, []catalog.TableRef{{Schema: "shop", Name: "t"}}) {
		t.Errorf("commits published %+v; want one naming shop.t only", commits)
	}
}

// TestIcebergRESTNestedNamespaces: a REST catalog lists one namespace level
// per call, so a nested namespace is found only by looking further. Mapped
// (namespaces: {ops.daily: daily}) it is served under its schema name, with
// its table's rows and snapshot; a mapped namespace the catalog lacks is
// reported. Unmapped, the top level is served and the nested namespaces are
// reported as skipped rather than missing without a word.
func TestIcebergRESTNestedNamespaces(t *testing.T) {
	ctx := context.Background()
	srv := icebergresttest.Start(t)
	ref := catalog.IcebergCatalog{Name: "rest", Type: catalog.IcebergREST, URI: srv.URL}
	writer, err := catalog.LoadIcebergCatalog(ctx, ref)
	if err != nil {
		t.Fatalf("iceberg-go REST client on %s: %v", srv.URL, err)
	}
	defer catalog.CloseIcebergCatalog(writer)
	sch := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "note", Type: iceberg.PrimitiveTypes.String},
	)
	tables := map[string]*icetable.Table{}
	for _, ns := range []icetable.Identifier{{"ops"}, {"ops", "daily"}, {"ops", "daily", "raw"}, {"top"}} {
		if err := writer.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatalf("create namespace %v: %v", ns, err)
		}
		key := strings.Join(ns, ".")
		if key == "ops" {
			continue // a namespace holding only namespaces
		}
		tbl, err := writer.CreateTable(ctx, append(slices.Clone(ns), "t"), sch)
		if err != nil {
			t.Fatalf("create %s.t: %v", key, err)
		}
		rows := `[{"id": 1, "note": "x"}]`
		if key == "ops.daily" {
			rows = `[{"id": 1, "note": "x"}, {"id": 2, "note": "y"}, {"id": 3, "note": null}]`
		}
		tables[key] = appendRows(t, tbl, rows)
	}
	if children, err := writer.ListNamespaces(ctx, nil); err != nil || len(children) != 2 {
		t.Fatalf("the REST catalog's top level: %v, %v; want ops and top only (the test means a catalog listing one level per call)", children, err)
	}

	open := func(ref catalog.IcebergCatalog) (*catalog.State, func()) {
		t.Helper()
		dir := t.TempDir()
		if err := os.Mkdir(filepath.Join(dir, "raw"), 0o755); err != nil {
			t.Fatal(err)
		}
		lake, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{ref}})
		if err != nil {
			t.Fatal(err)
		}
		return lake.Current(), func() { lake.Close() }
	}
	icebergTables := func(st *catalog.State) []string {
		var out []string
		for _, sc := range st.Schemas {
			for _, tb := range sc.Tables {
				if tb.Format == catalog.FormatIceberg {
					out = append(out, sc.Name+"."+tb.Name)
				}
			}
		}
		return out
	}
	problems := func(st *catalog.State) string {
		var out []string
		for _, p := range st.Problems {
			out = append(out, p.Message)
		}
		return strings.Join(out, "\n")
	}

	mapped := ref
	mapped.Namespaces = map[string]string{"ops.daily": "daily", "ops.daily.raw": "daily_raw", "ops.nightly": "nightly"}
	st, closeLake := open(mapped)
	defer closeLake()
	if got, want := icebergTables(st), []string{"daily.t", "daily_raw.t"}; !slices.Equal(got, want) {
		t.Errorf("mapped nested namespaces serve %v; want %v (problems:\n%s)", got, want, problems(st))
	}
	tb, err := st.Table("daily", "t")
	if err != nil {
		t.Fatalf("daily.t: %v", err)
	}
	if want := tables["ops.daily"].CurrentSnapshot().SnapshotID; tb.SnapshotID != want || tb.RowCount != 3 {
		t.Errorf("daily.t: snapshot %d, %d rows; want snapshot %d (iceberg-go's commit), 3 rows", tb.SnapshotID, tb.RowCount, want)
	}
	if p := problems(st); !strings.Contains(p, `mapped namespace "ops.nightly" does not exist`) {
		t.Errorf("problems do not report the mapped namespace the catalog lacks:\n%s", p)
	}

	st, closeLake2 := open(ref)
	defer closeLake2()
	if got, want := icebergTables(st), []string{"top.t"}; !slices.Equal(got, want) {
		t.Errorf("unmapped, the catalog serves %v; want %v (nested namespaces only through the map)", got, want)
	}
	if st.Schema("ops") == nil {
		t.Errorf("unmapped, the top-level namespace ops is not a schema")
	}
	for _, key := range []string{"ops.daily", "ops.daily.raw"} {
		if p := problems(st); !strings.Contains(p, `namespace "`+key+`" skipped`) {
			t.Errorf("problems do not report the nested namespace %s as skipped:\n%s", key, p)
		}
	}
}
