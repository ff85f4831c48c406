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

// srfBatchRows bounds the rows of one ProjectSet output batch: a single
// input row may yield millions (generate_series).
const srfBatchRows = 16 * 1024

// projectSetOp runs set-returning functions per input row in lockstep.
type projectSetOp struct {
	node   *plan.ProjectSet
	input  operator
	env    *expr.Env
	args   [][]*expr.Evaluator
	fns    []expr.SetFn
	schema *arrow.Schema

	batch   arrow.RecordBatch
	argVals [][][]pgtype.Datum // per function, per argument, per row
	row     int                // current input row
	iters   []expr.RowIter     // the current row's, nil when not started
	live    []bool
	ord     int64
	emitted bool // the current row produced a row
}

func newProjectSet(n *plan.ProjectSet, in operator, env *expr.Env) (operator, error) {
	p := &projectSetOp{node: n, input: in, env: env, schema: arrowSchema(n.Cols)}
	for _, f := range n.Funcs {
		args, fn, err := expr.CompileSetFunc(f, env)
		if err != nil {
			in.close()
			return nil, err
		}
		p.args = append(p.args, args)
		p.fns = append(p.fns, fn)
	}
	return p, nil
}

func (p *projectSetOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	nIn := len(p.node.Input.Columns())
	var take []int64
	vals := make([][]pgtype.Datum, len(p.node.Cols)-nIn)
	for len(take) < srfBatchRows {
		if p.batch == nil {
			b, err := p.input.next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			if err := p.load(b); err != nil {
				b.Release()
				return nil, err
			}
		}
		if p.row >= int(p.batch.NumRows()) {
			if len(take) > 0 {
				break // the output's input columns come from this batch
			}
			p.batch.Release()
			p.batch = nil
			continue
		}
		if p.iters == nil {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := p.start(); err != nil {
				return nil, err
			}
		}
		r := p.row
		row, any, err := p.step()
		if err != nil {
			return nil, err
		}
		if any {
			p.emitted = true
		} else {
			// The row's functions have ended: LEFT JOIN LATERAL keeps a
			// row that produced nothing, with NULLs.
			keep := !p.emitted && p.node.Outer
			p.iters, p.emitted = nil, false
			p.row++
			if !keep {
				continue
			}
			row = make([]pgtype.Datum, len(vals))
		}
		take = append(take, int64(r))
		for i, v := range row {
			vals[i] = append(vals[i], v)
		}
	}
	if len(take) == 0 {
		return nil, nil
	}
	return p.build(ctx, take, vals)
}

// load takes a new input batch and evaluates every function's arguments.
func (p *projectSetOp) load(b arrow.RecordBatch) error {
	p.argVals = make([][][]pgtype.Datum, len(p.args))
	for i, args := range p.args {
		p.argVals[i] = make([][]pgtype.Datum, len(args))
		for j, ev := range args {
			v, err := ev.Datums(b)
			if err != nil {
				return err
			}
			p.argVals[i][j] = v
		}
	}
	p.batch, p.row, p.iters, p.emitted = b, 0, nil, false
	return nil
}

// start begins the functions over the current row.
func (p *projectSetOp) start() error {
	p.iters = make([]expr.RowIter, len(p.fns))
	p.live = make([]bool, len(p.fns))
	p.ord = 0
	for i, fn := range p.fns {
		a := make([]pgtype.Datum, len(p.argVals[i]))
		for j := range a {
			a[j] = p.argVals[i][j][p.row]
		}
		it, err := fn(a)
		if err != nil {
			return err
		}
		p.iters[i], p.live[i] = it, true
	}
	return nil
}

// step pulls one row from every function still running; any is false
// when all have ended.
func (p *projectSetOp) step() ([]pgtype.Datum, bool, error) {
	var out []pgtype.Datum
	any := false
	for i, it := range p.iters {
		var r []pgtype.Datum
		if p.live[i] {
			v, ok, err := it()
			if err != nil {
				return nil, false, err
			}
			if ok {
				r, any = v, true
			} else {
				p.live[i] = false
			}
		}
		if r == nil {
			r = make([]pgtype.Datum, len(p.node.Funcs[i].Types))
		}
		out = append(out, r...)
	}
	if !any {
		return nil, false, nil
	}
	if p.node.Ordinality {
		p.ord++
		out = append(out, p.ord)
	}
	return out, true, nil
}

func (p *projectSetOp) build(ctx context.Context, take []int64, vals [][]pgtype.Datum) (arrow.RecordBatch, error) {
	nIn := len(p.node.Input.Columns())
	cols := make([]arrow.Array, 0, len(p.node.Cols))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	if nIn > 0 {
		ib := array.NewInt64Builder(p.env.Mem)
		ib.AppendValues(take, nil)
		idx := ib.NewArray()
		ib.Release()
		defer idx.Release()
		for c := 0; c < nIn; c++ {
			t, err := parquet.TakeArray(ctx, p.batch.Column(c), idx)
			if err != nil {
				release()
				return nil, err
			}
			cols = append(cols, t)
		}
	}
	for i, v := range vals {
		a, err := expr.Build(p.env.Mem, p.node.Cols[nIn+i].Type, v)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, a)
	}
	out := array.NewRecordBatch(p.schema, cols, int64(len(take)))
	release()
	return out, nil
}

func (p *projectSetOp) close() {
	if p.batch != nil {
		p.batch.Release()
		p.batch = nil
	}
	p.input.close()
}
