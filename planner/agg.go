package planner

import (
	"strconv"
	"strings"

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
	if sl := n.GetSubLink(); sl != nil {
		// A subquery's outer references must be group keys: it binds over
		// the input with the aggregate context kept (bindOuterRefs).
		return b.subLink(sl, ac.input)
	}
	if !containsAggregate(n) && !containsSetFunc(n) && !containsWindow(n) {
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
	ordered := isOrderedSetAggregate(name)
	if fc.AggWithinGroup && !ordered {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP", name))
	}
	if ordered && !fc.AggWithinGroup {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "WITHIN GROUP is required for ordered-set aggregate %s", name))
	}
	for _, a := range fc.Args {
		if containsWindow(a) {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.GroupingError, "aggregate function calls cannot contain window function calls"))
		}
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
		args := make([]plan.Expr, len(fc.Args))
		for i, a := range fc.Args {
			arg, err := b.exprNoAgg(a, ac.input)
			if err != nil {
				return nil, err
			}
			args[i] = arg
		}
		// ORDER BY inside the call (string_agg, array_agg) or WITHIN
		// GROUP: the keys follow the arguments as order_key calls.
		var keys []plan.Expr
		for _, s := range fc.AggOrder {
			sb := s.GetSortBy()
			k, err := b.exprNoAgg(sb.Node, ac.input)
			if err != nil {
				return nil, err
			}
			if isUnknown(k) {
				if k, err = b.cast(k, pgtype.Text, false, fc.Location); err != nil {
					return nil, err
				}
			}
			keys = append(keys, orderKey(k, sb))
		}
		t, args, err := b.aggSignature(name, args, keys, fc)
		if err != nil {
			return nil, err
		}
		call.Args = append(args, keys...)
		call.Type = t
		call.Remote = isTrinoAggregate(name)
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

// orderKey wraps an aggregate's ORDER BY key as the call the engine reads
// it from: Func "order_key", the direction in Op.
func orderKey(k plan.Expr, sb *pg_query.SortBy) plan.Expr {
	desc := sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC
	nullsFirst := desc
	switch sb.SortbyNulls {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		nullsFirst = true
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		nullsFirst = false
	}
	op := "asc"
	if desc {
		op = "desc"
	}
	if nullsFirst {
		op += "_nulls_first"
	} else {
		op += "_nulls_last"
	}
	return &plan.Call{Func: "order_key", Op: op, Args: []plan.Expr{k}, Typ: k.Type()}
}

// aggSignature resolves an aggregate's argument types and result type.
func (b *binder) aggSignature(name string, args, keys []plan.Expr, fc *pg_query.FuncCall) (pgtype.Type, []plan.Expr, error) {
	noFunc := func() error {
		types := make([]string, len(args))
		for i, a := range args {
			types[i] = a.Type().String()
		}
		if len(keys) > 0 && fc.AggWithinGroup {
			kt := make([]string, len(keys))
			for i, k := range keys {
				kt[i] = k.Type().String()
			}
			types = append(types, "ORDER BY "+strings.Join(kt, ", "))
			return b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(types, " ")).
				WithHint("No function matches the given name and argument types. You might need to add explicit type casts."))
		}
		return b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(types, ", ")).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts."))
	}
	if isTrinoAggregate(name) {
		return b.trinoAggSignature(name, args, keys, fc, noFunc)
	}
	var err error
	switch name {
	case "string_agg":
		if len(args) != 2 {
			return pgtype.Unknown, nil, noFunc()
		}
		for i := range args {
			if !isString(args[i].Type()) && !isUnknown(args[i]) {
				return pgtype.Unknown, nil, noFunc()
			}
			if args[i], err = b.coerceTo(args[i], pgtype.Text, "", fc.Location); err != nil {
				return pgtype.Unknown, nil, err
			}
		}
		return pgtype.Text, args, nil
	case "percentile_cont", "percentile_disc":
		if len(args) != 1 || len(keys) != 1 {
			return pgtype.Unknown, nil, noFunc()
		}
		frac := args[0]
		if ae, ok := frac.(*plan.ArrayExpr); ok && ae.Typ.OID != pgtype.Float8ArrayOID {
			// ARRAY[0.1, 0.5] is numeric[]: its elements cast to float8.
			elems := make([]plan.Expr, len(ae.Elems))
			for i, e := range ae.Elems {
				if elems[i], err = b.coerceTo(e, pgtype.Float8, "", fc.Location); err != nil {
					return pgtype.Unknown, nil, noFunc()
				}
			}
			frac = &plan.ArrayExpr{Elems: elems, Typ: pgtype.Type{OID: pgtype.Float8ArrayOID, Typmod: -1}}
		}
		isArr := frac.Type().IsArray()
		want := pgtype.Float8
		if isArr {
			want = pgtype.Type{OID: pgtype.Float8ArrayOID, Typmod: -1}
			if frac.Type().OID != want.OID {
				return pgtype.Unknown, nil, noFunc()
			}
		} else if frac, err = b.coerceTo(frac, want, "", fc.Location); err != nil {
			return pgtype.Unknown, nil, noFunc()
		}
		frac = foldFloatConst(frac)
		kt := keys[0].Type()
		res := pgtype.Type{OID: kt.OID, Typmod: -1}
		if name == "percentile_cont" {
			switch {
			case kt.OID == pgtype.IntervalOID:
				res = pgtype.Interval
			case numRank(kt) > 0:
				res = pgtype.Float8
				k := keys[0].(*plan.Call)
				if k.Args[0], err = b.widen(k.Args[0], pgtype.Float8); err != nil {
					return pgtype.Unknown, nil, err
				}
				k.Typ = pgtype.Float8
			default:
				return pgtype.Unknown, nil, noFunc()
			}
		}
		if isArr {
			at, ok := pgtype.ArrayOf(res)
			if !ok {
				return pgtype.Unknown, nil, noFunc()
			}
			res = at
		}
		return res, []plan.Expr{frac}, nil
	case "mode":
		if len(args) != 0 || len(keys) != 1 {
			return pgtype.Unknown, nil, noFunc()
		}
		return pgtype.Type{OID: keys[0].Type().OID, Typmod: -1}, nil, nil
	}
	if len(args) != 1 {
		return pgtype.Unknown, nil, noFunc()
	}
	if isUnknown(args[0]) {
		if args[0], err = b.cast(args[0], pgtype.Text, false, fc.Location); err != nil {
			return pgtype.Unknown, nil, err
		}
	}
	t, ok := aggregateType(name, args[0].Type())
	if !ok {
		return pgtype.Unknown, nil, noFunc()
	}
	return t, args, nil
}

// foldFloatConst folds a constant cast to float8 (percentile_cont(0.5)):
// the engine checks a constant fraction even when no row arrives.
func foldFloatConst(e plan.Expr) plan.Expr {
	c, ok := e.(*plan.Cast)
	if !ok {
		return e
	}
	k, ok := c.Arg.(*plan.Const)
	if !ok || k.Value == nil {
		return e
	}
	txt, err := pgtype.AppendText(nil, k.Typ, k.Value, nil)
	if err != nil {
		return e
	}
	f, err := strconv.ParseFloat(string(txt), 64)
	if err != nil {
		return e
	}
	return &plan.Const{Value: f, Typ: pgtype.Float8}
}
