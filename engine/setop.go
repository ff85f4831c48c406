package engine

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
)

func (b *builder) setOp(s *plan.SetOp) (operator, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "%s is not supported yet", s)
}
