package parquet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/engine/parquet"
)

// Text columns come out as plain strings with every value and NULL in its
// row whether their pages are all dictionary-encoded (read as indices and
// expanded by the scan), fell back to plain pages part-way through a chunk
// (a small dictionary limit), or have no dictionary at all.
func TestScanDictionaryText(t *testing.T) {
	low := func(i int) string { return []string{"AIR", "MAIL", "SHIP", "", "REG AIR ✈"}[i%5] }
	high := func(i int) string { return fmt.Sprintf("comment %d %s", i*31, low(i)) }
	for _, dictLimit := range []int64{1 << 20, 2048, 0} {
		dir := t.TempDir()
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "low", Type: arrow.BinaryTypes.String, Nullable: true},
			{Name: "high", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil)
		const n = 20000
		b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		for i := range n {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			if i%7 == 3 {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.StringBuilder).Append(low(i))
			}
			if i%11 == 0 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append(high(i))
			}
		}
		rec := b.NewRecordBatch()
		b.Release()
		path := filepath.Join(dir, "silver/s/a.parquet")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		opts := []pq.WriterProperty{pq.WithCompression(compress.Codecs.Snappy), pq.WithMaxRowGroupLength(7000), pq.WithDataPageSize(4096)}
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
		rec.Release()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		tbl := openTable(t, dir, "silver", "s")
		mem := checkedAlloc(t)
		s, err := parquet.NewScanner(tbl, []int{0, 1, 2, 1}, parquet.Options{BatchSize: 999, Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for {
			bt, err := s.Next(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if bt == nil {
				break
			}
			ids := bt.Column(0).(*array.Int64)
			for c := 1; c < 4; c++ {
				if _, ok := bt.Column(c).(*array.String); !ok {
					t.Fatalf("limit %d: column %d is %s, want string", dictLimit, c, bt.Column(c).DataType())
				}
			}
			lo, hi, lo2 := bt.Column(1).(*array.String), bt.Column(2).(*array.String), bt.Column(3).(*array.String)
			for r := range int(bt.NumRows()) {
				i := int(ids.Value(r))
				if i != seen {
					t.Fatalf("row %d has id %d", seen, i)
				}
				seen++
				for _, a := range []*array.String{lo, lo2} {
					if a.IsNull(r) != (i%7 == 3) || a.IsValid(r) && a.Value(r) != low(i) {
						t.Fatalf("limit %d: row %d low %q (null %v), want %q", dictLimit, i, a.Value(r), a.IsNull(r), low(i))
					}
				}
				if hi.IsNull(r) != (i%11 == 0) || hi.IsValid(r) && hi.Value(r) != high(i) {
					t.Fatalf("limit %d: row %d high %q (null %v), want %q", dictLimit, i, hi.Value(r), hi.IsNull(r), high(i))
				}
			}
			bt.Release()
		}
		s.Close()
		if seen != n {
			t.Fatalf("limit %d: read %d rows, want %d", dictLimit, seen, n)
		}
	}
}
