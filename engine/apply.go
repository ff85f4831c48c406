package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// applyOp is a dependent join (LATERAL subquery): for each left row the
// right plan, bound to that row's outer values, runs to completion and
// each of its rows is emitted after the left row.
type applyOp struct {
	node   *plan.Apply
	b      *builder
	left   operator
	outer  []*expr.Evaluator
	schema *arrow.Schema
}

func (b *builder) apply(n *plan.Apply) (operator, error) {
	left, err := b.build(n.Left)
	if err != nil {
		return nil, err
	}
	a := &applyOp{node: n, b: b, left: left, schema: arrowSchema(n.Columns())}
	for _, o := range n.Outer {
		ev, err := expr.Compile(o, b.env)
		if err != nil {
			left.close()
			return nil, err
		}
		a.outer = append(a.outer, ev)
	}
	return a, nil
}

func (a *applyOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		lb, err := a.left.next(ctx)
		if err != nil || lb == nil {
			return nil, err
		}
		out, err := a.batch(ctx, lb)
		lb.Release()
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
}

// batch runs the right side for every row of one left batch.
func (a *applyOp) batch(ctx context.Context, lb arrow.RecordBatch) (arrow.RecordBatch, error) {
	outer := make([][]pgtype.Datum, len(a.outer))
	for i, ev := range a.outer {
		v, err := ev.Datums(lb)
		if err != nil {
			return nil, err
		}
		outer[i] = v
	}
	rcols := a.node.Right.Columns()
	var take []int64
	right := make([][]pgtype.Datum, len(rcols))
	vals := make([]pgtype.Datum, len(a.outer))
	for r := 0; r < int(lb.NumRows()); r++ {
		for i := range vals {
			vals[i] = outer[i][r]
		}
		bound := plan.MapNode(a.node.Right, func(e plan.Expr) plan.Expr {
			if cr, ok := e.(*plan.CorrelatedRef); ok {
				return &plan.Const{Value: vals[cr.Slot], Typ: cr.Typ}
			}
			return e
		})
		op, err := a.b.build(bound)
		if err != nil {
			return nil, err
		}
		n := 0
		for {
			rb, err := op.next(ctx)
			if err != nil {
				op.close()
				return nil, err
			}
			if rb == nil {
				break
			}
			for i := 0; i < int(rb.NumRows()); i++ {
				take = append(take, int64(r))
				for c := range rcols {
					right[c] = append(right[c], pgtype.DatumAt(rcols[c].Type, rb.Column(c), i))
				}
				n++
			}
			rb.Release()
		}
		op.close()
		if n == 0 && a.node.LeftOuter {
			take = append(take, int64(r))
			for c := range rcols {
				right[c] = append(right[c], nil)
			}
		}
	}
	if len(take) == 0 {
		return nil, nil
	}
	ib := array.NewInt64Builder(a.b.env.Mem)
	ib.AppendValues(take, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	cols := make([]arrow.Array, 0, a.schema.NumFields())
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	for c := 0; c < int(lb.NumCols()); c++ {
		t, err := parquet.TakeArray(ctx, lb.Column(c), idx)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, t)
	}
	for c, col := range rcols {
		arr, err := expr.Build(a.b.env.Mem, col.Type, right[c])
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, arr)
	}
	out := array.NewRecordBatch(a.schema, cols, int64(len(take)))
	release()
	return out, nil
}

func (a *applyOp) close() { a.left.close() }
