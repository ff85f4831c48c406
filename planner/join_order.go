package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// reorderJoins is the join-order rule. A tree of inner joins (a FROM list,
// INNER JOIN ... ON) is flattened into its inputs and conditions, then
// rebuilt left-deep in the written order except that each next input is
// the first one a condition connects to those already joined: FROM part,
// supplier, partsupp WHERE p = ps AND s = ps joins partsupp second instead
// of building the product of part and supplier. A projection restores the
// original column order.
func reorderJoins(n plan.Node) plan.Node {
	var pred plan.Expr
	top := n
	if f, ok := n.(*plan.Filter); ok {
		if j, ok := f.Input.(*plan.Join); ok && flattenable(j) {
			pred, top = f.Predicate, j
		}
	}
	j, ok := top.(*plan.Join)
	if !ok || !flattenable(j) {
		return mapChildren(n, reorderJoins)
	}
	var leaves []plan.Node
	var offsets []int
	var conds []plan.Expr
	var flatten func(x plan.Node, off int)
	flatten = func(x plan.Node, off int) {
		if jj, ok := x.(*plan.Join); ok && flattenable(jj) {
			flatten(jj.Left, off)
			flatten(jj.Right, off+len(jj.Left.Columns()))
			for _, c := range conjuncts(jj.On) {
				conds = append(conds, shiftRefs(c, off))
			}
			nl := len(jj.Left.Columns())
			for k := range jj.LeftKeys {
				eq := &plan.Call{Func: "eq", Op: "=", Args: []plan.Expr{jj.LeftKeys[k], shiftRefs(jj.RightKeys[k], nl)}, Typ: pgtype.Bool}
				conds = append(conds, shiftRefs(eq, off))
			}
			return
		}
		leaves = append(leaves, x)
		offsets = append(offsets, off)
	}
	flatten(j, 0)
	conds = append(conds, conjuncts(pred)...)
	leafOf := func(idx int) int {
		for i := len(offsets) - 1; i >= 0; i-- {
			if idx >= offsets[i] {
				return i
			}
		}
		return 0
	}
	reads := make([]map[int]bool, len(conds))
	for i, c := range conds {
		reads[i] = map[int]bool{}
		if volatile(c) || hasSubquery(c) {
			continue // never a connection
		}
		plan.Walk(c, func(x plan.Expr) bool {
			if r, ok := x.(*plan.ColumnRef); ok {
				reads[i][leafOf(r.Index)] = true
			}
			return true
		})
	}
	chosen := map[int]bool{0: true}
	order := []int{0}
	for len(order) < len(leaves) {
		next := -1
		for i := range leaves {
			if chosen[i] {
				continue
			}
			if next < 0 {
				next = i // no connection: the first one left
			}
			if connects(reads, chosen, i) {
				next = i
				break
			}
		}
		chosen[next] = true
		order = append(order, next)
	}
	identity := true
	for k, i := range order {
		if k != i {
			identity = false
		}
	}
	if identity {
		return mapChildren(n, reorderJoins)
	}
	remap := make([]int, len(j.Columns()))
	var acc plan.Node
	width := 0
	for _, i := range order {
		leaf := reorderJoins(leaves[i])
		for c := range leaves[i].Columns() {
			remap[offsets[i]+c] = width + c
		}
		width += len(leaf.Columns())
		if acc == nil {
			acc = leaf
		} else {
			acc = &plan.Join{Left: acc, Right: leaf, Kind: plan.JoinInner}
		}
	}
	var moved []plan.Expr
	for _, c := range conds {
		moved = append(moved, rewriteRefs(c, remap))
	}
	if p := andAll(moved); p != nil {
		acc = &plan.Filter{Input: acc, Predicate: p}
	}
	cols := j.Columns()
	exprs := make([]plan.Expr, len(cols))
	for i, c := range cols {
		exprs[i] = &plan.ColumnRef{Index: remap[i], Name: c.Name, Typ: c.Type}
	}
	return &plan.Project{Input: acc, Exprs: exprs, Cols: cols}
}

// flattenable: an inner join (its keys go back into conditions).
func flattenable(j *plan.Join) bool {
	return j.Kind == plan.JoinInner && !j.Single && !j.BuildLeft
}

// connects reports whether a condition reads input i and only inputs
// already chosen besides it.
func connects(reads []map[int]bool, chosen map[int]bool, i int) bool {
	for _, r := range reads {
		if !r[i] || len(r) < 2 {
			continue
		}
		ok := true
		for l := range r {
			if l != i && !chosen[l] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
