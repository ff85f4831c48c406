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

// uniqueOp keeps the first row of each run of equal keys (NULLs equal) in
// a sorted input: SELECT DISTINCT ON.
type uniqueOp struct {
	input operator
	keys  []*expr.Evaluator
	env   *expr.Env
	last  []pgtype.Datum // the previous row's keys; nil before the first
}

func newUnique(n *plan.Unique, in operator, env *expr.Env) (operator, error) {
	u := &uniqueOp{input: in, env: env}
	for _, k := range n.Keys {
		ev, err := expr.Compile(k, env)
		if err != nil {
			in.close()
			return nil, err
		}
		u.keys = append(u.keys, ev)
	}
	return u, nil
}

func (u *uniqueOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := u.input.next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		cols := make([][]pgtype.Datum, len(u.keys))
		for i, k := range u.keys {
			if cols[i], err = k.Datums(b); err != nil {
				b.Release()
				return nil, err
			}
		}
		n := int(b.NumRows())
		keep := make([]bool, n)
		kept := 0
		for r := 0; r < n; r++ {
			same := u.last != nil
			for i := range cols {
				if !same {
					break
				}
				x, y := u.last[i], cols[i][r]
				same = x == nil && y == nil || x != nil && y != nil && expr.Compare(x, y) == 0
			}
			if same {
				continue
			}
			keep[r] = true
			kept++
			if u.last == nil {
				u.last = make([]pgtype.Datum, len(cols))
			}
			for i := range cols {
				u.last[i] = cols[i][r]
			}
		}
		switch kept {
		case 0:
			b.Release()
			continue
		case n:
			return b, nil
		}
		mb := array.NewBooleanBuilder(u.env.Mem)
		mb.AppendValues(keep, nil)
		m := mb.NewArray()
		mb.Release()
		out, err := parquet.FilterRecordBatch(ctx, b, m)
		b.Release()
		m.Release()
		return out, err
	}
}

func (u *uniqueOp) close() { u.input.close() }
