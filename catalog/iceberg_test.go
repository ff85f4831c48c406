package catalog_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// icebergOrders is the Iceberg schema of the test table: every primitive
// type the mapping knows, with docs and an identifier field.
var icebergOrders = iceberg.NewSchemaWithIdentifiers(0, []int{1},
	iceberg.NestedField{ID: 1, Name: "order_id", Type: iceberg.PrimitiveTypes.Int64, Required: true, Doc: "the order's number"},
	iceberg.NestedField{ID: 2, Name: "customer_id", Type: iceberg.PrimitiveTypes.Int32},
	iceberg.NestedField{ID: 3, Name: "amount", Type: iceberg.DecimalTypeOf(12, 2)},
	iceberg.NestedField{ID: 4, Name: "created_at", Type: iceberg.PrimitiveTypes.TimestampTz},
	iceberg.NestedField{ID: 5, Name: "local_at", Type: iceberg.PrimitiveTypes.Timestamp},
	iceberg.NestedField{ID: 6, Name: "dt", Type: iceberg.PrimitiveTypes.Date},
	iceberg.NestedField{ID: 7, Name: "status", Type: iceberg.PrimitiveTypes.String},
	iceberg.NestedField{ID: 8, Name: "paid", Type: iceberg.PrimitiveTypes.Bool},
	iceberg.NestedField{ID: 9, Name: "ratio", Type: iceberg.PrimitiveTypes.Float64},
	iceberg.NestedField{ID: 10, Name: "score", Type: iceberg.PrimitiveTypes.Float32},
	iceberg.NestedField{ID: 11, Name: "tag", Type: iceberg.PrimitiveTypes.UUID},
	iceberg.NestedField{ID: 12, Name: "blob", Type: iceberg.PrimitiveTypes.Binary},
	iceberg.NestedField{ID: 13, Name: "at_time", Type: iceberg.PrimitiveTypes.Time},
	iceberg.NestedField{ID: 14, Name: "items", Type: &iceberg.ListType{ElementID: 15, Element: iceberg.PrimitiveTypes.String}},
)

// icebergLake makes a lake directory with an embedded Iceberg catalog
// holding namespace gold, and a Hive-style raw layer. It returns the
// directory and a writer's handle on the catalog.
func icebergLake(t *testing.T) (string, icecat.Catalog) {
	t.Helper()
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "raw/events/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	cat, err := catalog.LoadIcebergCatalog(context.Background(), catalog.EmbeddedIcebergCatalog(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { catalog.CloseIcebergCatalog(cat) })
	if err := cat.CreateNamespace(context.Background(), icetable.Identifier{"gold"}, iceberg.Properties{"comment": "curated"}); err != nil {
		t.Fatal(err)
	}
	return dir, cat
}

// appendRows commits rows (JSON objects of the Arrow schema the table
// converts to) to an Iceberg table as one snapshot.
func appendRows(t *testing.T, tbl *icetable.Table, rowsJSON string) *icetable.Table {
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
	next, err := tbl.AppendTable(context.Background(), at, 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

func TestIcebergTableInTheLake(t *testing.T) {
	ctx := context.Background()
	dir, cat := icebergLake(t)
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"gold", "orders"}, icebergOrders,
		icecat.WithProperties(iceberg.Properties{"comment": "orders, one row each"}))
	if err != nil {
		t.Fatal(err)
	}
	l := openLake(t, dir)
	s := l.Current()
	empty, err := s.Table("gold", "orders")
	if err != nil {
		t.Fatalf("a table without snapshot: %v (problems %v)", err, s.Problems)
	}
	if len(empty.Files) != 0 || empty.SnapshotID != 0 || empty.RowCount != 0 {
		t.Errorf("table without snapshot: %d files, snapshot %d, %d rows", len(empty.Files), empty.SnapshotID, empty.RowCount)
	}
	if sc := s.Schema("gold"); sc == nil || sc.Comment != "curated" {
		t.Errorf("schema gold %+v: want the namespace's comment", sc)
	}
	if _, err := s.Table("raw", "events"); err != nil {
		t.Errorf("the Hive-style layer next to the Iceberg catalog: %v", err)
	}

	tbl = appendRows(t, tbl, `[{"order_id": 1, "customer_id": 7, "amount": "12.50", "status": "paid"},
		{"order_id": 2, "customer_id": 8, "amount": "3.00", "status": "new"}]`)
	first := tbl.CurrentSnapshot()
	var commits []catalog.Commit
	l.Subscribe(func(c catalog.Commit) { commits = append(commits, c) })
	if changed, err := l.Refresh(ctx); err != nil || !changed {
		t.Fatalf("refresh after the first append: changed %v, %v", changed, err)
	}
	if len(commits) != 1 || !slices.Equal(commits[0].Changed, []catalog.TableRef{{"gold", "orders"}}) {
		t.Fatalf("commits %v, want gold.orders", commits)
	}
	s1 := l.Current()
	t1, err := s1.Table("gold", "orders")
	if err != nil {
		t.Fatal(err)
	}
	if t1.Format != catalog.FormatIceberg || t1.Version != strconv.FormatInt(first.SnapshotID, 10) || t1.SnapshotID != first.SnapshotID {
		t.Errorf("format %v version %q snapshot %d, want Iceberg at snapshot %d", t1.Format, t1.Version, t1.SnapshotID, first.SnapshotID)
	}
	if t1.RowCount != 2 || len(t1.Files) != 1 || t1.SizeBytes <= 0 || t1.Files[0].Rows != 2 {
		t.Errorf("rows %d, files %d, size %d", t1.RowCount, len(t1.Files), t1.SizeBytes)
	}
	if want := time.UnixMilli(first.TimestampMs).UTC(); !t1.LastModified.Equal(want) {
		t.Errorf("last commit %v, want the snapshot's %v", t1.LastModified, want)
	}
	if t1.Comment != "orders, one row each" || t1.Columns[0].Comment != "the order's number" {
		t.Errorf("comments: table %q, order_id %q", t1.Comment, t1.Columns[0].Comment)
	}
	if !slices.Equal(t1.PrimaryKey, []string{"order_id"}) {
		t.Errorf("primary key %v", t1.PrimaryKey)
	}
	wantTypes := map[string]pgtype.Type{
		"order_id": pgtype.Int8, "customer_id": pgtype.Int4,
		"amount":     {OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(12, 2)},
		"created_at": pgtype.Timestamptz, "local_at": pgtype.Timestamp, "dt": pgtype.Date,
		"status": pgtype.Text, "paid": pgtype.Bool, "ratio": pgtype.Float8, "score": pgtype.Float4,
		"tag": pgtype.UUID, "blob": pgtype.Bytea, "at_time": pgtype.Time,
	}
	if len(t1.Columns) != len(wantTypes) {
		t.Errorf("columns %v, want %d (the list column skipped)", t1.Columns, len(wantTypes))
	}
	for _, c := range t1.Columns {
		if wantTypes[c.Name] != c.Type {
			t.Errorf("column %s is %s, want %s", c.Name, c.Type, wantTypes[c.Name])
		}
	}
	if !t1.Columns[0].NotNull || t1.Columns[1].NotNull {
		t.Errorf("NOT NULL follows required: %v %v", t1.Columns[0].NotNull, t1.Columns[1].NotNull)
	}
	if !slices.ContainsFunc(s1.Problems, func(p catalog.Problem) bool {
		return p.Table == "orders" && strings.Contains(p.Message, `"items"`)
	}) {
		t.Errorf("the skipped list column is not reported: %v", s1.Problems)
	}

	// A refresh without a commit keeps the very same table.
	if changed, _ := l.Refresh(ctx); changed {
		t.Error("a refresh without a commit published a new state")
	}

	tbl = appendRows(t, tbl, `[{"order_id": 3, "customer_id": 9, "amount": "1.25", "status": "paid"}]`)
	if changed, err := l.Refresh(ctx); err != nil || !changed {
		t.Fatalf("refresh after the second append: changed %v, %v", changed, err)
	}
	t2, _ := l.Current().Table("gold", "orders")
	if t2.Version == t1.Version || t2.SnapshotID != tbl.CurrentSnapshot().SnapshotID || t2.RowCount != 3 || len(t2.Files) != 2 {
		t.Errorf("after the append: version %s (was %s), %d rows, %d files", t2.Version, t1.Version, t2.RowCount, len(t2.Files))
	}
	if len(commits) != 2 || !commits[1].Touches("gold", "orders") {
		t.Errorf("the append reached no subscriber: %v", commits)
	}
	// The refresh planned only the appended manifests; a fresh plan of
	// the snapshot has the same files.
	fresh, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	full, _ := fresh.Current().Table("gold", "orders")
	paths := func(tb *catalog.Table) []string {
		var out []string
		for _, f := range tb.Files {
			out = append(out, f.IcebergPath)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(paths(t2), paths(full)) || t2.RowCount != full.RowCount || t2.SizeBytes != full.SizeBytes {
		t.Errorf("incremental plan %v (%d rows, %d bytes), full plan %v (%d rows, %d bytes)",
			paths(t2), t2.RowCount, t2.SizeBytes, paths(full), full.RowCount, full.SizeBytes)
	}
	// The old state still holds the old snapshot.
	if again, _ := s1.Table("gold", "orders"); len(again.Files) != 1 {
		t.Errorf("the old state's table changed: %d files", len(again.Files))
	}

	// Time travel.
	old, err := l.Current().AsOf(ctx, "gold", "orders", catalog.TimeTravel{SnapshotID: first.SnapshotID})
	if err != nil {
		t.Fatal(err)
	}
	if old.Version != t1.Version || len(old.Files) != 1 || old.Files[0].Path != t1.Files[0].Path || old.RowCount != 2 {
		t.Errorf("as of snapshot %d: version %s, files %v, %d rows", first.SnapshotID, old.Version, old.Files, old.RowCount)
	}
	if byTime, err := l.Current().AsOf(ctx, "gold", "orders", catalog.TimeTravel{At: time.UnixMilli(first.TimestampMs)}); err != nil || byTime.SnapshotID != first.SnapshotID {
		t.Errorf("as of the first commit's time: %v, %v", byTime, err)
	}
	if cur, err := l.Current().AsOf(ctx, "gold", "orders", catalog.TimeTravel{SnapshotID: t2.SnapshotID}); err != nil || cur != t2 {
		t.Errorf("as of the current snapshot: %v, %v", cur, err)
	}
	if snaps := t2.Snapshots(); len(snaps) != 2 || snaps[0].ID != first.SnapshotID || snaps[1].ParentID != first.SnapshotID {
		t.Errorf("snapshots %v", snaps)
	}
	for _, c := range []struct {
		schema, name string
		tt           catalog.TimeTravel
		code         string
	}{
		{"gold", "orders", catalog.TimeTravel{SnapshotID: 12345}, pgerr.InvalidParameterValue},
		{"gold", "orders", catalog.TimeTravel{At: time.UnixMilli(first.TimestampMs).Add(-time.Hour)}, pgerr.InvalidParameterValue},
		{"raw", "events", catalog.TimeTravel{SnapshotID: 1}, pgerr.FeatureNotSupported},
		{"gold", "nope", catalog.TimeTravel{SnapshotID: 1}, pgerr.UndefinedTable},
	} {
		_, err := l.Current().AsOf(ctx, c.schema, c.name, c.tt)
		if pgerr.Code(err) != c.code || !strings.Contains(err.Error(), c.schema+"."+c.name) {
			t.Errorf("AsOf(%s.%s, %v): %v (%s), want %s naming the table", c.schema, c.name, c.tt, err, pgerr.Code(err), c.code)
		}
	}
}

// A table whose name a layer folder already has is reported, not served
// twice; a catalog that cannot be opened is a problem, not a failure.
func TestIcebergNameClashAndBrokenCatalog(t *testing.T) {
	ctx := context.Background()
	dir, cat := icebergLake(t)
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"raw"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.CreateTable(ctx, icetable.Identifier{"raw", "events"}, icebergOrders); err != nil {
		t.Fatal(err)
	}
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{
		{Name: "elsewhere", Type: "rest", URI: "http://127.0.0.1:1/"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := l.Current()
	tb, err := s.Table("raw", "events")
	if err != nil || tb.Format != catalog.FormatHiveParquet {
		t.Errorf("raw.events: %v, %v; want the Hive-style table", tb, err)
	}
	var clash, broken bool
	for _, p := range s.Problems {
		clash = clash || p.Table == "events" && strings.Contains(p.Message, "same schema and table name")
		broken = broken || strings.Contains(p.Message, `iceberg catalog "elsewhere"`)
	}
	if !clash || !broken {
		t.Errorf("problems %v: want the clash and the unreachable catalog", s.Problems)
	}
}

// Nested namespaces of a SQL catalog (which lists every level at once, and
// a parent's descendants with the parent): mapped, one is served under its
// schema name; unmapped, each is reported skipped exactly once and the top
// level is served.
func TestIcebergSQLNestedNamespaces(t *testing.T) {
	ctx := context.Background()
	wh := t.TempDir()
	ref := catalog.EmbeddedIcebergCatalog(wh)
	cat, err := catalog.LoadIcebergCatalog(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(cat)
	sch := iceberg.NewSchema(0, iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true})
	for _, ns := range []icetable.Identifier{{"ops"}, {"ops", "daily"}, {"ops", "daily", "raw"}} {
		if err := cat.CreateNamespace(ctx, ns, nil); err != nil {
			t.Fatalf("create namespace %v: %v", ns, err)
		}
		tbl, err := cat.CreateTable(ctx, append(slices.Clone(ns), "t"), sch)
		if err != nil {
			t.Fatal(err)
		}
		appendRows(t, tbl, `[{"id": 1}, {"id": 2}]`)
	}
	serve := func(ref catalog.IcebergCatalog) *catalog.State {
		t.Helper()
		dir := t.TempDir()
		writeParquet(t, filepath.Join(dir, "raw/events/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
		l, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{ref}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l.Current()
	}
	iceTables := func(st *catalog.State) (out []string) {
		for _, sc := range st.Schemas {
			for _, tb := range sc.Tables {
				if tb.Format == catalog.FormatIceberg {
					out = append(out, sc.Name+"."+tb.Name)
				}
			}
		}
		return out
	}

	mapped := ref
	mapped.Namespaces = map[string]string{"ops.daily": "daily"}
	st := serve(mapped)
	if got, want := iceTables(st), []string{"daily.t"}; !slices.Equal(got, want) {
		t.Errorf("mapped: %v served; want %v (problems %v)", got, want, st.Problems)
	}
	if tb, err := st.Table("daily", "t"); err != nil || tb.RowCount != 2 {
		t.Errorf("daily.t: %v, %v; want 2 rows", tb, err)
	}

	st = serve(ref)
	if got, want := iceTables(st), []string{"ops.t"}; !slices.Equal(got, want) {
		t.Errorf("unmapped: %v served; want %v", got, want)
	}
	for _, key := range []string{"ops.daily", "ops.daily.raw"} {
		n := 0
		for _, p := range st.Problems {
			if strings.Contains(p.Message, `namespace "`+key+`" skipped`) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("unmapped: %d problems report %s skipped; want 1 (problems %v)", n, key, st.Problems)
		}
	}
}
