package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// correlatedSubquery binds a correlated subquery that no decorrelation
// rule turns into a join: its outer references become CorrelatedRef
// slots, each fed by an expression over the enclosing input, and the
// engine runs the plan once per distinct outer values (psql's \du and \d+
// send ARRAY(SELECT ... WHERE x = outer.oid)).
func (b *binder) correlatedSubquery(sl *pg_query.SubLink, node plan.Node, cols []plan.Column, sc *scope) (plan.Expr, error) {
	node, outer, err := b.bindOuterRefs(node, sl.Location)
	if err != nil {
		return nil, err
	}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		one := &plan.Limit{Input: node, Count: &plan.Const{Value: int64(1), Typ: pgtype.Int8}}
		return &plan.Subquery{Kind: plan.SubExists, Plan: optimize(one), Typ: pgtype.Bool, Outer: outer}, nil
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, b.errAt(sl.Location, pgerr.New(pgerr.SyntaxError, "subquery must return only one column"))
		}
		two := &plan.Limit{Input: node, Count: &plan.Const{Value: int64(2), Typ: pgtype.Int8}}
		return &plan.Subquery{Kind: plan.SubScalar, Plan: optimize(two), Typ: cols[0].Type, Outer: outer}, nil
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		t, err := b.arraySubqueryType(sl, cols)
		if err != nil {
			return nil, err
		}
		return &plan.Subquery{Kind: plan.SubArray, Plan: optimize(node), Typ: t, Outer: outer}, nil
	}
	test, inner, err := b.inTest(sl, sc, node, cols)
	if err != nil {
		return nil, err
	}
	return &plan.Subquery{Kind: plan.SubIn, Plan: optimize(inner), Test: test, Not: sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK, Typ: pgtype.Bool, Outer: outer}, nil
}

// arraySubqueryType is the type of ARRAY(subquery): an array of its one
// column's type.
func (b *binder) arraySubqueryType(sl *pg_query.SubLink, cols []plan.Column) (pgtype.Type, error) {
	if len(cols) != 1 {
		return pgtype.Unknown, b.errAt(sl.Location, pgerr.New(pgerr.SyntaxError, "subquery must return only one column"))
	}
	et := cols[0].Type
	if et.OID == pgtype.UnknownOID {
		et = pgtype.Text
	}
	if et.IsArray() {
		return pgtype.Unknown, b.errAt(sl.Location, pgerr.New(pgerr.FeatureNotSupported, "ARRAY(subquery) of arrays is not supported"))
	}
	t, ok := pgtype.ArrayOf(pgtype.Type{OID: et.OID, Typmod: -1})
	if !ok {
		return pgtype.Unknown, b.errAt(sl.Location, pgerr.New(pgerr.UndefinedObject, "could not find array type for data type %s", et))
	}
	return t, nil
}

// bindOuterRefs replaces the outer references of a subquery's plan by
// CorrelatedRef slots and returns, per slot, the expression over the
// enclosing query's input (through the aggregate when the enclosing query
// groups: the column must then be a group key).
func (b *binder) bindOuterRefs(node plan.Node, loc int32) (plan.Node, []plan.Expr, error) {
	var outer []plan.Expr
	slots := map[int]int{}
	var err error
	node = plan.MapNode(node, func(x plan.Expr) plan.Expr {
		r, ok := x.(*plan.OuterRef)
		if !ok {
			return x
		}
		slot, seen := slots[r.Index]
		if !seen {
			var e plan.Expr = &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ}
			if b.agg != nil {
				k := b.agg.keyIndex(e)
				if k < 0 {
					if err == nil {
						err = b.errAt(loc, pgerr.New(pgerr.GroupingError, "subquery uses ungrouped column \"%s\" from outer query", r.Name))
					}
					return x
				}
				e = b.agg.ref(k)
			}
			slot = len(outer)
			slots[r.Index] = slot
			outer = append(outer, e)
		}
		return &plan.CorrelatedRef{Slot: slot, Name: r.Name, Typ: r.Typ}
	})
	if err != nil {
		return nil, nil, err
	}
	return node, outer, nil
}

// keepCorrelated reports whether a scalar subquery that decorrelateSingle
// could turn into a left join runs better correlated (crossKeys). Not in
// a grouped query: there its outer references must be group keys
// (bindOuterRefs), which the left join below the aggregate does not need.
func (b *binder) keepCorrelated(f *plan.Filter) bool {
	return b.agg == nil && crossKeys(f)
}

// crossKeys reports whether a correlated subquery's FROM items are joined
// only through the outer row: several inputs that no condition of their
// own connects (pg_collation c, pg_type t WHERE c.oid = outer.x AND t.oid
// = outer.y, psql's \d). Decorrelated, that is one join of the outer rows
// to the product of those inputs, built whole on every run (the product
// of the inputs' sizes); run per distinct outer values, each input is
// filtered on its own constant first.
func crossKeys(f *plan.Filter) bool {
	j, ok := f.Input.(*plan.Join)
	if !ok || !flattenable(j) {
		return false
	}
	var offsets []int
	var conds [][]plan.Expr // each: expressions of one condition
	var flatten func(x plan.Node, off int)
	flatten = func(x plan.Node, off int) {
		if jj, ok := x.(*plan.Join); ok && flattenable(jj) {
			flatten(jj.Left, off)
			flatten(jj.Right, off+len(jj.Left.Columns()))
			for _, c := range conjuncts(jj.On) {
				conds = append(conds, []plan.Expr{shiftRefs(c, off)})
			}
			nl := len(jj.Left.Columns())
			for k := range jj.LeftKeys {
				conds = append(conds, []plan.Expr{shiftRefs(jj.LeftKeys[k], off), shiftRefs(jj.RightKeys[k], off+nl)})
			}
			return
		}
		offsets = append(offsets, off)
	}
	flatten(j, 0)
	for _, c := range conjuncts(f.Predicate) {
		conds = append(conds, []plan.Expr{c})
	}
	leafOf := func(idx int) int {
		for i := len(offsets) - 1; i >= 0; i-- {
			if idx >= offsets[i] {
				return i
			}
		}
		return 0
	}
	// Union the inputs each condition reads.
	parent := make([]int, len(offsets))
	for i := range parent {
		parent[i] = i
	}
	var find func(i int) int
	find = func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	union := func(es ...plan.Expr) {
		first := -1
		for _, e := range es {
			plan.Walk(e, func(x plan.Expr) bool {
				if r, ok := x.(*plan.ColumnRef); ok {
					l := find(leafOf(r.Index))
					if first < 0 {
						first = l
					} else {
						parent[l] = find(first)
					}
				}
				return true
			})
		}
	}
	for _, c := range conds {
		union(c...)
	}
	root := find(0)
	for i := range parent {
		if find(i) != root {
			return true
		}
	}
	return false
}
