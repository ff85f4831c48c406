package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/icebergresttest"
)

// TestIcebergRESTDeletionVector: a merge-on-read delete on a format v3
// table, committed by iceberg-go through Apache Iceberg's reference REST
// catalog, is a Puffin deletion vector. The lake serves the table (it was
// refused before deletion vectors were read) with the vector in its plan,
// the deleted row not counted, and the snapshot before the delete without
// it. The rows themselves are read in engine/parquet's and cmd/sluice's
// tests.
func TestIcebergRESTDeletionVector(t *testing.T) {
	ctx := context.Background()
	srv := icebergresttest.Start(t)
	ref := catalog.IcebergCatalog{Name: "rest", Type: catalog.IcebergREST, URI: srv.URL}
	writer, err := catalog.LoadIcebergCatalog(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(writer)
	if err := writer.CreateNamespace(ctx, icetable.Identifier{"v3"}, nil); err != nil {
		t.Fatal(err)
	}
	sch := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "note", Type: iceberg.PrimitiveTypes.String})
	tbl, err := writer.CreateTable(ctx, icetable.Identifier{"v3", "t"}, sch, icecat.WithProperties(iceberg.Properties{
		icetable.PropertyFormatVersion: "3", icetable.WriteDeleteModeKey: icetable.WriteModeMergeOnRead}))
	if err != nil {
		t.Fatal(err)
	}
	tbl = appendRows(t, tbl, `[{"id": 1, "note": "a"}, {"id": 2, "note": "b"}, {"id": 3, "note": "c"}]`)
	before := tbl.CurrentSnapshot().SnapshotID
	if tbl, err = tbl.Delete(ctx, iceberg.EqualTo(iceberg.Reference("id"), int64(2)), nil); err != nil {
		t.Fatal(err)
	}
	if tbl.Metadata().Version() != 3 || tbl.CurrentSnapshot().Summary.Properties["added-position-delete-files"] != "1" {
		t.Fatalf("want a v3 table with one deletion vector; summary %+v", tbl.CurrentSnapshot().Summary)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{ref}})
	if err != nil {
		t.Fatal(err)
	}
	defer lake.Close()
	tb, err := lake.Current().Table("v3", "t")
	if err != nil {
		t.Fatalf("v3.t with a deletion vector: %v", err)
	}
	if tb.SnapshotID != tbl.CurrentSnapshot().SnapshotID || tb.RowCount != 2 {
		t.Errorf("v3.t: snapshot %d, %d rows; want snapshot %d, 2 rows (id 2 deleted by the vector)", tb.SnapshotID, tb.RowCount, tbl.CurrentSnapshot().SnapshotID)
	}
	var vectors []catalog.DeleteFile
	for _, f := range tb.Files {
		for _, d := range f.Deletes {
			if d.Vector {
				vectors = append(vectors, d)
			}
		}
	}
	if len(vectors) != 1 || vectors[0].Rows != 1 || vectors[0].Length <= 0 || filepath.Ext(vectors[0].Path) != ".puffin" {
		t.Errorf("v3.t's deletes %+v; want one vector of one position, located in a .puffin file", vectors)
	}
	old, err := lake.Current().AsOf(ctx, "v3", "t", catalog.TimeTravel{SnapshotID: before})
	if err != nil {
		t.Fatal(err)
	}
	if old.RowCount != 3 || len(old.Files) != 1 || len(old.Files[0].Deletes) != 0 {
		t.Errorf("v3.t before the delete: %d rows, %d files, deletes %+v; want 3 rows in one file without deletes", old.RowCount, len(old.Files), old.Files)
	}
}
