package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner/plan"
)

// sortBatchRows is how many rows each output batch of a sort holds.
const sortBatchRows = 64 * 1024

// sortOp reads all its input, orders it, and emits it in batches. Its
// order is the stable sort's: equal keys keep their input order. Under a
// LIMIT it keeps only the rows that can be in the result (sortRows).
type sortOp struct {
	input operator
	rows  *sortRows
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

// sort builds n: on morsel workers when its input is a pipeline they can
// run (sort_parallel.go), else on one core. limit, when not negative, is
// how many of the first rows a LIMIT above takes (its count plus offset).
func (b *builder) sort(n *plan.Sort) (operator, error) {
	limit := -1
	if k, ok := b.sortLimits[n]; ok {
		limit = k
	}
	if op, ok, err := b.parallelSort(n, limit); ok {
		return op, err
	}
	in, err := b.build(n.Input)
	if err != nil {
		return nil, err
	}
	return newSort(n, in, b.env, limit)
}

func newSort(n *plan.Sort, in operator, env *expr.Env, limit int) (operator, error) {
	rows, err := newSortRows(n, env, limit, false)
	if err != nil {
		in.close()
		return nil, err
	}
	return &sortOp{input: in, rows: rows}, nil
}

func (s *sortOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	return s.emit(ctx, s.materialize)
}

func (s *sortOp) materialize(ctx context.Context) error {
	for {
		b, err := s.input.next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		if err := s.rows.add(ctx, b, 0); err != nil {
			return err
		}
	}
	idx := s.rows.sorted()
	if err := ctx.Err(); err != nil || len(idx) == 0 {
		return err
	}
	out, err := s.rows.gather(ctx, idx)
	s.rows.release()
	s.out = out
	return err
}

func (s *sortOp) close() {
	s.release()
	s.rows.release()
	s.input.close()
}
