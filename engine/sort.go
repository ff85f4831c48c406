package engine

import (
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// sortBatchRows is how many rows each output batch of a sort holds.
const sortBatchRows = 64 * 1024

// sortOp reads all its input, orders it, and emits it in batches. It is a
// stable sort, so equal keys keep their input order.
type sortOp struct {
	node  *plan.Sort
	input operator
	env   *expr.Env
	keys  []*expr.Evaluator
	materialized
}

// materialized is the output side of an operator that computes its whole
// result before its first row (sort, window): one batch, computed on the
// first call and handed out in slices of sortBatchRows.
type materialized struct {
	out  arrow.RecordBatch
	pos  int64
	done bool
}

// emit returns the next slice of the result, computing it with fill (which
// sets out) on the first call; nil at the end.
func (m *materialized) emit(ctx context.Context, fill func(context.Context) error) (arrow.RecordBatch, error) {
	if !m.done {
		m.done = true
		if err := fill(ctx); err != nil {
			return nil, err
		}
	}
	if m.out == nil || m.pos >= m.out.NumRows() {
		return nil, nil
	}
	hi := min(m.pos+sortBatchRows, m.out.NumRows())
	b := m.out.NewSlice(m.pos, hi)
	m.pos = hi
	return b, nil
}

func (m *materialized) release() {
	if m.out != nil {
		m.out.Release()
		m.out = nil
	}
}

func newSort(n *plan.Sort, in operator, env *expr.Env) (operator, error) {
	s := &sortOp{node: n, input: in, env: env}
	for _, k := range n.Keys {
		ev, err := expr.Compile(k.Expr, env)
		if err != nil {
			in.close()
			return nil, err
		}
		s.keys = append(s.keys, ev)
	}
	return s, nil
}

func (s *sortOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	return s.emit(ctx, s.materialize)
}

func (s *sortOp) materialize(ctx context.Context) error {
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	keyCols := make([][]pgtype.Datum, len(s.keys))
	var schema *arrow.Schema
	for {
		b, err := s.input.next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		schema = b.Schema()
		batches = append(batches, b)
		for i, k := range s.keys {
			v, err := k.Datums(b)
			if err != nil {
				return err
			}
			keyCols[i] = append(keyCols[i], v...)
		}
		// The batches count through the allocator; the keys are Datums.
		if err := checkMemory(s.env, b.NumRows()*int64(8+24*len(s.keys)), "sorting"); err != nil {
			return err
		}
	}
	if len(batches) == 0 {
		return nil
	}
	total := len(keyCols[0])
	idx := make([]int, total)
	for i := range idx {
		idx[i] = i
	}
	keys := s.node.Keys
	sort.SliceStable(idx, func(a, b int) bool {
		ra, rb := idx[a], idx[b]
		for i, k := range keys {
			va, vb := keyCols[i][ra], keyCols[i][rb]
			var c int
			switch {
			case va == nil && vb == nil:
				c = 0
			case va == nil:
				c = 1
				if k.NullsFirst {
					c = -1
				}
				if c != 0 {
					return c < 0
				}
			case vb == nil:
				c = -1
				if k.NullsFirst {
					c = 1
				}
				return c < 0
			default:
				c = expr.Compare(va, vb)
				if k.Desc {
					c = -c
				}
			}
			if c != 0 {
				return c < 0
			}
		}
		return false
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	// Gather: concatenate the input, then take the rows in order.
	cols := make([]arrow.Array, schema.NumFields())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	ib := array.NewInt64Builder(s.env.Mem)
	for _, i := range idx {
		ib.Append(int64(i))
	}
	indices := ib.NewArray()
	ib.Release()
	defer indices.Release()
	for c := range cols {
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		all, err := array.Concatenate(parts, s.env.Mem)
		if err != nil {
			return err
		}
		taken, err := parquet.TakeArray(ctx, all, indices)
		all.Release()
		if err != nil {
			return err
		}
		cols[c] = taken
	}
	s.out = array.NewRecordBatch(schema, cols, int64(total))
	return nil
}

func (s *sortOp) close() {
	s.release()
	s.input.close()
}
