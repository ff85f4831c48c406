package parquet_test

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/iceberg-go"
	icecat "github.com/apache/iceberg-go/catalog"
	icetable "github.com/apache/iceberg-go/table"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/parquet"
)

var iceSchema = iceberg.NewSchema(0,
	iceberg.NestedField{ID: 1, Name: "id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
	iceberg.NestedField{ID: 2, Name: "name", Type: iceberg.PrimitiveTypes.String},
	iceberg.NestedField{ID: 3, Name: "amount", Type: iceberg.DecimalTypeOf(10, 2)},
)

// iceLake is a lake directory whose embedded Iceberg catalog has an empty
// table gold.t (format v2, deletes merge-on-read) and the writer's handle.
func iceLake(t *testing.T) (string, *icetable.Table) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.LoadIcebergCatalog(ctx, catalog.EmbeddedIcebergCatalog(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { catalog.CloseIcebergCatalog(cat) })
	if err := cat.CreateNamespace(ctx, icetable.Identifier{"gold"}, nil); err != nil {
		t.Fatal(err)
	}
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{"gold", "t"}, iceSchema, icecat.WithProperties(iceberg.Properties{
		"format-version": "2", icetable.WriteDeleteModeKey: icetable.WriteModeMergeOnRead,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return dir, tbl
}

// iceRecord is rows ids from..to-1 named n<id> with amount id.25 (NULL
// names for ids divisible by 7).
func iceRecord(t *testing.T, tbl *icetable.Table, from, to int) arrow.RecordBatch {
	t.Helper()
	var parts []string
	for i := from; i < to; i++ {
		name := fmt.Sprintf(`"n%d"`, i)
		if i%7 == 0 {
			name = "null"
		}
		parts = append(parts, fmt.Sprintf(`{"id": %d, "name": %s, "amount": "%d.25"}`, i, name, i))
	}
	return jsonRecord(t, tbl, "["+strings.Join(parts, ",")+"]")
}

func jsonRecord(t *testing.T, tbl *icetable.Table, rows string) arrow.RecordBatch {
	t.Helper()
	sc, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := array.RecordFromJSON(memory.DefaultAllocator, sc, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func iceAppend(t *testing.T, tbl *icetable.Table, rec arrow.RecordBatch) *icetable.Table {
	t.Helper()
	defer rec.Release()
	at := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
	defer at.Release()
	next, err := tbl.AppendTable(context.Background(), at, 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	return next
}

// icebergGoRows reads a snapshot with iceberg-go's own Arrow reader (the
// oracle), rows as id|name|amount, sorted.
func icebergGoRows(t *testing.T, tbl *icetable.Table, snapshot int64) []string {
	t.Helper()
	at, err := tbl.Scan(icetable.WithSnapshotID(snapshot)).ToArrowTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer at.Release()
	tr := array.NewTableReader(at, 1024)
	defer tr.Release()
	var rows []string
	for tr.Next() {
		rec := tr.RecordBatch()
		for r := range int(rec.NumRows()) {
			parts := make([]string, rec.NumCols())
			for c := range parts {
				parts[c] = rec.Column(c).ValueStr(r)
			}
			rows = append(rows, strings.Join(parts, "|"))
		}
	}
	slices.Sort(rows)
	return rows
}

func sluiceRows(t *testing.T, tb *catalog.Table, proj []int) []string {
	t.Helper()
	sc, err := parquet.NewScanner(tb, proj, parquet.Options{Allocator: checkedAlloc(t), BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	rows := scanAll(t, sc)
	slices.Sort(rows)
	return rows
}

func expectRows(from, to int, gone func(id int) bool) []string {
	var rows []string
	for i := from; i < to; i++ {
		if gone(i) {
			continue
		}
		name := fmt.Sprintf("n%d", i)
		if i%7 == 0 {
			name = "(null)"
		}
		rows = append(rows, fmt.Sprintf("%d|%s|%d.25", i, name, i))
	}
	slices.Sort(rows)
	return rows
}

// Position and equality deletes are applied; every snapshot reads as
// iceberg-go's own reader reads it, and as the rows written minus the
// rows deleted.
func TestIcebergDeletesAndSnapshots(t *testing.T) {
	ctx := context.Background()
	dir, tbl := iceLake(t)
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 1, 21))
	snapAppend1 := tbl.CurrentSnapshot().SnapshotID
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 21, 31))
	snapAppend2 := tbl.CurrentSnapshot().SnapshotID

	// Merge-on-read delete: position delete files.
	var err error
	tbl, err = tbl.Delete(ctx, iceberg.IsIn(iceberg.Reference("id"), int64(3), int64(22), int64(30)), nil)
	if err != nil {
		t.Fatal(err)
	}
	snapPosDelete := tbl.CurrentSnapshot().SnapshotID

	// Equality deletes on name, one of them NULL (NULL equals NULL here).
	tx := tbl.NewTransaction()
	del := jsonRecord(t, tbl, `[{"id": 0, "name": "n5"}, {"id": 0, "name": "n25"}, {"id": 0, "name": null}]`)
	delSc := arrow.NewSchema([]arrow.Field{del.Schema().Field(1)}, nil)
	nameOnly := array.NewRecordBatch(delSc, []arrow.Array{del.Column(1)}, del.NumRows())
	del.Release()
	records := iter.Seq2[arrow.RecordBatch, error](func(yield func(arrow.RecordBatch, error) bool) { yield(nameOnly, nil) })
	if err := tx.CommitEqualityDeletes(ctx, []int{2}, records, nil); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	nameOnly.Release()
	snapEqDelete := tbl.CurrentSnapshot().SnapshotID

	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cur, err := l.Current().Table("gold", "t")
	if err != nil {
		t.Fatalf("%v (problems %v)", err, l.Current().Problems)
	}
	var posFiles, eqFiles int
	for _, f := range cur.Files {
		for _, d := range f.Deletes {
			if len(d.EqualityFieldIDs) > 0 {
				eqFiles++
			} else {
				posFiles++
			}
		}
	}
	if posFiles == 0 || eqFiles == 0 {
		t.Fatalf("the plan has %d position and %d equality delete files; the test needs both", posFiles, eqFiles)
	}

	for _, c := range []struct {
		name string
		snap int64
		want []string
	}{
		{"first append", snapAppend1, expectRows(1, 21, func(int) bool { return false })},
		{"second append", snapAppend2, expectRows(1, 31, func(int) bool { return false })},
		{"position deletes", snapPosDelete, expectRows(1, 31, func(i int) bool { return i == 3 || i == 22 || i == 30 })},
		{"equality deletes", snapEqDelete, expectRows(1, 31, func(i int) bool {
			return i == 3 || i == 22 || i == 30 || i == 5 || i == 25 || i%7 == 0
		})},
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
	if cur.SnapshotID != snapEqDelete {
		t.Errorf("current snapshot %d, want %d", cur.SnapshotID, snapEqDelete)
	}

	// A projection without the equality column still applies the
	// equality deletes; one without any column (count(*)) the position
	// deletes too.
	want := expectRows(1, 31, func(i int) bool { return i == 3 || i == 22 || i == 30 || i == 5 || i == 25 || i%7 == 0 })
	ids := sluiceRows(t, cur, []int{0})
	if len(ids) != len(want) {
		t.Errorf("id only: %d rows, want %d", len(ids), len(want))
	}
	posOnly, _ := l.Current().AsOf(ctx, "gold", "t", catalog.TimeTravel{SnapshotID: snapPosDelete})
	if n := len(sluiceRows(t, posOnly, nil)); n != 27 {
		t.Errorf("count(*) with position deletes: %d rows, want 27", n)
	}
}

// Columns are read by field id: a renamed column keeps its values, a
// column added later reads NULL in the older files; the schema change
// moves the table's version although no snapshot was added.
func TestIcebergColumnsByFieldID(t *testing.T) {
	ctx := context.Background()
	dir, tbl := iceLake(t)
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 1, 3))
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	before, _ := l.Current().Table("gold", "t")

	tx := tbl.NewTransaction()
	if err := tx.UpdateSchema(true, false).RenameColumn([]string{"name"}, "label").
		AddColumn([]string{"note"}, iceberg.PrimitiveTypes.String, "a remark", false, nil).Commit(); err != nil {
		t.Fatal(err)
	}
	if tbl, err = tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	renamed, err := l.Current().Table("gold", "t")
	if err != nil {
		t.Fatal(err)
	}
	if renamed.Version == before.Version || renamed.SnapshotID != before.SnapshotID {
		t.Errorf("schema change: version %s -> %s, snapshot %d -> %d", before.Version, renamed.Version, before.SnapshotID, renamed.SnapshotID)
	}
	tbl = iceAppend(t, tbl, jsonRecord(t, tbl, `[{"id": 9, "label": "new", "amount": "1.00", "note": "hi"}]`))
	if _, err := l.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	tb, err := l.Current().Table("gold", "t")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tb.Columns {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"id", "label", "amount", "note"}) || tb.Columns[3].Comment != "a remark" {
		t.Fatalf("columns %v", tb.Columns)
	}
	// Row-group statistics find the renamed column by its id too (by its
	// new name the old file would look all NULL and be pruned wrongly).
	for _, f := range tb.Files {
		st, err := parquet.RowGroupStats(tb, &f, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 || st[0].Min == nil || st[0].NullCount != 0 {
			t.Errorf("stats of label in %s: %+v", f.RelPath, st)
		}
	}
	got := sluiceRows(t, tb, []int{0, 1, 3})
	want := []string{"1|n1|(null)", "2|n2|(null)", "9|new|hi"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

// Appends commit while the lake polls and queries read: every read sees
// exactly the rows of one snapshot (all of the first k commits, nothing of
// later ones), and the last commit becomes visible.
func TestIcebergAppendWhileReading(t *testing.T) {
	dir, tbl := iceLake(t)
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 0, 10))
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Poll(ctx, 5*time.Millisecond)

	const commits = 8
	done := make(chan error, 1)
	go func() {
		var err error
		defer func() { done <- err }()
		for k := 1; k < commits; k++ {
			at := array.NewTableFromRecords(iceSchemaArrow(t, tbl), []arrow.RecordBatch{iceRecord(t, tbl, 10*k, 10*k+10)})
			tbl, err = tbl.AppendTable(context.Background(), at, 1024, nil)
			at.Release()
			if err != nil {
				return
			}
		}
	}()
	seen := map[int]bool{}
	writing := true
	for writing || !seen[commits] {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			writing = false
		default:
		}
		tb, err := l.Current().Table("gold", "t")
		if err != nil {
			t.Fatal(err)
		}
		ids := sluiceRows(t, tb, []int{0})
		n := len(ids)
		if n%10 != 0 || n == 0 {
			t.Fatalf("a read saw %d rows: not whole commits", n)
		}
		got := map[string]bool{}
		for _, id := range ids {
			got[id] = true
		}
		for i := range n {
			if !got[fmt.Sprint(i)] {
				t.Fatalf("a read of %d rows misses id %d: not a snapshot's rows", n, i)
			}
		}
		if want := tb.RowCount; int64(n) != want {
			t.Fatalf("a read saw %d rows of a table whose snapshot has %d", n, want)
		}
		seen[n/10] = true
		if !writing && !seen[commits] {
			if _, err := l.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("reads saw %d distinct snapshots of %d", len(seen), commits)
}

func iceSchemaArrow(t *testing.T, tbl *icetable.Table) *arrow.Schema {
	sc, err := icetable.SchemaToArrowSchema(tbl.Schema(), nil, false, false)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Equality deletes on several typed columns delete a row only when all
// of its values match one delete row.
func TestIcebergEqualityDeleteOnTwoColumns(t *testing.T) {
	ctx := context.Background()
	dir, tbl := iceLake(t)
	tbl = iceAppend(t, tbl, iceRecord(t, tbl, 1, 9))
	del := jsonRecord(t, tbl, `[{"id": 4, "amount": "4.25"}, {"id": 6, "amount": "999.00"}, {"id": 8, "amount": "8.25"}]`)
	sc := arrow.NewSchema([]arrow.Field{del.Schema().Field(0), del.Schema().Field(2)}, nil)
	keys := array.NewRecordBatch(sc, []arrow.Array{del.Column(0), del.Column(2)}, del.NumRows())
	del.Release()
	defer keys.Release()
	tx := tbl.NewTransaction()
	if err := tx.CommitEqualityDeletes(ctx, []int{1, 3}, func(yield func(arrow.RecordBatch, error) bool) { yield(keys, nil) }, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tb, err := l.Current().Table("gold", "t")
	if err != nil {
		t.Fatal(err)
	}
	got := sluiceRows(t, tb, []int{0, 2})
	want := []string{"1|1.25", "2|2.25", "3|3.25", "5|5.25", "6|6.25", "7|7.25"}
	if !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}
