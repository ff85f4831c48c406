package engine

import (
	"context"
	"math/big"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// windowOp computes window functions. It reads its whole input, and for
// each distinct (PARTITION BY, ORDER BY) specification sorts the rows once
// (typed keys, sortRows) and evaluates the calls that share it partition
// by partition; the output is the input rows in the last specification's
// order, each with its call values. The ranking functions, count, sum of
// integers, min and max, and the functions that take another row's value
// (lag, lead, first_value, last_value, nth_value) run typed loops; other
// calls go through aggregate states on Datums. Everything it holds (the
// input, each specification's layout, each call's values) is charged to
// the query's memory budget.
type windowOp struct {
	node     *plan.Window
	input    operator
	env      *expr.Env
	specs    []*windowSpec
	reserved int64
	materialized
}

// windowDoing names a window's work in a 53200 message.
const windowDoing = "computing window functions"

func newWindow(n *plan.Window, in operator, env *expr.Env) (operator, error) {
	return &windowOp{node: n, input: in, env: env}, nil
}

func (w *windowOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	return w.emit(ctx, w.materialize)
}

func (w *windowOp) close() {
	w.release()
	w.releaseSpecs()
	w.input.close()
}

func (w *windowOp) releaseSpecs() {
	for _, sp := range w.specs {
		sp.rows.release()
	}
	w.specs = nil
	if w.reserved != 0 {
		checkMemory(w.env, -w.reserved, windowDoing)
		w.reserved = 0
	}
}

// reserve charges n bytes the operator holds on the query's budget.
func (w *windowOp) reserve(n int64) error {
	w.reserved += n
	return checkMemory(w.env, n, windowDoing)
}

// windowColumn evaluates e over every input batch, as one column of Datums.
func windowColumn(e plan.Expr, batches []arrow.RecordBatch, env *expr.Env) ([]pgtype.Datum, error) {
	if e == nil {
		return nil, nil
	}
	ev, err := expr.Compile(e, env)
	if err != nil {
		return nil, err
	}
	var out []pgtype.Datum
	for _, b := range batches {
		v, err := ev.Datums(b)
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// windowSpec is the sorted layout of the rows for one (PARTITION BY,
// ORDER BY): idx lists row numbers in order; per sorted position, its
// partition's bounds and its peer group's.
type windowSpec struct {
	idx        []int
	partStart  []int
	partEnd    []int
	peerStart  []int
	peerEnd    []int
	group      []int   // peer group number within the partition
	groupStart [][]int // per partition start position, by group number
	keys       []plan.SortKey
	// rows holds the partition keys then the order keys, typed, by input
	// row number (and a reference to the input batches).
	rows *sortRows
	// orderKey0 is the first ORDER BY key as Datums by input row, made
	// when a RANGE frame with an offset needs it.
	orderKey0 []pgtype.Datum
}

// windowSpecBytes is what a specification's layout holds per row.
const windowSpecBytes = 8 * 8

func specKey(c *plan.WindowCall) string {
	s := ""
	for _, p := range c.PartitionBy {
		s += p.String() + ","
	}
	s += "|"
	for _, k := range c.OrderBy {
		s += k.Expr.String()
		if k.Desc {
			s += " desc"
		}
		if k.NullsFirst {
			s += " nf"
		}
		s += ","
	}
	return s
}

// compareKey orders two key values as a sort key does (NULLs by
// NullsFirst, DESC reversing values).
func compareKey(k plan.SortKey, a, b pgtype.Datum) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if k.NullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if k.NullsFirst {
			return 1
		}
		return -1
	}
	c := expr.Compare(a, b)
	if k.Desc {
		c = -c
	}
	return c
}

func (w *windowOp) buildSpec(ctx context.Context, call *plan.WindowCall, batches []arrow.RecordBatch, n int) (*windowSpec, error) {
	keys := make([]plan.SortKey, 0, len(call.PartitionBy)+len(call.OrderBy))
	for _, p := range call.PartitionBy {
		keys = append(keys, plan.SortKey{Expr: p}) // NULLs last, as one group
	}
	keys = append(keys, call.OrderBy...)
	rows, err := newSortRows(&plan.Sort{Keys: keys}, w.env, -1, false)
	if err != nil {
		return nil, err
	}
	rows.doing = windowDoing
	sp := &windowSpec{keys: call.OrderBy, rows: rows}
	w.specs = append(w.specs, sp)
	for _, b := range batches {
		b.Retain()
		if err := rows.add(ctx, b, 0); err != nil {
			return nil, err
		}
	}
	if err := w.reserve(int64(n) * windowSpecBytes); err != nil {
		return nil, err
	}
	order := rows.sorted()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	idx := make([]int, n)
	for i, r := range order {
		idx[i] = int(r)
	}
	sp.idx = idx
	np := len(call.PartitionBy)
	samePart := func(a, b int) bool {
		for i := range np {
			if rows.keys[i].compare(a, b) != 0 {
				return false
			}
		}
		return true
	}
	samePeer := func(a, b int) bool {
		for i := np; i < len(rows.keys); i++ {
			if rows.keys[i].compare(a, b) != 0 {
				return false
			}
		}
		return true
	}
	sp.partStart, sp.partEnd = make([]int, n), make([]int, n)
	sp.peerStart, sp.peerEnd = make([]int, n), make([]int, n)
	sp.group = make([]int, n)
	sp.groupStart = make([][]int, n)
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && samePart(idx[lo], idx[hi]) {
			hi++
		}
		var starts []int
		for g := lo; g < hi; {
			ge := g + 1
			for ge < hi && samePeer(idx[g], idx[ge]) {
				ge++
			}
			for p := g; p < ge; p++ {
				sp.peerStart[p], sp.peerEnd[p], sp.group[p] = g, ge, len(starts)
			}
			starts = append(starts, g)
			g = ge
		}
		starts = append(starts, hi) // sentinel: the end of the last group
		for p := lo; p < hi; p++ {
			sp.partStart[p], sp.partEnd[p] = lo, hi
			sp.groupStart[p] = starts
		}
		lo = hi
	}
	return sp, nil
}

func (w *windowOp) materialize(ctx context.Context) error {
	var batches []arrow.RecordBatch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
		w.releaseSpecs()
	}()
	var schema *arrow.Schema
	n := 0
	for {
		b, err := w.input.next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		schema = b.Schema()
		batches = append(batches, b)
		n += int(b.NumRows())
		// The batches count through the allocator.
		if err := w.reserve(0); err != nil {
			return err
		}
	}
	if n == 0 {
		return nil
	}
	results := make([]*windowResult, len(w.node.Calls))
	specs := map[string]*windowSpec{}
	var last *windowSpec
	for i, call := range w.node.Calls {
		if err := ctx.Err(); err != nil {
			return err
		}
		key := specKey(call)
		sp, ok := specs[key]
		if !ok {
			var err error
			if sp, err = w.buildSpec(ctx, call, batches, n); err != nil {
				return err
			}
			specs[key] = sp
		}
		last = sp
		res, err := w.compute(call, sp, batches, n)
		if err != nil {
			return err
		}
		results[i] = res
		if err := w.reserve(res.bytes()); err != nil {
			return err
		}
	}
	// The input in the last specification's order, then the call values.
	nIn := schema.NumFields()
	order := make([]int32, n)
	for p, r := range last.idx {
		order[p] = int32(r)
	}
	in, err := gatherRows(ctx, w.env, schema, [][]arrow.RecordBatch{batches}, order)
	if err != nil {
		return err
	}
	cols := make([]arrow.Array, 0, nIn+len(results))
	for c := range nIn {
		col := in.Column(c)
		col.Retain()
		cols = append(cols, col)
	}
	in.Release()
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	for i, res := range results {
		a, err := res.build(ctx, w.env, w.node.Calls[i].Typ, order, batches)
		if err != nil {
			release()
			return err
		}
		cols = append(cols, a)
	}
	w.out = array.NewRecordBatch(arrowSchema(w.node.Cols), cols, int64(n))
	release()
	return nil
}

// windowResult is one call's value for every input row: Datums, typed
// integers or floats (with NULL flags), or, for the functions that take
// another row's value, that row's number (src, -1 for NULL) and the
// argument to take it from.
type windowResult struct {
	datums []pgtype.Datum
	ints   []int64
	floats []float64
	strs   []string
	nulls  []bool // nil: none
	src    []int32
	arg    plan.Expr
}

func (r *windowResult) bytes() int64 {
	n := int64(len(r.datums))*24 + int64(len(r.ints))*8 + int64(len(r.floats))*8 + int64(len(r.strs))*16 +
		int64(len(r.nulls)) + int64(len(r.src))*4
	return n
}

// build makes the result column in output order (order lists input rows).
func (r *windowResult) build(ctx context.Context, env *expr.Env, t pgtype.Type, order []int32, batches []arrow.RecordBatch) (arrow.Array, error) {
	switch {
	case r.src != nil:
		ev, err := expr.Compile(r.arg, env)
		if err != nil {
			return nil, err
		}
		parts := make([]arrow.Array, 0, len(batches))
		defer func() {
			for _, a := range parts {
				a.Release()
			}
		}()
		for _, b := range batches {
			a, err := ev.Eval(b)
			if err != nil {
				return nil, err
			}
			parts = append(parts, a)
		}
		fields := []arrow.Field{{Name: "v", Type: parts[0].DataType(), Nullable: true}}
		var recs []arrow.RecordBatch
		for _, a := range parts {
			recs = append(recs, array.NewRecordBatch(arrow.NewSchema(fields, nil), []arrow.Array{a}, int64(a.Len())))
		}
		idx := make([]int32, len(order))
		for p, row := range order {
			idx[p] = r.src[row]
		}
		// parquet.Take's -1 is NULL; the Arrow take for other types is not
		// asked for rows out of range: those types keep the Datum path.
		out, err := gatherRows(ctx, env, arrow.NewSchema(fields, nil), [][]arrow.RecordBatch{recs}, idx)
		for _, rec := range recs {
			rec.Release()
		}
		if err != nil {
			return nil, err
		}
		col := out.Column(0)
		col.Retain()
		out.Release()
		return col, nil
	case r.datums != nil:
		ordered := make([]pgtype.Datum, len(order))
		for p, row := range order {
			ordered[p] = r.datums[row]
		}
		return expr.Build(env.Mem, t, ordered)
	}
	bld := array.NewBuilder(env.Mem, t.ArrowType())
	defer bld.Release()
	bld.Reserve(len(order))
	for _, row := range order {
		if r.nulls != nil && r.nulls[row] {
			bld.AppendNull()
			continue
		}
		switch b := bld.(type) {
		case *array.Int64Builder:
			b.UnsafeAppend(r.ints[row])
		case *array.Int32Builder:
			b.UnsafeAppend(int32(r.ints[row]))
		case *array.Int16Builder:
			b.UnsafeAppend(int16(r.ints[row]))
		case *array.Date32Builder:
			b.UnsafeAppend(arrow.Date32(r.ints[row]))
		case *array.TimestampBuilder:
			b.UnsafeAppend(arrow.Timestamp(r.ints[row]))
		case *array.Time64Builder:
			b.UnsafeAppend(arrow.Time64(r.ints[row]))
		case *array.Decimal64Builder:
			b.UnsafeAppend(decimal.Decimal64(r.ints[row]))
		case *array.BooleanBuilder:
			b.UnsafeAppend(r.ints[row] != 0)
		case *array.Float64Builder:
			b.UnsafeAppend(r.floats[row])
		case *array.Float32Builder:
			b.UnsafeAppend(float32(r.floats[row]))
		case *array.StringBuilder:
			b.Append(r.strs[row])
		default:
			return nil, pgerr.New(pgerr.InternalError, "window result of type %s has no typed builder", t)
		}
	}
	return bld.NewArray(), nil
}

// typedBuilds reports whether a typed result of kind k builds a column of
// type t (windowResult.build's cases).
func typedBuilds(k int, t pgtype.Type) bool {
	switch t.ArrowType().(type) {
	case *arrow.Int64Type, *arrow.Int32Type, *arrow.Int16Type, *arrow.Date32Type, *arrow.TimestampType,
		*arrow.Time64Type, *arrow.Decimal64Type, *arrow.BooleanType:
		return k == keyInt
	case *arrow.Float64Type, *arrow.Float32Type:
		return k == keyFloat
	case *arrow.StringType:
		return k == keyString
	}
	return false
}

// frameOffsets evaluates a call's constant frame offsets and checks them.
func (w *windowOp) frameOffsets(call *plan.WindowCall) (start, end pgtype.Datum, err error) {
	rangeMode := call.FrameOptions&plan.FrameRange != 0
	one := func(e plan.Expr, what string) (pgtype.Datum, error) {
		if e == nil {
			return nil, nil
		}
		v, err := expr.Const(e, w.env)
		if err != nil {
			return nil, err
		}
		if v == nil {
			return nil, pgerr.New("22004", "frame %s offset must not be null", what)
		}
		if expr.RangeOffsetNegative(v) {
			if rangeMode {
				return nil, expr.ErrInvalidRangeOffset()
			}
			return nil, pgerr.New("22013", "frame %s offset must not be negative", what)
		}
		return v, nil
	}
	if start, err = one(call.StartOffset, "starting"); err != nil {
		return nil, nil, err
	}
	if end, err = one(call.EndOffset, "ending"); err != nil {
		return nil, nil, err
	}
	return start, end, nil
}

// frameFn returns, for a sorted position, its frame as [s, e) positions.
func (w *windowOp) frameFn(call *plan.WindowCall, sp *windowSpec, batches []arrow.RecordBatch) (func(p int) (int, int, error), error) {
	opts := call.FrameOptions
	startOff, endOff, err := w.frameOffsets(call)
	if err != nil {
		return nil, err
	}
	var keyType pgtype.Type
	var rangeKeys []pgtype.Datum
	if opts&plan.FrameRange != 0 && (startOff != nil || endOff != nil) {
		keyType = call.OrderBy[0].Expr.Type()
		if sp.orderKey0 == nil {
			if sp.orderKey0, err = windowColumn(call.OrderBy[0].Expr, batches, w.env); err != nil {
				return nil, err
			}
			if err := w.reserve(int64(len(sp.orderKey0)) * 24); err != nil {
				return nil, err
			}
		}
		rangeKeys = make([]pgtype.Datum, len(sp.idx))
		for p, r := range sp.idx {
			rangeKeys[p] = expr.RangeKey(keyType, sp.orderKey0[r])
		}
	}
	asInt := func(d pgtype.Datum) int {
		v := d.(int64)
		if v > int64(len(sp.idx)) {
			return len(sp.idx) + 1
		}
		return int(v)
	}
	// rangeBound finds the first position in [lo, hi) whose key is past
	// (strict) or at-or-past the bound, in sort order.
	rangeBound := func(p int, off pgtype.Datum, preceding, strict bool) (int, error) {
		lo, hi := sp.partStart[p], sp.partEnd[p]
		k := sp.keys[0]
		if rangeKeys[p] == nil {
			if strict {
				return sp.peerEnd[p], nil
			}
			return sp.peerStart[p], nil
		}
		// PRECEDING moves against the sort direction.
		sub := preceding != k.Desc
		bound, err := expr.RangeBound(keyType, rangeKeys[p], off, sub, w.env)
		if err != nil {
			return 0, err
		}
		return lo + sort.Search(hi-lo, func(i int) bool {
			c := compareKey(k, rangeKeys[lo+i], bound)
			if strict {
				return c > 0
			}
			return c >= 0
		}), nil
	}
	return func(p int) (int, int, error) {
		lo, hi := sp.partStart[p], sp.partEnd[p]
		groups := sp.groupStart[p]
		g := sp.group[p]
		ng := len(groups) - 1
		s, e := lo, hi
		var err error
		switch {
		case opts&plan.FrameStartUnboundedPrec != 0:
			s = lo
		case opts&plan.FrameStartCurrentRow != 0:
			if opts&plan.FrameRows != 0 {
				s = p
			} else {
				s = sp.peerStart[p]
			}
		case opts&(plan.FrameStartOffsetPrec|plan.FrameStartOffsetFoll) != 0:
			prec := opts&plan.FrameStartOffsetPrec != 0
			switch {
			case opts&plan.FrameRows != 0:
				if prec {
					s = p - asInt(startOff)
				} else {
					s = p + asInt(startOff)
				}
			case opts&plan.FrameGroups != 0:
				gg := g + asInt(startOff)
				if prec {
					gg = g - asInt(startOff)
				}
				switch {
				case gg < 0:
					s = lo
				case gg >= ng:
					s = hi
				default:
					s = groups[gg]
				}
			default:
				if s, err = rangeBound(p, startOff, prec, false); err != nil {
					return 0, 0, err
				}
			}
		}
		switch {
		case opts&plan.FrameEndUnboundedFoll != 0:
			e = hi
		case opts&plan.FrameEndCurrentRow != 0:
			if opts&plan.FrameRows != 0 {
				e = p + 1
			} else {
				e = sp.peerEnd[p]
			}
		case opts&(plan.FrameEndOffsetPrec|plan.FrameEndOffsetFoll) != 0:
			prec := opts&plan.FrameEndOffsetPrec != 0
			switch {
			case opts&plan.FrameRows != 0:
				if prec {
					e = p - asInt(endOff) + 1
				} else {
					e = p + asInt(endOff) + 1
				}
			case opts&plan.FrameGroups != 0:
				gg := g + asInt(endOff)
				if prec {
					gg = g - asInt(endOff)
				}
				switch {
				case gg < 0:
					e = lo
				case gg >= ng:
					e = hi
				default:
					e = groups[gg+1]
				}
			default:
				if e, err = rangeBound(p, endOff, prec, true); err != nil {
					return 0, 0, err
				}
			}
		}
		s = max(lo, min(s, hi))
		e = max(lo, min(e, hi))
		if e < s {
			e = s
		}
		return s, e, nil
	}, nil
}

// excluded reports whether frame position q is left out for the row at
// position p (EXCLUDE CURRENT ROW, GROUP, TIES).
func excluded(opts int, sp *windowSpec, p, q int) bool {
	switch {
	case opts&plan.FrameExcludeCurrentRow != 0:
		return q == p
	case opts&plan.FrameExcludeGroup != 0:
		return q >= sp.peerStart[p] && q < sp.peerEnd[p]
	case opts&plan.FrameExcludeTies != 0:
		return q != p && q >= sp.peerStart[p] && q < sp.peerEnd[p]
	}
	return false
}

// compute evaluates one call for every row; the result is indexed by
// input row number.
func (w *windowOp) compute(call *plan.WindowCall, sp *windowSpec, batches []arrow.RecordBatch, n int) (*windowResult, error) {
	idx := sp.idx
	switch call.Func {
	case "row_number":
		out := make([]int64, n)
		for p, r := range idx {
			out[r] = int64(p - sp.partStart[p] + 1)
		}
		return &windowResult{ints: out}, nil
	case "rank":
		out := make([]int64, n)
		for p, r := range idx {
			out[r] = int64(sp.peerStart[p] - sp.partStart[p] + 1)
		}
		return &windowResult{ints: out}, nil
	case "dense_rank":
		out := make([]int64, n)
		for p, r := range idx {
			out[r] = int64(sp.group[p] + 1)
		}
		return &windowResult{ints: out}, nil
	case "percent_rank":
		out := make([]float64, n)
		for p, r := range idx {
			if size := sp.partEnd[p] - sp.partStart[p]; size > 1 {
				out[r] = float64(sp.peerStart[p]-sp.partStart[p]) / float64(size-1)
			}
		}
		return &windowResult{floats: out}, nil
	case "cume_dist":
		out := make([]float64, n)
		for p, r := range idx {
			out[r] = float64(sp.peerEnd[p]-sp.partStart[p]) / float64(sp.partEnd[p]-sp.partStart[p])
		}
		return &windowResult{floats: out}, nil
	}
	if res, ok, err := w.computeTyped(call, sp, batches, n); ok || err != nil {
		return res, err
	}
	out := make([]pgtype.Datum, n)
	var args [][]pgtype.Datum
	argExprs := call.Args
	if call.Agg != nil {
		argExprs = call.Agg.Args
	}
	for _, a := range argExprs {
		v, err := windowColumn(a, batches, w.env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	if err := w.reserve(int64(n*len(args)) * 24); err != nil {
		return nil, err
	}
	switch call.Func {
	case "ntile":
		for lo := 0; lo < n; lo = sp.partEnd[lo] {
			hi := sp.partEnd[lo]
			k := args[0][idx[lo]] // evaluated at the partition's first row
			if k == nil {
				continue
			}
			buckets := k.(int64)
			if buckets <= 0 {
				return nil, pgerr.New("22014", "argument of ntile must be greater than zero")
			}
			size := int64(hi - lo)
			per, extra := size/buckets, size%buckets
			bucket, left := int64(1), per
			if extra > 0 {
				left++
			}
			for p := lo; p < hi; p++ {
				if left == 0 {
					bucket++
					left = per
					if bucket <= extra {
						left++
					}
				}
				out[idx[p]] = bucket
				left--
			}
		}
		return &windowResult{datums: out}, nil
	case "lag", "lead":
		for p, r := range idx {
			off := int64(1)
			if len(args) > 1 {
				if args[1][r] == nil {
					continue
				}
				off = args[1][r].(int64)
			}
			if call.Func == "lag" {
				off = -off
			}
			q := int64(p) + off
			if q >= int64(sp.partStart[p]) && q < int64(sp.partEnd[p]) {
				out[r] = args[0][idx[q]]
			} else if len(args) > 2 {
				out[r] = args[2][r]
			}
		}
		return &windowResult{datums: out}, nil
	}
	frame, err := w.frameFn(call, sp, batches)
	if err != nil {
		return nil, err
	}
	switch call.Func {
	case "first_value", "last_value", "nth_value":
		src, err := valueRows(call, sp, frame, args)
		if err != nil {
			return nil, err
		}
		for r, q := range src {
			if q >= 0 {
				out[r] = args[0][q]
			}
		}
		return &windowResult{datums: out}, nil
	}
	if call.Agg == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "window function %s is not implemented by the engine", call.Func)
	}
	res, err := w.aggregate(call, sp, frame, args, batches, n)
	return &windowResult{datums: res}, err
}

// valueRows finds, per input row, the input row whose value
// first_value, last_value or nth_value returns (-1: NULL). args[1] is
// nth_value's n by input row.
func valueRows(call *plan.WindowCall, sp *windowSpec, frame func(int) (int, int, error), args [][]pgtype.Datum) ([]int32, error) {
	idx := sp.idx
	opts := call.FrameOptions
	exclusion := opts&(plan.FrameExcludeCurrentRow|plan.FrameExcludeGroup|plan.FrameExcludeTies) != 0
	src := make([]int32, len(idx))
	for p, r := range idx {
		src[r] = -1
		s, e, err := frame(p)
		if err != nil {
			return nil, err
		}
		nth := int64(1)
		if call.Func == "nth_value" {
			if args[1][r] == nil {
				continue
			}
			if nth = args[1][r].(int64); nth <= 0 {
				return nil, pgerr.New("22016", "argument of nth_value must be greater than zero")
			}
		}
		if call.Func == "last_value" {
			for q := e - 1; q >= s; q-- {
				if !exclusion || !excluded(opts, sp, p, q) {
					src[r] = int32(idx[q])
					break
				}
			}
			continue
		}
		for q := s; q < e; q++ {
			if exclusion && excluded(opts, sp, p, q) {
				continue
			}
			if nth--; nth == 0 {
				src[r] = int32(idx[q])
				break
			}
		}
	}
	return src, nil
}

// computeTyped evaluates the calls that have a typed loop: lag and lead
// without a default and the value functions, when the argument's column
// can be taken row by row as the result's type; count, sum of int2 or
// int4, min and max over a typed key without FILTER or DISTINCT and
// without EXCLUDE. ok false leaves the call to the Datum path.
func (w *windowOp) computeTyped(call *plan.WindowCall, sp *windowSpec, batches []arrow.RecordBatch, n int) (res *windowResult, ok bool, err error) {
	idx := sp.idx
	switch call.Func {
	case "lag", "lead", "first_value", "last_value", "nth_value":
		if len(call.Args) == 0 || len(call.Args) > 2 || !takesRows(call.Args[0].Type(), call.Typ) {
			return nil, false, nil
		}
		var second []pgtype.Datum
		if len(call.Args) == 2 {
			if second, err = windowColumn(call.Args[1], batches, w.env); err != nil {
				return nil, true, err
			}
		}
		if call.Func != "lag" && call.Func != "lead" {
			frame, err := w.frameFn(call, sp, batches)
			if err != nil {
				return nil, true, err
			}
			src, err := valueRows(call, sp, frame, [][]pgtype.Datum{nil, second})
			return &windowResult{src: src, arg: call.Args[0]}, true, err
		}
		src := make([]int32, n)
		for p, r := range idx {
			src[r] = -1
			off := int64(1)
			if second != nil {
				if second[r] == nil {
					continue
				}
				off = second[r].(int64)
			}
			if call.Func == "lag" {
				off = -off
			}
			if q := int64(p) + off; q >= int64(sp.partStart[p]) && q < int64(sp.partEnd[p]) {
				src[r] = int32(idx[q])
			}
		}
		return &windowResult{src: src, arg: call.Args[0]}, true, nil
	}
	a := call.Agg
	opts := call.FrameOptions
	if a == nil || a.Filter != nil || a.Distinct || len(a.Args) > 1 ||
		opts&(plan.FrameExcludeCurrentRow|plan.FrameExcludeGroup|plan.FrameExcludeTies) != 0 {
		return nil, false, nil
	}
	var arg *sortKeyCol
	if len(a.Args) == 1 {
		ev, err := expr.Compile(a.Args[0], w.env)
		if err != nil {
			return nil, true, err
		}
		arg = &sortKeyCol{kind: keyKind(ev.Type()), ev: ev}
		defer arg.dropHeld(0)
	}
	switch {
	case a.Func == "count":
	case a.Func == "sum" && arg != nil && (arg.ev.Type().OID == pgtype.Int2OID || arg.ev.Type().OID == pgtype.Int4OID) && call.Typ.OID == pgtype.Int8OID:
	case (a.Func == "min" || a.Func == "max") && arg != nil && arg.kind != keyDatum && arg.kind != keyDec128 &&
		typedBuilds(arg.kind, call.Typ) && arrow.TypeEqual(arg.ev.Type().ArrowType(), call.Typ.ArrowType()):
	default:
		return nil, false, nil
	}
	if arg != nil {
		for _, b := range batches {
			if err := arg.appendBatch(b); err != nil {
				return nil, true, err
			}
			arg.finishBatch()
		}
		if err := w.reserve(int64(n) * arg.bytesPerRow()); err != nil {
			return nil, true, err
		}
	}
	frame, err := w.frameFn(call, sp, batches)
	if err != nil {
		return nil, true, err
	}
	isNull := func(r int) bool { return arg != nil && arg.nulls != nil && arg.nulls[r] }
	if a.Func == "count" || a.Func == "sum" {
		// Prefix sums over the sorted positions answer any frame in O(1):
		// integers add exactly in any order. (A sum of int4s fits int64.)
		cnt := make([]int64, n+1)
		var sum []int64
		if a.Func == "sum" {
			sum = make([]int64, n+1)
		}
		for p, r := range idx {
			cnt[p+1] = cnt[p]
			if !isNull(r) {
				cnt[p+1]++
				if sum != nil {
					sum[p+1] = sum[p] + arg.ints[r]
				}
			} else if sum != nil {
				sum[p+1] = sum[p]
			}
		}
		out := make([]int64, n)
		var nulls []bool
		for p, r := range idx {
			s, e, err := frame(p)
			if err != nil {
				return nil, true, err
			}
			if sum == nil {
				out[r] = cnt[e] - cnt[s]
				continue
			}
			if cnt[e] == cnt[s] {
				if nulls == nil {
					nulls = make([]bool, n)
				}
				nulls[r] = true
				continue
			}
			out[r] = sum[e] - sum[s]
		}
		return &windowResult{ints: out, nulls: nulls}, true, nil
	}
	// min and max: frames that start at the partition's first row only
	// grow, so a running extreme serves them; others scan their frame.
	res = &windowResult{}
	switch arg.kind {
	case keyInt:
		res.ints = make([]int64, n)
	case keyFloat:
		res.floats = make([]float64, n)
	case keyString:
		res.strs = make([]string, n)
	}
	want := 1 // max: keep a row that compares above
	if a.Func == "min" {
		want = -1
	}
	running := opts&plan.FrameStartUnboundedPrec != 0
	best, added := -1, 0
	for p, r := range idx {
		s, e, err := frame(p)
		if err != nil {
			return nil, true, err
		}
		if !running || p == sp.partStart[p] {
			best, added = -1, s
		}
		for ; added < e; added++ {
			q := idx[added]
			if isNull(q) {
				continue
			}
			if best < 0 || arg.compare(q, best) == want {
				best = q
			}
		}
		if !running {
			added = 0
		}
		if best < 0 {
			if res.nulls == nil {
				res.nulls = make([]bool, n)
			}
			res.nulls[r] = true
			continue
		}
		switch arg.kind {
		case keyInt:
			res.ints[r] = arg.ints[best]
		case keyFloat:
			res.floats[r] = arg.floats[best]
		case keyString:
			res.strs[r] = arg.strs[best]
		}
	}
	if arg.kind == keyString {
		// The values view the argument's arrays, released on return.
		for i, v := range res.strs {
			res.strs[i] = strings.Clone(v)
		}
	}
	return res, true, nil
}

// takesRows reports whether a result of type t can be taken row by row
// from a column of type arg (the same Arrow type, one parquet.Take copies).
func takesRows(arg, t pgtype.Type) bool {
	return arrow.TypeEqual(arg.ArrowType(), t.ArrowType()) && parquet.TakesTyped(t.ArrowType())
}

// aggregate evaluates an aggregate over each row's frame. Frames that
// start at the partition's first row only grow, so one running state per
// partition serves them; other frames are aggregated afresh per row.
func (w *windowOp) aggregate(call *plan.WindowCall, sp *windowSpec, frame func(int) (int, int, error), args [][]pgtype.Datum, batches []arrow.RecordBatch, n int) ([]pgtype.Datum, error) {
	out := make([]pgtype.Datum, n)
	filter, err := windowColumn(call.Agg.Filter, batches, w.env)
	if err != nil {
		return nil, err
	}
	idx := sp.idx
	opts := call.FrameOptions
	exclusion := opts&(plan.FrameExcludeCurrentRow|plan.FrameExcludeGroup|plan.FrameExcludeTies) != 0
	add := func(st aggState, q int) error {
		r := idx[q]
		if filter != nil && filter[r] != true {
			return nil
		}
		row := make([]pgtype.Datum, len(args))
		for i, a := range args {
			row[i] = a[r]
		}
		return st.add(row)
	}
	result := func(st aggState) (pgtype.Datum, error) {
		v, err := st.result()
		if nv, ok := v.(pgtype.NumericValue); ok && nv.Coef != nil {
			// The state keeps adding into its coefficient.
			v = pgtype.NumericValue{Coef: new(big.Int).Set(nv.Coef), Scale: nv.Scale, Special: nv.Special}
		}
		return v, err
	}
	running := opts&plan.FrameStartUnboundedPrec != 0 && !exclusion
	var st aggState
	added := 0
	for p, r := range idx {
		s, e, err := frame(p)
		if err != nil {
			return nil, err
		}
		if running {
			if p == sp.partStart[p] {
				st, added = newAggState(call.Agg), p
			}
			for ; added < e; added++ {
				if err := add(st, added); err != nil {
					return nil, err
				}
			}
		} else {
			st = newAggState(call.Agg)
			for q := s; q < e; q++ {
				if exclusion && excluded(opts, sp, p, q) {
					continue
				}
				if err := add(st, q); err != nil {
					return nil, err
				}
			}
		}
		if out[r], err = result(st); err != nil {
			return nil, err
		}
	}
	return out, nil
}
