package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
)

// pushSemiJoins is the semi-join pushdown rule. A semi or anti join filters
// the rows of its left input by a condition on some of its columns; when
// those columns all come from one input of an inner join below it (or from
// the preserved side of a left join), the semi join filters that input
// instead, before the join multiplies or widens its rows: FROM customer,
// orders, lineitem WHERE o_orderkey IN (...) keeps the few orders before
// joining the lineitems (TPC-H Q18), provided the join is not itself
// expected to drop rows of that input. The join's columns are unchanged,
// since a semi join's output is its left input's.
func pushSemiJoins(n plan.Node) plan.Node {
	n = mapChildren(n, pushSemiJoins)
	if j, ok := n.(*plan.Join); ok && (j.Kind == plan.JoinSemi || j.Kind == plan.JoinAnti) {
		return sinkSemi(j)
	}
	return n
}

// sinkSemi moves semi or anti join j into the input of the join on its left
// that holds every left column the condition reads, as far down as it goes.
func sinkSemi(j *plan.Join) plan.Node {
	below, ok := j.Left.(*plan.Join)
	if !ok || below.Single || below.Kind != plan.JoinInner && below.Kind != plan.JoinLeft {
		return j
	}
	nTot := len(j.Left.Columns())
	nl := len(below.Left.Columns())
	lo, hi := nTot, -1 // the range of left columns read
	mark := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			if c, ok := x.(*plan.ColumnRef); ok && c.Index < nTot {
				lo, hi = min(lo, c.Index), max(hi, c.Index)
			}
			return true
		})
	}
	for _, k := range j.LeftKeys {
		mark(k)
	}
	mark(j.On)
	if volatile(j.On) || hasSubquery(j.On) {
		return j
	}
	for _, k := range j.LeftKeys {
		if volatile(k) || hasSubquery(k) {
			return j
		}
	}
	if hi < 0 {
		return j // reads no left column: nothing says where it belongs
	}
	// shift re-indexes an expression over j's columns (left then right)
	// for a semi join whose left input starts at column off of j's left
	// and is width columns wide.
	shift := func(e plan.Expr, off, width int) plan.Expr {
		return plan.Map(e, func(x plan.Expr) plan.Expr {
			if c, ok := x.(*plan.ColumnRef); ok {
				if c.Index < nTot {
					c.Index -= off
				} else {
					c.Index += width - nTot
				}
			}
			return x
		})
	}
	moved := func(input plan.Node, off int) plan.Node {
		width := len(input.Columns())
		s := &plan.Join{Left: input, Right: j.Right, Kind: j.Kind, On: shift(j.On, off, width), RightKeys: j.RightKeys}
		for _, k := range j.LeftKeys {
			s.LeftKeys = append(s.LeftKeys, shift(k, off, width))
		}
		return sinkSemi(s)
	}
	// The semi join moves only below a join that is not expected to drop
	// rows of the input it moves onto: when the join is what filters
	// (TPC-H Q21's lineitems of one nation's suppliers), the semi join
	// probes fewer rows above it.
	keeps := func(input plan.Node) bool {
		in, _ := estimate(input)
		out, _ := estimate(below)
		return in >= 0 && out >= 0 && in <= out
	}
	c := *below
	switch {
	case hi < nl && keeps(below.Left):
		c.Left = moved(below.Left, 0)
	case lo >= nl && below.Kind == plan.JoinInner && keeps(below.Right):
		c.Right = moved(below.Right, nl)
	default:
		return j
	}
	return &c
}

// restrictGroupedJoins is the rule that limits a decorrelated subquery's
// aggregate to the groups the query asks for. A scalar subquery correlated
// on keys becomes a left join of the query's rows to the subquery's
// aggregate grouped by those keys (decorrelateScalar); the aggregate would
// then group the whole table although only the groups of the query's
// (filtered) rows are read. When the rows that supply the keys are few
// against the aggregate's input, that input is first semi-joined to them,
// as DuckDB's delim join does: TPC-H Q17 averages the lineitems of 20 parts
// instead of all 200 000, Q20 sums those of the partsupps of forest parts.
// Every group a row of the join finds keeps all its rows, so the values are
// unchanged. The key rows are computed a second time; the rule holds back
// where that could differ (volatile functions) or cost more than it saves.
func restrictGroupedJoins(n plan.Node) plan.Node {
	n = mapChildren(n, restrictGroupedJoins)
	j, ok := n.(*plan.Join)
	if !ok || j.Single || len(j.LeftKeys) == 0 || j.Kind != plan.JoinLeft && j.Kind != plan.JoinInner {
		return n
	}
	agg, ok := j.Right.(*plan.Aggregate)
	if !ok || len(agg.GroupBy) == 0 {
		return n
	}
	var groupKeys, outerKeys []plan.Expr
	for i, rk := range j.RightKeys {
		c, ok := rk.(*plan.ColumnRef)
		if !ok || c.Index >= len(agg.GroupBy) {
			continue
		}
		groupKeys = append(groupKeys, agg.GroupBy[c.Index])
		outerKeys = append(outerKeys, j.LeftKeys[i])
	}
	if len(groupKeys) == 0 {
		return n
	}
	keyRows, keys := keySource(j.Left, outerKeys)
	if !repeatable(keyRows) {
		return n
	}
	want, _ := estimate(keyRows)
	have, _ := estimate(agg.Input)
	if want < 0 || have < 0 || want*restrictRatio > have {
		return n
	}
	ac := *agg
	ac.Input = &plan.Join{Left: agg.Input, Right: keyRows, Kind: plan.JoinSemi, LeftKeys: groupKeys, RightKeys: keys}
	jc := *j
	jc.Right = &ac
	return &jc
}

// restrictRatio is how many times fewer the key rows must be estimated than
// the aggregate's input rows for restrictGroupedJoins to compute them twice.
const restrictRatio = 8

// keySource finds, below n, the smallest input that still holds every row's
// keys: through an inner join to the side that supplies all of them when
// that side is estimated to be not much larger than the join (its other
// side then need not be computed again), through a semi join or the
// preserved side of a left join likewise, and through projections. keys are
// re-expressed over the returned node's columns.
func keySource(n plan.Node, keys []plan.Expr) (plan.Node, []plan.Expr) {
	for {
		switch x := n.(type) {
		case *plan.Project:
			next := make([]plan.Expr, len(keys))
			for i, k := range keys {
				next[i] = plan.Map(k, func(e plan.Expr) plan.Expr {
					if c, ok := e.(*plan.ColumnRef); ok {
						return x.Exprs[c.Index]
					}
					return e
				})
			}
			n, keys = x.Input, next
		case *plan.Join:
			if x.Single || x.Kind != plan.JoinInner && x.Kind != plan.JoinSemi && x.Kind != plan.JoinLeft {
				return n, keys
			}
			nl := len(x.Left.Columns())
			s := 0
			for _, k := range keys {
				s |= plan.Sides(k, nl)
			}
			var child plan.Node
			var shift int
			switch {
			case s == 1:
				child = x.Left
			case s == 2 && x.Kind == plan.JoinInner:
				child, shift = x.Right, -nl
			default:
				return n, keys
			}
			here, _ := estimate(x)
			there, _ := estimate(child)
			if here < 0 || there < 0 || there > 2*here {
				return n, keys
			}
			next := make([]plan.Expr, len(keys))
			for i, k := range keys {
				next[i] = shiftRefs(k, shift)
			}
			n, keys = child, next
		default:
			return n, keys
		}
	}
}

// repeatable reports whether a plan gives the same rows when computed
// twice in one query: only lake scans, literal rows and relational
// operators over them, with no volatile function or subquery.
func repeatable(n plan.Node) bool {
	switch n.(type) {
	case *plan.Scan, *plan.Values, *plan.Filter, *plan.Project, *plan.Join, *plan.Aggregate:
	default:
		return false
	}
	for _, e := range plan.Exprs(n) {
		if volatile(e) || hasSubquery(e) {
			return false
		}
	}
	for _, c := range n.Children() {
		if !repeatable(c) {
			return false
		}
	}
	return true
}
