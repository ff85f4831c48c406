package engine

import (
	"context"
	"encoding/binary"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// aggregateOp is a hash aggregate: it reads all its input, then emits one
// row per group (one row in all when there are no group keys).
type aggregateOp struct {
	node    *plan.Aggregate
	input   operator
	env     *expr.Env
	keys    []*expr.Evaluator
	args    [][]*expr.Evaluator // per aggregate, its arguments
	filters []*expr.Evaluator
	rows    [][]pgtype.Datum // per aggregate, one row of argument values (reused)
	out     arrow.RecordBatch
	done    bool
	fast    *aggFast // nil: the shape needs the Datum path
}

func newAggregate(n *plan.Aggregate, in operator, env *expr.Env) (operator, error) {
	a := &aggregateOp{node: n, input: in, env: env, fast: newAggFast(n, env)}
	for _, k := range n.GroupBy {
		ev, err := expr.Compile(k, env)
		if err != nil {
			in.close()
			return nil, err
		}
		a.keys = append(a.keys, ev)
	}
	for _, c := range n.Aggs {
		var evs []*expr.Evaluator
		for _, arg := range c.Args {
			ev, err := expr.Compile(arg, env)
			if err != nil {
				in.close()
				return nil, err
			}
			evs = append(evs, ev)
		}
		a.args = append(a.args, evs)
		a.rows = append(a.rows, make([]pgtype.Datum, len(evs)))
		var f *expr.Evaluator
		if c.Filter != nil {
			var err error
			if f, err = expr.Compile(c.Filter, env); err != nil {
				in.close()
				return nil, err
			}
		}
		a.filters = append(a.filters, f)
	}
	return a, nil
}

// fuseProject is n reading its input's input when the input is a
// projection whose expressions the aggregate can compute itself: the
// keys and arguments then are the projection's expressions over the rows
// below it, so exact arithmetic stays in typed loops instead of passing
// through an Arrow column (an unconstrained numeric, such as TPC-H Q9's
// l_extendedprice * (1 - l_discount) - ps_supplycost * l_quantity, would
// travel as text). Only when every computed expression is used exactly
// once (each row computes it once either way, volatile or not, and none
// is skipped), none holds a subquery, and the fused aggregate keeps the
// typed path if the original had it.
func fuseProject(n *plan.Aggregate, env *expr.Env) *plan.Aggregate {
	p, ok := n.Input.(*plan.Project)
	if !ok {
		return n
	}
	uses := make([]int, len(p.Exprs))
	bad := false
	count := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			switch c := x.(type) {
			case *plan.Subquery, *plan.CorrelatedRef:
				bad = true
			case *plan.ColumnRef:
				if c.Index < 0 || c.Index >= len(uses) {
					bad = true
				} else {
					uses[c.Index]++
				}
			}
			return !bad
		})
	}
	for _, k := range n.GroupBy {
		count(k)
	}
	for _, c := range n.Aggs {
		for _, a := range c.Args {
			count(a)
		}
		count(c.Filter)
	}
	for i, e := range p.Exprs {
		plan.Walk(e, func(x plan.Expr) bool {
			switch x.(type) {
			case *plan.Subquery, *plan.CorrelatedRef:
				bad = true
			}
			return !bad
		})
		switch e.(type) {
		case *plan.ColumnRef, *plan.Const:
		default:
			if uses[i] != 1 {
				bad = true
			}
		}
	}
	if bad {
		return n
	}
	sub := func(e plan.Expr) plan.Expr {
		return plan.Map(e, func(x plan.Expr) plan.Expr {
			if ref, ok := x.(*plan.ColumnRef); ok {
				return p.Exprs[ref.Index]
			}
			return x
		})
	}
	f := &plan.Aggregate{Input: p.Input, Cols: n.Cols}
	for _, k := range n.GroupBy {
		f.GroupBy = append(f.GroupBy, sub(k))
	}
	for _, c := range n.Aggs {
		fc := *c
		fc.Args = nil
		for _, a := range c.Args {
			fc.Args = append(fc.Args, sub(a))
		}
		if c.Filter != nil {
			fc.Filter = sub(c.Filter)
		}
		f.Aggs = append(f.Aggs, &fc)
	}
	if newAggFast(f, env) == nil && newAggFast(n, env) != nil {
		return n
	}
	return f
}

// sharedAgg is one aggregate's output, computed once per query for every
// aggregate node of equal plan: a WITH query referenced twice is bound
// twice (TPC-H Q15's revenue view, in the join and in the max subquery),
// and PostgreSQL materialises such a query once.
type sharedAgg struct {
	node *plan.Aggregate
	mu   sync.Mutex
	done bool
	out  []arrow.RecordBatch // one reference each, held for the users
	refs int                 // operators built over it and not closed
}

// sharedAggOp replays its sharedAgg's output, computing it with own if
// no equal aggregate has yet.
type sharedAggOp struct {
	own     operator
	s       *sharedAgg
	i       int
	started bool
	closed  bool
}

func (o *sharedAggOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	s := o.s
	if !o.started {
		o.started = true
		s.mu.Lock()
		if !s.done {
			for {
				b, err := o.own.next(ctx)
				if err != nil {
					releaseBatches(s.out)
					s.out = nil
					s.mu.Unlock()
					return nil, err
				}
				if b == nil {
					break
				}
				s.out = append(s.out, b)
			}
			s.done = true
		}
		s.mu.Unlock()
	}
	if o.i >= len(s.out) {
		return nil, nil
	}
	b := s.out[o.i]
	o.i++
	b.Retain()
	return b, nil
}

func (o *sharedAggOp) close() {
	if o.closed {
		return
	}
	o.closed = true
	o.own.close()
	s := o.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs--; s.refs == 0 {
		// The last user is gone: a later equal aggregate computes again.
		releaseBatches(s.out)
		s.out, s.done = nil, false
	}
}

// shareable reports whether n's result depends on its plan alone, so that
// an equal plan elsewhere in the query may reuse it: lake scans, filters,
// projections, joins and aggregates, with no subquery, correlated value or
// volatile function (each of those runs again per reference, as in
// PostgreSQL), and no work table of a recursive query (whose rows change
// per step).
func shareable(n plan.Node) bool {
	switch x := n.(type) {
	case *plan.Scan:
		if x.Table.Format == catalog.FormatSystem {
			return false
		}
	case *plan.Filter, *plan.Project, *plan.Join, *plan.Aggregate, *plan.Values:
	default:
		return false
	}
	ok := true
	for _, e := range plan.Exprs(n) {
		plan.Walk(e, func(x plan.Expr) bool {
			switch c := x.(type) {
			case *plan.Subquery, *plan.CorrelatedRef, *plan.OuterRef:
				ok = false
			case *plan.Call:
				if c.Volatile {
					ok = false
				}
			}
			return ok
		})
	}
	for _, c := range n.Children() {
		ok = ok && shareable(c)
	}
	return ok
}

// shareAggregate wraps op, built for n, so that equal aggregates of the
// query compute once; op itself when n is not worth or not safe to share.
func (b *builder) shareAggregate(n *plan.Aggregate, op operator) operator {
	if b.analysis != nil || b.par != nil || !shareable(n) {
		return op
	}
	var s *sharedAgg
	for _, x := range b.shared {
		if x.node == n || reflect.DeepEqual(x.node, n) {
			s = x
			break
		}
	}
	if s == nil {
		if len(b.shared) >= maxSharedAggs {
			return op
		}
		s = &sharedAgg{node: n}
		b.shared = append(b.shared, s)
	}
	s.mu.Lock()
	s.refs++
	s.mu.Unlock()
	return &sharedAggOp{own: op, s: s}
}

// maxSharedAggs bounds the aggregates one query compares for equality.
const maxSharedAggs = 32

type group struct {
	key    string  // appendKey's encoding of keys
	words  []int64 // instead of keys: integer or date keys as the typed path read them
	keys   []pgtype.Datum
	states []aggState
	acc    []fastAcc // the typed path's running totals, folded into states at the end
	did    int32     // id in count(DISTINCT x)'s pair sets; 0: none yet
}

func (a *aggregateOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	if a.done {
		return nil, nil
	}
	a.done = true
	p, err := a.accumulate(ctx, true)
	if err != nil {
		return nil, err
	}
	return a.finish(p.order)
}

// finish emits the groups, or the one row of an aggregate without keys
// over no rows.
func (a *aggregateOp) finish(order []*group) (arrow.RecordBatch, error) {
	if len(a.keys) == 0 && len(order) == 0 {
		order = append(order, a.newGroup(nil))
	}
	return a.emit(order)
}

// partialAgg is an aggregate's groups over the input it read: all of it,
// or one worker's share (parallel.go merges those).
type partialAgg struct {
	groups map[string]*group // by appendKey's encoding of the keys
	order  []*group          // first-seen order, so output is deterministic
}

// accumulate reads all of a's input into groups; with fold, the typed
// path's totals end in the groups' states (parallel workers merge theirs
// first).
func (a *aggregateOp) accumulate(ctx context.Context, fold bool) (*partialAgg, error) {
	groups := map[string]*group{}
	var order []*group
	var keyBuf []byte
	groupsSeen := 0
	var distinctCharged int64
	src, _ := a.input.(selSource)
	if a.fast == nil {
		src = nil // the Datum path evaluates every row it gets
	}
	for {
		var b arrow.RecordBatch
		var sel []int32
		var err error
		if src != nil {
			b, sel, err = src.nextSel(ctx)
		} else {
			b, err = a.input.next(ctx)
		}
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		done := false
		if a.fast != nil {
			done, err = a.fast.consume(a, b, sel, groups, &order, &keyBuf)
		}
		if !done && err == nil && sel != nil {
			// The Datum path gets the selected rows alone.
			var c arrow.RecordBatch
			c, err = compactBatch(a.env.Mem, b, sel)
			b.Release()
			b = c
		}
		if !done && err == nil && a.fast != nil {
			a.fast.mapAll(groups)
			err = a.fast.spillDistinct(a)
		}
		if !done && err == nil {
			err = a.consume(b, groups, &order, &keyBuf)
		}
		if b != nil {
			b.Release()
		}
		if err != nil {
			return nil, err
		}
		// Each new group holds its keys and states on the Go heap.
		perGroup := int64(96 + 32*len(a.keys) + 96*len(a.node.Aggs))
		if err := checkMemory(a.env, int64(len(order)-groupsSeen)*perGroup, "hashing an aggregate's groups"); err != nil {
			return nil, err
		}
		groupsSeen = len(order)
		if a.fast != nil {
			if d := a.fast.distinctBytes(); d > distinctCharged {
				if err := checkMemory(a.env, d-distinctCharged, "hashing an aggregate's distinct values"); err != nil {
					return nil, err
				}
				distinctCharged = d
			}
		}
	}
	if a.fast != nil && fold {
		if err := a.fast.fold(a, order); err != nil {
			return nil, err
		}
	}
	return &partialAgg{groups: groups, order: order}, nil
}

func (a *aggregateOp) newGroup(keys []pgtype.Datum) *group {
	return &group{keys: keys}
}

// statesOf is g's Datum states, made when first needed: a group the
// typed path alone fills needs them only once its totals are folded.
func (a *aggregateOp) statesOf(g *group) []aggState {
	if g.states == nil {
		g.states = make([]aggState, len(a.node.Aggs))
		for i, c := range a.node.Aggs {
			g.states[i] = newAggState(c)
		}
	}
	return g.states
}

func (a *aggregateOp) consume(b arrow.RecordBatch, groups map[string]*group, order *[]*group, keyBuf *[]byte) error {
	n := int(b.NumRows())
	keyCols := make([][]pgtype.Datum, len(a.keys))
	for i, k := range a.keys {
		v, err := k.Datums(b)
		if err != nil {
			return err
		}
		keyCols[i] = v
	}
	argCols := make([][][]pgtype.Datum, len(a.args))
	for i, evs := range a.args {
		for _, ev := range evs {
			v, err := ev.Datums(b)
			if err != nil {
				return err
			}
			argCols[i] = append(argCols[i], v)
		}
	}
	filterCols := make([][]pgtype.Datum, len(a.filters))
	for i, f := range a.filters {
		if f != nil {
			v, err := f.Datums(b)
			if err != nil {
				return err
			}
			filterCols[i] = v
		}
	}
	for r := 0; r < n; r++ {
		buf := (*keyBuf)[:0]
		for _, kc := range keyCols {
			buf = appendKey(buf, kc[r])
		}
		*keyBuf = buf
		g, ok := groups[string(buf)]
		if !ok {
			keys := make([]pgtype.Datum, len(keyCols))
			for i, kc := range keyCols {
				keys[i] = kc[r]
			}
			g = a.newGroup(keys)
			g.key = string(buf)
			groups[g.key] = g
			*order = append(*order, g)
		}
		for i, st := range a.statesOf(g) {
			if filterCols[i] != nil && filterCols[i][r] != true {
				continue
			}
			row := a.rows[i]
			for j, col := range argCols[i] {
				row[j] = col[r]
			}
			if err := st.add(row); err != nil {
				return err
			}
		}
	}
	return nil
}

func (a *aggregateOp) emit(groups []*group) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(a.node.Cols))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	for i, k := range a.node.GroupBy {
		arr, err := a.emitKey(i, k.Type(), groups)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, arr)
	}
	for i, c := range a.node.Aggs {
		if a.fast != nil {
			arr, ok, err := a.fast.emitAgg(a, i, groups)
			if err != nil {
				release()
				return nil, err
			}
			if ok {
				cols = append(cols, arr)
				continue
			}
		}
		vals := make([]pgtype.Datum, len(groups))
		for j, g := range groups {
			v, err := a.resultOf(g, i)
			if err != nil {
				release()
				return nil, err
			}
			vals[j] = v
		}
		arr, err := expr.Build(a.env.Mem, c.Type, vals)
		if err != nil {
			release()
			return nil, err
		}
		cols = append(cols, arr)
	}
	out := array.NewRecordBatch(arrowSchema(a.node.Cols), cols, int64(len(groups)))
	release()
	return out, nil
}

func (a *aggregateOp) close() { a.input.close() }

// emitKey builds key column i of groups.
func (a *aggregateOp) emitKey(i int, t pgtype.Type, groups []*group) (arrow.Array, error) {
	bld := array.NewBuilder(a.env.Mem, t.ArrowType())
	defer bld.Release()
	bld.Reserve(len(groups))
	for _, g := range groups {
		if g.words == nil {
			if err := pgtype.AppendDatum(bld, t, g.keys[i]); err != nil {
				return nil, err
			}
			continue
		}
		switch b := bld.(type) {
		case *array.Int64Builder:
			b.UnsafeAppend(g.words[i])
		case *array.Int32Builder:
			b.UnsafeAppend(int32(g.words[i]))
		case *array.Int16Builder:
			b.UnsafeAppend(int16(g.words[i]))
		case *array.Date32Builder:
			b.UnsafeAppend(arrow.Date32(g.words[i]))
		case *array.StringBuilder:
			b.Append(unpackText(g.words[i]))
		default:
			return nil, pgerr.New(pgerr.InternalError, "group key of type %s held as words", t)
		}
	}
	return bld.NewArray(), nil
}

// resultOf is aggregate i's result in group g.
func (a *aggregateOp) resultOf(g *group, i int) (pgtype.Datum, error) {
	if g.states == nil && g.acc != nil {
		// Filled by the typed path alone: its totals into a fresh state.
		st := newAggState(a.node.Aggs[i])
		if err := a.fast.foldAcc(st, i, g.acc[i]); err != nil {
			return nil, err
		}
		return st.result()
	}
	return a.statesOf(g)[i].result()
}

// appendKey appends a Datum's grouping identity: equal values (as SQL's =
// sees them, with NULLs grouped together) give equal bytes.
func appendKey(buf []byte, d pgtype.Datum) []byte {
	switch v := d.(type) {
	case nil:
		return append(buf, 0)
	case int64:
		buf = append(buf, 1)
		return binary.LittleEndian.AppendUint64(buf, uint64(v))
	case float64:
		if v == 0 {
			v = 0 // -0 groups with 0
		}
		bits := math.Float64bits(v)
		if math.IsNaN(v) {
			bits = math.Float64bits(math.NaN())
		}
		buf = append(buf, 2)
		return binary.LittleEndian.AppendUint64(buf, bits)
	case string:
		buf = append(buf, 3)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(v)))
		return append(buf, v...)
	case bool:
		if v {
			return append(buf, 4, 1)
		}
		return append(buf, 4, 0)
	case pgtype.NumericValue:
		buf = append(buf, 5, byte(v.Special))
		if v.Special == pgtype.NumericFinite {
			s := normalizedNumeric(v)
			buf = binary.LittleEndian.AppendUint32(buf, uint32(len(s)))
			buf = append(buf, s...)
		}
		return buf
	case pgtype.DateValue:
		buf = append(buf, 6)
		return binary.LittleEndian.AppendUint64(buf, uint64(v))
	case pgtype.TimestampValue:
		buf = append(buf, 7)
		return binary.LittleEndian.AppendUint64(buf, uint64(v))
	case pgtype.TimeValue:
		buf = append(buf, 8)
		return binary.LittleEndian.AppendUint64(buf, uint64(v))
	case pgtype.IntervalValue:
		buf = append(buf, 9)
		return binary.LittleEndian.AppendUint64(buf, uint64((int64(v.Months)*30+int64(v.Days))*86400_000_000+v.Micros))
	case []byte:
		buf = append(buf, 10)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(v)))
		return append(buf, v...)
	case [16]byte:
		buf = append(buf, 11)
		return append(buf, v[:]...)
	case pgtype.Array:
		buf = append(buf, 12)
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(v.Elements)))
		for _, e := range v.Elements {
			buf = appendKey(buf, e)
		}
		return buf
	}
	return append(buf, 255)
}

// normalizedNumeric prints a numeric without trailing fractional zeros, so
// 1.50 and 1.5 group together.
func normalizedNumeric(v pgtype.NumericValue) string {
	c := new(big.Int).Set(v.Coef)
	s := v.Scale
	ten := big.NewInt(10)
	r := new(big.Int)
	for s > 0 && c.Sign() != 0 {
		q, m := new(big.Int).QuoRem(c, ten, r)
		if m.Sign() != 0 {
			break
		}
		c, s = q, s-1
	}
	if c.Sign() == 0 {
		s = 0
	}
	return c.String() + "e-" + strconv.Itoa(int(s))
}

// aggState accumulates one aggregate for one group. add receives the
// row's argument values (ORDER BY keys last); a state that keeps them
// copies them, as the slice is reused.
type aggState interface {
	add(args []pgtype.Datum) error
	result() (pgtype.Datum, error)
}

// first is the one argument of a single-argument aggregate.
func first(args []pgtype.Datum) pgtype.Datum {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func newAggState(c *plan.AggCall) aggState {
	var st aggState
	var argType pgtype.Type
	if len(c.Args) > 0 {
		argType = c.Args[0].Type()
	}
	// ORDER BY keys (order_key calls) follow the arguments.
	var keys []orderSpec
	nargs := len(c.Args)
	for nargs > 0 {
		k, ok := c.Args[nargs-1].(*plan.Call)
		if !ok || k.Func != "order_key" {
			break
		}
		nargs--
		keys = append([]orderSpec{{desc: strings.HasPrefix(k.Op, "desc"), nullsFirst: strings.HasSuffix(k.Op, "nulls_first")}}, keys...)
	}
	switch c.Func {
	case "count":
		st = &countState{star: len(c.Args) == 0}
	case "sum":
		st = &sumState{argType: argType, resType: c.Type}
	case "avg":
		st = &avgState{sum: sumState{argType: argType, resType: avgSumType(argType)}, resType: c.Type}
	case "min":
		st = &minMaxState{want: -1}
	case "max":
		st = &minMaxState{want: 1}
	case "bool_and", "every":
		st = &boolState{and: true}
	case "bool_or":
		st = &boolState{}
	case "bit_and", "bit_or":
		st = &bitState{and: c.Func == "bit_and"}
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		st = &varianceState{
			sample: !strings.HasSuffix(c.Func, "_pop"), stddev: strings.HasPrefix(c.Func, "stddev"),
			float: argType.OID == pgtype.Float4OID || argType.OID == pgtype.Float8OID,
		}
	case "string_agg":
		st = &stringAggState{}
	case "array_agg":
		st = &arrayAggState{elem: c.Type.Elem()}
	case "percentile_cont", "percentile_disc", "mode":
		ps := &percentileState{fn: c.Func, key: keys[0], resType: c.Type}
		if c.Func == "mode" {
			return ps
		}
		d := &directArgState{inner: ps}
		if k, ok := c.Args[0].(*plan.Const); ok {
			// A constant fraction is checked even when no row arrives.
			ps.frac, ps.fracKnown, d.set = k.Value, true, true
		}
		return d
	default:
		st = &unsupportedState{name: c.Func}
	}
	if c.Distinct {
		st = &distinctState{inner: st, seen: map[string]bool{}, nargs: nargs, keepNull: c.Func == "array_agg"}
	}
	keyIdx := make([]int, len(keys))
	for i := range keys {
		keyIdx[i] = nargs + i
	}
	if c.Distinct && len(keys) == 0 {
		// DISTINCT sorts its input, as PostgreSQL's does.
		for i := 0; i < nargs; i++ {
			keys = append(keys, orderSpec{})
			keyIdx = append(keyIdx, i)
		}
	}
	if len(keys) > 0 {
		st = &orderedState{inner: st, nargs: nargs, keys: keys, keyIdx: keyIdx}
	}
	return st
}

// avgSumType is the type avg accumulates its sum in.
func avgSumType(arg pgtype.Type) pgtype.Type {
	switch arg.OID {
	case pgtype.Float4OID, pgtype.Float8OID:
		return pgtype.Float8
	case pgtype.IntervalOID:
		return pgtype.Interval
	}
	return pgtype.Numeric
}

type countState struct {
	star bool
	n    int64
}

func (s *countState) add(args []pgtype.Datum) error {
	if s.star || first(args) != nil {
		s.n++
	}
	return nil
}
func (s *countState) result() (pgtype.Datum, error) { return s.n, nil }

type sumState struct {
	argType, resType pgtype.Type
	any              bool
	i                int64
	f                float64
	n                pgtype.NumericValue
	iv               pgtype.IntervalValue
}

func (s *sumState) add(args []pgtype.Datum) error { return s.addValue(first(args)) }

func (s *sumState) addValue(v pgtype.Datum) error {
	if v == nil {
		return nil
	}
	s.any = true
	switch s.resType.OID {
	case pgtype.Int8OID:
		x := v.(int64)
		r := s.i + x
		if (x > 0 && r < s.i) || (x < 0 && r > s.i) {
			return pgerr.New(pgerr.NumericValueOutOfRange, "bigint out of range")
		}
		s.i = r
	case pgtype.Float4OID, pgtype.Float8OID:
		s.f += v.(float64)
	case pgtype.IntervalOID:
		x := v.(pgtype.IntervalValue)
		s.iv = pgtype.IntervalValue{Months: s.iv.Months + x.Months, Days: s.iv.Days + x.Days, Micros: s.iv.Micros + x.Micros}
	case pgtype.NumericOID:
		var x pgtype.NumericValue
		switch t := v.(type) {
		case int64:
			x = pgtype.NumericValue{Coef: big.NewInt(t)}
		case pgtype.NumericValue:
			x = t
		}
		if x.Special != pgtype.NumericFinite || s.n.Special != pgtype.NumericFinite {
			// As PostgreSQL's do_numeric_accum: a finite value leaves an
			// infinite or NaN sum as it is; NaN, or infinities of both
			// signs, make it NaN.
			switch {
			case s.n.Special == pgtype.NumericFinite:
				s.n = x
			case x.Special != pgtype.NumericFinite && x.Special != s.n.Special:
				s.n = pgtype.NumericValue{Special: pgtype.NumericNaN}
			}
			return nil
		}
		if s.n.Coef == nil {
			s.n = pgtype.NumericValue{Coef: new(big.Int), Scale: x.Scale}
		}
		if x.Scale > s.n.Scale {
			s.n.Coef.Mul(s.n.Coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale-s.n.Scale)), nil))
			s.n.Scale = x.Scale
		}
		c := x.Coef
		if x.Scale < s.n.Scale {
			c = new(big.Int).Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(s.n.Scale-x.Scale)), nil))
		}
		s.n.Coef.Add(s.n.Coef, c)
	}
	return nil
}

func (s *sumState) result() (pgtype.Datum, error) {
	if !s.any {
		return nil, nil
	}
	switch s.resType.OID {
	case pgtype.Int8OID:
		return s.i, nil
	case pgtype.Float4OID, pgtype.Float8OID:
		return s.f, nil
	case pgtype.IntervalOID:
		return s.iv, nil
	}
	return s.n, nil
}

type avgState struct {
	sum     sumState
	count   int64
	resType pgtype.Type
}

func (s *avgState) add(args []pgtype.Datum) error {
	v := first(args)
	if v == nil {
		return nil
	}
	s.count++
	return s.sum.addValue(v)
}

func (s *avgState) result() (pgtype.Datum, error) {
	if s.count == 0 {
		return nil, nil
	}
	total, _ := s.sum.result()
	switch t := total.(type) {
	case float64:
		return t / float64(s.count), nil
	case pgtype.IntervalValue:
		f := 1 / float64(s.count)
		months := float64(t.Months) * f
		days := float64(t.Days)*f + (months-math.Trunc(months))*30
		micros := float64(t.Micros)*f + (days-math.Trunc(days))*86400e6
		return pgtype.IntervalValue{Months: int32(months), Days: int32(days), Micros: int64(math.Round(micros))}, nil
	case pgtype.NumericValue:
		if t.Special != pgtype.NumericFinite {
			return t, nil
		}
		// avg is numeric division of the sum by the count, with its scale.
		return expr.NumericDiv(t, pgtype.NumericValue{Coef: big.NewInt(s.count)})
	}
	return nil, nil
}

type minMaxState struct {
	want int
	v    pgtype.Datum
}

func (s *minMaxState) add(args []pgtype.Datum) error {
	v := first(args)
	if v == nil {
		return nil
	}
	if s.v == nil || expr.Compare(v, s.v) == s.want {
		s.v = v
	}
	return nil
}
func (s *minMaxState) result() (pgtype.Datum, error) { return s.v, nil }

type boolState struct {
	and bool
	any bool
	v   bool
}

func (s *boolState) add(args []pgtype.Datum) error {
	v := first(args)
	if v == nil {
		return nil
	}
	b := v.(bool)
	if !s.any {
		s.any, s.v = true, b
		return nil
	}
	if s.and {
		s.v = s.v && b
	} else {
		s.v = s.v || b
	}
	return nil
}

func (s *boolState) result() (pgtype.Datum, error) {
	if !s.any {
		return nil, nil
	}
	return s.v, nil
}

// distinctState passes on each distinct tuple of arguments once.
type distinctState struct {
	inner    aggState
	seen     map[string]bool
	buf      []byte
	nargs    int
	keepNull bool // array_agg(DISTINCT x) keeps one NULL
}

func (s *distinctState) add(args []pgtype.Datum) error {
	if first(args) == nil && !s.keepNull {
		return nil
	}
	s.buf = s.buf[:0]
	for _, v := range args[:s.nargs] {
		s.buf = appendKey(s.buf, v)
	}
	if s.seen[string(s.buf)] {
		return nil
	}
	s.seen[string(s.buf)] = true
	return s.inner.add(args)
}
func (s *distinctState) result() (pgtype.Datum, error) { return s.inner.result() }

type unsupportedState struct{ name string }

func (s *unsupportedState) add([]pgtype.Datum) error {
	return pgerr.New(pgerr.FeatureNotSupported, "aggregate %s is not supported by the engine", s.name)
}
func (s *unsupportedState) result() (pgtype.Datum, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "aggregate %s is not supported by the engine", s.name)
}
