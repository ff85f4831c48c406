package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// pushLimits is the limit-pushdown rule. A LIMIT (with a constant count,
// and OFFSET) needs at most count+offset rows of what is under it, so:
// it moves below a projection, which computes values row by row (and
// then sits right on a sort, which the engine runs as a top-N); each
// input of UNION ALL and the preserved input of a left join (which yields
// at least one row per row of it) is limited to count+offset rows as
// well, under the LIMIT that stays. Scans under a limit stop early.
func pushLimits(n plan.Node) plan.Node {
	n = mapChildren(n, pushLimits)
	l, ok := n.(*plan.Limit)
	if !ok {
		return n
	}
	count, ok := constRows(l.Count)
	if !ok {
		return n
	}
	offset := int64(0)
	if l.Offset != nil {
		if offset, ok = constRows(l.Offset); !ok {
			return n
		}
	}
	need := &plan.Const{Value: count + offset, Typ: pgtype.Int8}
	switch in := l.Input.(type) {
	case *plan.Project:
		for _, e := range in.Exprs {
			if volatile(e) || hasSubquery(e) {
				return n // evaluated for the rows the limit drops too
			}
		}
		pc := *in
		pc.Input = pushLimits(&plan.Limit{Input: in.Input, Count: l.Count, Offset: l.Offset})
		return &pc
	case *plan.SetOp:
		if in.Kind != plan.SetUnion || !in.All {
			return n
		}
		sc := *in
		sc.Left = limitTo(in.Left, need)
		sc.Right = limitTo(in.Right, need)
		lc := *l
		lc.Input = &sc
		return &lc
	case *plan.Join:
		if in.Kind != plan.JoinLeft || in.Single {
			return n
		}
		jc := *in
		jc.Left = limitTo(in.Left, need)
		lc := *l
		lc.Input = &jc
		return &lc
	}
	return n
}

// limitTo puts a limit of need rows over n unless one as tight is there.
func limitTo(n plan.Node, need *plan.Const) plan.Node {
	if l, ok := n.(*plan.Limit); ok && l.Offset == nil {
		if c, ok := constRows(l.Count); ok && c <= need.Value.(int64) {
			return n
		}
	}
	return pushLimits(&plan.Limit{Input: n, Count: need})
}

// constRows is a LIMIT or OFFSET that is a constant, non-negative count.
func constRows(e plan.Expr) (int64, bool) {
	c, ok := e.(*plan.Const)
	if !ok {
		return 0, false
	}
	v, ok := c.Value.(int64)
	return v, ok && v >= 0
}
