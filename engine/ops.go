package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// lakeScan reads a lake table's Parquet files.
type lakeScan struct{ sc *parquet.Scanner }

func (s *lakeScan) next(ctx context.Context) (arrow.RecordBatch, error) { return s.sc.Next(ctx) }
func (s *lakeScan) close()                                              { s.sc.Close() }

// systemScan reads a catalog-computed table and projects its columns.
type systemScan struct {
	table   *catalog.Table
	session catalog.SessionView // for session-dependent tables
	proj    []int
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	loaded  bool
	pos     int
}

func (s *systemScan) next(ctx context.Context) (arrow.RecordBatch, error) {
	if !s.loaded {
		s.loaded = true
		if s.session != nil {
			ctx = catalog.WithSessionView(ctx, s.session)
		}
		bs, err := s.table.Rows(ctx)
		if err != nil {
			return nil, err
		}
		s.batches = bs
	}
	if s.pos >= len(s.batches) {
		return nil, nil
	}
	b := s.batches[s.pos]
	s.pos++
	cols := make([]arrow.Array, len(s.proj))
	for i, p := range s.proj {
		cols[i] = b.Column(p)
	}
	return array.NewRecordBatch(s.schema, cols, b.NumRows()), nil
}

func (s *systemScan) close() {
	for _, b := range s.batches[s.pos:] {
		b.Release()
	}
	s.batches = nil
}

// valuesOp produces literal rows once.
type valuesOp struct {
	batch arrow.RecordBatch
}

func newValues(v *plan.Values, env *expr.Env) (operator, error) {
	schema := arrowSchema(v.Cols)
	if len(v.Cols) == 0 {
		// SELECT without FROM: one row of no columns.
		return &valuesOp{batch: array.NewRecordBatch(schema, nil, int64(len(v.Rows)))}, nil
	}
	one := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 1)
	defer one.Release()
	cols := make([]arrow.Array, len(v.Cols))
	for c, col := range v.Cols {
		vals := make([]pgtype.Datum, len(v.Rows))
		for r, row := range v.Rows {
			ev, err := expr.Compile(row[c], env)
			if err != nil {
				return nil, err
			}
			d, err := ev.Datums(one)
			if err != nil {
				return nil, err
			}
			vals[r] = d[0]
		}
		arr, err := expr.Build(env.Mem, col.Type, vals)
		if err != nil {
			return nil, err
		}
		cols[c] = arr
	}
	b := array.NewRecordBatch(schema, cols, int64(len(v.Rows)))
	for _, c := range cols {
		c.Release()
	}
	return &valuesOp{batch: b}, nil
}

func (v *valuesOp) next(context.Context) (arrow.RecordBatch, error) {
	b := v.batch
	v.batch = nil
	return b, nil
}

func (v *valuesOp) close() {
	if v.batch != nil {
		v.batch.Release()
		v.batch = nil
	}
}

// filterOp keeps the rows where its predicate is true (not NULL). A
// predicate of a shape the vector path covers runs as typed loops; the
// Datum path takes the rest, and any batch the vector path hands back.
type filterOp struct {
	input operator
	pred  *expr.Evaluator
	mem   memory.Allocator

	compiled bool
	vec      *expr.Predicate
	mask     expr.Mask
	keep     []bool
	sel      []int32
}

// selSource is an operator that can hand out a batch with a selection:
// the rows that count, ascending, instead of copying them into a new
// batch (sel nil: every row). sel is valid until the next call. Consumers
// that read rows by index (the aggregate's typed path, join probes) take
// it; expressions must not be evaluated on the rows left out.
type selSource interface {
	operator
	nextSel(ctx context.Context) (arrow.RecordBatch, []int32, error)
}

// selDense is the share of kept rows from which a filter hands out a
// selection rather than a copy: below it, consumers would evaluate their
// expressions over mostly unwanted rows.
const selDense = 0.5

func (f *filterOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	b, _, err := f.filter(ctx, false)
	return b, err
}

func (f *filterOp) nextSel(ctx context.Context) (arrow.RecordBatch, []int32, error) {
	return f.filter(ctx, true)
}

// filter returns the next batch with any rows kept, copied when few are
// kept or the caller takes no selection.
func (f *filterOp) filter(ctx context.Context, selOK bool) (arrow.RecordBatch, []int32, error) {
	if !f.compiled {
		f.compiled = true
		f.vec, _ = f.pred.Predicate()
	}
	for {
		b, err := f.input.next(ctx)
		if err != nil || b == nil {
			return nil, nil, err
		}
		keep, kept, err := f.eval(b)
		if err != nil {
			b.Release()
			return nil, nil, err
		}
		switch kept {
		case 0:
			b.Release()
			continue
		case len(keep):
			return b, nil, nil
		}
		f.sel = f.sel[:0]
		for i, k := range keep {
			if k {
				f.sel = append(f.sel, int32(i))
			}
		}
		if selOK && float64(kept) >= selDense*float64(len(keep)) {
			return b, f.sel, nil
		}
		out, err := compactBatch(f.mem, b, f.sel)
		b.Release()
		return out, nil, err
	}
}

// compactBatch copies rows sel of b into a new batch.
func compactBatch(mem memory.Allocator, b arrow.RecordBatch, sel []int32) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, b.NumCols())
	for c := range cols {
		taken, err := parquet.Take(mem, b.Column(c), sel)
		if err != nil {
			releaseAll(cols[:c])
			return nil, err
		}
		cols[c] = taken
	}
	return record(b.Schema(), cols, len(sel)), nil
}

// eval computes which rows of b to keep and how many.
func (f *filterOp) eval(b arrow.RecordBatch) ([]bool, int, error) {
	if f.vec != nil {
		ok, err := f.vec.Eval(b, &f.mask)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			kept := 0
			for _, t := range f.mask.True {
				if t {
					kept++
				}
			}
			return f.mask.True, kept, nil
		}
	}
	vals, err := f.pred.Datums(b)
	if err != nil {
		return nil, 0, err
	}
	if cap(f.keep) < len(vals) {
		f.keep = make([]bool, len(vals))
	}
	keep := f.keep[:len(vals)]
	kept := 0
	for i, v := range vals {
		keep[i] = v == true
		if keep[i] {
			kept++
		}
	}
	return keep, kept, nil
}

func (f *filterOp) close() { f.input.close() }

// projectOp computes its expressions over each input batch.
type projectOp struct {
	input  operator
	exprs  []*expr.Evaluator
	schema *arrow.Schema
}

func (p *projectOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := p.input.next(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	defer b.Release()
	cols := make([]arrow.Array, len(p.exprs))
	for i, e := range p.exprs {
		if cols[i], err = e.Eval(b); err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
	}
	out := array.NewRecordBatch(p.schema, cols, b.NumRows())
	for _, c := range cols {
		c.Release()
	}
	return out, nil
}

func (p *projectOp) close() { p.input.close() }

// limitOp skips and truncates.
type limitOp struct {
	input     operator
	remaining int64 // -1: unlimited
	skip      int64
}

func (l *limitOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if l.remaining == 0 {
			return nil, nil
		}
		b, err := l.input.next(ctx)
		if err != nil || b == nil {
			return nil, err
		}
		n := b.NumRows()
		lo := int64(0)
		if l.skip > 0 {
			if l.skip >= n {
				l.skip -= n
				b.Release()
				continue
			}
			lo, l.skip = l.skip, 0
		}
		hi := n
		if l.remaining >= 0 && hi-lo > l.remaining {
			hi = lo + l.remaining
		}
		if l.remaining >= 0 {
			l.remaining -= hi - lo
		}
		if lo == 0 && hi == n {
			return b, nil
		}
		out := b.NewSlice(lo, hi)
		b.Release()
		return out, nil
	}
}

func (l *limitOp) close() { l.input.close() }
