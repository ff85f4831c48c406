package parquet_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/parquet"
)

const iceBenchRows = 1_000_000

// BenchmarkIcebergScan reads iceBenchRows rows of an Iceberg table (id,
// name, amount) as of three snapshots: plain, after a merge-on-read delete
// of 1% of the rows (position deletes), and after equality deletes of
// another 1% by id.
func BenchmarkIcebergScan(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	cat, err := catalog.LoadIcebergCatalog(ctx, catalog.EmbeddedIcebergCatalog(dir))
	if err != nil {
		b.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(cat)
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"gold"}, nil); err != nil {
		b.Fatal(err)
	}
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"gold", "t"}, iceSchema, icecat.WithProperties(iceberg.Properties{
		"format-version": "2", icetable.WriteDeleteModeKey: icetable.WriteModeMergeOnRead,
		icetable.ParquetRowGroupLimitKey: "131072", // parallel row groups, as the Hive-style benchmark has
	}))
	if err != nil {
		b.Fatal(err)
	}
	sc, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		b.Fatal(err)
	}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for i := range iceBenchRows {
		rb.Field(0).(*array.Int64Builder).Append(int64(i))
		rb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("n%d", i%1000))
		rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i % 100000)))
	}
	rec := rb.NewRecordBatch()
	rb.Release()
	at := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	rec.Release()
	if tbl, err = tbl.AppendTable(ctx, at, 128*1024, nil); err != nil {
		b.Fatal(err)
	}
	at.Release()
	plain := tbl.CurrentSnapshot().SnapshotID
	if tbl, err = tbl.Delete(ctx, iceberg.LessThan(iceberg.Reference("id"), int64(iceBenchRows/100)), nil); err != nil {
		b.Fatal(err)
	}
	posDeleted := tbl.CurrentSnapshot().SnapshotID
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	for i := range iceBenchRows / 100 {
		ib.Append(int64(iceBenchRows - 1 - i))
	}
	ids := ib.NewArray()
	ib.Release()
	keys := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{sc.Field(0)}, nil), []arrow.Array{ids}, int64(ids.Len()))
	ids.Release()
	tx := tbl.NewTransaction()
	if err := tx.CommitEqualityDeletes(ctx, []int{1}, func(yield func(arrow.RecordBatch, error) bool) { yield(keys, nil) }, nil); err != nil {
		b.Fatal(err)
	}
	keys.Release()
	if tbl, err = tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	eqDeleted := tbl.CurrentSnapshot().SnapshotID

	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	for _, c := range []struct {
		name string
		snap int64
		rows int64
	}{
		{"plain", plain, iceBenchRows},
		{"position-deletes", posDeleted, iceBenchRows * 99 / 100},
		{"equality-deletes", eqDeleted, iceBenchRows * 98 / 100},
	} {
		tb, err := l.Current().AsOf(ctx, "gold", "t", catalog.TimeTravel{SnapshotID: c.snap})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				sc, err := parquet.NewScanner(tb, []int{0, 2}, parquet.Options{})
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				for {
					batch, err := sc.Next(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if batch == nil {
						break
					}
					n += batch.NumRows()
					batch.Release()
				}
				sc.Close()
				if n != c.rows {
					b.Fatalf("%d rows, want %d", n, c.rows)
				}
			}
			b.ReportMetric(float64(c.rows)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
		})
	}
}
