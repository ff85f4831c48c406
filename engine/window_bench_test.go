package engine

import (
	"context"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// BenchmarkWindow computes window calls over 256Ki int8 rows (k = i mod
// 1Ki, v = i): "rownumber_sum" is row_number() and a running numeric sum
// (PARTITION BY k ORDER BY v: one sort, two calls; the sum stays on the
// Datum path); "ranks_offsets" is rank, dense_rank, lag and lead over the
// same specification; "frames" is count(v), min(v) and max(v) over a
// sliding ROWS frame and over the whole partition.
func BenchmarkWindow(b *testing.B) {
	t := memTable("w", 1<<18, 1<<10)
	ref := func(i int, name string) plan.Expr { return &plan.ColumnRef{Index: i, Name: name, Typ: pgtype.Int8} }
	spec := func(c *plan.WindowCall) *plan.WindowCall {
		c.PartitionBy = []plan.Expr{ref(0, "k")}
		c.OrderBy = []plan.SortKey{{Expr: ref(1, "v")}}
		if c.FrameOptions == 0 {
			c.FrameOptions = plan.FrameDefaults
		}
		return c
	}
	agg := func(f string, typ pgtype.Type, frame int) *plan.WindowCall {
		return spec(&plan.WindowCall{Func: f, Agg: &plan.AggCall{Func: f, Args: []plan.Expr{ref(1, "v")}, Type: typ}, Typ: typ, FrameOptions: frame})
	}
	sliding := plan.FrameNonDefault | plan.FrameRows | plan.FrameStartOffsetPrec | plan.FrameEndCurrentRow
	whole := plan.FrameNonDefault | plan.FrameRows | plan.FrameStartUnboundedPrec | plan.FrameEndUnboundedFoll
	one := &plan.Const{Value: int64(3), Typ: pgtype.Int8}
	for _, c := range []struct {
		name  string
		calls []*plan.WindowCall
	}{
		{"rownumber_sum", []*plan.WindowCall{
			spec(&plan.WindowCall{Func: "row_number", Typ: pgtype.Int8}),
			agg("sum", pgtype.Numeric, 0),
		}},
		{"ranks_offsets", []*plan.WindowCall{
			spec(&plan.WindowCall{Func: "rank", Typ: pgtype.Int8}),
			spec(&plan.WindowCall{Func: "dense_rank", Typ: pgtype.Int8}),
			spec(&plan.WindowCall{Func: "lag", Args: []plan.Expr{ref(1, "v")}, Typ: pgtype.Int8}),
			spec(&plan.WindowCall{Func: "lead", Args: []plan.Expr{ref(1, "v")}, Typ: pgtype.Int8}),
		}},
		{"frames", func() []*plan.WindowCall {
			calls := []*plan.WindowCall{agg("count", pgtype.Int8, sliding), agg("min", pgtype.Int8, sliding), agg("max", pgtype.Int8, whole)}
			calls[0].StartOffset, calls[1].StartOffset = one, one
			return calls
		}()},
	} {
		b.Run(c.name, func(b *testing.B) {
			scan := plan.NewScan(t, []int{0, 1})
			cols := append([]plan.Column(nil), scan.Columns()...)
			for _, call := range c.calls {
				cols = append(cols, plan.Column{Name: call.Func, Type: call.Typ})
			}
			root := &plan.Window{Input: scan, Calls: c.calls, Cols: cols}
			e := New()
			ctx := context.Background()
			for b.Loop() {
				if rows := drain(b, e, ctx, root); rows != 1<<18 {
					b.Fatalf("%d rows, want %d", rows, 1<<18)
				}
			}
		})
	}
}
