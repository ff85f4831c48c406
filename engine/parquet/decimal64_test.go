package parquet_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/engine/parquet"
)

// Decimals of up to 18 digits stored as INT32/INT64 come out as Decimal64
// with every value and NULL in its row, across pages, batches that do not
// line up with pages, and row groups; FIXED_LEN_BYTE_ARRAY decimals (the
// pqarrow path) agree.
func TestScanDecimalsAsDecimal64(t *testing.T) {
	for _, asInt := range []bool{true, false} {
		dir := t.TempDir()
		sc := arrow.NewSchema([]arrow.Field{
			{Name: "id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "small", Type: &arrow.Decimal128Type{Precision: 9, Scale: 2}, Nullable: true},
			{Name: "big", Type: &arrow.Decimal128Type{Precision: 18, Scale: 4}, Nullable: true},
			{Name: "req", Type: &arrow.Decimal128Type{Precision: 15, Scale: 2}},
		}, nil)
		const n = 20000
		small := func(i int) int64 { return int64(i*7919%2000001) - 1000000 }
		big := func(i int) int64 { return (int64(i)*1_000_000_007 - 9_999_999_999_999) * 97 }
		b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		for i := range n {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			if i%5 == 0 {
				b.Field(1).AppendNull()
			} else {
				b.Field(1).(*array.Decimal128Builder).Append(decimal128.FromI64(small(i)))
			}
			if i%3 == 1 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(big(i)))
			}
			b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * -3))
		}
		rec := b.NewRecordBatch()
		b.Release()
		path := filepath.Join(dir, "silver/d/a.parquet")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		props := pq.NewWriterProperties(pq.WithCompression(compress.Codecs.Snappy), pq.WithMaxRowGroupLength(7000),
			pq.WithDataPageSize(4096), pq.WithDictionaryDefault(false), pq.WithStoreDecimalAsInteger(asInt))
		w, err := pqarrow.NewFileWriter(sc, f, props, pqarrow.NewArrowWriterProperties())
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
		tbl := openTable(t, dir, "silver", "d")
		mem := checkedAlloc(t)
		s, err := parquet.NewScanner(tbl, []int{0, 1, 2, 3}, parquet.Options{BatchSize: 999, Allocator: mem})
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
			cols := make([]*array.Decimal64, 3)
			for c := range cols {
				a, ok := bt.Column(c + 1).(*array.Decimal64)
				if !ok {
					t.Fatalf("asInt %v: column %d is %s, want Decimal64", asInt, c+1, bt.Column(c+1).DataType())
				}
				cols[c] = a
			}
			for r := range int(bt.NumRows()) {
				i := int(ids.Value(r))
				if i != seen {
					t.Fatalf("row %d has id %d", seen, i)
				}
				seen++
				if got := cols[0].IsNull(r); got != (i%5 == 0) {
					t.Fatalf("asInt %v: row %d small NULL %v", asInt, i, got)
				} else if !got && int64(cols[0].Value(r)) != small(i) {
					t.Fatalf("asInt %v: row %d small %d, want %d", asInt, i, cols[0].Value(r), small(i))
				}
				if got := cols[1].IsNull(r); got != (i%3 == 1) {
					t.Fatalf("asInt %v: row %d big NULL %v", asInt, i, got)
				} else if !got && int64(cols[1].Value(r)) != big(i) {
					t.Fatalf("asInt %v: row %d big %d, want %d", asInt, i, cols[1].Value(r), big(i))
				}
				if int64(cols[2].Value(r)) != int64(i)*-3 || cols[2].IsNull(r) {
					t.Fatalf("asInt %v: row %d req %d", asInt, i, cols[2].Value(r))
				}
			}
			bt.Release()
		}
		s.Close()
		if seen != n {
			t.Fatalf("asInt %v: read %d rows, want %d", asInt, seen, n)
		}
	}
}
