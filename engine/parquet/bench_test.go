package parquet_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/parquet"
)

const benchRows = 3_000_000

// writeBenchTable writes an orders-like file of benchRows rows in row
// groups of 128k: bigint, int, numeric(12,2), low-cardinality text and
// timestamptz, the shape of a gold table. Decimals are INT64-backed, as the
// demo lake and Spark write them: arrow-go decodes dictionary-encoded
// FIXED_LEN_BYTE_ARRAY decimals about three times slower.
func writeBenchTable(b *testing.B) *catalog.Table {
	dir := b.TempDir()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "created_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	path := filepath.Join(dir, "gold/orders/part-0.parquet")
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(sc, f, pq.NewWriterProperties(pq.WithCompression(compress.Codecs.Snappy), pq.WithMaxRowGroupLength(128*1024), pq.WithStoreDecimalAsInteger(true)), pqarrow.DefaultWriterProps())
	if err != nil {
		b.Fatal(err)
	}
	statuses := []string{"pending", "paid", "shipped", "delivered", "cancelled", "refunded"}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer rb.Release()
	const chunk = 64 * 1024
	for start := 0; start < benchRows; start += chunk {
		for i := start; i < min(start+chunk, benchRows); i++ {
			x := uint64(i) * 0x9E3779B97F4A7C15
			rb.Field(0).(*array.Int64Builder).Append(int64(i))
			rb.Field(1).(*array.Int32Builder).Append(int32(x % 5000))
			rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(x % 100000)))
			rb.Field(3).(*array.StringBuilder).Append(statuses[x%6])
			rb.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(1_790_000_000_000_000 + int64(i)*1_000_000))
		}
		rec := rb.NewRecordBatch()
		if err := w.WriteBuffered(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return openTable(b, dir, "gold", "orders")
}

// cpuTime is the process's user and system CPU time so far, in ns: on a
// shared machine it moves less with the load than the wall time.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkScan reads the whole file through the scanner: go test
// -bench Scan -benchtime 5x ./engine/parquet.
func BenchmarkScan(b *testing.B) {
	tb := writeBenchTable(b)
	for _, bc := range []struct {
		name string
		proj []int
	}{
		{"all_columns", []int{0, 1, 2, 3, 4}},
		{"amount", []int{2}},
		{"fixed_width", []int{0, 1, 2, 4}}, // every column read without pqarrow
		{"count_only", nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(tb.SizeBytes)
			cpu0 := cpuTime()
			for b.Loop() {
				sc, err := parquet.NewScanner(tb, bc.proj, parquet.Options{})
				if err != nil {
					b.Fatal(err)
				}
				rows := int64(0)
				for {
					rec, err := sc.Next(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					if rec == nil {
						break
					}
					rows += rec.NumRows()
					rec.Release()
				}
				sc.Close()
				if rows != benchRows {
					b.Fatalf("%d rows", rows)
				}
			}
			b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}
