package catalog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// writeParquet writes rows (JSON objects, as arrow's RecordFromJSON reads
// them) with schema sc to path, creating directories.
func writeParquet(t testing.TB, path string, sc *arrow.Schema, rowsJSON string, props ...parquet.WriterProperty) {
	t.Helper()
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rowsJSON))
	if err != nil {
		t.Fatalf("building rows for %s: %v", path, err)
	}
	defer rec.Release()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props = append([]parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Snappy)}, props...)
	w, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(props...), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

var ordersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
}, nil)

func openLake(t *testing.T, dir string) *catalog.Lake {
	t.Helper()
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatalf("OpenLake: %v", err)
	}
	return l
}

func mustTable(t *testing.T, s *catalog.State, schema, name string) *catalog.Table {
	t.Helper()
	tb, err := s.Table(schema, name)
	if err != nil {
		t.Fatalf("table %s.%s: %v (problems: %v)", schema, name, err, s.Problems)
	}
	return tb
}

type colSpec struct {
	name      string
	typ       string
	partition bool
	notNull   bool
}

func checkColumns(t *testing.T, tb *catalog.Table, want []colSpec) {
	t.Helper()
	if len(tb.Columns) != len(want) {
		t.Fatalf("%s has %d columns %v, want %d", tb.QualifiedName(), len(tb.Columns), tb.Columns, len(want))
	}
	for i, w := range want {
		c := tb.Columns[i]
		if c.Name != w.name || c.Type.String() != w.typ || c.Partition != w.partition || c.NotNull != w.notNull {
			t.Errorf("%s column %d = {%s %s partition=%v notnull=%v}, want %+v",
				tb.QualifiedName(), i, c.Name, c.Type, c.Partition, c.NotNull, w)
		}
	}
}

func TestLayersAndPartitionInference(t *testing.T) {
	dir := t.TempDir()
	// gold.orders: two partition keys, one int-valued, one date-valued.
	for _, p := range []string{"dt=2026-11-20/bucket=1", "dt=2026-11-21/bucket=2", "dt=2026-11-21/bucket=70000"} {
		writeParquet(t, filepath.Join(dir, "gold/orders", p, "part-0.parquet"), ordersSchema,
			`[{"order_id": 1, "amount": "12.50"}, {"order_id": 2, "amount": null}]`)
	}
	// raw.clicks: text, int8, NULL and escaped values; a leading zero keeps text.
	for _, p := range []string{
		"city=S%C3%A3o%20Paulo/big=5000000000/code=007",
		"city=__HIVE_DEFAULT_PARTITION__/big=1/code=12",
		"city=Berlin/big=__HIVE_DEFAULT_PARTITION__/code=13",
	} {
		writeParquet(t, filepath.Join(dir, "raw/clicks", p, "data.parquet"), ordersSchema, `[{"order_id": 7, "amount": "1.00"}]`)
	}
	// An unpartitioned table in a layer whose folder is mixed case.
	writeParquet(t, filepath.Join(dir, "Silver/customers/000000_0"), ordersSchema, `[{"order_id": 1, "amount": "1"}]`)
	// An empty layer is still a schema; a layer with an invalid name is not.
	os.MkdirAll(filepath.Join(dir, "bronze"), 0o755)
	writeParquet(t, filepath.Join(dir, "my-layer/t/a.parquet"), ordersSchema, `[{"order_id": 1, "amount": "1"}]`)
	// The server's own schema names are reserved.
	writeParquet(t, filepath.Join(dir, "sluice/tables/a.parquet"), ordersSchema, `[{"order_id": 1, "amount": "1"}]`)

	l := openLake(t, dir)
	s := l.Current()
	var names []string
	for _, sc := range s.Schemas {
		names = append(names, sc.Name)
	}
	if got := strings.Join(names, ","); got != "bronze,gold,information_schema,pg_catalog,public,raw,silver,sluice" {
		t.Errorf("schemas = %s", got)
	}
	if !hasProblem(s, "my-layer", "not a valid identifier") {
		t.Errorf("expected a problem for my-layer, got %v", s.Problems)
	}
	if !hasProblem(s, "sluice", "is reserved") {
		t.Errorf("expected a problem for the sluice folder, got %v", s.Problems)
	}
	if tb := mustTable(t, s, "sluice", "tables"); tb.Format != catalog.FormatSystem {
		t.Error("a lake folder took the place of sluice.tables")
	}

	orders := mustTable(t, s, "gold", "orders")
	checkColumns(t, orders, []colSpec{
		{"order_id", "bigint", false, true},
		{"amount", "numeric(12,2)", false, false},
		{"dt", "date", true, false},
		{"bucket", "integer", true, false},
	})
	if orders.RowCount != 6 || len(orders.Files) != 3 {
		t.Errorf("orders rows=%d files=%d, want 6 and 3", orders.RowCount, len(orders.Files))
	}
	if orders.Format != catalog.FormatHiveParquet || orders.Location != filepath.Join(dir, "gold/orders") {
		t.Errorf("orders format=%v location=%s", orders.Format, orders.Location)
	}
	var size int64
	for _, f := range orders.Files {
		size += f.Size
	}
	if orders.SizeBytes != size || size == 0 {
		t.Errorf("SizeBytes = %d, files sum to %d", orders.SizeBytes, size)
	}
	// Files are in path order; partition values are typed Datums.
	f0, f2 := orders.Files[0], orders.Files[2]
	if f0.RelPath != "dt=2026-11-20/bucket=1/part-0.parquet" {
		t.Errorf("first file %s", f0.RelPath)
	}
	d20 := pgtype.DateValue(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC).Unix() / 86400)
	if f0.PartitionValues[0] != d20 || f0.PartitionValues[1] != int64(1) {
		t.Errorf("first file partition values %#v", f0.PartitionValues)
	}
	if f2.PartitionValues[1] != int64(70000) {
		t.Errorf("third file bucket %#v", f2.PartitionValues[1])
	}

	clicks := mustTable(t, s, "raw", "clicks")
	checkColumns(t, clicks, []colSpec{
		{"order_id", "bigint", false, true},
		{"amount", "numeric(12,2)", false, false},
		{"city", "text", true, false},
		{"big", "bigint", true, false},
		{"code", "text", true, false},
	})
	got := map[any][]pgtype.Datum{}
	for _, f := range clicks.Files {
		got[f.PartitionValues[2]] = f.PartitionValues
	}
	if v := got["007"]; v == nil || v[0] != "São Paulo" || v[1] != int64(5000000000) {
		t.Errorf("escaped partition: %#v", v)
	}
	if v := got["12"]; v == nil || v[0] != nil {
		t.Errorf("NULL partition: %#v", v)
	}
	if v := got["13"]; v == nil || v[1] != nil {
		t.Errorf("NULL int partition: %#v", v)
	}

	cust := mustTable(t, s, "silver", "customers")
	if len(cust.Files) != 1 || len(cust.Columns) != 2 {
		t.Errorf("silver.customers: %d files, %d columns", len(cust.Files), len(cust.Columns))
	}
}

func hasProblem(s *catalog.State, path, msg string) bool {
	for _, p := range s.Problems {
		if strings.Contains(p.Path, path) && strings.Contains(p.Message, msg) {
			return true
		}
	}
	return false
}

func TestUncommittedFilesAreNeverListed(t *testing.T) {
	dir := t.TempDir()
	tdir := filepath.Join(dir, "raw/events")
	writeParquet(t, filepath.Join(tdir, "dt=2026-11-21/part-0.parquet"), ordersSchema, `[{"order_id": 1}, {"order_id": 2}]`)
	// Valid Parquet, but not committed by the conventions writers use.
	uncommitted := []string{
		"_temporary/0/task/dt=2026-11-21/part-1.parquet",
		"dt=2026-11-21/_temporary/part-2.parquet",
		"dt=2026-11-21/.part-3.parquet",
		"dt=2026-11-21/part-4.parquet.inprogress",
		"dt=2026-11-21/part-5.parquet.tmp",
		".hidden/dt=2026-11-21/part-6.parquet",
	}
	for _, p := range uncommitted {
		writeParquet(t, filepath.Join(tdir, p), ordersSchema, `[{"order_id": 100}]`)
	}
	writeFile(t, filepath.Join(tdir, "_SUCCESS"), nil)
	writeFile(t, filepath.Join(tdir, "dt=2026-11-21/.part-0.parquet.crc"), []byte("crc"))
	writeFile(t, filepath.Join(tdir, "README.md"), []byte("not data"))
	// A file whose writer has not written the footer yet.
	good, err := os.ReadFile(filepath.Join(tdir, "dt=2026-11-21/part-0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(tdir, "dt=2026-11-21/part-7.parquet"), good[:len(good)/2])
	writeFile(t, filepath.Join(tdir, "dt=2026-11-21/part-8.parquet"), nil)

	s := openLake(t, dir).Current()
	tb := mustTable(t, s, "raw", "events")
	if len(tb.Files) != 1 || tb.RowCount != 2 {
		var paths []string
		for _, f := range tb.Files {
			paths = append(paths, f.RelPath)
		}
		t.Fatalf("files %v rows %d; want only part-0 with 2 rows", paths, tb.RowCount)
	}
	if !hasProblem(s, "part-7.parquet", "still being written") {
		t.Errorf("half-written file not reported: %v", s.Problems)
	}
	for _, p := range s.Problems {
		if p.TableFailed {
			t.Errorf("unexpected failure: %v", p)
		}
	}
}

func TestVersionTracksCommittedFileSet(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-20/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	writeParquet(t, filepath.Join(dir, "gold/customers/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	l := openLake(t, dir)
	s1 := l.Current()
	o1 := mustTable(t, s1, "gold", "orders")
	c1 := mustTable(t, s1, "gold", "customers")
	if o1.Version == "" || o1.Version == c1.Version {
		t.Fatalf("versions %q %q", o1.Version, c1.Version)
	}

	// Nothing changed: no new state, same pointers.
	changed, err := l.Refresh(context.Background())
	if err != nil || changed || l.Current() != s1 {
		t.Fatalf("refresh without change: changed=%v err=%v same=%v", changed, err, l.Current() == s1)
	}
	// Uncommitted files do not change anything either.
	writeParquet(t, filepath.Join(dir, "gold/orders/_temporary/part-1.parquet"), ordersSchema, `[{"order_id": 2}]`)
	if changed, _ := l.Refresh(context.Background()); changed {
		t.Fatal("a _temporary file made a new state")
	}

	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-21/part-0.parquet"), ordersSchema, `[{"order_id": 2}, {"order_id": 3}]`)
	changed, err = l.Refresh(context.Background())
	if err != nil || !changed {
		t.Fatalf("refresh after a commit: changed=%v err=%v", changed, err)
	}
	s2 := l.Current()
	if s2.Version == s1.Version {
		t.Error("state version unchanged")
	}
	o2 := mustTable(t, s2, "gold", "orders")
	if o2.Version == o1.Version || o2.RowCount != 3 || len(o2.Files) != 2 {
		t.Errorf("orders after commit: version same=%v rows=%d files=%d", o2.Version == o1.Version, o2.RowCount, len(o2.Files))
	}
	if o2.OID != o1.OID {
		t.Errorf("OID changed with a commit: %d → %d", o1.OID, o2.OID)
	}
	if c2 := mustTable(t, s2, "gold", "customers"); c2 != c1 {
		t.Error("unchanged table was rebuilt")
	}
	// The old state is untouched: a query holding it reads one file set.
	if o1.RowCount != 1 || len(o1.Files) != 1 {
		t.Error("old table mutated")
	}
	// Rewriting a file (same path, new content) is a new commit too.
	time.Sleep(10 * time.Millisecond)
	writeParquet(t, filepath.Join(dir, "gold/customers/part-0.parquet"), ordersSchema, `[{"order_id": 1}, {"order_id": 5}]`)
	if changed, _ := l.Refresh(context.Background()); !changed {
		t.Fatal("rewritten file not noticed")
	}
	if c3 := mustTable(t, l.Current(), "gold", "customers"); c3.Version == c1.Version || c3.RowCount != 2 {
		t.Errorf("customers after rewrite: rows %d", c3.RowCount)
	}
	// Removing a table removes it.
	os.RemoveAll(filepath.Join(dir, "gold/customers"))
	l.Refresh(context.Background())
	if _, err := l.Current().Table("gold", "customers"); pgerr.Code(err) != pgerr.UndefinedTable {
		t.Errorf("dropped table: %v", err)
	}
}

func TestCorruptFileFailsOnlyItsTable(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "raw/good/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	writeParquet(t, filepath.Join(dir, "raw/bad/dt=2026-11-20/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	writeFile(t, filepath.Join(dir, "raw/bad/dt=2026-11-21/part-0.parquet"), []byte("this is not a parquet file at all"))
	// Footer magic present but the footer is garbage.
	writeFile(t, filepath.Join(dir, "raw/worse/part-0.parquet"), append([]byte("PAR1garbagegarbage"), []byte{10, 0, 0, 0, 'P', 'A', 'R', '1'}...))
	// Types that disagree across files.
	writeParquet(t, filepath.Join(dir, "raw/mixed/a.parquet"), ordersSchema, `[{"order_id": 1}]`)
	writeParquet(t, filepath.Join(dir, "raw/mixed/b.parquet"), arrow.NewSchema([]arrow.Field{{Name: "order_id", Type: arrow.BinaryTypes.String}}, nil), `[{"order_id": "x"}]`)
	// Partition layouts that disagree.
	writeParquet(t, filepath.Join(dir, "raw/layout/dt=2026-11-20/a.parquet"), ordersSchema, `[{"order_id": 1}]`)
	writeParquet(t, filepath.Join(dir, "raw/layout/b.parquet"), ordersSchema, `[{"order_id": 1}]`)

	s := openLake(t, dir).Current()
	mustTable(t, s, "raw", "good")
	for name, msg := range map[string]string{
		"bad":    "dt=2026-11-21/part-0.parquet: not a Parquet file",
		"worse":  "invalid Parquet footer",
		"mixed":  `column "order_id" is bigint in earlier files but text in b.parquet`,
		"layout": "inconsistent partitioning",
	} {
		_, err := s.Table("raw", name)
		if err == nil {
			t.Errorf("raw.%s loaded", name)
			continue
		}
		var pe *pgerr.Error
		if !errors.As(err, &pe) || pe.Code != "XX001" || !strings.Contains(pe.Message, msg) || !strings.Contains(pe.Message, `"raw.`+name+`"`) {
			t.Errorf("raw.%s: %v, want XX001 mentioning %q", name, err, msg)
		}
		found := false
		for _, p := range s.Problems {
			found = found || p.Table == name && p.TableFailed
		}
		if !found {
			t.Errorf("raw.%s failure not in Problems", name)
		}
	}
	if sc := s.Schema("raw"); len(sc.Tables) != 1 {
		t.Errorf("raw has %d tables, want only good", len(sc.Tables))
	}
}

func TestColumnTypesFromParquet(t *testing.T) {
	dir := t.TempDir()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "dec_small", Type: &arrow.Decimal128Type{Precision: 9, Scale: 3}, Nullable: true},
		{Name: "dec_big", Type: &arrow.Decimal128Type{Precision: 38, Scale: 10}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "dict", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "tm", Type: arrow.FixedWidthTypes.Time64us, Nullable: true},
		{Name: "ts_utc_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "id", Type: extensions.NewUUIDType(), Nullable: true},
		{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "nested", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32}), Nullable: true},
		{Name: "req", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
	}, nil)
	writeParquet(t, filepath.Join(dir, "silver/types/part-0.parquet"), sc, `[{"req": 1, "dict": "a"}]`, parquet.WithStoreDecimalAsInteger(true))
	s := openLake(t, dir).Current()
	tb := mustTable(t, s, "silver", "types")
	checkColumns(t, tb, []colSpec{
		{"b", "boolean", false, false},
		{"i8", "smallint", false, false},
		{"i16", "smallint", false, false},
		{"i32", "integer", false, false},
		{"u32", "bigint", false, false},
		{"f32", "real", false, false},
		{"f64", "double precision", false, false},
		{"dec_small", "numeric(9,3)", false, false},
		{"dec_big", "numeric(38,10)", false, false},
		{"s", "text", false, false},
		{"dict", "text", false, false},
		{"bin", "bytea", false, false},
		{"d", "date", false, false},
		{"tm", "time without time zone", false, false},
		{"ts_utc_ms", "timestamp with time zone", false, false},
		{"ts_ns", "timestamp without time zone", false, false},
		{"id", "uuid", false, false},
		{"tags", "text[]", false, false},
		{"req", "bigint", false, true},
	})
	if !hasProblem(s, "", `column "nested" skipped`) {
		t.Errorf("struct column not reported: %v", s.Problems)
	}
}

func TestSchemaEvolutionAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	v1 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
	}, nil)
	v2 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 12, Scale: 4}},
		{Name: "note", Type: arrow.BinaryTypes.String},
	}, nil)
	writeParquet(t, filepath.Join(dir, "bronze/items/dt=2026-11-20/a.parquet"), v1, `[{"id": 1, "price": "1.25"}]`)
	writeParquet(t, filepath.Join(dir, "bronze/items/dt=2026-11-21/a.parquet"), v2, `[{"id": 2, "price": "2.5", "note": "n"}]`)
	tb := mustTable(t, openLake(t, dir).Current(), "bronze", "items")
	checkColumns(t, tb, []colSpec{
		{"id", "bigint", false, true},
		{"price", "numeric(12,4)", false, true},
		{"note", "text", false, false}, // missing from the first file
		{"dt", "date", true, false},
	})
}

func TestOIDsAreStableAndDistinct(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"raw/a", "raw/b", "gold/a", "gold/orders", "silver/orders"} {
		writeParquet(t, filepath.Join(dir, p, "x.parquet"), ordersSchema, `[{"order_id": 1}]`)
	}
	oids := func() map[string]uint32 {
		m := map[string]uint32{}
		for _, sc := range openLake(t, dir).Current().Schemas {
			m[sc.Name] = sc.OID
			for _, tb := range sc.Tables {
				m[sc.Name+"."+tb.Name] = tb.OID
			}
		}
		return m
	}
	a, b := oids(), oids()
	seen := map[uint32]string{}
	for name, oid := range a {
		if b[name] != oid {
			t.Errorf("%s: OID %d then %d", name, oid, b[name])
		}
		if other, dup := seen[oid]; dup {
			t.Errorf("%s and %s share OID %d", name, other, oid)
		}
		seen[oid] = name
		system := strings.HasPrefix(name, "pg_catalog") || name == "public" || strings.HasPrefix(name, "information_schema") ||
			name == catalog.SluiceSchemaName || strings.HasPrefix(name, catalog.SluiceSchemaName+".")
		if !system && (oid < 16384 || oid >= 1<<31) {
			t.Errorf("%s: OID %d outside the user range", name, oid)
		}
	}
	if a["pg_catalog"] != 11 || a["pg_catalog.pg_type"] != 1247 {
		t.Errorf("pg_catalog OIDs: %d %d", a["pg_catalog"], a["pg_catalog.pg_type"])
	}
}

func TestOpenLakeErrors(t *testing.T) {
	if _, err := catalog.OpenLake(filepath.Join(t.TempDir(), "nope"), catalog.LakeOptions{}); err == nil {
		t.Error("missing directory accepted")
	}
	f := filepath.Join(t.TempDir(), "file")
	writeFile(t, f, []byte("x"))
	if _, err := catalog.OpenLake(f, catalog.LakeOptions{}); err == nil {
		t.Error("a file accepted as lake directory")
	}
	// An empty lake is fine: only the server's own schemas.
	s := openLake(t, t.TempDir()).Current()
	var names []string
	for _, sc := range s.Schemas {
		names = append(names, sc.Name)
	}
	if got := strings.Join(names, ","); got != "information_schema,pg_catalog,public,sluice" {
		t.Errorf("empty lake schemas: %s", got)
	}
}

func TestConcurrentRefreshAndReads(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "raw/t/dt=2026-11-01/a.parquet"), ordersSchema, `[{"order_id": 1}]`)
	l := openLake(t, dir)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 2; i <= 10; i++ {
			writeParquet(t, filepath.Join(dir, "raw/t", "dt=2026-11-"+pad2(i), "a.parquet"), ordersSchema, `[{"order_id": 1}]`)
			if _, err := l.Refresh(context.Background()); err != nil {
				t.Error(err)
			}
		}
	}()
	last := int64(0)
	for {
		select {
		case <-done:
			if tb := mustTable(t, l.Current(), "raw", "t"); tb.RowCount != 10 {
				t.Errorf("final rows %d", tb.RowCount)
			}
			return
		default:
		}
		tb := mustTable(t, l.Current(), "raw", "t")
		if tb.RowCount < last || tb.RowCount != int64(len(tb.Files)) {
			t.Fatalf("inconsistent state: rows %d files %d last %d", tb.RowCount, len(tb.Files), last)
		}
		last = tb.RowCount
	}
}

func pad2(i int) string {
	if i < 10 {
		return "0" + string(rune('0'+i))
	}
	return "1" + string(rune('0'+i-10))
}

func TestPollPublishesNewCommits(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "raw/t/dt=2026-11-20/a.parquet"), ordersSchema, `[{"order_id": 1}]`)
	l := openLake(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Poll(ctx, 10*time.Millisecond) }()
	defer func() { cancel(); <-done }()

	// A file written elsewhere and renamed in: the usual commit.
	writeParquet(t, filepath.Join(dir, "raw/t/_staging/b.parquet"), ordersSchema, `[{"order_id": 2}, {"order_id": 3}]`)
	os.MkdirAll(filepath.Join(dir, "raw/t/dt=2026-11-21"), 0o755)
	if err := os.Rename(filepath.Join(dir, "raw/t/_staging/b.parquet"), filepath.Join(dir, "raw/t/dt=2026-11-21/b.parquet")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if tb, err := l.Current().Table("raw", "t"); err == nil && tb.RowCount == 3 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the new commit never became visible")
}
