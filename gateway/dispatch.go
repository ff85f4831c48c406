package gateway

import (
	"context"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// open starts a bound query wherever it runs. Every row-returning path
// (simple and extended queries, cursors, COPY, EXPLAIN ANALYZE) comes
// through here, so this is the one seam where the result cache sits in
// front of the routes (openRoute).
func (s *Session) open(ctx context.Context, b *planner.Bound, params []pgtype.Datum, opts []engine.Option) (engine.Stream, error) {
	return s.openRoute(ctx, b, params, opts)
}

// explainCache is what EXPLAIN says of the result cache for a query:
// nothing until the cache exists.
func (s *Session) explainCache(b *planner.Bound) []string {
	return nil
}
