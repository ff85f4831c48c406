package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// setOp runs UNION, INTERSECT and EXCEPT [ALL] by hashing whole rows (NULLs
// equal each other, as SQL's set operations treat them). UNION streams
// both inputs; INTERSECT and EXCEPT first count the right input's rows,
// then stream the left one.
type setOp struct {
	node        *plan.SetOp
	left, right operator
	schema      *arrow.Schema
	types       []pgtype.Type
	seen        map[string]bool // rows already emitted (distinct forms)
	counts      map[string]int  // right rows (INTERSECT, EXCEPT)
	counted     bool
	onRight     bool // UNION: the left input is done
	keyBuf      []byte
	mem         memory.Allocator
}

func (b *builder) setOp(s *plan.SetOp) (operator, error) {
	left, err := b.build(s.Left)
	if err != nil {
		return nil, err
	}
	right, err := b.build(s.Right)
	if err != nil {
		left.close()
		return nil, err
	}
	op := &setOp{node: s, left: left, right: right, schema: arrowSchema(s.Cols), seen: map[string]bool{}, counts: map[string]int{}, mem: b.mem}
	for _, c := range s.Cols {
		op.types = append(op.types, c.Type)
	}
	return op, nil
}

func (s *setOp) rowKey(b arrow.RecordBatch, r int) string {
	buf := s.keyBuf[:0]
	for c, t := range s.types {
		buf = appendKey(buf, pgtype.DatumAt(t, b.Column(c), r))
	}
	s.keyBuf = buf
	return string(buf)
}

func (s *setOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.node.Kind != plan.SetUnion && !s.counted {
		s.counted = true
		for {
			b, err := s.right.next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			for r := 0; r < int(b.NumRows()); r++ {
				s.counts[s.rowKey(b, r)]++
			}
			b.Release()
		}
	}
	for {
		in := s.left
		if s.onRight {
			in = s.right
		}
		b, err := in.next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			if s.node.Kind == plan.SetUnion && !s.onRight {
				s.onRight = true
				continue
			}
			return nil, nil
		}
		if s.node.Kind == plan.SetUnion && s.node.All {
			return s.relabel(b), nil
		}
		mask := array.NewBooleanBuilder(s.mem)
		kept := 0
		for r := 0; r < int(b.NumRows()); r++ {
			keep := s.keep(s.rowKey(b, r))
			if keep {
				kept++
			}
			mask.Append(keep)
		}
		m := mask.NewArray()
		mask.Release()
		if kept == int(b.NumRows()) {
			m.Release()
			return s.relabel(b), nil
		}
		if kept == 0 {
			m.Release()
			b.Release()
			continue
		}
		out, err := parquet.FilterRecordBatch(ctx, b, m)
		b.Release()
		m.Release()
		if err != nil {
			return nil, err
		}
		return s.relabel(out), nil
	}
}

// keep decides whether a left (or, for UNION, any) row is emitted.
func (s *setOp) keep(k string) bool {
	all := s.node.All
	switch s.node.Kind {
	case plan.SetUnion:
		if s.seen[k] {
			return false
		}
		s.seen[k] = true
		return true
	case plan.SetIntersect:
		if s.counts[k] == 0 {
			return false
		}
		if all {
			s.counts[k]--
			return true
		}
		s.counts[k] = 0
		return true
	}
	// EXCEPT
	if all {
		if s.counts[k] > 0 {
			s.counts[k]--
			return false
		}
		return true
	}
	if s.counts[k] > 0 || s.seen[k] {
		return false
	}
	s.seen[k] = true
	return true
}

// relabel gives a batch the set operation's column names.
func (s *setOp) relabel(b arrow.RecordBatch) arrow.RecordBatch {
	out := array.NewRecordBatch(s.schema, b.Columns(), b.NumRows())
	b.Release()
	return out
}

func (s *setOp) close() {
	s.left.close()
	s.right.close()
}
