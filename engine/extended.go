package engine

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// buildExtended builds the operators of the plan nodes for window
// functions, set-returning functions, grouping sets, DISTINCT ON and
// LATERAL subqueries.
func (b *builder) buildExtended(n plan.Node) (operator, error) {
	switch x := n.(type) {
	case *plan.ProjectSet:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return newProjectSet(x, in, b.env)
	case *plan.Apply:
		return b.apply(x)
	case *plan.Window:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return newWindow(x, in, b.env)
	case *plan.GroupingSets:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return newGroupingSets(x, in, b.env)
	case *plan.Unique:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		return newUnique(x, in, b.env)
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "plan node %T is not supported by the engine", n)
}
