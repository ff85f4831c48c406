// Package expr evaluates bound scalar expressions (package plan) over Arrow
// record batches with PostgreSQL's semantics: three-valued logic, overflow
// and division errors with their SQLSTATEs, exact numeric arithmetic.
//
// This first evaluator works a column of Datums at a time, which gives every
// type and function one correct implementation; typed vectorised kernels
// replace it on hot paths as the engine grows. It knows plans and values,
// never sessions: what it needs of one comes in Env.
package expr

import (
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Env is what evaluation needs from outside the plan.
type Env struct {
	Params   []pgtype.Datum
	Settings *pgtype.Settings
	// Now is the statement's start: now() and CURRENT_TIMESTAMP.
	Now time.Time
	// Started is when the engine started: pg_postmaster_start_time().
	Started time.Time
	Rand    *rand.Rand
	Mem     memory.Allocator
	// Subquery runs an uncorrelated subquery's plan (once; the engine
	// caches its rows) and returns its rows.
	Subquery func(n plan.Node) ([][]pgtype.Datum, error)
	// Catalog answers the catalog functions (catalogfuncs.go); nil outside
	// a session, where they see an empty catalog.
	Catalog *CatalogEnv
	// Session is what pg_settings and pg_stat_activity read; nil outside
	// a session.
	Session catalog.SessionView
}

// Evaluator computes one expression for every row of a batch.
type Evaluator struct {
	expr plan.Expr
	fn   colFn
	env  *Env
}

// colFn computes an expression as one Datum per row.
type colFn func(b arrow.RecordBatch) ([]pgtype.Datum, error)

// Compile prepares e for evaluation.
func Compile(e plan.Expr, env *Env) (*Evaluator, error) {
	c := &compiler{env: env}
	fn, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	return &Evaluator{expr: e, fn: fn, env: env}, nil
}

// Type is the expression's type.
func (ev *Evaluator) Type() pgtype.Type { return ev.expr.Type() }

// Eval computes the expression over b as an Arrow array of the expression's
// type. A plain column reference returns the input column itself.
func (ev *Evaluator) Eval(b arrow.RecordBatch) (arrow.Array, error) {
	if ref, ok := ev.expr.(*plan.ColumnRef); ok {
		col := b.Column(ref.Index)
		col.Retain()
		return col, nil
	}
	vals, err := ev.fn(b)
	if err != nil {
		return nil, err
	}
	return Build(ev.env.Mem, ev.expr.Type(), vals)
}

// Datums computes the expression over b as one Datum per row.
func (ev *Evaluator) Datums(b arrow.RecordBatch) ([]pgtype.Datum, error) { return ev.fn(b) }

// Build makes an Arrow array of type t from Datums.
func Build(mem memory.Allocator, t pgtype.Type, vals []pgtype.Datum) (arrow.Array, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	bld := array.NewBuilder(mem, t.ArrowType())
	defer bld.Release()
	bld.Reserve(len(vals))
	for _, v := range vals {
		if err := pgtype.AppendDatum(bld, t, v); err != nil {
			return nil, err
		}
	}
	return bld.NewArray(), nil
}

// Const evaluates an expression that reads no columns (LIMIT, OFFSET).
func Const(e plan.Expr, env *Env) (pgtype.Datum, error) {
	ev, err := Compile(e, env)
	if err != nil {
		return nil, err
	}
	schema := arrow.NewSchema(nil, nil)
	b := array.NewRecordBatch(schema, nil, 1)
	defer b.Release()
	vals, err := ev.fn(b)
	if err != nil {
		return nil, err
	}
	return vals[0], nil
}

type compiler struct {
	env *Env
}

func (c *compiler) compile(e plan.Expr) (colFn, error) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		idx, typ := x.Index, x.Typ
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			col := b.Column(idx)
			out := make([]pgtype.Datum, col.Len())
			for i := range out {
				out[i] = pgtype.DatumAt(typ, col, i)
			}
			return out, nil
		}, nil
	case *plan.Const:
		v := x.Value
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			out := make([]pgtype.Datum, b.NumRows())
			for i := range out {
				out[i] = v
			}
			return out, nil
		}, nil
	case *plan.Param:
		idx := x.Index - 1
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			if idx >= len(c.env.Params) {
				return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", idx+1)
			}
			v := c.env.Params[idx]
			out := make([]pgtype.Datum, b.NumRows())
			for i := range out {
				out[i] = v
			}
			return out, nil
		}, nil
	case *plan.Cast:
		arg, err := c.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		from, to := x.Arg.Type(), x.Typ
		cast, err := castFunc(from, to, c.env)
		if err != nil {
			return nil, err
		}
		return mapStrict1(arg, cast), nil
	case *plan.Call:
		return c.call(x)
	case *plan.BoolOp:
		return c.boolOp(x)
	case *plan.NullTest:
		arg, err := c.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		not := x.Not
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			vals, err := arg(b)
			if err != nil {
				return nil, err
			}
			out := make([]pgtype.Datum, len(vals))
			for i, v := range vals {
				out[i] = (v == nil) != not
			}
			return out, nil
		}, nil
	case *plan.Coalesce:
		args, err := c.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			var out []pgtype.Datum
			for _, a := range args {
				vals, err := a(b)
				if err != nil {
					return nil, err
				}
				if out == nil {
					out = vals
					continue
				}
				for i := range out {
					if out[i] == nil {
						out[i] = vals[i]
					}
				}
			}
			return out, nil
		}, nil
	case *plan.Case:
		return c.caseExpr(x)
	case *plan.Subquery:
		return c.subquery(x)
	case *plan.ArrayExpr:
		elems, err := c.compileAll(x.Elems)
		if err != nil {
			return nil, err
		}
		elemType := x.Typ.Elem()
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			cols := make([][]pgtype.Datum, len(elems))
			for i, e := range elems {
				v, err := e(b)
				if err != nil {
					return nil, err
				}
				cols[i] = v
			}
			out := make([]pgtype.Datum, b.NumRows())
			for r := range out {
				arr := pgtype.Array{Elem: elemType, Elements: make([]pgtype.Datum, len(cols)), Lower: 1}
				for i := range cols {
					arr.Elements[i] = cols[i][r]
				}
				out[r] = arr
			}
			return out, nil
		}, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "expression %T is not supported by the engine", e)
}

// compileAll compiles each expression of a list.
func (c *compiler) compileAll(es []plan.Expr) ([]colFn, error) {
	out := make([]colFn, len(es))
	for i, e := range es {
		fn, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = fn
	}
	return out, nil
}

// mapStrict1 applies a one-argument function to every non-NULL value.
func mapStrict1(arg colFn, fn func(pgtype.Datum) (pgtype.Datum, error)) colFn {
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		vals, err := arg(b)
		if err != nil {
			return nil, err
		}
		out := make([]pgtype.Datum, len(vals))
		for i, v := range vals {
			if v == nil {
				continue
			}
			if out[i], err = fn(v); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

func (c *compiler) boolOp(x *plan.BoolOp) (colFn, error) {
	args, err := c.compileAll(x.Args)
	if err != nil {
		return nil, err
	}
	op := x.Op
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		first, err := args[0](b)
		if err != nil {
			return nil, err
		}
		if op == "NOT" {
			out := make([]pgtype.Datum, len(first))
			for i, v := range first {
				if v != nil {
					out[i] = !v.(bool)
				}
			}
			return out, nil
		}
		out := first
		for _, a := range args[1:] {
			vals, err := a(b)
			if err != nil {
				return nil, err
			}
			for i := range out {
				out[i] = logic(op, out[i], vals[i])
			}
		}
		return out, nil
	}, nil
}

// logic is SQL's three-valued AND/OR.
func logic(op string, a, b pgtype.Datum) pgtype.Datum {
	if op == "AND" {
		if a == false || b == false {
			return false
		}
		if a == nil || b == nil {
			return nil
		}
		return true
	}
	if a == true || b == true {
		return true
	}
	if a == nil || b == nil {
		return nil
	}
	return false
}

func (c *compiler) caseExpr(x *plan.Case) (colFn, error) {
	type arm struct{ cond, res colFn }
	arms := make([]arm, len(x.Whens))
	for i, w := range x.Whens {
		cond, err := c.compile(w.Cond)
		if err != nil {
			return nil, err
		}
		res, err := c.compile(w.Result)
		if err != nil {
			return nil, err
		}
		arms[i] = arm{cond, res}
	}
	var elseFn colFn
	if x.Else != nil {
		var err error
		if elseFn, err = c.compile(x.Else); err != nil {
			return nil, err
		}
	}
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		n := int(b.NumRows())
		out := make([]pgtype.Datum, n)
		done := make([]bool, n)
		// Every arm is evaluated over the batch; a row takes the first
		// arm whose condition holds. An error in an arm no row takes (1/0
		// guarded by a WHEN) must not fail the query, so results are
		// computed per arm and errors kept only if a row needs them.
		for _, a := range arms {
			conds, err := a.cond(b)
			if err != nil {
				return nil, err
			}
			need := false
			for i, cv := range conds {
				if !done[i] && cv == true {
					need = true
					break
				}
			}
			if !need {
				continue
			}
			res, err := a.res(b)
			if err != nil {
				return nil, err
			}
			for i, cv := range conds {
				if !done[i] && cv == true {
					out[i] = res[i]
					done[i] = true
				}
			}
		}
		if elseFn != nil {
			rest := false
			for _, d := range done {
				if !d {
					rest = true
					break
				}
			}
			if rest {
				res, err := elseFn(b)
				if err != nil {
					return nil, err
				}
				for i := range out {
					if !done[i] {
						out[i] = res[i]
					}
				}
			}
		}
		return out, nil
	}, nil
}
