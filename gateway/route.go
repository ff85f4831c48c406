package gateway

import (
	"context"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// routeOf names where a bound query runs, for metrics: catalog when it
// reads only system tables.
func routeOf(b *planner.Bound) string {
	if len(b.Tables) == 0 {
		return routeLocal
	}
	for _, t := range b.Tables {
		if t.Format != catalog.FormatSystem {
			return routeLocal
		}
	}
	return routeCatalog
}

// openRoute runs a bound query on its route: today always the local engine.
func (s *Session) openRoute(ctx context.Context, b *planner.Bound, params []pgtype.Datum, opts []engine.Option) (engine.Stream, error) {
	return s.g.engine.Execute(ctx, b.Root, params, opts...)
}

// explainRoute is EXPLAIN's first lines: the route a query takes and why.
func (s *Session) explainRoute(b *planner.Bound) []string {
	return []string{"Route: " + routeOf(b)}
}
