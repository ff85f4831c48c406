package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
)

// optimize runs the rewrite rules in order: constants fold, inner joins are
// ordered so each joins on a condition, predicates move down into and
// below joins, semi joins move onto the inputs they filter, decorrelated
// aggregates read only the groups asked for, join conditions become hash
// keys with the smaller input built, limits move down, then every node
// keeps only the columns read above it.
func optimize(root plan.Node) plan.Node {
	root = foldConstants(root)
	// Filters first reach the inner joins they constrain (through outer,
	// semi and anti joins above them), then the joins are ordered, then
	// the filters settle into the new order.
	root = pushFilters(root)
	root = reorderJoins(root)
	root = pushFilters(root)
	root = pushSemiJoins(root)
	root = restrictGroupedJoins(root)
	root = chooseBuildSides(root)
	root = pushLimits(root)
	return pruneColumns(root)
}

// mapChildren rebuilds n with fn applied to each child.
func mapChildren(n plan.Node, fn func(plan.Node) plan.Node) plan.Node {
	switch x := n.(type) {
	case *plan.Filter:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *plan.Project:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *plan.Aggregate:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *plan.Sort:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *plan.Limit:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *plan.Join:
		c := *x
		c.Left, c.Right = fn(x.Left), fn(x.Right)
		return &c
	case *plan.SetOp:
		c := *x
		c.Left, c.Right = fn(x.Left), fn(x.Right)
		return &c
	case *plan.RecursiveUnion:
		c := *x
		c.Base, c.Recursive = fn(x.Base), fn(x.Recursive)
		return &c
	}
	return n
}

// pushFilters is the join predicate pushdown rule. A WHERE conjunct over an
// inner join that reads one side only filters that side below the join;
// one that reads both joins on it (so FROM a, b WHERE a.x = b.y is a hash
// join, not a product). Single-side ON conjuncts move below the join when
// the join kind allows: never onto the side whose unmatched rows the join
// keeps. Join conditions are then split into hash keys and a residual.
func pushFilters(n plan.Node) plan.Node {
	if f, ok := n.(*plan.Filter); ok {
		// Stacked filters become one, so that every conjunct reaches the
		// join below them: only a filter directly over a join moves into
		// it, and decorrelation leaves the WHERE clause's filter over
		// the semi and anti joins it adds. A volatile predicate keeps its
		// own filter: it must see only the rows the lower one passes.
		for {
			in, ok := f.Input.(*plan.Filter)
			if !ok || volatile(f.Predicate) || volatile(in.Predicate) {
				break
			}
			f = &plan.Filter{Input: in.Input, Predicate: andAll([]plan.Expr{in.Predicate, f.Predicate})}
		}
		n = f
		if p, ok := f.Input.(*plan.Project); ok && !volatile(f.Predicate) {
			// A filter moves below a projection with its column
			// references replaced by what they project (so WHERE reaches
			// the join under JOIN ... USING's merging projection).
			pred := plan.Map(f.Predicate, func(x plan.Expr) plan.Expr {
				if c, ok := x.(*plan.ColumnRef); ok {
					return p.Exprs[c.Index]
				}
				return x
			})
			if !volatile(pred) {
				pc := *p
				pc.Input = &plan.Filter{Input: p.Input, Predicate: pred}
				return mapChildren(&pc, pushFilters)
			}
		}
		if j, ok := f.Input.(*plan.Join); ok {
			n = pushIntoJoin(f, j)
		}
	}
	n = mapChildren(n, pushFilters)
	if j, ok := n.(*plan.Join); ok && (len(j.LeftKeys) == 0 || j.On != nil) {
		n = splitJoin(j)
	}
	return n
}

// pushIntoJoin moves a filter's conjuncts into the join below it where
// that keeps the join's meaning.
func pushIntoJoin(f *plan.Filter, j *plan.Join) plan.Node {
	nl := len(j.Left.Columns())
	jc := *j
	var keep, toLeft, toRight []plan.Expr
	for _, c := range factorOr(conjuncts(f.Predicate)) {
		if volatile(c) || hasSubquery(c) {
			keep = append(keep, c)
			continue
		}
		s := plan.Sides(c, nl)
		switch {
		case jc.Kind == plan.JoinInner:
			jc.On = andAll([]plan.Expr{jc.On, c})
		case (jc.Kind == plan.JoinLeft || jc.Kind == plan.JoinSemi || jc.Kind == plan.JoinAnti || jc.Kind == plan.JoinMark) && s&2 == 0:
			toLeft = append(toLeft, c)
		case jc.Kind == plan.JoinRight && s&1 == 0:
			toRight = append(toRight, shiftRefs(c, -nl))
		default:
			keep = append(keep, c)
		}
	}
	// One filter a side, so that all of them keep moving down.
	if len(toLeft) > 0 {
		jc.Left = &plan.Filter{Input: jc.Left, Predicate: andAll(toLeft)}
	}
	if len(toRight) > 0 {
		jc.Right = &plan.Filter{Input: jc.Right, Predicate: andAll(toRight)}
	}
	if len(keep) == 0 {
		return &jc
	}
	return &plan.Filter{Input: &jc, Predicate: andAll(keep)}
}

// splitJoin moves single-side ON conjuncts below the join where allowed and
// takes equalities out as hash keys.
func splitJoin(j *plan.Join) plan.Node {
	nl := len(j.Left.Columns())
	jc := *j
	var rest []plan.Expr
	var toLeft, toRight []plan.Expr
	cs := conjuncts(j.On)
	if len(j.LeftKeys) == 0 {
		cs = factorOr(cs) // once: a keyed join has had its ORs factored
	}
	for _, c := range cs {
		if volatile(c) || hasSubquery(c) {
			rest = append(rest, c)
			continue
		}
		s := plan.Sides(c, nl)
		switch {
		case s == 1 && (j.Kind == plan.JoinInner || j.Kind == plan.JoinRight || j.Kind == plan.JoinSemi):
			toLeft = append(toLeft, c)
		case s == 2 && (j.Kind == plan.JoinInner || j.Kind == plan.JoinLeft || j.Kind == plan.JoinSemi || j.Kind == plan.JoinAnti || j.Kind == plan.JoinMark):
			toRight = append(toRight, shiftRefs(c, -nl))
		default:
			rest = append(rest, c)
		}
	}
	if len(toLeft) > 0 {
		jc.Left = pushFilters(&plan.Filter{Input: jc.Left, Predicate: andAll(toLeft)})
	}
	if len(toRight) > 0 {
		jc.Right = pushFilters(&plan.Filter{Input: jc.Right, Predicate: andAll(toRight)})
	}
	lk, rk, on := splitJoinCondition(andAll(rest), nl)
	jc.LeftKeys = append(append([]plan.Expr(nil), j.LeftKeys...), lk...)
	jc.RightKeys = append(append([]plan.Expr(nil), j.RightKeys...), rk...)
	jc.On = on
	return &jc
}

// chooseBuildSides is the build-side rule: a hash join builds its table
// from the input with fewer rows estimated after filters (estimateRows),
// and from the right input when a count is unknown. Semi and anti joins
// too: EXISTS over a large table from a few outer rows (TPC-H Q4's
// lineitems of 50 000 orders) hashes the outer rows and marks those the
// subquery's rows match, but only when the outer side is estimated at
// most half the subquery's: built, the outer rows are held with all
// their columns, and a subquery filtered by HAVING (TPC-H Q18's few
// large orders) is estimated far above what it yields. Mark joins and
// scalar subqueries' joins (Single) always build the right side.
func chooseBuildSides(n plan.Node) plan.Node {
	n = mapChildren(n, chooseBuildSides)
	if j, ok := n.(*plan.Join); ok && j.Kind != plan.JoinMark && !j.Single {
		l, r := estimateRows(j.Left), estimateRows(j.Right)
		if j.Kind == plan.JoinSemi || j.Kind == plan.JoinAnti {
			if len(j.LeftKeys) == 0 {
				// A nested loop gains nothing, and x NOT IN's anti join
				// runs by its NULL rules building the subquery.
				return n
			}
			l *= 2
		}
		if l >= 0 && r >= 0 && l < r {
			jc := *j
			jc.BuildLeft = true
			return &jc
		}
	}
	return n
}

// hasSubquery reports whether e holds a subquery expression.
func hasSubquery(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(*plan.Subquery); ok {
			found = true
		}
		return !found
	})
	return found
}

// factorOr adds, beside each OR, the conjuncts every branch of it has:
// (a = b AND x) OR (a = b AND y) also implies a = b, which can then be a
// join key or move below the join. The OR itself stays, so the result is
// the same predicate.
func factorOr(cs []plan.Expr) []plan.Expr {
	out := cs
	have := map[string]bool{}
	for _, c := range cs {
		have[c.String()] = true
	}
	for _, c := range cs {
		or, ok := c.(*plan.BoolOp)
		if !ok || or.Op != "OR" || volatile(c) {
			continue
		}
		first := conjuncts(or.Args[0])
		for _, cand := range first {
			k := cand.String()
			inAll := true
			for _, br := range or.Args[1:] {
				found := false
				for _, x := range conjuncts(br) {
					if x.String() == k {
						found = true
						break
					}
				}
				if !found {
					inAll = false
					break
				}
			}
			if inAll && !have[k] {
				have[k] = true
				out = append(out, cand)
			}
		}
	}
	return out
}
