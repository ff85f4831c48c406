package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// recursiveOp runs WITH RECURSIVE to its fixpoint: the base rows, then the
// recursive term over each step's rows, rebuilt per step, until a step
// adds none. Without ALL, rows seen before are dropped (which is also what
// ends a cycle).
type recursiveOp struct {
	node   *plan.RecursiveUnion
	b      *builder
	cur    operator            // base first, then each step's recursive term
	work   []arrow.RecordBatch // rows the current step emits
	seen   map[string]bool
	schema *arrow.Schema
	types  []pgtype.Type
	keyBuf []byte
	done   bool
}

func (b *builder) recursiveUnion(r *plan.RecursiveUnion) (operator, error) {
	base, err := b.build(r.Base)
	if err != nil {
		return nil, err
	}
	op := &recursiveOp{node: r, b: b, cur: base, seen: map[string]bool{}, schema: arrowSchema(r.Cols)}
	for _, c := range r.Cols {
		op.types = append(op.types, c.Type)
	}
	return op, nil
}

// workTable reads the rows of its recursive union's previous step.
type workTable struct {
	batches []arrow.RecordBatch
}

func (b *builder) workTable(w *plan.WorkTable) (operator, error) {
	rows := b.work[w.ID]
	for _, r := range rows {
		r.Retain()
	}
	return &workTable{batches: rows}, nil
}

func (w *workTable) next(context.Context) (arrow.RecordBatch, error) {
	if len(w.batches) == 0 {
		return nil, nil
	}
	b := w.batches[0]
	w.batches = w.batches[1:]
	return b, nil
}

func (w *workTable) close() {
	for _, b := range w.batches {
		b.Release()
	}
	w.batches = nil
}

func (r *recursiveOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	for !r.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b, err := r.cur.next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			r.cur.close()
			r.cur = nil
			if len(r.work) == 0 {
				r.done = true
				return nil, nil
			}
			// The next step reads what this one emitted.
			r.b.work[r.node.ID] = r.work
			op, err := r.b.build(r.node.Recursive)
			releaseBatches(r.work)
			r.work = nil
			delete(r.b.work, r.node.ID)
			if err != nil {
				r.done = true
				return nil, err
			}
			r.cur = op
			continue
		}
		if !r.node.All {
			if b, err = r.distinct(ctx, b); err != nil {
				return nil, err
			}
			if b == nil {
				continue
			}
		}
		out := array.NewRecordBatch(r.schema, b.Columns(), b.NumRows())
		b.Release()
		out.Retain()
		r.work = append(r.work, out)
		return out, nil
	}
	return nil, nil
}

// distinct drops the rows of b already emitted; nil when none is left.
func (r *recursiveOp) distinct(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	mask := array.NewBooleanBuilder(r.b.mem)
	kept := 0
	for i := 0; i < int(b.NumRows()); i++ {
		buf := r.keyBuf[:0]
		for c, t := range r.types {
			buf = appendKey(buf, pgtype.DatumAt(t, b.Column(c), i))
		}
		r.keyBuf = buf
		k := string(buf)
		keep := !r.seen[k]
		r.seen[k] = true
		if keep {
			kept++
		}
		mask.Append(keep)
	}
	m := mask.NewArray()
	mask.Release()
	defer m.Release()
	switch kept {
	case int(b.NumRows()):
		return b, nil
	case 0:
		b.Release()
		return nil, nil
	}
	out, err := parquet.FilterRecordBatch(ctx, b, m)
	b.Release()
	return out, err
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func (r *recursiveOp) close() {
	if r.cur != nil {
		r.cur.close()
		r.cur = nil
	}
	releaseBatches(r.work)
	r.work = nil
}
