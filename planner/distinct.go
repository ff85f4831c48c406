package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// isDistinctOn tells SELECT DISTINCT ON (...) from plain DISTINCT (one
// empty item).
func isDistinctOn(sel *pg_query.SelectStmt) bool {
	return len(sel.DistinctClause) > 1 || len(sel.DistinctClause) == 1 && sel.DistinctClause[0] != nil && sel.DistinctClause[0].Node != nil
}

// distinctOn binds the DISTINCT ON expressions to output columns (hidden
// ones added as for ORDER BY) and orders the sort keys as PostgreSQL
// requires: the ORDER BY items that are DISTINCT ON expressions must come
// first (else 42P10), the other DISTINCT ON expressions follow in
// ascending order, then the rest of ORDER BY. It returns the distinct
// columns and the sort keys.
func (b *binder) distinctOn(sel *pg_query.SelectStmt, targets []target, exprs *[]plan.Expr, cols *[]plan.Column, keys []plan.SortKey, sc *scope) ([]int, []plan.SortKey, error) {
	var dcols []int
	seen := map[int]bool{}
	for _, n := range sel.DistinctClause {
		idx := outputRef(n, targets)
		switch idx {
		case -2:
			return nil, nil, b.errAt(nodeLocation(n), pgerr.New(pgerr.InvalidColumnReference, "SELECT DISTINCT ON position %s is not in select list", constOf(n)))
		case -3:
			if idx = sameOutput(n, targets, *exprs); idx < 0 {
				return nil, nil, b.errAt(nodeLocation(n), pgerr.New(pgerr.AmbiguousColumn, "DISTINCT ON \"%s\" is ambiguous", figureColname(n)))
			}
		case -1:
			e, err := b.expr(n, sc)
			if err != nil {
				return nil, nil, err
			}
			for j, x := range *exprs {
				if x.String() == e.String() {
					idx = j
					break
				}
			}
			if idx < 0 {
				*exprs = append(*exprs, e)
				*cols = append(*cols, plan.Column{Name: "?distinct?", Type: e.Type()})
				idx = len(*exprs) - 1
			}
		}
		if !seen[idx] {
			seen[idx] = true
			dcols = append(dcols, idx)
		}
	}
	var out []plan.SortKey
	used := map[int]bool{}
	skipped := false
	for _, k := range keys {
		i := k.Expr.(*plan.ColumnRef).Index
		if seen[i] {
			if skipped {
				return nil, nil, b.errAt(nodeLocation(sel.DistinctClause[0]), pgerr.New(pgerr.InvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions"))
			}
			out = append(out, k)
			used[i] = true
		} else {
			skipped = true
		}
	}
	for _, i := range dcols {
		if used[i] {
			continue
		}
		if skipped {
			return nil, nil, b.errAt(nodeLocation(sel.DistinctClause[0]), pgerr.New(pgerr.InvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions"))
		}
		c := (*cols)[i]
		out = append(out, plan.SortKey{Expr: &plan.ColumnRef{Index: i, Name: c.Name, Typ: c.Type}})
	}
	for _, k := range keys {
		if !seen[k.Expr.(*plan.ColumnRef).Index] {
			out = append(out, k)
		}
	}
	return dcols, out, nil
}
