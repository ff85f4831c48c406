package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// columnRef binds a column reference: in the query's own scope, else in the
// enclosing query's (an outer reference, which makes a subquery
// correlated).
func (b *binder) columnRef(cr *pg_query.ColumnRef, sc *scope) (plan.Expr, error) {
	if sc == nil {
		sc = &scope{}
	}
	i, err := b.lookupColumn(cr, sc)
	if err == nil {
		c := sc.cols[i]
		return &plan.ColumnRef{Index: i, Name: c.name, Typ: c.typ}, nil
	}
	code := pgerr.Convert(err).Code
	if code != pgerr.UndefinedColumn && code != pgerr.UndefinedTable {
		return nil, err
	}
	for depth, outer := 1, sc.parent; outer != nil; depth, outer = depth+1, outer.parent {
		j, oerr := b.lookupColumn(cr, outer)
		if oerr != nil {
			if c := pgerr.Convert(oerr).Code; c != pgerr.UndefinedColumn && c != pgerr.UndefinedTable {
				return nil, oerr
			}
			continue
		}
		if depth > 1 {
			return nil, b.errAt(cr.Location, pgerr.New(pgerr.FeatureNotSupported, "subqueries correlated with a query more than one level out are not supported"))
		}
		c := outer.cols[j]
		return &plan.OuterRef{Index: j, Name: c.name, Typ: c.typ}, nil
	}
	return nil, err
}

// subquery binds a nested SELECT whose outer references resolve in sc.
func (b *binder) subquery(n *pg_query.Node, sc *scope) (plan.Node, []plan.Column, error) {
	inner := &binder{source: b.source, state: b.state, env: b.env, settings: b.settings, params: b.params, outer: sc, ctes: b.ctes}
	node, cols, err := inner.bindSelect(n)
	if err != nil {
		return nil, nil, err
	}
	b.tables = append(b.tables, inner.tables...)
	return node, cols, nil
}

// correlated reports whether a plan reads its enclosing query's columns.
func correlated(n plan.Node) bool {
	for _, e := range plan.Exprs(n) {
		if hasOuterRef(e) {
			return true
		}
	}
	for _, c := range n.Children() {
		if correlated(c) {
			return true
		}
	}
	return false
}

func hasOuterRef(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(*plan.OuterRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// subLink binds a subquery used as an expression. Uncorrelated ones run
// once per execution; correlated ones are only allowed where bindWhere
// turns them into joins.
func (b *binder) subLink(sl *pg_query.SubLink, sc *scope) (plan.Expr, error) {
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXPR_SUBLINK, pg_query.SubLinkType_EXISTS_SUBLINK, pg_query.SubLinkType_ARRAY_SUBLINK:
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		op := "="
		if len(sl.OperName) > 0 {
			op = opName(sl.OperName)
		}
		if sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK && op != "=" || sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK && op != "<>" {
			return nil, b.errAt(sl.Location, pgerr.New(pgerr.FeatureNotSupported, "only = ANY and <> ALL are supported with a subquery"))
		}
	default:
		return nil, b.errAt(sl.Location, pgerr.New(pgerr.FeatureNotSupported, "%s subqueries are not supported", sl.SubLinkType))
	}
	node, cols, err := b.subquery(sl.Subselect, sc)
	if err != nil {
		return nil, err
	}
	if correlated(node) {
		if sl.SubLinkType == pg_query.SubLinkType_EXPR_SUBLINK && len(cols) == 1 && b.agg == nil && b.cur != nil {
			if e := b.decorrelateScalar(node); e != nil {
				return e, nil
			}
			if e := b.decorrelateSingle(node); e != nil {
				return e, nil
			}
		}
		if sl.SubLinkType == pg_query.SubLinkType_EXISTS_SUBLINK && b.agg == nil && b.cur != nil {
			if e := b.decorrelateMark(node); e != nil {
				return e, nil
			}
		}
		return b.correlatedSubquery(sl, node, cols, sc)
	}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		t, err := b.arraySubqueryType(sl, cols)
		if err != nil {
			return nil, err
		}
		return &plan.Subquery{Kind: plan.SubArray, Plan: optimize(node), Typ: t}, nil
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		one := &plan.Limit{Input: node, Count: &plan.Const{Value: int64(1), Typ: pgtype.Int8}}
		return &plan.Subquery{Kind: plan.SubExists, Plan: optimize(one), Typ: pgtype.Bool}, nil
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, b.errAt(sl.Location, pgerr.New(pgerr.SyntaxError, "subquery must return only one column"))
		}
		// Two rows are enough to know there are too many.
		two := &plan.Limit{Input: node, Count: &plan.Const{Value: int64(2), Typ: pgtype.Int8}}
		return &plan.Subquery{Kind: plan.SubScalar, Plan: optimize(two), Typ: cols[0].Type}, nil
	}
	test, inner, err := b.inTest(sl, sc, node, cols)
	if err != nil {
		return nil, err
	}
	return &plan.Subquery{Kind: plan.SubIn, Plan: optimize(inner), Test: test, Not: sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK, Typ: pgtype.Bool}, nil
}

// inTest binds x of x IN (subquery) and brings x and the subquery's one
// column to a common type; the subquery gets a projection when its column
// needs a cast.
func (b *binder) inTest(sl *pg_query.SubLink, sc *scope, node plan.Node, cols []plan.Column) (plan.Expr, plan.Node, error) {
	if sl.Testexpr.GetRowExpr() != nil || len(cols) != 1 {
		if len(cols) > 1 && sl.Testexpr.GetRowExpr() == nil {
			return nil, nil, b.errAt(sl.Location, pgerr.New(pgerr.SyntaxError, "subquery has too many columns"))
		}
		return nil, nil, b.errAt(sl.Location, pgerr.New(pgerr.FeatureNotSupported, "row comparisons with a subquery are not supported"))
	}
	l, err := b.expr(sl.Testexpr, sc)
	if err != nil {
		return nil, nil, err
	}
	col := node.Columns()[0]
	eq, err := b.binaryOp("=", l, &plan.ColumnRef{Index: 0, Name: col.Name, Typ: col.Type}, sl.Location)
	if err != nil {
		return nil, nil, err
	}
	args := eq.(*plan.Call).Args
	inner := node
	if _, same := args[1].(*plan.ColumnRef); !same {
		inner = &plan.Project{Input: node, Exprs: []plan.Expr{args[1]}, Cols: []plan.Column{{Name: col.Name, Type: args[1].Type()}}}
	}
	return args[0], inner, nil
}

// bindWhere binds a WHERE clause conjunct by conjunct. A conjunct that is
// a correlated EXISTS, NOT EXISTS or IN subquery becomes a semi or anti
// join of the input (decorrelation); the rest filter the result.
func (b *binder) bindWhere(where *pg_query.Node, input plan.Node, sc *scope) (plan.Node, error) {
	cur := b.cur
	if cur == nil {
		cur = &input
	}
	var preds []plan.Expr
	for _, c := range astConjuncts(where) {
		sl, not := sublinkConjunct(c)
		if sl != nil {
			j, err := b.decorrelate(sl, not, *cur, sc)
			if err != nil {
				return nil, err
			}
			if j != nil {
				*cur = j
				continue
			}
		}
		pred, err := b.expr(c, sc)
		if err != nil {
			return nil, err
		}
		if pred, err = b.coerceTo(pred, pgtype.Bool, "argument of WHERE", nodeLocation(c)); err != nil {
			return nil, err
		}
		preds = append(preds, pred)
	}
	if p := andAll(preds); p != nil {
		*cur = &plan.Filter{Input: *cur, Predicate: p}
	}
	return *cur, nil
}

func astConjuncts(n *pg_query.Node) []*pg_query.Node {
	if be := n.GetBoolExpr(); be != nil && be.Boolop == pg_query.BoolExprType_AND_EXPR {
		var out []*pg_query.Node
		for _, a := range be.Args {
			out = append(out, astConjuncts(a)...)
		}
		return out
	}
	return []*pg_query.Node{n}
}

// sublinkConjunct recognises [NOT] EXISTS (...) and x [NOT] IN (...).
func sublinkConjunct(n *pg_query.Node) (*pg_query.SubLink, bool) {
	not := false
	if be := n.GetBoolExpr(); be != nil && be.Boolop == pg_query.BoolExprType_NOT_EXPR && len(be.Args) == 1 {
		n, not = be.Args[0], true
	}
	sl := n.GetSubLink()
	if sl == nil {
		return nil, false
	}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		return sl, not
	case pg_query.SubLinkType_ANY_SUBLINK:
		if len(sl.OperName) == 0 || opName(sl.OperName) == "=" {
			return sl, not
		}
	}
	return nil, false
}

// decorrelate turns a correlated [NOT] EXISTS or IN conjunct into a semi or
// anti join of input; nil when the subquery is not correlated (it is then
// bound as an expression).
func (b *binder) decorrelate(sl *pg_query.SubLink, not bool, input plan.Node, sc *scope) (plan.Node, error) {
	node, cols, err := b.subquery(sl.Subselect, sc)
	if err != nil {
		return nil, err
	}
	isIn := sl.SubLinkType == pg_query.SubLinkType_ANY_SUBLINK
	if !correlated(node) {
		if !isIn {
			// EXISTS without correlation is one constant: an expression.
			return nil, nil
		}
		return b.inSemiJoin(sl, input, sc, node, cols, not)
	}
	// The shape that decorrelates: a projection over an optional filter
	// over an uncorrelated input; the filter's outer references become the
	// join condition.
	// Other shapes are bound as expressions: correlated subqueries the
	// engine runs per outer row.
	p, ok := node.(*plan.Project)
	if !ok {
		return nil, nil
	}
	from := p.Input
	var pred plan.Expr
	if f, ok := from.(*plan.Filter); ok {
		from, pred = f.Input, f.Predicate
	}
	if correlated(from) || isIn && hasOuterRef(p.Exprs[0]) {
		return nil, nil
	}
	nl := len(input.Columns())
	toJoin := func(e plan.Expr) plan.Expr {
		return plan.Map(e, func(x plan.Expr) plan.Expr {
			switch r := x.(type) {
			case *plan.ColumnRef:
				r.Index += nl
			case *plan.OuterRef:
				return &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ}
			}
			return x
		})
	}
	on := toJoin(pred)
	kind := plan.JoinSemi
	if not {
		kind = plan.JoinAnti
	}
	if isIn {
		if len(cols) != 1 {
			return nil, b.errAt(sl.Location, pgerr.New(pgerr.SyntaxError, "subquery has too many columns"))
		}
		if sl.Testexpr.GetRowExpr() != nil {
			return nil, b.errAt(sl.Location, pgerr.New(pgerr.FeatureNotSupported, "row comparisons with a subquery are not supported"))
		}
		l, err := b.expr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binaryOp("=", l, toJoin(p.Exprs[0]), sl.Location)
		if err != nil {
			return nil, err
		}
		if not {
			// x NOT IN S holds in WHERE only when x = s is false for every
			// s: a NULL comparison excludes the row as a match does.
			eq = &plan.Coalesce{Args: []plan.Expr{eq, &plan.Const{Value: true, Typ: pgtype.Bool}}, Typ: pgtype.Bool}
		}
		on = andAll([]plan.Expr{eq, on})
	}
	return &plan.Join{Left: input, Right: from, Kind: kind, On: on}, nil
}

// inSemiJoin turns an uncorrelated x IN (subquery) conjunct of WHERE into
// a semi join of input to the subquery on x = its column, so that it can
// move below the joins of the FROM list like any join (TPC-H Q18, Q20): a
// filter runs only above them. The result is the same in WHERE, where a
// NULL comparison excludes the row as a false one does. x NOT IN
// (subquery) becomes an anti join on COALESCE(x = s, true), which a NULL
// comparison matches as an equal one does: a row is kept only when x
// differs from every s, so an empty subquery keeps every row (a NULL x
// too) and one yielding a NULL keeps none (TPC-H Q16). The engine runs
// that condition as a hash join on x = s that knows these rules.
func (b *binder) inSemiJoin(sl *pg_query.SubLink, input plan.Node, sc *scope, node plan.Node, cols []plan.Column, not bool) (plan.Node, error) {
	test, inner, err := b.inTest(sl, sc, node, cols)
	if err != nil {
		return nil, err
	}
	if volatile(test) || hasSubquery(test) {
		// A join would evaluate x per pair, not once per row.
		return nil, nil
	}
	col := inner.Columns()[0]
	on, err := b.binaryOp("=", test, &plan.ColumnRef{Index: len(input.Columns()), Name: col.Name, Typ: col.Type}, sl.Location)
	if err != nil {
		return nil, err
	}
	if not {
		on = &plan.Coalesce{Args: []plan.Expr{on, &plan.Const{Value: true, Typ: pgtype.Bool}}, Typ: pgtype.Bool}
		return &plan.Join{Left: input, Right: inner, Kind: plan.JoinAnti, On: on}, nil
	}
	return &plan.Join{Left: input, Right: inner, Kind: plan.JoinSemi, On: on}, nil
}

// subLinkColname names a subquery's output column as PostgreSQL does: a
// scalar subquery after its one column, EXISTS "exists".
func subLinkColname(sl *pg_query.SubLink) string {
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		return "exists"
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		return "array"
	case pg_query.SubLinkType_EXPR_SUBLINK:
		sel := sl.Subselect.GetSelectStmt()
		for sel != nil && sel.Op != pg_query.SetOperation_SETOP_NONE {
			sel = sel.Larg
		}
		if sel != nil && len(sel.TargetList) > 0 {
			if rt := sel.TargetList[0].GetResTarget(); rt != nil {
				if rt.Name != "" {
					return rt.Name
				}
				return figureColname(rt.Val)
			}
		}
	}
	return "?column?"
}

// decorrelateScalar turns a correlated scalar subquery over an aggregate,
// (SELECT f(agg) FROM x WHERE x.k = outer.c AND ...), into the aggregate
// grouped by x.k, left-joined to the current input on k = c; the value is
// the joined column. count() of no rows is 0, not the NULL an unmatched
// row gets, so counts are COALESCEd. nil when the shape does not fit.
func (b *binder) decorrelateScalar(node plan.Node) plan.Expr {
	p, ok := node.(*plan.Project)
	if !ok || len(p.Exprs) != 1 || hasOuterRef(p.Exprs[0]) {
		return nil
	}
	agg, ok := p.Input.(*plan.Aggregate)
	if !ok || len(agg.GroupBy) > 0 {
		return nil
	}
	for _, e := range plan.Exprs(agg) {
		if hasOuterRef(e) {
			return nil
		}
	}
	from := agg.Input
	var rest, inner, outer []plan.Expr
	if f, ok := from.(*plan.Filter); ok {
		from = f.Input
		for _, c := range conjuncts(f.Predicate) {
			if !hasOuterRef(c) {
				rest = append(rest, c)
				continue
			}
			call, ok := c.(*plan.Call)
			if !ok || call.Func != "eq" || len(call.Args) != 2 {
				return nil
			}
			a, o := call.Args[0], call.Args[1]
			if hasOuterRef(a) {
				a, o = o, a
			}
			if hasOuterRef(a) || hasInnerRef(o) {
				return nil
			}
			inner = append(inner, a)
			outer = append(outer, o)
		}
	}
	if len(inner) == 0 || correlated(from) {
		return nil
	}
	if r := andAll(rest); r != nil {
		from = &plan.Filter{Input: from, Predicate: r}
	}
	nk := len(inner)
	cols := make([]plan.Column, 0, nk+len(agg.Aggs))
	for i, k := range inner {
		cols = append(cols, plan.Column{Name: keyName(k, i), Type: k.Type()})
	}
	cols = append(cols, agg.Cols...)
	grouped := &plan.Aggregate{Input: from, GroupBy: inner, Aggs: agg.Aggs, Cols: cols}
	input := *b.cur
	nl := len(input.Columns())
	var on []plan.Expr
	for i, o := range outer {
		o = plan.Map(o, func(x plan.Expr) plan.Expr {
			if r, ok := x.(*plan.OuterRef); ok {
				return &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ}
			}
			return x
		})
		on = append(on, &plan.Call{Func: "eq", Op: "=", Args: []plan.Expr{o, &plan.ColumnRef{Index: nl + i, Name: cols[i].Name, Typ: cols[i].Type}}, Typ: pgtype.Bool})
	}
	*b.cur = &plan.Join{Left: input, Right: grouped, Kind: plan.JoinLeft, On: andAll(on)}
	// The subquery's select list is evaluated above the join, over the
	// aggregates of the matching group (none: NULLs, and counts of 0).
	return plan.Map(p.Exprs[0], func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColumnRef); ok {
			a := agg.Aggs[c.Index]
			c.Index += nl + nk
			if a.Func == "count" {
				return &plan.Coalesce{Args: []plan.Expr{c, &plan.Const{Value: int64(0), Typ: pgtype.Int8}}, Typ: c.Typ}
			}
		}
		return x
	})
}

func hasInnerRef(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(*plan.ColumnRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// decorrelateSingle turns a correlated scalar subquery without aggregates,
// (SELECT v FROM x WHERE x.k = outer.c AND ...), into a left join of the
// current input to x on its WHERE clause that fails (21000) when a row
// finds more than one match; v is computed below the join, so no match
// gives NULL. nil when the shape does not fit.
func (b *binder) decorrelateSingle(node plan.Node) plan.Expr {
	p, ok := node.(*plan.Project)
	if !ok || len(p.Exprs) != 1 || hasOuterRef(p.Exprs[0]) {
		return nil
	}
	f, ok := p.Input.(*plan.Filter)
	if !ok || correlated(f.Input) || b.keepCorrelated(f) {
		return nil
	}
	xcols := f.Input.Columns()
	exprs := make([]plan.Expr, 0, len(xcols)+1)
	cols := make([]plan.Column, 0, len(xcols)+1)
	for i, c := range xcols {
		exprs = append(exprs, &plan.ColumnRef{Index: i, Name: c.Name, Typ: c.Type})
		cols = append(cols, c)
	}
	exprs = append(exprs, p.Exprs[0])
	cols = append(cols, plan.Column{Name: p.Cols[0].Name, Type: p.Exprs[0].Type()})
	right := &plan.Project{Input: f.Input, Exprs: exprs, Cols: cols}
	input := *b.cur
	nl := len(input.Columns())
	on := plan.Map(f.Predicate, func(x plan.Expr) plan.Expr {
		switch r := x.(type) {
		case *plan.ColumnRef:
			r.Index += nl
		case *plan.OuterRef:
			return &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ}
		}
		return x
	})
	*b.cur = &plan.Join{Left: input, Right: right, Kind: plan.JoinLeft, On: on, Single: true}
	return &plan.ColumnRef{Index: nl + len(xcols), Name: cols[len(xcols)].Name, Typ: cols[len(xcols)].Type}
}

// decorrelateMark turns a correlated EXISTS used inside an expression (an
// OR, a select list) into a mark join: every input row, flagged with
// whether the subquery's WHERE finds a match. nil when the shape does not
// fit.
func (b *binder) decorrelateMark(node plan.Node) plan.Expr {
	p, ok := node.(*plan.Project)
	if !ok {
		return nil
	}
	f, ok := p.Input.(*plan.Filter)
	if !ok || correlated(f.Input) {
		return nil
	}
	input := *b.cur
	nl := len(input.Columns())
	on := plan.Map(f.Predicate, func(x plan.Expr) plan.Expr {
		switch r := x.(type) {
		case *plan.ColumnRef:
			r.Index += nl
		case *plan.OuterRef:
			return &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ}
		}
		return x
	})
	*b.cur = &plan.Join{Left: input, Right: f.Input, Kind: plan.JoinMark, On: on}
	return &plan.ColumnRef{Index: nl, Name: "exists", Typ: pgtype.Bool}
}
