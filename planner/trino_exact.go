package planner

import (
	"fmt"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TrinoExact splits a bound query whose result shows a numeric quotient
// (numeric / numeric, avg of integers or numerics) into what Trino computes
// and what Sluice computes over Trino's rows. PostgreSQL chooses such a
// quotient's scale per value (select_div_scale: 16 significant digits,
// depending on both operands' first digits, and no fewer decimals than
// either operand shows); Trino's decimal division has one scale for the
// whole column, so the text a client reads would differ. Trino computes the
// exact operands instead (the numerator and denominator, an average's sum
// and count) as extra result columns, and finish, evaluated by the local
// engine over the remote query's rows (engine.Finish), divides them as
// PostgreSQL does.
//
// remote is b with the operand columns appended to the top projection and
// to b.Columns (when the top projection only picks columns, leaving out
// ORDER BY keys, remote returns the one under it, and finish picks);
// finish has one expression per column of b, over remote's columns. finish
// is nil when no result column needs it (remote is b).
// A quotient column Trino still sorts on is also computed there; one it does
// not is sent as NULL, so that Trino's decimal(38, 16) cannot overflow or
// divide by zero where PostgreSQL would not (the local division raises
// 22012 as PostgreSQL does).
func TrinoExact(b *Bound) (remote *Bound, finish []plan.Expr) {
	// The top projection, under the sorts and limits that pass its columns
	// through; or, when the top projection only picks columns (leaving out
	// ORDER BY keys the select list does not show), the one under it.
	n := b.Root
	var prune *plan.Project
	if p, ok := n.(*plan.Project); ok && onlyRefs(p.Exprs) {
		if _, inner := passing(p.Input); inner != nil {
			prune, n = p, p.Input
		}
	}
	above, proj := passing(n)
	if proj == nil || prune == nil && len(proj.Exprs) != len(b.Columns) {
		return b, nil
	}
	sorted := map[int]bool{}
	for _, a := range above {
		if s, ok := a.(*plan.Sort); ok {
			for _, k := range s.Keys {
				plan.Walk(k.Expr, func(e plan.Expr) bool {
					if c, ok := e.(*plan.ColumnRef); ok {
						sorted[c.Index] = true
					}
					return true
				})
			}
		}
	}
	sp := &exactSplit{proj: proj, avgs: map[int]int{}}
	sp.findAggregate()
	finish = make([]plan.Expr, len(proj.Exprs))
	exprs := append([]plan.Expr(nil), proj.Exprs...)
	needed := false
	for i, e := range proj.Exprs {
		if !sp.needs(e) {
			finish[i] = &plan.ColumnRef{Index: i, Name: proj.Cols[i].Name, Typ: proj.Cols[i].Type}
			continue
		}
		needed = true
		finish[i] = sp.split(e)
		if !sorted[i] {
			exprs[i] = &plan.Const{Value: nil, Typ: e.Type()}
		}
	}
	if !needed {
		return b, nil
	}
	// Remote operand columns follow the projection's own.
	cols := append([]plan.Column(nil), proj.Cols...)
	bcols := append([]plan.Column(nil), b.Columns...)
	if prune != nil {
		// Trino returns the inner projection's columns; the finish picks.
		bcols = append([]plan.Column(nil), proj.Cols...)
	}
	for k, e := range sp.extra {
		c := plan.Column{Name: fmt.Sprintf("exact%d", k), Type: e.Type()}
		cols = append(cols, c)
		bcols = append(bcols, c)
	}
	// The operand column indexes were counted from zero; shift them past
	// the projection's columns.
	base := len(proj.Exprs)
	for i := range finish {
		finish[i] = plan.Map(finish[i], func(e plan.Expr) plan.Expr {
			if c, ok := e.(*plan.ColumnRef); ok && c.Index < 0 {
				return &plan.ColumnRef{Index: base + (-c.Index - 1), Name: c.Name, Typ: c.Typ}
			}
			return e
		})
	}
	input := proj.Input
	if sp.agg != nil && len(sp.newAggs) > 0 {
		input = sp.rebuildInput()
	}
	var root plan.Node = &plan.Project{Input: input, Exprs: append(exprs, sp.extra...), Cols: cols}
	for i := len(above) - 1; i >= 0; i-- {
		switch x := above[i].(type) {
		case *plan.Sort:
			root = &plan.Sort{Input: root, Keys: x.Keys}
		case *plan.Limit:
			root = &plan.Limit{Input: root, Count: x.Count, Offset: x.Offset}
		}
	}
	r := *b
	r.Root, r.Columns = root, bcols
	if prune != nil {
		picked := make([]plan.Expr, len(prune.Exprs))
		for i, e := range prune.Exprs {
			picked[i] = finish[e.(*plan.ColumnRef).Index]
		}
		finish = picked
	}
	return &r, finish
}

// passing descends through sorts and limits (which pass their input's
// columns through) to a projection; nil if there is none.
func passing(n plan.Node) (above []plan.Node, proj *plan.Project) {
	for {
		switch x := n.(type) {
		case *plan.Sort:
			above, n = append(above, x), x.Input
		case *plan.Limit:
			above, n = append(above, x), x.Input
		case *plan.Project:
			return above, x
		default:
			return nil, nil
		}
	}
}

func onlyRefs(es []plan.Expr) bool {
	for _, e := range es {
		if _, ok := e.(*plan.ColumnRef); !ok {
			return false
		}
	}
	return true
}

// exactSplit rewrites one projection's expressions.
type exactSplit struct {
	proj *plan.Project
	// agg is the aggregate under the projection (through HAVING filters),
	// whose avg calls become sum and count.
	agg     *plan.Aggregate
	filters []*plan.Filter
	newAggs []*plan.AggCall
	// avgs maps an avg's column in agg to the column of its added sum (the
	// count follows it).
	avgs map[int]int
	// extra are the projection's added expressions, the operands.
	extra []plan.Expr
}

func (sp *exactSplit) findAggregate() {
	n := sp.proj.Input
	for {
		switch x := n.(type) {
		case *plan.Filter:
			sp.filters = append(sp.filters, x)
			n = x.Input
			continue
		case *plan.Aggregate:
			sp.agg = x
		}
		return
	}
}

func isNumeric(t pgtype.Type) bool { return t.OID == pgtype.NumericOID }

// exactAvg says whether column i of the aggregate is an avg whose sum Trino
// computes exactly at the scale PostgreSQL's sum shows: integer arguments,
// or numerics of a known scale (an unconstrained numeric reaches Trino as
// decimal(38, 10), not at each value's own scale).
func (sp *exactSplit) exactAvg(i int) (*plan.AggCall, int, bool) {
	if sp.agg == nil {
		return nil, 0, false
	}
	k := i - len(sp.agg.GroupBy)
	if k < 0 || k >= len(sp.agg.Aggs) {
		return nil, 0, false
	}
	c := sp.agg.Aggs[k]
	if c.Func != "avg" || c.Remote || len(c.Args) != 1 || !isNumeric(c.Type) {
		return nil, 0, false
	}
	t := c.Args[0].Type()
	switch t.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return c, 0, true
	case pgtype.NumericOID:
		if _, s, ok := pgtype.NumericPrecisionScale(t.Typmod); ok {
			return c, s, true
		}
	}
	return nil, 0, false
}

// needs says whether e shows a quotient whose scale PostgreSQL chooses per
// value.
func (sp *exactSplit) needs(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		switch y := x.(type) {
		case *plan.Subquery:
			return false
		case *plan.Call:
			if y.Func == "div" && !y.Remote && len(y.Args) == 2 && isNumeric(y.Typ) && isNumeric(y.Args[0].Type()) && isNumeric(y.Args[1].Type()) {
				found = true
			}
		case *plan.ColumnRef:
			if _, _, ok := sp.exactAvg(y.Index); ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// local says whether e reads no column: constants and parameters are
// evaluated where the quotient is.
func local(e plan.Expr) bool {
	ok := true
	plan.Walk(e, func(x plan.Expr) bool {
		switch x.(type) {
		case *plan.ColumnRef, *plan.Subquery:
			ok = false
		case *plan.Call:
			if x.(*plan.Call).Remote {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// operand adds e to the remote projection and refers to it; indexes are
// negative until the projection's width is known (TrinoExact shifts them).
func (sp *exactSplit) operand(e plan.Expr, name string) plan.Expr {
	sp.extra = append(sp.extra, e)
	return &plan.ColumnRef{Index: -len(sp.extra), Name: name, Typ: e.Type()}
}

// split is e computed locally over operand columns: the parts under a
// quotient or an avg that read columns go to Trino whole.
func (sp *exactSplit) split(e plan.Expr) plan.Expr {
	if local(e) {
		return e
	}
	if !sp.needs(e) {
		return sp.operand(e, "operand")
	}
	switch x := e.(type) {
	case *plan.ColumnRef:
		c, scale, _ := sp.exactAvg(x.Index)
		sumCol, ok := sp.avgs[x.Index]
		if !ok {
			sumCol = len(sp.agg.GroupBy) + len(sp.agg.Aggs) + len(sp.newAggs)
			sp.avgs[x.Index] = sumCol
			sumType := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(38, scale)}
			sp.newAggs = append(sp.newAggs,
				&plan.AggCall{Func: "sum", Args: c.Args, Distinct: c.Distinct, Filter: c.Filter, Type: sumType},
				&plan.AggCall{Func: "count", Args: c.Args, Distinct: c.Distinct, Filter: c.Filter, Type: pgtype.Int8})
		}
		sum := sp.operand(&plan.ColumnRef{Index: sumCol, Name: "sum", Typ: pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(38, scale)}}, "sum")
		count := sp.operand(&plan.ColumnRef{Index: sumCol + 1, Name: "count", Typ: pgtype.Int8}, "count")
		// PostgreSQL's avg is numeric_div(sum, count); no rows: a NULL sum.
		return &plan.Call{Func: "div", Op: "/", Typ: x.Typ, Args: []plan.Expr{
			&plan.Cast{Arg: sum, Typ: pgtype.Numeric},
			&plan.Cast{Arg: count, Typ: pgtype.Numeric},
		}}
	case *plan.Call:
		args := make([]plan.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = sp.split(a)
		}
		return &plan.Call{Func: x.Func, Op: x.Op, Args: args, Typ: x.Typ}
	case *plan.Cast:
		return &plan.Cast{Arg: sp.split(x.Arg), Typ: x.Typ}
	case *plan.Coalesce:
		args := make([]plan.Expr, len(x.Args))
		for i, a := range x.Args {
			args[i] = sp.split(a)
		}
		return &plan.Coalesce{Args: args, Typ: x.Typ}
	case *plan.Case:
		c := &plan.Case{Typ: x.Typ}
		if x.Else != nil {
			c.Else = sp.split(x.Else)
		}
		for _, w := range x.Whens {
			c.Whens = append(c.Whens, plan.When{Cond: sp.split(w.Cond), Result: sp.split(w.Result)})
		}
		return c
	}
	// Other shapes stay Trino's whole.
	return sp.operand(e, "operand")
}

// rebuildInput is the projection's input with the added sums and counts
// appended to the aggregate's calls (after its own columns, so that every
// reference above stays valid).
func (sp *exactSplit) rebuildInput() plan.Node {
	a := *sp.agg
	a.Aggs = append(append([]*plan.AggCall(nil), sp.agg.Aggs...), sp.newAggs...)
	a.Cols = append([]plan.Column(nil), sp.agg.Cols...)
	for _, c := range sp.newAggs {
		a.Cols = append(a.Cols, plan.Column{Name: c.Func, Type: c.Type})
	}
	var n plan.Node = &a
	for i := len(sp.filters) - 1; i >= 0; i-- {
		n = &plan.Filter{Input: n, Predicate: sp.filters[i].Predicate}
	}
	return n
}
