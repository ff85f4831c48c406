package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// keyRow is one row of keyTable: a int8, b int4 (NULL when bNull), v int8.
type keyRow struct {
	a     int64
	b     int32
	bNull bool
	v     int64
}

// keyTable is a system table of rows in batches of 1000.
func keyTable(name string, rows []keyRow) *catalog.Table {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int32, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	var batches []arrow.RecordBatch
	for lo := 0; lo < len(rows); lo += 1000 {
		bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for _, r := range rows[lo:min(lo+1000, len(rows))] {
			bld.Field(0).(*array.Int64Builder).Append(r.a)
			if r.bNull {
				bld.Field(1).AppendNull()
			} else {
				bld.Field(1).(*array.Int32Builder).Append(r.b)
			}
			bld.Field(2).(*array.Int64Builder).Append(r.v)
		}
		batches = append(batches, bld.NewRecordBatch())
		bld.Release()
	}
	return &catalog.Table{Schema: "test", Name: name, Format: catalog.FormatSystem, RowCount: int64(len(rows)),
		Columns: []catalog.Column{{Name: "a", Type: pgtype.Int8}, {Name: "b", Type: pgtype.Int4}, {Name: "v", Type: pgtype.Int8}},
		Rows: func(context.Context) ([]arrow.RecordBatch, error) {
			for _, b := range batches {
				b.Retain()
			}
			return batches, nil
		}}
}

func genKeyRows(seed uint64, n int) []keyRow {
	r := rand.New(rand.NewPCG(seed, 1))
	rows := make([]keyRow, n)
	for i := range rows {
		rows[i] = keyRow{a: r.Int64N(40) - 20, b: int32(r.IntN(30)), bNull: r.IntN(25) == 0, v: int64(i)}
		if i%97 == 0 {
			rows[i].a = r.Int64() // wide values, negative too
		}
	}
	return rows
}

// TestMultiKeyAggregateAndJoin checks the typed paths for two integer
// keys (grouping by a and b, joining on both) against sums computed here,
// with NULL keys (one group of their own; never joined).
func TestMultiKeyAggregateAndJoin(t *testing.T) {
	left, right := genKeyRows(1, 20000), genKeyRows(2, 3000)
	lt, rt := keyTable("l", left), keyTable("r", right)
	ref := func(i int, typ pgtype.Type) plan.Expr { return &plan.ColumnRef{Index: i, Typ: typ} }

	type key struct {
		a    int64
		b    int32
		null bool
	}
	wantGroups := map[string]bool{}
	sums := map[key][2]int64{}
	for _, r := range left {
		k := key{a: r.a, b: r.b, null: r.bNull}
		if r.bNull {
			k.b = 0
		}
		s := sums[k]
		sums[k] = [2]int64{s[0] + 1, s[1] + r.v}
	}
	for k, s := range sums {
		b := fmt.Sprint(k.b)
		if k.null {
			b = "NULL"
		}
		wantGroups[fmt.Sprintf("%d|%s|%d|%d", k.a, b, s[0], s[1])] = true
	}
	agg := &plan.Aggregate{Input: plan.NewScan(lt, []int{0, 1, 2}),
		GroupBy: []plan.Expr{ref(0, pgtype.Int8), ref(1, pgtype.Int4)},
		Aggs:    []*plan.AggCall{{Func: "count", Type: pgtype.Int8}, {Func: "sum", Args: []plan.Expr{ref(2, pgtype.Int8)}, Type: pgtype.Numeric}},
		Cols:    []plan.Column{{Name: "a", Type: pgtype.Int8}, {Name: "b", Type: pgtype.Int4}, {Name: "count", Type: pgtype.Int8}, {Name: "sum", Type: pgtype.Numeric}}}
	got := runRows(t, agg)
	if len(got) != len(wantGroups) {
		t.Fatalf("%d groups, want %d", len(got), len(wantGroups))
	}
	for _, g := range got {
		if !wantGroups[g] {
			t.Fatalf("group %s not expected", g)
		}
	}

	// Inner join on (a, b) = (a, b), counted with the sum of both v.
	var count, sum int64
	byKey := map[key][]int64{}
	for _, r := range right {
		if !r.bNull {
			byKey[key{a: r.a, b: r.b}] = append(byKey[key{a: r.a, b: r.b}], r.v)
		}
	}
	for _, l := range left {
		if l.bNull {
			continue
		}
		for _, v := range byKey[key{a: l.a, b: l.b}] {
			count++
			sum += l.v + v
		}
	}
	for _, buildLeft := range []bool{false, true} {
		join := &plan.Join{Left: plan.NewScan(lt, []int{0, 1, 2}), Right: plan.NewScan(rt, []int{0, 1, 2}), Kind: plan.JoinInner, BuildLeft: buildLeft,
			LeftKeys: []plan.Expr{ref(0, pgtype.Int8), ref(1, pgtype.Int4)}, RightKeys: []plan.Expr{ref(0, pgtype.Int8), ref(1, pgtype.Int4)}}
		total := &plan.Aggregate{Input: join,
			Aggs: []*plan.AggCall{{Func: "count", Type: pgtype.Int8}, {Func: "sum", Args: []plan.Expr{&plan.Call{Func: "add", Op: "+", Args: []plan.Expr{ref(2, pgtype.Int8), ref(5, pgtype.Int8)}, Typ: pgtype.Int8}}, Type: pgtype.Numeric}},
			Cols: []plan.Column{{Name: "count", Type: pgtype.Int8}, {Name: "sum", Type: pgtype.Numeric}}}
		if got, want := runRows(t, total), fmt.Sprintf("%d|%d", count, sum); len(got) != 1 || got[0] != want {
			t.Errorf("build left %v: join gives %v, want %s", buildLeft, got, want)
		}
	}
}

// runRows runs root and returns its rows as text.
func runRows(t *testing.T, root plan.Node) []string {
	t.Helper()
	ctx := context.Background()
	st, err := New().Execute(ctx, root, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var rows []string
	cols := root.Columns()
	for {
		b, err := st.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return rows
		}
		for r := 0; r < int(b.NumRows()); r++ {
			row := ""
			for c := range cols {
				if c > 0 {
					row += "|"
				}
				d := pgtype.DatumAt(cols[c].Type, b.Column(c), r)
				if d == nil {
					row += "NULL"
					continue
				}
				txt, err := pgtype.AppendText(nil, cols[c].Type, d, pgtype.DefaultSettings())
				if err != nil {
					t.Fatal(err)
				}
				row += string(txt)
			}
			rows = append(rows, row)
		}
		b.Release()
	}
}
