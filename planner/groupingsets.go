package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// groupClause binds GROUP BY: its keys into the aggregate context, and,
// when it has ROLLUP, CUBE or GROUPING SETS, the grouping sets as lists
// of key indexes (the cross product of its items' sets, as PostgreSQL
// expands them; duplicates are kept). sets is nil for a plain GROUP BY.
func (b *binder) groupClause(items []*pg_query.Node, sc *scope, targets []target, ac *aggContext) ([][]int, error) {
	hasSets := false
	for _, g := range items {
		if g.GetGroupingSet() != nil {
			hasSets = true
		}
	}
	key := func(n *pg_query.Node) (int, error) {
		e, err := b.groupKey(n, sc, targets)
		if err != nil {
			return 0, err
		}
		if i := ac.keyIndex(e); i >= 0 {
			return i, nil
		}
		ac.keys = append(ac.keys, e)
		return len(ac.keys) - 1, nil
	}
	if !hasSets {
		for _, g := range items {
			if _, err := key(g); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	sets := [][]int{{}}
	for _, g := range items {
		gs, err := b.itemSets(g, key, true)
		if err != nil {
			return nil, err
		}
		var out [][]int
		for _, s := range sets {
			for _, t := range gs {
				out = append(out, append(append([]int(nil), s...), t...))
			}
		}
		sets = out
	}
	if len(sets) > 4096 {
		return nil, pgerr.New(pgerr.ProgramLimitExceeded, "too many grouping sets present (maximum 4096)")
	}
	for i, s := range sets {
		sets[i] = dedupInts(s)
	}
	return sets, nil
}

func dedupInts(s []int) []int {
	var out []int
	seen := map[int]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// itemSets expands one GROUP BY item into its grouping sets.
func (b *binder) itemSets(n *pg_query.Node, key func(*pg_query.Node) (int, error), top bool) ([][]int, error) {
	gs := n.GetGroupingSet()
	if gs == nil {
		ks, err := b.elementKeys(n, key, top)
		if err != nil {
			return nil, err
		}
		return [][]int{ks}, nil
	}
	switch gs.Kind {
	case pg_query.GroupingSetKind_GROUPING_SET_EMPTY:
		return [][]int{{}}, nil
	case pg_query.GroupingSetKind_GROUPING_SET_SIMPLE:
		var ks []int
		for _, c := range gs.Content {
			k, err := b.elementKeys(c, key, false)
			if err != nil {
				return nil, err
			}
			ks = append(ks, k...)
		}
		return [][]int{ks}, nil
	case pg_query.GroupingSetKind_GROUPING_SET_ROLLUP, pg_query.GroupingSetKind_GROUPING_SET_CUBE:
		var elems [][]int
		for _, c := range gs.Content {
			k, err := b.elementKeys(c, key, false)
			if err != nil {
				return nil, err
			}
			elems = append(elems, k)
		}
		var out [][]int
		if gs.Kind == pg_query.GroupingSetKind_GROUPING_SET_ROLLUP {
			for n := len(elems); n >= 0; n-- {
				var s []int
				for _, e := range elems[:n] {
					s = append(s, e...)
				}
				out = append(out, s)
			}
			return out, nil
		}
		if len(elems) > 12 {
			return nil, b.errAt(gs.Location, pgerr.New(pgerr.ProgramLimitExceeded, "CUBE is limited to 12 elements"))
		}
		for mask := (1 << len(elems)) - 1; mask >= 0; mask-- {
			var s []int
			for i, e := range elems {
				if mask&(1<<(len(elems)-1-i)) != 0 {
					s = append(s, e...)
				}
			}
			out = append(out, s)
		}
		return out, nil
	case pg_query.GroupingSetKind_GROUPING_SET_SETS:
		var out [][]int
		for _, c := range gs.Content {
			s, err := b.itemSets(c, key, false)
			if err != nil {
				return nil, err
			}
			out = append(out, s...)
		}
		return out, nil
	}
	return nil, b.errAt(gs.Location, pgerr.New(pgerr.FeatureNotSupported, "unsupported grouping set"))
}

// elementKeys binds one element of a grouping set: an expression, or a
// parenthesised list of them (a row, outside the top level).
func (b *binder) elementKeys(n *pg_query.Node, key func(*pg_query.Node) (int, error), top bool) ([]int, error) {
	if r := n.GetRowExpr(); r != nil && !top {
		var out []int
		for _, a := range r.Args {
			k, err := key(a)
			if err != nil {
				return nil, err
			}
			out = append(out, k)
		}
		return out, nil
	}
	if n.GetGroupingSet() != nil {
		return nil, b.errAt(nodeLocation(n), pgerr.New(pgerr.FeatureNotSupported, "nested grouping sets are not supported here"))
	}
	k, err := key(n)
	if err != nil {
		return nil, err
	}
	return []int{k}, nil
}

// groupingFunc binds GROUPING(args): each argument must be a grouping
// key; the call is an aggregate "grouping" over the key indexes.
func (b *binder) groupingFunc(g *pg_query.GroupingFunc) (plan.Expr, error) {
	ac := b.agg
	if ac == nil || ac.inside {
		return nil, b.errAt(g.Location, pgerr.New(pgerr.GroupingError, "grouping operations are not allowed here"))
	}
	if len(g.Args) > 31 {
		return nil, b.errAt(g.Location, pgerr.New("54023", "GROUPING must have fewer than 32 arguments"))
	}
	call := &plan.AggCall{Func: "grouping", Type: pgtype.Int4}
	for _, a := range g.Args {
		ac.inside = true
		e, err := b.exprNoAgg(a, ac.input)
		ac.inside = false
		if err != nil {
			return nil, err
		}
		k := ac.keyIndex(e)
		if k < 0 {
			return nil, b.errAt(nodeLocation(a), pgerr.New(pgerr.GroupingError, "arguments to GROUPING must be grouping expressions of the associated query level"))
		}
		call.Args = append(call.Args, &plan.Const{Value: int64(k), Typ: pgtype.Int4})
	}
	s := call.String()
	for i, c := range ac.aggs {
		if c.String() == s {
			return ac.ref(len(ac.keys) + i), nil
		}
	}
	ac.aggs = append(ac.aggs, call)
	return ac.ref(len(ac.keys) + len(ac.aggs) - 1), nil
}

// buildGrouping makes the aggregate node: GroupingSets when there are
// sets or GROUPING() calls, else a plain Aggregate.
func (a *aggContext) buildGrouping(input plan.Node, sets [][]int) plan.Node {
	agg := a.build(input)
	hasGrouping := false
	for _, c := range a.aggs {
		if c.Func == "grouping" {
			hasGrouping = true
		}
	}
	if sets == nil && !hasGrouping {
		return agg
	}
	if sets == nil {
		all := make([]int, len(a.keys))
		for i := range all {
			all[i] = i
		}
		sets = [][]int{all}
	}
	return &plan.GroupingSets{Input: input, GroupBy: a.keys, Sets: sets, Aggs: a.aggs, Cols: agg.Cols}
}
