package engine

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// memTable is a system table of n rows (k int8 = i % mod, v int8 = i) in
// batches of 64Ki rows, built once.
func memTable(name string, n, mod int) *catalog.Table {
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64, Nullable: true}, {Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	var batches []arrow.RecordBatch
	for lo := 0; lo < n; lo += 1 << 16 {
		hi := min(lo+1<<16, n)
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := lo; i < hi; i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i % mod))
			b.Field(1).(*array.Int64Builder).Append(int64(i))
		}
		batches = append(batches, b.NewRecordBatch())
		b.Release()
	}
	return &catalog.Table{Schema: "bench", Name: name, Format: catalog.FormatSystem, RowCount: int64(n),
		Columns: []catalog.Column{{Name: "k", Type: pgtype.Int8}, {Name: "v", Type: pgtype.Int8}},
		Rows: func(context.Context) ([]arrow.RecordBatch, error) {
			for _, b := range batches {
				b.Retain()
			}
			return batches, nil
		}}
}

// BenchmarkHashJoin joins 256Ki probe rows to a 16Ki-row build side on one
// int8 key (the foreign-key shape) and counts the result.
func BenchmarkHashJoin(b *testing.B) {
	probe, build := memTable("probe", 1<<18, 1<<14), memTable("build", 1<<14, 1<<14)
	key := func(i int) plan.Expr { return &plan.ColumnRef{Index: i, Name: "k", Typ: pgtype.Int8} }
	join := &plan.Join{Left: plan.NewScan(probe, []int{0, 1}), Right: plan.NewScan(build, []int{0, 1}), Kind: plan.JoinInner,
		LeftKeys: []plan.Expr{key(0)}, RightKeys: []plan.Expr{key(0)}}
	root := &plan.Aggregate{Input: join, Aggs: []*plan.AggCall{{Func: "count", Type: pgtype.Int8}}, Cols: []plan.Column{{Name: "count", Type: pgtype.Int8}}}
	e := New()
	ctx := context.Background()
	for b.Loop() {
		st, err := e.Execute(ctx, root, nil)
		if err != nil {
			b.Fatal(err)
		}
		rec, err := st.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if got := rec.Column(0).(*array.Int64).Value(0); got != 1<<18 {
			b.Fatalf("count %d, want %d", got, 1<<18)
		}
		rec.Release()
		st.Close()
	}
}

// BenchmarkSemiJoin is EXISTS of 16Ki outer rows over 1Mi subquery rows
// (TPC-H Q4's shape), building either side: the outer rows, which the
// probe marks (what the planner picks), or the subquery's. Every outer row
// has matches (semi keeps all, anti none) among keys of 64Ki values.
func BenchmarkSemiJoin(b *testing.B) {
	outer, inner := memTable("outer", 1<<14, 1<<14), memTable("inner", 1<<20, 1<<16)
	key := func(i int) plan.Expr { return &plan.ColumnRef{Index: i, Name: "k", Typ: pgtype.Int8} }
	for _, kind := range []plan.JoinKind{plan.JoinSemi, plan.JoinAnti} {
		for _, buildLeft := range []bool{true, false} {
			name := kind.String() + "/build=subquery"
			if buildLeft {
				name = kind.String() + "/build=outer"
			}
			want := int64(1 << 14)
			if kind == plan.JoinAnti {
				want = 0
			}
			join := &plan.Join{Left: plan.NewScan(outer, []int{0, 1}), Right: plan.NewScan(inner, []int{0}), Kind: kind,
				LeftKeys: []plan.Expr{key(0)}, RightKeys: []plan.Expr{key(0)}, BuildLeft: buildLeft}
			root := &plan.Aggregate{Input: join, Aggs: []*plan.AggCall{{Func: "count", Type: pgtype.Int8}}, Cols: []plan.Column{{Name: "count", Type: pgtype.Int8}}}
			b.Run(name, func(b *testing.B) {
				e := New()
				ctx := context.Background()
				for b.Loop() {
					st, err := e.Execute(ctx, root, nil)
					if err != nil {
						b.Fatal(err)
					}
					rec, err := st.Next(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if got := rec.Column(0).(*array.Int64).Value(0); got != want {
						b.Fatalf("count %d, want %d", got, want)
					}
					rec.Release()
					st.Close()
				}
			})
		}
	}
}

// BenchmarkHashJoinSortedProbe joins 256Ki probe rows sorted by their
// int8 key, four rows per key (lineitem by l_orderkey), to 64Ki distinct
// build keys: the probe looks up each run of equal keys once.
func BenchmarkHashJoinSortedProbe(b *testing.B) {
	rows := func(n, per int) []keyRow {
		out := make([]keyRow, n)
		for i := range out {
			out[i] = keyRow{a: int64(i / per), v: int64(i)}
		}
		return out
	}
	probe, build := keyTable("probe", rows(1<<18, 4)), keyTable("build", rows(1<<16, 1))
	key := &plan.ColumnRef{Index: 0, Name: "a", Typ: pgtype.Int8}
	join := &plan.Join{Left: plan.NewScan(probe, []int{0, 2}), Right: plan.NewScan(build, []int{0, 2}), Kind: plan.JoinInner,
		LeftKeys: []plan.Expr{key}, RightKeys: []plan.Expr{key}}
	root := &plan.Aggregate{Input: join, Aggs: []*plan.AggCall{{Func: "count", Type: pgtype.Int8}}, Cols: []plan.Column{{Name: "count", Type: pgtype.Int8}}}
	for b.Loop() {
		runCount(b, root)
	}
}
