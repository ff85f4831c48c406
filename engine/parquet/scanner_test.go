package parquet_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// writeParquet writes recs to path as one Parquet file with row groups of
// at most rowGroup rows.
func writeParquet(t testing.TB, path string, rowGroup int64, recs ...arrow.RecordBatch) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props := pq.NewWriterProperties(pq.WithCompression(compress.Codecs.Snappy), pq.WithMaxRowGroupLength(rowGroup),
		pq.WithStoreDecimalAsInteger(true))
	w, err := pqarrow.NewFileWriter(recs[0].Schema(), f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.WriteBuffered(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// idRecord has ids [from, from+n) and a text column "s<id>".
func idRecord(from, n int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := from; i < from+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%7 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("s%d", i))
		}
	}
	return b.NewRecordBatch()
}

func openTable(t testing.TB, dir, schema, name string) *catalog.Table {
	t.Helper()
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := l.Current().Table(schema, name)
	if err != nil {
		t.Fatalf("%v (problems %v)", err, l.Current().Problems)
	}
	return tb
}

// scanAll reads every batch, checks each against the scanner's schema and
// returns the rows as strings, one per row, columns joined by |.
func scanAll(t *testing.T, sc *parquet.Scanner) []string {
	t.Helper()
	var rows []string
	for {
		b, err := sc.Next(context.Background())
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if b == nil {
			return rows
		}
		if !b.Schema().Equal(sc.Schema()) {
			t.Fatalf("batch schema %s != scanner schema %s", b.Schema(), sc.Schema())
		}
		for r := 0; r < int(b.NumRows()); r++ {
			parts := make([]string, b.NumCols())
			for c := range parts {
				parts[c] = b.Column(c).ValueStr(r)
			}
			rows = append(rows, strings.Join(parts, "|"))
		}
		b.Release()
	}
}

func checkedAlloc(t *testing.T) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func TestScanProjectionPartitionsAndOrder(t *testing.T) {
	dir := t.TempDir()
	// Three partitions (one NULL), each two files of several row groups.
	parts := []string{"dt=2026-11-20/region=EU", "dt=2026-11-20/region=__HIVE_DEFAULT_PARTITION__", "dt=2026-11-21/region=US"}
	next := 0
	for _, p := range parts {
		for f := 0; f < 2; f++ {
			rec := idRecord(next, 250)
			writeParquet(t, filepath.Join(dir, "gold/t", p, fmt.Sprintf("part-%d.parquet", f)), 100, rec)
			rec.Release()
			next += 250
		}
	}
	tb := openTable(t, dir, "gold", "t")
	if len(tb.Files[0].Footer.Meta.RowGroups) != 3 {
		t.Fatalf("want 3 row groups per file, got %d", len(tb.Files[0].Footer.Meta.RowGroups))
	}
	mem := checkedAlloc(t)
	// Partition columns first, a column twice, batches smaller than row groups.
	sc, err := parquet.NewScanner(tb, []int{3, 2, 0, 1, 0}, parquet.Options{BatchSize: 64, Workers: 4, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for i, want := range []arrow.DataType{arrow.BinaryTypes.String, arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Int64, arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64} {
		if !arrow.TypeEqual(sc.Schema().Field(i).Type, want) {
			t.Errorf("column %d type %s, want %s", i, sc.Schema().Field(i).Type, want)
		}
	}
	rows := scanAll(t, sc)
	if len(rows) != 1500 {
		t.Fatalf("%d rows, want 1500", len(rows))
	}
	for i, r := range rows {
		region, dt := "EU", "2026-11-20"
		switch {
		case i >= 1000:
			region, dt = "US", "2026-11-21"
		case i >= 500:
			region = "(null)"
		}
		s := fmt.Sprintf("s%d", i)
		if i%7 == 0 {
			s = "(null)"
		}
		want := fmt.Sprintf("%s|%s|%d|%s|%d", region, dt, i, s, i)
		if r != want {
			t.Fatalf("row %d = %s, want %s", i, r, want)
		}
	}
	// Reading past the end stays at the end.
	if b, err := sc.Next(context.Background()); b != nil || err != nil {
		t.Errorf("after end: %v %v", b, err)
	}
}

func TestScanConvertsFileEncodingsToCatalogTypes(t *testing.T) {
	dir := t.TempDir()
	mem := memory.DefaultAllocator
	sc1 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
		{Name: "status", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "berlin", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Europe/Berlin"}, Nullable: true},
		{Name: "t32", Type: arrow.FixedWidthTypes.Time32ms, Nullable: true},
		{Name: "d64", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
		{Name: "big", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "uid", Type: extensions.NewUUIDType(), Nullable: true},
	}, nil)
	rec1, _, err := array.RecordFromJSON(mem, sc1, strings.NewReader(`[
		{"id": 1, "ts_ms": "2026-11-21T10:00:00.123Z", "ts_ns": "2026-11-21T10:00:00.123456789", "amount": "12.34", "status": "paid",
		 "berlin": "2026-11-21T10:00:00+01:00", "t32": "13:14:15.678", "d64": "2026-11-21", "big": "large", "uid": "00112233-4455-6677-8899-aabbccddeeff"},
		{"id": 2, "ts_ms": null, "ts_ns": null, "amount": "-0.05", "status": "shipped", "uid": null},
		{"id": 3, "ts_ms": "1969-12-31T23:59:59.999Z", "ts_ns": "1970-01-01T00:00:00", "amount": null, "status": "paid", "uid": null}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	writeParquet(t, filepath.Join(dir, "silver/t/a.parquet"), 1000, rec1)
	rec1.Release()
	// A later file: id as int64 (so the table's id is bigint), a wider
	// decimal, and without status or uid.
	sc2 := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "ts_ms", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ts_ns", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 3}, Nullable: true},
	}, nil)
	rec2, _, err := array.RecordFromJSON(mem, sc2, strings.NewReader(`[
		{"id": 4000000000, "ts_ms": "2026-11-21T10:00:00.000001Z", "ts_ns": null, "amount": "123456789.125"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	writeParquet(t, filepath.Join(dir, "silver/t/b.parquet"), 1000, rec2)
	rec2.Release()

	tb := openTable(t, dir, "silver", "t")
	var types []string
	for _, c := range tb.Columns {
		types = append(types, c.Name+" "+c.Type.String())
	}
	if got := strings.Join(types, ", "); got != "id bigint, ts_ms timestamp with time zone, ts_ns timestamp without time zone, amount numeric(12,3), status text, "+
		"berlin timestamp with time zone, t32 time without time zone, d64 date, big text, uid uuid" {
		t.Fatalf("columns: %s", got)
	}
	checked := checkedAlloc(t)
	sc, err := parquet.NewScanner(tb, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, parquet.Options{Allocator: checked})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for i, c := range tb.Columns {
		if !arrow.TypeEqual(sc.Schema().Field(i).Type, c.Type.ArrowType()) {
			t.Errorf("%s: scanner type %s, catalog promises %s", c.Name, sc.Schema().Field(i).Type, c.Type.ArrowType())
		}
	}
	got := scanAll(t, sc)
	want := []string{
		// ns are cut to µs; decimals rescaled exactly.
		"1|2026-11-21T10:00:00.123Z|2026-11-21T10:00:00.123456|12.34|paid|2026-11-21T09:00:00Z|13:14:15.678000|2026-11-21|large|00112233-4455-6677-8899-aabbccddeeff",
		"2|(null)|(null)|-0.05|shipped|(null)|(null)|(null)|(null)|(null)",
		"3|1969-12-31T23:59:59.999Z|1970-01-01T00:00:00|(null)|paid|(null)|(null)|(null)|(null)|(null)",
		"4000000000|2026-11-21T10:00:00.000001Z|(null)|123456789.125|(null)|(null)|(null)|(null)|(null)|(null)",
	}
	if len(got) != len(want) {
		t.Fatalf("rows %q", got)
	}
	for i := range want {
		if normalizeUUID(got[i]) != want[i] {
			t.Errorf("row %d\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

// normalizeUUID turns the ValueStr of FixedSizeBinary (base64) into the
// usual hex form, so the expectation reads as a UUID.
func normalizeUUID(row string) string {
	parts := strings.Split(row, "|")
	last := parts[len(parts)-1]
	if last != "(null)" {
		b, err := base64.StdEncoding.DecodeString(last)
		if err != nil {
			return row
		}
		h := fmt.Sprintf("%x", b)
		parts[len(parts)-1] = h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	}
	return strings.Join(parts, "|")
}

func TestScanWithoutFileColumns(t *testing.T) {
	dir := t.TempDir()
	for i, p := range []string{"k=1", "k=2"} {
		rec := idRecord(i*1000, 1000)
		writeParquet(t, filepath.Join(dir, "raw/t", p, "a.parquet"), 300, rec)
		rec.Release()
	}
	tb := openTable(t, dir, "raw", "t")
	mem := checkedAlloc(t)
	for _, proj := range [][]int{nil, {2}} {
		sc, err := parquet.NewScanner(tb, proj, parquet.Options{BatchSize: 128, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		rows := scanAll(t, sc)
		sc.Close()
		if len(rows) != 2000 {
			t.Errorf("projection %v: %d rows, want 2000", proj, len(rows))
		}
		if proj != nil && (rows[0] != "1" || rows[1999] != "2") {
			t.Errorf("partition values %s .. %s", rows[0], rows[1999])
		}
	}
}

func TestScanFileSubsetAndRowGroupPruning(t *testing.T) {
	dir := t.TempDir()
	for i, p := range []string{"dt=2026-11-19", "dt=2026-11-20", "dt=2026-11-21"} {
		rec := idRecord(i*1000, 1000)
		writeParquet(t, filepath.Join(dir, "gold/t", p, "a.parquet"), 250, rec)
		rec.Release()
	}
	tb := openTable(t, dir, "gold", "t")
	// Partition pruning: the planner passes the files it keeps.
	files := tb.Files[1:2]
	// Row-group pruning with statistics: keep row groups that may hold id in [1400, 1600].
	keep := func(f *catalog.File, rg int) bool {
		st, err := parquet.RowGroupStats(tb, f, 0)
		if err != nil {
			t.Fatal(err)
		}
		return st[rg].Max.(int64) >= 1400 && st[rg].Min.(int64) <= 1600
	}
	mem := checkedAlloc(t)
	sc, err := parquet.NewScanner(tb, []int{0}, parquet.Options{Files: files, KeepRowGroup: keep, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	rows := scanAll(t, sc)
	if len(rows) != 500 || rows[0] != "1250" || rows[499] != "1749" {
		t.Errorf("%d rows %s..%s, want 1250..1749", len(rows), rows[0], rows[len(rows)-1])
	}
}

func TestRowGroupStats(t *testing.T) {
	dir := t.TempDir()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(`[
		{"n": 5, "ts": "2026-11-21T00:00:00.0000015Z", "s": "b", "d": "1.00"},
		{"n": -3, "ts": "2026-11-20T00:00:00Z", "s": "a", "d": "2.00"},
		{"n": null, "ts": null, "s": null, "d": null},
		{"n": 100, "ts": "2026-11-22T00:00:00Z", "s": "z", "d": "3.00"}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	writeParquet(t, filepath.Join(dir, "raw/t/k=__HIVE_DEFAULT_PARTITION__/a.parquet"), 3, rec)
	rec.Release()
	tb := openTable(t, dir, "raw", "t")
	f := &tb.Files[0]
	us := func(s string) pgtype.TimestampValue {
		tm, _ := time.Parse(time.RFC3339Nano, s)
		return pgtype.TimestampValue(tm.UnixMicro())
	}
	for _, tc := range []struct {
		col  int
		want string
	}{
		{0, "[{3 1 -3 5} {1 0 100 100}]"},
		// ns bounds widen to whole µs so they stay bounds.
		{1, fmt.Sprintf("[{3 1 %d %d} {1 0 %d %d}]", us("2026-11-20T00:00:00Z"), us("2026-11-21T00:00:00.000002Z"), us("2026-11-22T00:00:00Z"), us("2026-11-22T00:00:00Z"))},
		{2, "[{3 1 a b} {1 0 z z}]"},
		{3, "[{3 1 <nil> <nil>} {1 0 <nil> <nil>}]"}, // no decimal bounds yet
		{4, "[{3 3 <nil> <nil>} {1 1 <nil> <nil>}]"}, // NULL partition
	} {
		st, err := parquet.RowGroupStats(tb, f, tc.col)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(st); got != tc.want {
			t.Errorf("column %s: %s, want %s", tb.Columns[tc.col].Name, got, tc.want)
		}
	}
}

func bigTable(t testing.TB, rows, rowGroup int) *catalog.Table {
	dir := t.TempDir()
	rec := idRecord(0, rows)
	writeParquet(t, filepath.Join(dir, "raw/big/a.parquet"), int64(rowGroup), rec)
	rec.Release()
	return openTable(t, dir, "raw", "big")
}

func TestScanCancelAndCloseEarly(t *testing.T) {
	tb := bigTable(t, 200_000, 10_000)
	base := runtime.NumGoroutine()
	mem := checkedAlloc(t)

	// Close after one batch, with readers blocked on full slots.
	sc, err := parquet.NewScanner(tb, []int{0, 1}, parquet.Options{BatchSize: 1000, Workers: 4, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	b, err := sc.Next(context.Background())
	if err != nil || b == nil {
		t.Fatalf("first batch: %v", err)
	}
	b.Release()
	sc.Close()
	sc.Close()

	// Cancel the context of a Next: the scan stops with the context's error.
	sc, err = parquet.NewScanner(tb, []int{0, 1}, parquet.Options{BatchSize: 1000, Workers: 2, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b, err = sc.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b.Release()
	cancel()
	start := time.Now()
	var got error
	for i := 0; i < 1000 && got == nil; i++ {
		b, got = sc.Next(ctx)
		if b != nil {
			b.Release()
		}
	}
	if !errors.Is(got, context.Canceled) {
		t.Errorf("after cancel: %v", got)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}
	if _, err := sc.Next(context.Background()); !errors.Is(err, context.Canceled) {
		t.Errorf("error not sticky: %v", err)
	}
	sc.Close()

	// A deadline reached while waiting.
	sc, _ = parquet.NewScanner(tb, []int{1}, parquet.Options{BatchSize: 1000, Allocator: mem})
	dctx, dcancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer dcancel()
	<-dctx.Done()
	if _, err := sc.Next(dctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	sc.Close()

	// Never started.
	sc, _ = parquet.NewScanner(tb, []int{1}, parquet.Options{Allocator: mem})
	sc.Close()

	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		t.Errorf("%d goroutines left, %d before", n, base)
	}
}

func TestScanDamagedFileFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 4; i++ {
		rec := idRecord(i*1000, 1000)
		writeParquet(t, filepath.Join(dir, "raw/t", fmt.Sprintf("p%d.parquet", i)), 100, rec)
		rec.Release()
	}
	tb := openTable(t, dir, "raw", "t")
	// After listing, a file's data pages are overwritten in place (same
	// size): the footer the catalog holds no longer matches the bytes.
	path := tb.Files[2].Path
	data, _ := os.ReadFile(path)
	for i := 4; i < len(data)/2; i++ {
		data[i] = 0xff
	}
	os.WriteFile(path, data, 0o644)

	mem := checkedAlloc(t)
	sc, err := parquet.NewScanner(tb, []int{0, 1}, parquet.Options{BatchSize: 100, Workers: 3, Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	n := 0
	var got error
	for {
		b, err := sc.Next(context.Background())
		if err != nil {
			got = err
			break
		}
		if b == nil {
			break
		}
		n += int(b.NumRows())
		b.Release()
	}
	var pe *pgerr.Error
	if !errors.As(got, &pe) || pe.Code != "XX001" || !strings.Contains(pe.Message, "p2.parquet") {
		t.Fatalf("got %v after %d rows; want XX001 naming p2.parquet", got, n)
	}
	if n > 2000+1000 {
		t.Errorf("%d rows delivered before the failure", n)
	}
	// Deleting a file under a running scan is the same kind of failure.
	os.Remove(tb.Files[3].Path)
	sc2, _ := parquet.NewScanner(tb, []int{0}, parquet.Options{Files: tb.Files[3:], Allocator: mem})
	defer sc2.Close()
	if _, err := sc2.Next(context.Background()); pgerr.Code(err) != "XX001" || !strings.Contains(err.Error(), "p3.parquet") {
		t.Errorf("deleted file: %v", err)
	}
}

func TestScannerRejectsBadInput(t *testing.T) {
	tb := bigTable(t, 10, 10)
	if _, err := parquet.NewScanner(tb, []int{5}, parquet.Options{}); err == nil {
		t.Error("projection out of range accepted")
	}
	sys := &catalog.Table{Schema: "pg_catalog", Name: "pg_type", Format: catalog.FormatSystem}
	if _, err := parquet.NewScanner(sys, nil, parquet.Options{}); pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Errorf("system table: %v", err)
	}
}
