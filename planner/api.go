package planner

import (
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Planner parses and binds statements. It is safe for concurrent use; parsed
// statements are cached by their text.
type Planner struct{}

// New returns a planner.
func New() *Planner { return &Planner{} }

// Parse splits sql into statements and classifies each. An empty string
// gives no statements. Syntax errors are 42601 with the 1-based position.
func (p *Planner) Parse(sql string) ([]Statement, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "not implemented")
}

// Bind binds a query against a catalog state. paramTypes are the types the
// client declared (Unknown where it did not); the result's ParamTypes
// resolves every $n.
func (p *Planner) Bind(q *Query, state *catalog.State, env Env, paramTypes []pgtype.Type) (*Bound, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "not implemented")
}
