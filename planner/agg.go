package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// aggContext collects the group keys and aggregate calls of one SELECT.
// While it is set, expressions bind against the aggregate's output: a group
// key or an aggregate call becomes a column of it, and any other column of
// the input is an error, as in PostgreSQL.
type aggContext struct {
	input  *scope
	keys   []plan.Expr
	aggs   []*plan.AggCall
	inside bool // binding an aggregate's own arguments
}

func (a *aggContext) keyIndex(e plan.Expr) int {
	s := e.String()
	for i, k := range a.keys {
		if k.String() == s {
			return i
		}
	}
	return -1
}

// build makes the Aggregate node; its columns are the keys, then the calls.
func (a *aggContext) build(input plan.Node) *plan.Aggregate {
	cols := make([]plan.Column, 0, len(a.keys)+len(a.aggs))
	for i, k := range a.keys {
		cols = append(cols, plan.Column{Name: keyName(k, i), Type: k.Type()})
	}
	for _, c := range a.aggs {
		cols = append(cols, plan.Column{Name: c.Func, Type: c.Type})
	}
	return &plan.Aggregate{Input: input, GroupBy: a.keys, Aggs: a.aggs, Cols: cols}
}

func keyName(k plan.Expr, i int) string {
	if c, ok := k.(*plan.ColumnRef); ok {
		return c.Name
	}
	return "?key?"
}

func (a *aggContext) ref(i int) *plan.ColumnRef {
	if i < len(a.keys) {
		return &plan.ColumnRef{Index: i, Name: keyName(a.keys[i], i), Typ: a.keys[i].Type()}
	}
	c := a.aggs[i-len(a.keys)]
	return &plan.ColumnRef{Index: i, Name: c.Func, Typ: c.Type}
}

// aggExpr binds n over the aggregate's output.
func (b *binder) aggExpr(n *pg_query.Node) (plan.Expr, error) {
	ac := b.agg
	if fc := n.GetFuncCall(); fc != nil && fc.Over == nil {
		var parts []string
		for _, f := range fc.Funcname {
			parts = append(parts, f.GetString_().GetSval())
		}
		if name := funcName(parts); isAggregate(name) {
			return b.aggCall(name, fc)
		}
	}
	if !containsAggregate(n) {
		// A whole expression equal to a group key reads that key.
		b.agg = nil
		e, err := b.exprNoAgg(n, ac.input)
		b.agg = ac
		if err != nil {
			return nil, err
		}
		if i := ac.keyIndex(e); i >= 0 {
			return ac.ref(i), nil
		}
		if _, isConst := e.(*plan.Const); isConst {
			return e, nil
		}
		if _, isLit := e.(*unknownLiteral); isLit {
			return e, nil
		}
		if _, isParam := e.(*plan.Param); isParam {
			return e, nil
		}
		if cr := n.GetColumnRef(); cr != nil {
			name := e.(*plan.ColumnRef).Name
			if len(cr.Fields) > 1 {
				name = cr.Fields[len(cr.Fields)-2].GetString_().GetSval() + "." + name
			}
			return nil, b.errAt(cr.Location, pgerr.New(pgerr.GroupingError,
				"column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name))
		}
	}
	// Otherwise bind the parts: each part is a key, an aggregate or a
	// constant, or it is an error.
	return b.exprNoAgg(n, nil)
}

func (b *binder) aggCall(name string, fc *pg_query.FuncCall) (plan.Expr, error) {
	ac := b.agg
	if ac.inside {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.GroupingError, "aggregate function calls cannot be nested"))
	}
	if fc.AggWithinGroup || len(fc.AggOrder) > 0 {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "ordered aggregates are not supported yet"))
	}
	ac.inside = true
	defer func() { ac.inside = false }()
	call := &plan.AggCall{Func: name, Distinct: fc.AggDistinct}
	if fc.AggStar {
		if name != "count" {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "%s(*) specified, but %s is not an aggregate function", name, name))
		}
		call.Type = pgtype.Int8
	} else {
		if len(fc.Args) != 1 {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "function %s with %d arguments does not exist", name, len(fc.Args)))
		}
		arg, err := b.exprNoAgg(fc.Args[0], ac.input)
		if err != nil {
			return nil, err
		}
		if isUnknown(arg) {
			if arg, err = b.cast(arg, pgtype.Text, false, fc.Location); err != nil {
				return nil, err
			}
		}
		t, ok := aggregateType(name, arg.Type())
		if !ok {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, arg.Type()).
				WithHint("No function matches the given name and argument types. You might need to add explicit type casts."))
		}
		call.Args = []plan.Expr{arg}
		call.Type = t
	}
	if fc.AggFilter != nil {
		f, err := b.exprNoAgg(fc.AggFilter, ac.input)
		if err != nil {
			return nil, err
		}
		if f, err = b.coerceTo(f, pgtype.Bool, "argument of FILTER", nodeLocation(fc.AggFilter)); err != nil {
			return nil, err
		}
		call.Filter = f
	}
	s := call.String()
	for i, c := range ac.aggs {
		if c.String() == s {
			return ac.ref(len(ac.keys) + i), nil
		}
	}
	ac.aggs = append(ac.aggs, call)
	return ac.ref(len(ac.keys) + len(ac.aggs) - 1), nil
}
