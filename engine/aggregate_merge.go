package engine

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// mergeableAgg reports whether c's states can be computed on parts of the
// input and combined (mergeState): the aggregates whose result does not
// depend on the order rows arrive in, except for a float sum's last
// digits, as with PostgreSQL's parallel aggregates.
func mergeableAgg(c *plan.AggCall) bool {
	if c.Distinct {
		return false
	}
	for _, a := range c.Args {
		if k, ok := a.(*plan.Call); ok && k.Func == "order_key" {
			return false
		}
	}
	switch c.Func {
	case "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every":
		return true
	}
	return false
}

// mergeState folds src, a state of the same aggregate over other rows,
// into dst. Only states of mergeableAgg aggregates reach it.
func mergeState(dst, src aggState) error {
	switch d := dst.(type) {
	case *countState:
		d.n += src.(*countState).n
	case *sumState:
		return d.merge(src.(*sumState))
	case *avgState:
		s := src.(*avgState)
		d.count += s.count
		return d.sum.merge(&s.sum)
	case *minMaxState:
		if v := src.(*minMaxState).v; v != nil {
			return d.add([]pgtype.Datum{v})
		}
	case *boolState:
		if s := src.(*boolState); s.any {
			return d.add([]pgtype.Datum{s.v})
		}
	}
	return nil
}

// merge adds another sum's total (with the same overflow checks as rows).
func (s *sumState) merge(o *sumState) error {
	if !o.any {
		return nil
	}
	v, _ := o.result()
	return s.addValue(v)
}
