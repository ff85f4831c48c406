package demolake

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
)

// goldWriter receives the rows of one gold table (day: one day's rows of
// a day-partitioned table).
type goldWriter interface {
	write(table, day string, sc *arrow.Schema, fill func(b *array.RecordBuilder)) error
}

// hiveGold writes gold tables as Hive-style folders of dir.
type hiveGold string

func (dir hiveGold) write(table, day string, sc *arrow.Schema, fill func(b *array.RecordBuilder)) error {
	return writeFile(partFile(string(dir), "gold", table, day), sc, fill)
}

// icebergGold keeps the gold rows until commit writes them as Iceberg
// tables.
type icebergGold struct {
	tables []*goldTable
}

type goldTable struct {
	name string
	sc   *arrow.Schema
	recs []arrow.RecordBatch
}

// goldMeta is what the Iceberg gold tables say about themselves.
var goldMeta = map[string]struct {
	comment string
	key     string
	docs    map[string]string
}{
	"orders": {"One row per order, partitioned by the day it was placed (dt, UTC).", "order_id",
		map[string]string{"amount": "order total", "status": "pending, paid, shipped, delivered, cancelled or refunded", "dt": "day the order was placed (UTC)"}},
	"customers":     {"One row per customer.", "customer_id", map[string]string{"country": "ISO country code; NULL when unknown"}},
	"products":      {"One row per product of the catalogue.", "product_id", map[string]string{"price": "list price"}},
	"daily_revenue": {"Per day: orders that were not cancelled or refunded, their buyers and revenue.", "dt", nil},
}

func (g *icebergGold) write(table, day string, sc *arrow.Schema, fill func(b *array.RecordBuilder)) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	if day != "" {
		// The day is a column of the Iceberg table (its partition
		// source), not a path segment.
		t, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return err
		}
		d := arrow.Date32FromTime(t)
		db := array.NewDate32Builder(memory.DefaultAllocator)
		for range rec.NumRows() {
			db.Append(d)
		}
		dts := db.NewArray()
		db.Release()
		fields := append(slices.Clone(sc.Fields()), arrow.Field{Name: "dt", Type: arrow.FixedWidthTypes.Date32, Nullable: true})
		cols := append(slices.Clone(rec.Columns()), dts)
		sc = arrow.NewSchema(fields, nil)
		next := array.NewRecordBatch(sc, cols, rec.NumRows())
		rec.Release()
		dts.Release()
		rec = next
	}
	for _, t := range g.tables {
		if t.name == table {
			t.recs = append(t.recs, rec)
			return nil
		}
	}
	g.tables = append(g.tables, &goldTable{name: table, sc: sc, recs: []arrow.RecordBatch{rec}})
	return nil
}

// commit creates namespace gold in the embedded catalog of the lake at
// dir and writes each table with one append.
func (g *icebergGold) commit(dir string) error {
	ctx := context.Background()
	cat, err := catalog.LoadIcebergCatalog(ctx, catalog.EmbeddedIcebergCatalog(dir))
	if err != nil {
		return err
	}
	defer catalog.CloseIcebergCatalog(cat)
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"gold"}, iceberg.Properties{"comment": "curated tables (Apache Iceberg)"}); err != nil {
		return err
	}
	for _, t := range g.tables {
		if err := g.commitTable(ctx, cat, dir, t); err != nil {
			return fmt.Errorf("gold.%s: %w", t.name, err)
		}
	}
	return nil
}

func (g *icebergGold) commitTable(ctx context.Context, cat icecat.Catalog, dir string, t *goldTable) error {
	defer func() {
		for _, r := range t.recs {
			r.Release()
		}
	}()
	fresh, err := icetable.ArrowSchemaToIcebergWithFreshIDs(t.sc, false)
	if err != nil {
		return err
	}
	meta := goldMeta[t.name]
	fields := fresh.Fields()
	var ids []int
	for i := range fields {
		fields[i].Doc = meta.docs[fields[i].Name]
		if fields[i].Name == meta.key {
			ids = append(ids, fields[i].ID)
			fields[i].Required = true
		}
	}
	sc := iceberg.NewSchemaWithIdentifiers(0, ids, fields...)
	opts := []icecat.CreateTableOpt{
		// Row groups of 128k rows, as the Hive-style layers have: the
		// reader reads row groups in parallel (iceberg-go's default is 1M).
		icecat.WithProperties(iceberg.Properties{"comment": meta.comment, "format-version": "2", icetable.ParquetRowGroupLimitKey: "131072"}),
		icecat.WithLocation("file://" + filepath.Join(dir, catalog.EmbeddedIcebergDir, "warehouse", "gold", t.name)),
	}
	if dt, ok := sc.FindFieldByName("dt"); ok && t.name == "orders" {
		opts = append(opts, icecat.WithPartitionSpec(ptr(iceberg.NewPartitionSpec(
			iceberg.PartitionField{SourceIDs: []int{dt.ID}, FieldID: 1000, Name: "dt", Transform: iceberg.IdentityTransform{}}))))
	}
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"gold", t.name}, sc, opts...)
	if err != nil {
		return err
	}
	at := array.NewTableFromRecords(t.sc, t.recs)
	defer at.Release()
	_, err = tbl.AppendTable(ctx, at, 128*1024, nil)
	return err
}

func ptr[T any](v T) *T { return &v }
