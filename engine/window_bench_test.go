package engine

import (
	"context"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// BenchmarkWindow computes row_number() and a running sum over 256Ki rows
// in 1Ki partitions (PARTITION BY k ORDER BY v): one sort, two calls.
func BenchmarkWindow(b *testing.B) {
	t := memTable("w", 1<<18, 1<<10)
	ref := func(i int, name string) plan.Expr { return &plan.ColumnRef{Index: i, Name: name, Typ: pgtype.Int8} }
	spec := func(c *plan.WindowCall) *plan.WindowCall {
		c.PartitionBy = []plan.Expr{ref(0, "k")}
		c.OrderBy = []plan.SortKey{{Expr: ref(1, "v")}}
		c.FrameOptions = plan.FrameDefaults
		return c
	}
	calls := []*plan.WindowCall{
		spec(&plan.WindowCall{Func: "row_number", Typ: pgtype.Int8}),
		spec(&plan.WindowCall{Func: "sum", Agg: &plan.AggCall{Func: "sum", Args: []plan.Expr{ref(1, "v")}, Type: pgtype.Numeric}, Typ: pgtype.Numeric}),
	}
	scan := plan.NewScan(t, []int{0, 1})
	cols := append(append([]plan.Column(nil), scan.Columns()...), plan.Column{Name: "row_number", Type: pgtype.Int8}, plan.Column{Name: "sum", Type: pgtype.Numeric})
	root := &plan.Window{Input: scan, Calls: calls, Cols: cols}
	e := New()
	ctx := context.Background()
	for b.Loop() {
		st, err := e.Execute(ctx, root, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			rec, err := st.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if rec == nil {
				break
			}
			rows += int(rec.NumRows())
			rec.Release()
		}
		st.Close()
		if rows != 1<<18 {
			b.Fatalf("%d rows, want %d", rows, 1<<18)
		}
	}
}
