package parquet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/parquet"
)

// inSet is a column test keeping the values of set, and NULL if keepNull;
// it adds how many values it was asked about to tested.
func inSet(tested *atomic.Int64, keepNull bool, set ...string) parquet.ColumnFilter {
	return parquet.ColumnFilter{New: func() (parquet.ValueTest, error) {
		return func(vals arrow.Array, keep []bool) error {
			tested.Add(int64(vals.Len()))
			s := vals.(*array.String)
			for i := range keep {
				if s.IsNull(i) {
					keep[i] = keepNull
				} else {
					keep[i] = slices.Contains(set, s.Value(i))
				}
			}
			return nil
		}, nil
	}}
}

// lowText is the low-cardinality column of filterFile: NULL every 7th row.
func lowText(i int) (string, bool) {
	if i%7 == 3 {
		return "", false
	}
	return []string{"AIR", "MAIL", "SHIP", "", "REG AIR ✈"}[i%5], true
}

func highText(i int) string { return fmt.Sprintf("comment %d", i*31) }

// filterFile writes n rows (id, low, high, amount) to path with
// dictionaries up to dictLimit bytes (0: none), in row groups of 7000.
func filterFile(t *testing.T, path string, n int, dictLimit int64) {
	t.Helper()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "low", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "high", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if v, ok := lowText(i); ok {
			b.Field(1).(*array.StringBuilder).Append(v)
		} else {
			b.Field(1).AppendNull()
		}
		b.Field(2).(*array.StringBuilder).Append(highText(i))
		if i%5 == 1 {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i + 1000)))
		}
	}
	rec := b.NewRecordBatch()
	b.Release()
	defer rec.Release()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	// Decimals as INT64 pages: the scan reads them without pqarrow, so
	// its sequential readers must step over the rows a filter drops.
	opts := []pq.WriterProperty{pq.WithCompression(compress.Codecs.Snappy), pq.WithMaxRowGroupLength(7000), pq.WithDataPageSize(4096),
		pq.WithStoreDecimalAsInteger(true)}
	if dictLimit == 0 {
		opts = append(opts, pq.WithDictionaryDefault(false))
	} else {
		opts = append(opts, pq.WithDictionaryPageSizeLimit(dictLimit))
	}
	w, err := pqarrow.NewFileWriter(sc, f, pq.NewWriterProperties(opts...), pqarrow.NewArrowWriterProperties())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBuffered(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// filterRow is row i of filterFile as scanAll prints projection
// [0, 1, 2, 3, 1].
func filterRow(i int) string {
	low := "(null)"
	if v, ok := lowText(i); ok {
		low = v
	}
	amount := "(null)"
	if i%5 != 1 {
		amount = strconv.FormatFloat(float64(i+1000)/100, 'f', -1, 64) // as ValueStr writes it
	}
	return fmt.Sprintf("%d|%s|%s|%s|%s", i, low, highText(i), amount, low)
}

// A scan's column filter keeps exactly the rows whose value passes, with
// every projected column (dictionary text, plain text, decimals read
// without pqarrow, a column twice) compacted to them, whether the chunks
// are all dictionary pages (the test runs per dictionary value), fall back
// to plain pages part-way (value by value where they do), or have no
// dictionary at all.
func TestScanColumnFilter(t *testing.T) {
	const n = 20000
	for _, dictLimit := range []int64{1 << 20, 2048, 0} {
		dir := t.TempDir()
		filterFile(t, filepath.Join(dir, "silver/s/a.parquet"), n, dictLimit)
		tbl := openTable(t, dir, "silver", "s")
		for _, c := range []struct {
			name     string
			col      int
			keepNull bool
			set      []string
		}{
			{"two values", 1, false, []string{"AIR", "SHIP"}},
			{"empty string and NULL", 1, true, []string{""}},
			{"value no row holds", 1, false, []string{"RAIL"}},
			{"only NULL", 1, true, nil},
			// A dictionary of 2048 bytes holds the first rows' values.
			{"high", 2, false, []string{highText(5), highText(17000), highText(19999)}},
		} {
			var tested atomic.Int64
			f := inSet(&tested, c.keepNull, c.set...)
			f.Column = c.col
			var stats parquet.FilterStats
			sc, err := parquet.NewScanner(tbl, []int{0, 1, 2, 3, 1}, parquet.Options{BatchSize: 999, Allocator: checkedAlloc(t),
				Filters: []parquet.ColumnFilter{f}, FilterStats: &stats})
			if err != nil {
				t.Fatal(err)
			}
			got := scanAll(t, sc)
			sc.Close()
			var want []string
			for i := range n {
				v, ok := lowText(i)
				if c.col == 2 {
					v, ok = highText(i), true
				}
				if ok && slices.Contains(c.set, v) || !ok && c.keepNull {
					want = append(want, filterRow(i))
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("limit %d, %s: %d rows, want %d\nfirst got  %v\nfirst want %v", dictLimit, c.name, len(got), len(want), head(got), head(want))
			}
			if removed := stats.RowsRemoved.Load(); removed != int64(n-len(want)) {
				t.Errorf("limit %d, %s: %d rows removed, want %d", dictLimit, c.name, removed, n-len(want))
			}
			dict, vals := stats.DictionaryBatches.Load(), stats.ValueBatches.Load()
			switch dictLimit {
			case 1 << 20:
				// Five values and NULL per row group, in each batch.
				if vals != 0 || dict == 0 || c.col == 1 && tested.Load() > 6*dict {
					t.Errorf("all dictionary pages, %s: %d dictionary and %d value batches, %d values tested", c.name, dict, vals, tested.Load())
				}
			case 2048:
				if c.col == 2 && vals == 0 || c.col == 1 && dict == 0 {
					t.Errorf("dictionary fallback, %s: %d dictionary and %d value batches", c.name, dict, vals)
				}
			case 0:
				if dict != 0 || tested.Load() != n {
					t.Errorf("no dictionary, %s: %d dictionary batches, %d values tested, want 0 and %d", c.name, dict, tested.Load(), n)
				}
			}
		}
	}
}

func head(rows []string) []string { return rows[:min(len(rows), 3)] }

// Filters on two columns both apply; on a column that is NULL in a file
// (missing from it) or a partition value, the whole row group is kept or
// skipped by one test; a column all NULL has an empty dictionary.
func TestScanColumnFilterConstantsAndEmptyDictionary(t *testing.T) {
	dir := t.TempDir()
	// Partition k=x holds a file with column low, k=y one without it,
	// k=z one whose low is all NULL.
	filterFile(t, filepath.Join(dir, "gold/p/k=x/a.parquet"), 3000, 1<<20)
	rec := idRecord(0, 100)
	writeParquet(t, filepath.Join(dir, "gold/p/k=y/a.parquet"), 50, rec)
	rec.Release()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "low", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for i := range 40 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).AppendNull()
	}
	rec = b.NewRecordBatch()
	b.Release()
	writeParquet(t, filepath.Join(dir, "gold/p/k=z/a.parquet"), 100, rec)
	rec.Release()
	tbl := openTable(t, dir, "gold", "p")
	col := func(name string) int {
		for i, c := range tbl.Columns {
			if c.Name == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, tbl.Columns)
		return -1
	}
	id, low, k, s := col("id"), col("low"), col("k"), col("s")
	count := func(filters ...parquet.ColumnFilter) (map[string]int, *parquet.FilterStats) {
		var stats parquet.FilterStats
		sc, err := parquet.NewScanner(tbl, []int{k, id, low, s}, parquet.Options{Allocator: checkedAlloc(t), Filters: filters, FilterStats: &stats})
		if err != nil {
			t.Fatal(err)
		}
		defer sc.Close()
		out := map[string]int{}
		for _, r := range scanAll(t, sc) {
			out[strings.Split(r, "|")[0]]++
		}
		return out, &stats
	}
	var tested atomic.Int64
	on := func(c int, f parquet.ColumnFilter) parquet.ColumnFilter { f.Column = c; return f }

	// low IS NULL: all of k=y (missing) and k=z (empty dictionary), the
	// NULL rows of k=x.
	got, _ := count(on(2, inSet(&tested, true)))
	nullX := 0
	for i := range 3000 {
		if _, ok := lowText(i); !ok {
			nullX++
		}
	}
	if want := map[string]int{"x": nullX, "y": 100, "z": 40}; !mapsEqual(got, want) {
		t.Errorf("low IS NULL: %v, want %v", got, want)
	}
	// low = 'AIR' skips the row groups of k=y whole.
	got, stats := count(on(2, inSet(&tested, false, "AIR")))
	if want := map[string]int{"x": 3000 / 5 * 6 / 7}; got["x"] == 0 || got["y"] != 0 || got["z"] != 0 {
		t.Errorf("low = 'AIR': %v, want only x (about %v)", got, want)
	}
	if stats.RowGroupsSkipped.Load() != 2 {
		t.Errorf("low = 'AIR': %d row groups skipped by a constant, want the 2 of k=y", stats.RowGroupsSkipped.Load())
	}
	// On the partition column and a second column at once: s is NULL in
	// k=x (missing), NULL or s1..s3 in 18 rows of k=y.
	got, _ = count(on(0, inSet(&tested, false, "x", "y")), on(3, inSet(&tested, true, "s1", "s2", "s3")))
	if want := map[string]int{"x": 3000, "y": 18}; !mapsEqual(got, want) {
		t.Errorf("k IN (x, y) AND s IN (s1, s2, s3) OR s IS NULL: %v, want %v", got, want)
	}
	got, _ = count(on(0, inSet(&tested, false, "z")), on(2, inSet(&tested, false, "AIR")))
	if len(got) != 0 {
		t.Errorf("k = z AND low = 'AIR': %v, want no rows", got)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Iceberg position and equality deletes and a dictionary filter together
// keep exactly the rows that are neither deleted nor filtered out.
func TestIcebergDeletesWithColumnFilter(t *testing.T) {
	ctx := context.Background()
	dir, tbl := iceLake(t)
	names := []string{"red", "green", "blue"}
	var parts []string
	for i := 1; i <= 300; i++ {
		name := fmt.Sprintf("%q", names[i%3])
		if i%10 == 0 {
			name = "null"
		}
		parts = append(parts, fmt.Sprintf(`{"id": %d, "name": %s, "amount": "%d.25"}`, i, name, i))
	}
	tbl = iceAppend(t, tbl, jsonRecord(t, tbl, "["+strings.Join(parts, ",")+"]"))
	var err error
	if tbl, err = tbl.Delete(ctx, iceberg.IsIn(iceberg.Reference("id"), int64(3), int64(4), int64(30), int64(31)), nil); err != nil {
		t.Fatal(err)
	}
	tx := tbl.NewTransaction()
	del := jsonRecord(t, tbl, `[{"id": 0, "name": "green"}]`)
	delSc := arrow.NewSchema([]arrow.Field{del.Schema().Field(1)}, nil)
	nameOnly := array.NewRecordBatch(delSc, []arrow.Array{del.Column(1)}, del.NumRows())
	del.Release()
	records := func(yield func(arrow.RecordBatch, error) bool) { yield(nameOnly, nil) }
	if err := tx.CommitEqualityDeletes(ctx, []int{2}, records, nil); err != nil {
		t.Fatal(err)
	}
	if _, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	nameOnly.Release()
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cur, err := l.Current().Table("gold", "t")
	if err != nil {
		t.Fatal(err)
	}
	for _, keepNull := range []bool{false, true} {
		var tested atomic.Int64
		f := inSet(&tested, keepNull, "red", "green")
		f.Column = 1
		var stats parquet.FilterStats
		sc, err := parquet.NewScanner(cur, []int{0, 1, 2}, parquet.Options{Allocator: checkedAlloc(t), BatchSize: 64,
			Filters: []parquet.ColumnFilter{f}, FilterStats: &stats})
		if err != nil {
			t.Fatal(err)
		}
		got := scanAll(t, sc)
		sc.Close()
		var want []string
		for i := 1; i <= 300; i++ {
			name := names[i%3]
			if i%10 == 0 {
				name = "(null)"
			}
			if i == 3 || i == 4 || i == 30 || i == 31 || name == "green" || name == "blue" || name == "(null)" && !keepNull {
				continue
			}
			want = append(want, fmt.Sprintf("%d|%s|%d.25", i, name, i))
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("keep NULL %v: %d rows %v..., want %d %v...", keepNull, len(got), head(got), len(want), head(want))
		}
		if stats.DictionaryBatches.Load() == 0 {
			t.Errorf("keep NULL %v: the dictionary path was not taken (%d value batches)", keepNull, stats.ValueBatches.Load())
		}
	}
}
