package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// groupingSetsOp runs the hash aggregate once per grouping set over its
// buffered input, and widens each result to the node's columns: keys the
// set does not group by are NULL, GROUPING() calls the set's constant bit
// masks.
type groupingSetsOp struct {
	node   *plan.GroupingSets
	input  operator
	env    *expr.Env
	schema *arrow.Schema

	batches []arrow.RecordBatch
	loaded  bool
	set     int
	cur     operator // the current set's aggregate
}

func newGroupingSets(n *plan.GroupingSets, in operator, env *expr.Env) (operator, error) {
	return &groupingSetsOp{node: n, input: in, env: env, schema: arrowSchema(n.Cols)}, nil
}

// replayOp hands out buffered batches (retained: the reader releases).
type replayOp struct {
	batches []arrow.RecordBatch
	pos     int
}

func (r *replayOp) next(context.Context) (arrow.RecordBatch, error) {
	if r.pos >= len(r.batches) {
		return nil, nil
	}
	b := r.batches[r.pos]
	r.pos++
	b.Retain()
	return b, nil
}

func (r *replayOp) close() {}

// setAggregate is the plain aggregate of one grouping set: its keys, then
// the aggregates other than GROUPING().
func (g *groupingSetsOp) setAggregate(set []int) *plan.Aggregate {
	a := &plan.Aggregate{Input: g.node.Input}
	for _, k := range set {
		a.GroupBy = append(a.GroupBy, g.node.GroupBy[k])
		a.Cols = append(a.Cols, g.node.Cols[k])
	}
	for i, c := range g.node.Aggs {
		if c.Func != "grouping" {
			a.Aggs = append(a.Aggs, c)
			a.Cols = append(a.Cols, g.node.Cols[len(g.node.GroupBy)+i])
		}
	}
	return a
}

func (g *groupingSetsOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	if !g.loaded {
		g.loaded = true
		for {
			b, err := g.input.next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil {
				break
			}
			g.batches = append(g.batches, b)
		}
	}
	for g.set < len(g.node.Sets) {
		set := g.node.Sets[g.set]
		if g.cur == nil {
			op, err := newAggregate(g.setAggregate(set), &replayOp{batches: g.batches}, g.env)
			if err != nil {
				return nil, err
			}
			g.cur = op
		}
		b, err := g.cur.next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			g.cur.close()
			g.cur = nil
			g.set++
			continue
		}
		out, err := g.widen(set, b)
		b.Release()
		return out, err
	}
	return nil, nil
}

// widen lays one set's aggregate output out as the node's columns.
func (g *groupingSetsOp) widen(set []int, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	n := int(b.NumRows())
	nk := len(g.node.GroupBy)
	pos := map[int]int{}
	for i, k := range set {
		pos[k] = i
	}
	cols := make([]arrow.Array, 0, len(g.node.Cols))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	constant := func(t pgtype.Type, v pgtype.Datum) (arrow.Array, error) {
		vals := make([]pgtype.Datum, n)
		for i := range vals {
			vals[i] = v
		}
		return expr.Build(g.env.Mem, t, vals)
	}
	for k := 0; k < nk; k++ {
		if i, ok := pos[k]; ok {
			c := b.Column(i)
			c.Retain()
			cols = append(cols, c)
			continue
		}
		c, err := constant(g.node.Cols[k].Type, nil)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, c)
	}
	next := len(set)
	for i, c := range g.node.Aggs {
		if c.Func != "grouping" {
			col := b.Column(next)
			col.Retain()
			cols = append(cols, col)
			next++
			continue
		}
		// GROUPING(a, b, ...): bit i (from the right, last argument
		// lowest) is set when the set does not group by that argument.
		mask := int64(0)
		for _, a := range c.Args {
			mask <<= 1
			if _, ok := pos[int(a.(*plan.Const).Value.(int64))]; !ok {
				mask |= 1
			}
		}
		col, err := constant(g.node.Cols[nk+i].Type, mask)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, col)
	}
	out := array.NewRecordBatch(g.schema, cols, int64(n))
	release()
	return out, nil
}

func (g *groupingSetsOp) close() {
	if g.cur != nil {
		g.cur.close()
		g.cur = nil
	}
	for _, b := range g.batches {
		b.Release()
	}
	g.batches = nil
	g.input.close()
}
