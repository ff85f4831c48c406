package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// reorderJoins is the join-order rule. A tree of inner joins (a FROM list,
// INNER JOIN ... ON) is flattened into its inputs and conditions, then
// rebuilt left-deep in the order joinOrder picks, in which each next input
// is one a condition connects to those already joined: FROM part,
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
	order := joinOrder(leaves, offsets, conds, reads)
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

// joinOrder picks the order in which inputs are joined. When every input's
// rows can be estimated (estimator: lake row counts, distinct counts and
// the selectivity of the filters pushed onto each input), it is the
// left-deep order, joining on a condition at every step where one
// connects, whose joins are expected to produce the fewest rows in all
// (dynamic programming over the sets of inputs, up to maxOrderedInputs):
// the filters of small tables then shrink the rows early (TPC-H Q21 joins
// the suppliers of one nation before their lineitems), and a join on a key
// with few values (a nation) waits until other joins have narrowed both
// sides (Q5, Q7). Otherwise the written order is kept, but each next input
// is the first one a condition connects to those already joined.
func joinOrder(leaves []plan.Node, offsets []int, conds []plan.Expr, reads []map[int]bool) []int {
	if len(leaves) <= maxOrderedInputs {
		if order := cheapestOrder(leaves, offsets, conds, reads); order != nil {
			return order
		}
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
	return order
}

// maxOrderedInputs bounds the inputs cheapestOrder considers: its work
// grows as 2^n.
const maxOrderedInputs = 10

// partialOrder is the best way found to join one set of inputs.
type partialOrder struct {
	cost  float64
	node  plan.Node
	order []int
	remap []int // original column → column of node, -1 where not joined
	width int
}

// cheapestOrder is joinOrder's search; nil when an input's size is unknown.
func cheapestOrder(leaves []plan.Node, offsets []int, conds []plan.Expr, reads []map[int]bool) []int {
	e := newEstimator()
	for _, l := range leaves {
		if r, _ := e.estimate(l); r < 0 {
			return nil
		}
	}
	n := len(leaves)
	width := offsets[n-1] + len(leaves[n-1].Columns())
	best := make([]*partialOrder, 1<<n)
	for i, l := range leaves {
		m := make([]int, width)
		for c := range m {
			m[c] = -1
		}
		for c := range l.Columns() {
			m[offsets[i]+c] = c
		}
		best[1<<i] = &partialOrder{node: l, order: []int{i}, remap: m, width: len(l.Columns())}
	}
	for set := 1; set < 1<<n; set++ {
		p := best[set]
		if p == nil || set == 1<<n-1 {
			continue
		}
		chosen := map[int]bool{}
		for _, i := range p.order {
			chosen[i] = true
		}
		anyConnected := false
		for i := range leaves {
			if set&(1<<i) == 0 && connects(reads, chosen, i) {
				anyConnected = true
				break
			}
		}
		for i := range leaves {
			if set&(1<<i) != 0 || anyConnected && !connects(reads, chosen, i) {
				continue
			}
			m := append([]int(nil), p.remap...)
			for c := range leaves[i].Columns() {
				m[offsets[i]+c] = p.width + c
			}
			var on []plan.Expr
			for k, c := range conds {
				if reads[k][i] && len(reads[k]) >= 2 && readsOnly(reads[k], chosen, i) {
					on = append(on, rewriteRefs(c, m))
				}
			}
			lk, rk, rest := splitJoinCondition(andAll(on), p.width)
			j := &plan.Join{Left: p.node, Right: leaves[i], Kind: plan.JoinInner, LeftKeys: lk, RightKeys: rk, On: rest}
			r, _ := e.estimate(j)
			next := set | 1<<i
			if q := best[next]; q == nil || p.cost+r < q.cost {
				best[next] = &partialOrder{cost: p.cost + r, node: j, order: append(append([]int(nil), p.order...), i), remap: m, width: p.width + len(leaves[i].Columns())}
			}
		}
	}
	return best[1<<n-1].order
}

// readsOnly reports whether a condition reads only chosen inputs and i.
func readsOnly(r map[int]bool, chosen map[int]bool, i int) bool {
	for l := range r {
		if l != i && !chosen[l] {
			return false
		}
	}
	return true
}
