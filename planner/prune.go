package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
)

// pruneColumns is the projection-pruning rule: every node produces only the
// columns something above it reads, so scans read only the Parquet columns
// a query needs (count(*) reads none).
func pruneColumns(root plan.Node) plan.Node {
	need := make([]bool, len(root.Columns()))
	for i := range need {
		need[i] = true
	}
	out, _ := prune(root, need)
	return out
}

// prune rewrites n to produce at least the needed columns and returns the
// new node and, for each old output column, its new index (-1 if dropped).
func prune(n plan.Node, need []bool) (plan.Node, []int) {
	switch x := n.(type) {
	case *plan.Scan:
		keep := append([]bool(nil), need...)
		markRefs(x.Filter, keep)
		var proj []int
		remap := make([]int, len(keep))
		for i, k := range keep {
			remap[i] = -1
			if k {
				remap[i] = len(proj)
				proj = append(proj, x.Projection[i])
			}
		}
		s := plan.NewScan(x.Table, proj)
		s.Filter = rewriteRefs(x.Filter, remap)
		return s, remap
	case *plan.Filter:
		keep := append([]bool(nil), need...)
		markRefs(x.Predicate, keep)
		child, remap := prune(x.Input, keep)
		return &plan.Filter{Input: child, Predicate: rewriteRefs(x.Predicate, remap)}, remap
	case *plan.Sort:
		keep := append([]bool(nil), need...)
		for _, k := range x.Keys {
			markRefs(k.Expr, keep)
		}
		child, remap := prune(x.Input, keep)
		keys := make([]plan.SortKey, len(x.Keys))
		for i, k := range x.Keys {
			keys[i] = plan.SortKey{Expr: rewriteRefs(k.Expr, remap), Desc: k.Desc, NullsFirst: k.NullsFirst}
		}
		return &plan.Sort{Input: child, Keys: keys}, remap
	case *plan.Limit:
		child, remap := prune(x.Input, need)
		return &plan.Limit{Input: child, Count: x.Count, Offset: x.Offset}, remap
	case *plan.Project:
		childNeed := make([]bool, len(x.Input.Columns()))
		remapOut := make([]int, len(x.Exprs))
		var kept []int
		for i, e := range x.Exprs {
			remapOut[i] = -1
			if need[i] {
				remapOut[i] = len(kept)
				kept = append(kept, i)
				markRefs(e, childNeed)
			}
		}
		child, remap := prune(x.Input, childNeed)
		exprs := make([]plan.Expr, len(kept))
		cols := make([]plan.Column, len(kept))
		for j, i := range kept {
			exprs[j] = rewriteRefs(x.Exprs[i], remap)
			cols[j] = x.Cols[i]
		}
		return &plan.Project{Input: child, Exprs: exprs, Cols: cols}, remapOut
	case *plan.Aggregate:
		// The aggregate keeps all its outputs (keys then calls); only its
		// input is pruned to what keys, arguments and filters read.
		childNeed := make([]bool, len(x.Input.Columns()))
		for _, k := range x.GroupBy {
			markRefs(k, childNeed)
		}
		for _, a := range x.Aggs {
			for _, arg := range a.Args {
				markRefs(arg, childNeed)
			}
			markRefs(a.Filter, childNeed)
		}
		child, remap := prune(x.Input, childNeed)
		keys := make([]plan.Expr, len(x.GroupBy))
		for i, k := range x.GroupBy {
			keys[i] = rewriteRefs(k, remap)
		}
		aggs := make([]*plan.AggCall, len(x.Aggs))
		for i, a := range x.Aggs {
			c := *a
			c.Args = make([]plan.Expr, len(a.Args))
			for j, arg := range a.Args {
				c.Args[j] = rewriteRefs(arg, remap)
			}
			c.Filter = rewriteRefs(a.Filter, remap)
			aggs[i] = &c
		}
		return &plan.Aggregate{Input: child, GroupBy: keys, Aggs: aggs, Cols: x.Cols}, identity(len(x.Cols))
	case *plan.Join:
		return pruneJoin(x, need)
	case *plan.SetOp:
		if x.Kind == plan.SetUnion && x.All {
			// UNION ALL compares nothing: both inputs drop the columns
			// nobody reads, when they drop them alike.
			l, lmap := prune(x.Left, need)
			r, rmap := prune(x.Right, need)
			if sameInts(lmap, rmap) {
				var cols []plan.Column
				for i, m := range lmap {
					if m >= 0 {
						cols = append(cols, x.Cols[i])
					}
				}
				return &plan.SetOp{Kind: x.Kind, All: true, Left: l, Right: r, Cols: cols}, lmap
			}
		}
		// Other set operations compare whole rows: every column stays;
		// each input is pruned below its own projection.
		l, _ := prune(x.Left, allTrue(len(x.Left.Columns())))
		r, _ := prune(x.Right, allTrue(len(x.Right.Columns())))
		return &plan.SetOp{Kind: x.Kind, All: x.All, Left: l, Right: r, Cols: x.Cols}, identity(len(x.Cols))
	case *plan.RecursiveUnion:
		base, _ := prune(x.Base, allTrue(len(x.Base.Columns())))
		rec, _ := prune(x.Recursive, allTrue(len(x.Recursive.Columns())))
		return &plan.RecursiveUnion{ID: x.ID, Base: base, Recursive: rec, All: x.All, Cols: x.Cols}, identity(len(x.Cols))
	}
	return n, identity(len(n.Columns()))
}

func allTrue(n int) []bool {
	out := make([]bool, n)
	for i := range out {
		out[i] = true
	}
	return out
}

// pruneJoin keeps of each side the columns read above the join, by its
// keys and by its residual condition.
func pruneJoin(j *plan.Join, need []bool) (plan.Node, []int) {
	nl, nr := len(j.Left.Columns()), len(j.Right.Columns())
	both := make([]bool, nl+nr)
	if j.Kind == plan.JoinSemi || j.Kind == plan.JoinAnti || j.Kind == plan.JoinMark {
		copy(both[:nl], need) // left columns only (and a mark)
	} else {
		copy(both, need)
	}
	markRefs(j.On, both)
	for _, k := range j.LeftKeys {
		markRefs(k, both[:nl])
	}
	for _, k := range j.RightKeys {
		markRefs(k, both[nl:])
	}
	left, lmap := prune(j.Left, both[:nl])
	right, rmap := prune(j.Right, both[nl:])
	newL := len(left.Columns())
	remap := make([]int, nl+nr)
	copy(remap, lmap)
	for i, r := range rmap {
		remap[nl+i] = -1
		if r >= 0 {
			remap[nl+i] = newL + r
		}
	}
	out := &plan.Join{Left: left, Right: right, Kind: j.Kind, On: rewriteRefs(j.On, remap), BuildLeft: j.BuildLeft, Single: j.Single}
	for _, k := range j.LeftKeys {
		out.LeftKeys = append(out.LeftKeys, rewriteRefs(k, lmap))
	}
	for _, k := range j.RightKeys {
		out.RightKeys = append(out.RightKeys, rewriteRefs(k, rmap))
	}
	if j.Kind == plan.JoinSemi || j.Kind == plan.JoinAnti {
		return out, lmap
	}
	if j.Kind == plan.JoinMark {
		return out, append(append([]int(nil), lmap...), newL)
	}
	return out, remap
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// markRefs sets need[i] for every column e reads.
func markRefs(e plan.Expr, need []bool) {
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.ColumnRef); ok {
			need[c.Index] = true
		}
		return true
	})
}

// rewriteRefs returns e with column indexes mapped through remap.
func rewriteRefs(e plan.Expr, remap []int) plan.Expr {
	return plan.Map(e, func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColumnRef); ok {
			c.Index = remap[c.Index] // Map handed us a copy
		}
		return x
	})
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
