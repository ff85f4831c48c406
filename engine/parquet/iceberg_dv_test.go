package parquet_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// Deletion vectors (Iceberg v3): iceberg-go writes a merge-on-read delete
// on a format-version 3 table as Puffin deletion vectors, one per data
// file. Sluice applies them like position deletes; every snapshot reads as
// iceberg-go's own reader reads it, time travel to before a delete still
// has the row, and a second delete of the same data file (whose vector
// replaces the first) keeps both deletes.
func TestIcebergDeletionVectors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.LoadIcebergCatalog(ctx, catalog.EmbeddedIcebergCatalog(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(cat)
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"gold"}, nil); err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"gold", "t"}, iceSchema, icecat.WithProperties(iceberg.Properties{
		icetable.PropertyFormatVersion: "3", icetable.WriteDeleteModeKey: icetable.WriteModeMergeOnRead,
	}))
	if err != nil {
		t.Fatal(err)
	}
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 1, 21))
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 21, 31))
	snapAppends := tbl.CurrentSnapshot().SnapshotID
	// One delete touching both data files, then another on the first.
	if tbl, err = tbl.Delete(ctx, iceberg.IsIn(iceberg.Reference("id"), int64(3), int64(22), int64(30)), nil); err != nil {
		t.Fatal(err)
	}
	snapDelete1 := tbl.CurrentSnapshot().SnapshotID
	if tbl, err = tbl.Delete(ctx, iceberg.EqualTo(iceberg.Reference("id"), int64(4)), nil); err != nil {
		t.Fatal(err)
	}
	snapDelete2 := tbl.CurrentSnapshot().SnapshotID
	if tbl.Metadata().Version() != 3 {
		t.Fatalf("table format version %d; the test means v3", tbl.Metadata().Version())
	}

	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cur, err := l.Current().Table("gold", "t")
	if err != nil {
		t.Fatalf("%v (problems %v)", err, l.Current().Problems)
	}
	vectors := 0
	for _, f := range cur.Files {
		for _, d := range f.Deletes {
			if !d.Vector {
				t.Errorf("delete file %s of a v3 table is not a deletion vector", d.Path)
				continue
			}
			vectors++
		}
	}
	if vectors != 2 {
		t.Fatalf("the plan has %d deletion vectors; want 2 (one per data file, the second delete's replacing the first's)", vectors)
	}
	if cur.RowCount != 26 {
		t.Errorf("row count %d; want 26 (30 written, 4 deleted)", cur.RowCount)
	}

	for _, c := range []struct {
		name string
		snap int64
		want []string
	}{
		{"before the deletes", snapAppends, expectRows(1, 31, func(int) bool { return false })},
		{"first delete", snapDelete1, expectRows(1, 31, func(i int) bool { return i == 3 || i == 22 || i == 30 })},
		{"second delete", snapDelete2, expectRows(1, 31, func(i int) bool { return i == 3 || i == 4 || i == 22 || i == 30 })},
	} {
		tb, err := l.Current().AsOf(ctx, "gold", "t", catalog.TimeTravel{SnapshotID: c.snap})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := sluiceRows(t, tb, []int{0, 1, 2})
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: sluice reads\n%v\nwant\n%v", c.name, got, c.want)
		}
		if oracle := icebergGoRows(t, tbl, c.snap); !slices.Equal(got, oracle) {
			t.Errorf("%s: sluice reads\n%v\niceberg-go reads\n%v", c.name, got, oracle)
		}
	}
	// count(*) reads no column and still drops the deleted positions.
	if n := len(sluiceRows(t, cur, nil)); n != 26 {
		t.Errorf("count(*) with deletion vectors: %d rows, want 26", n)
	}

	// A vector the manifest does not locate cannot be read: 0A000 naming
	// the table, not a damaged file. A vector whose bytes are not a
	// deletion vector is a damaged file: XX001.
	broken := func(edit func(*catalog.DeleteFile)) *catalog.Table {
		tb := *cur
		tb.Cache = nil
		tb.Files = slices.Clone(cur.Files)
		for i := range tb.Files {
			tb.Files[i].Deletes = slices.Clone(tb.Files[i].Deletes)
			for j := range tb.Files[i].Deletes {
				edit(&tb.Files[i].Deletes[j])
			}
		}
		return &tb
	}
	for _, c := range []struct {
		name, code, mention string
		edit                func(*catalog.DeleteFile)
	}{
		{"no content range", pgerr.FeatureNotSupported, "gold.t", func(d *catalog.DeleteFile) { d.Length = 0 }},
		{"range off the blob", "XX001", "gold.t", func(d *catalog.DeleteFile) { d.Offset++ }},
	} {
		sc, err := parquet.NewScanner(broken(c.edit), []int{0}, parquet.Options{Allocator: checkedAlloc(t)})
		for err == nil {
			var rec arrow.RecordBatch
			if rec, err = sc.Next(ctx); rec == nil {
				break
			}
			rec.Release()
		}
		if sc != nil {
			sc.Close()
		}
		if pgerr.Code(err) != c.code || !strings.Contains(err.Error(), c.mention) {
			t.Errorf("%s: error %v (code %q); want SQLSTATE %s naming %s", c.name, err, pgerr.Code(err), c.code, c.mention)
		}
	}
}
