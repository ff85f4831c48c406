package engine

import (
	"context"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// runCount executes root and reads its result to the end.
func runCount(b *testing.B, root plan.Node) {
	b.Helper()
	ctx := context.Background()
	st, err := New().Execute(ctx, root, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for {
		rec, err := st.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if rec == nil {
			return
		}
		rec.Release()
	}
}

// BenchmarkAggregateManyGroups groups 256Ki rows by one int8 key into
// 64Ki groups with count(*) and sum: the typed path's group creation, its
// key words and the typed emit (Q18's inner aggregate's shape).
func BenchmarkAggregateManyGroups(b *testing.B) {
	t := memTable("groups", 1<<18, 1<<16)
	ref := func(i int) plan.Expr { return &plan.ColumnRef{Index: i, Typ: pgtype.Int8} }
	agg := &plan.Aggregate{Input: plan.NewScan(t, []int{0, 1}), GroupBy: []plan.Expr{ref(0)},
		Aggs: []*plan.AggCall{{Func: "count", Type: pgtype.Int8}, {Func: "sum", Args: []plan.Expr{ref(1)}, Type: pgtype.Numeric}},
		Cols: []plan.Column{{Name: "k", Type: pgtype.Int8}, {Name: "count", Type: pgtype.Int8}, {Name: "sum", Type: pgtype.Numeric}}}
	for b.Loop() {
		runCount(b, agg)
	}
}

// BenchmarkHashJoinTwoKeys joins 256Ki probe rows to 16Ki build rows on
// two integer keys (Q20's partsupp shape) and counts the result.
func BenchmarkHashJoinTwoKeys(b *testing.B) {
	// Build keys are distinct, and each probe row matches one of them.
	rows := func(n int) []keyRow {
		out := make([]keyRow, n)
		for i := range out {
			j := i % (1 << 14)
			out[i] = keyRow{a: int64(j / 4), b: int32(j % 4), v: int64(i)}
		}
		return out
	}
	probe, build := keyTable("probe", rows(1<<18)), keyTable("build", rows(1<<14))
	ref := func(i int, t pgtype.Type) plan.Expr { return &plan.ColumnRef{Index: i, Typ: t} }
	join := &plan.Join{Left: plan.NewScan(probe, []int{0, 1, 2}), Right: plan.NewScan(build, []int{0, 1, 2}), Kind: plan.JoinInner,
		LeftKeys: []plan.Expr{ref(0, pgtype.Int8), ref(1, pgtype.Int4)}, RightKeys: []plan.Expr{ref(0, pgtype.Int8), ref(1, pgtype.Int4)}}
	root := &plan.Aggregate{Input: join, Aggs: []*plan.AggCall{{Func: "count", Type: pgtype.Int8}}, Cols: []plan.Column{{Name: "count", Type: pgtype.Int8}}}
	for b.Loop() {
		runCount(b, root)
	}
}

// BenchmarkAggregateCountDistinct groups 256Ki rows by one int8 key into
// 4Ki groups with count(DISTINCT v), every value distinct (TPC-H Q16's
// count(DISTINCT ps_suppkey)): the (group, value) pair set of the typed
// path.
func BenchmarkAggregateCountDistinct(b *testing.B) {
	t := memTable("groups", 1<<18, 1<<12)
	ref := func(i int) plan.Expr { return &plan.ColumnRef{Index: i, Typ: pgtype.Int8} }
	agg := &plan.Aggregate{Input: plan.NewScan(t, []int{0, 1}), GroupBy: []plan.Expr{ref(0)},
		Aggs: []*plan.AggCall{{Func: "count", Args: []plan.Expr{ref(1)}, Distinct: true, Type: pgtype.Int8}},
		Cols: []plan.Column{{Name: "k", Type: pgtype.Int8}, {Name: "count", Type: pgtype.Int8}}}
	for b.Loop() {
		runCount(b, agg)
	}
}
