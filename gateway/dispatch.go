package gateway

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
	tb, err := s.timeTravel(ctx, b)
	if err != nil {
		return nil, err
	}
	route := s.openRoute
	if tb != b {
		// Older snapshots: a Trino route names them (FOR VERSION AS OF).
		route = s.openRouteAsOf
		b = tb
	}
	cp := s.planCache(b, params)
	if cp.reason != "" {
		return route(ctx, b, params, opts)
	}
	exec := func(ctx context.Context) (cache.Stream, error) {
		st, err := route(ctx, b, params, opts)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	// A background refresh of a stale entry runs after this call returns,
	// beside the session: it must not read the session (openRoute's route
	// choice does), so it runs on the local engine, whose results are the
	// same. b, params and opts are immutable.
	refresh := func(ctx context.Context) (cache.Stream, error) {
		st, err := s.g.engine.Execute(ctx, b.Root, params, opts...)
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, outcome, err := s.g.cfg.Cache.Cache.Open(ctx, cache.Request{Key: cp.key, Refresh: cp.refresh,
		MaxStaleness: cp.staleness, Exec: exec, Background: refresh})
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
	b, err := s.timeTravel(context.Background(), b)
	if err != nil {
		return []string{"Cache: not cacheable: " + pgerr.Convert(err).Message}
	}
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

// timeTravel applies sluice.as_of: the query is bound again against a
// state whose Iceberg tables are as of the snapshot asked for (so its
// table versions, and its cache key, are that snapshot's). A table without
// snapshot history is an error naming it (State.AsOf's), never a silent
// read of the current data. System tables describe the catalog now and are
// read as they are.
func (s *Session) timeTravel(ctx context.Context, b *planner.Bound) (*planner.Bound, error) {
	v := s.showValue(settingAsOf)
	if v == "" {
		return b, nil
	}
	st := s.catalogState()
	memo := s.cacheMemo()
	mk := asOfKey{b: b, asOf: v, state: st}
	if tb, ok := memo.asOf[mk]; ok {
		// The same plan, setting and catalog state bind alike: a cached
		// dashboard under time travel binds once.
		return tb, nil
	}
	tt, err := parseAsOf(v)
	if err != nil {
		return nil, err
	}
	var at *catalog.State
	for _, t := range b.Tables {
		if t.Format == catalog.FormatSystem {
			continue
		}
		old, err := st.AsOf(ctx, t.Schema, t.Name, tt)
		if err != nil {
			return nil, err
		}
		if old == t {
			continue
		}
		if at == nil {
			cp := *st
			cp.Schemas = slices.Clone(st.Schemas)
			at = &cp
		}
		replaceTable(at, old)
	}
	tb := b
	if at != nil && b.Query != nil {
		if tb, err = s.g.planner.Bind(b.Query, at, s, b.ParamTypes); err != nil {
			return nil, err
		}
	}
	if memo.asOf == nil || len(memo.asOf) >= boundInfosSize {
		memo.asOf = make(map[asOfKey]*planner.Bound)
	}
	memo.asOf[mk] = tb
	return tb, nil
}

// asOfKey is what timeTravel's result depends on.
type asOfKey struct {
	b     *planner.Bound
	asOf  string
	state *catalog.State
}

// replaceTable puts t in place of the table of the same name in st, whose
// Schemas slice (but not its schemas) is st's own.
func replaceTable(st *catalog.State, t *catalog.Table) {
	for i, sc := range st.Schemas {
		if sc.Name != t.Schema {
			continue
		}
		cp := *sc
		cp.Tables = slices.Clone(sc.Tables)
		for j, x := range cp.Tables {
			if x.Name == t.Name {
				cp.Tables[j] = t
			}
		}
		st.Schemas[i] = &cp
	}
}

// parseAsOf reads sluice.as_of as checkAsOf canonicalised it.
func parseAsOf(v string) (catalog.TimeTravel, error) {
	if id, ok := strings.CutPrefix(v, "snapshot:"); ok {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return catalog.TimeTravel{}, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", settingAsOf, v)
		}
		return catalog.TimeTravel{SnapshotID: n}, nil
	}
	d, err := pgtype.Decode(pgtype.Timestamptz, 0, []byte(v), pgtype.DefaultSettings())
	if err != nil {
		return catalog.TimeTravel{}, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", settingAsOf, v)
	}
	return catalog.TimeTravel{At: time.UnixMicro(int64(d.(pgtype.TimestampValue))).UTC()}, nil
}
