package gateway

import (
	"context"
	"fmt"
	"time"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// open starts a bound query wherever it runs. Every row-returning path
// (simple and extended queries, cursors, COPY, EXPLAIN ANALYZE) comes
// through here, so this is the one seam where the result cache sits in
// front of the routes (openRoute). A cached result replays as the same
// Arrow batches through the same stream, so the wire encoding (text or
// binary, max_rows chunking, cursors) is the same as a fresh one's.
func (s *Session) open(ctx context.Context, b *planner.Bound, params []pgtype.Datum, opts []engine.Option) (engine.Stream, error) {
	if err := s.timeTravel(b); err != nil {
		return nil, err
	}
	cp := s.planCache(b, params)
	if cp.reason != "" {
		return s.openRoute(ctx, b, params, opts)
	}
	// Exec also serves a background refresh of a stale entry, after this
	// call returns: b, params and opts are immutable, and openRoute must
	// not change the session.
	exec := func(ctx context.Context) (cache.Stream, error) {
		st, err := s.openRoute(ctx, b, params, opts)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, outcome, err := s.g.cfg.Cache.Cache.Open(ctx, cache.Request{Key: cp.key, Refresh: cp.refresh,
		MaxStaleness: cp.staleness, Exec: exec})
	s.g.log.Debug("result cache", "session", s.id, "key", cp.key.String(), "outcome", outcome.String())
	if err != nil {
		return nil, err
	}
	return st, nil
}

// explainCache is what EXPLAIN says of the result cache for a query: hit,
// miss (with the key) or why it is not cached. EXPLAIN sees no parameter
// values, so a query with parameters is looked up as if they were NULL.
func (s *Session) explainCache(b *planner.Bound) []string {
	cp := s.planCache(b, nil)
	if cp.reason != "" {
		return []string{"Cache: " + cp.reason}
	}
	if cp.refresh {
		return []string{fmt.Sprintf("Cache: refresh (key %s)", cp.key)}
	}
	outcome, info := s.g.cfg.Cache.Cache.Peek(cp.key, cp.staleness)
	switch outcome {
	case cache.Hit, cache.StaleHit:
		line := fmt.Sprintf("Cache: %s (key %s, %d bytes, %d hits, age %s)", outcome, info.Digest, info.Bytes,
			info.Hits, time.Since(info.Created).Round(time.Millisecond))
		return []string{line}
	case cache.Coalesced:
		return []string{fmt.Sprintf("Cache: miss, an identical query is running (key %s)", cp.key)}
	}
	return []string{fmt.Sprintf("Cache: miss (key %s)", cp.key)}
}

// timeTravel checks a query against sluice.as_of: only tables with a
// snapshot history can be read as of an older snapshot, and a query must
// never silently read the current one instead. System tables describe the
// catalog now and are read as they are.
func (s *Session) timeTravel(b *planner.Bound) error {
	if s.showValue(settingAsOf) == "" {
		return nil
	}
	for _, t := range b.Tables {
		switch t.Format {
		case catalog.FormatSystem:
		case catalog.FormatHiveParquet:
			return pgerr.New(pgerr.FeatureNotSupported,
				"relation %s has no snapshot history: time travel needs an Iceberg table", t.QualifiedName()).
				WithHint("RESET sluice.as_of to read the current data.")
		default:
			return pgerr.New(pgerr.FeatureNotSupported, "sluice.as_of is not applied to relation %s yet", t.QualifiedName())
		}
	}
	return nil
}
