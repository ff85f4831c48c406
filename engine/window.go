package engine

import (
	"context"
	"math/big"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// windowOp computes window functions. It reads its whole input, and for
// each distinct (PARTITION BY, ORDER BY) specification sorts the rows once
// and evaluates the calls that share it partition by partition; the
// output is the input rows in the last specification's order, each with
// its call values.
type windowOp struct {
	node  *plan.Window
	input operator
	env   *expr.Env
	materialized
}

func newWindow(n *plan.Window, in operator, env *expr.Env) (operator, error) {
	return &windowOp{node: n, input: in, env: env}, nil
}

func (w *windowOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	return w.emit(ctx, w.materialize)
}

func (w *windowOp) close() {
	w.release()
	w.input.close()
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
	orderKeys  [][]pgtype.Datum
	keys       []plan.SortKey
}

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

func (w *windowOp) buildSpec(call *plan.WindowCall, batches []arrow.RecordBatch, n int) (*windowSpec, error) {
	parts := make([][]pgtype.Datum, len(call.PartitionBy))
	for i, p := range call.PartitionBy {
		v, err := windowColumn(p, batches, w.env)
		if err != nil {
			return nil, err
		}
		parts[i] = v
	}
	sp := &windowSpec{keys: call.OrderBy}
	for _, k := range call.OrderBy {
		v, err := windowColumn(k.Expr, batches, w.env)
		if err != nil {
			return nil, err
		}
		sp.orderKeys = append(sp.orderKeys, v)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	partKey := plan.SortKey{}
	sort.SliceStable(idx, func(a, b int) bool {
		ra, rb := idx[a], idx[b]
		for _, p := range parts {
			if c := compareKey(partKey, p[ra], p[rb]); c != 0 {
				return c < 0
			}
		}
		for i, k := range sp.keys {
			if c := compareKey(k, sp.orderKeys[i][ra], sp.orderKeys[i][rb]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	sp.idx = idx
	samePart := func(a, b int) bool {
		for _, p := range parts {
			if compareKey(partKey, p[a], p[b]) != 0 {
				return false
			}
		}
		return true
	}
	samePeer := func(a, b int) bool {
		for i, k := range sp.keys {
			if compareKey(k, sp.orderKeys[i][a], sp.orderKeys[i][b]) != 0 {
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
	}
	if n == 0 {
		return nil
	}
	results := make([][]pgtype.Datum, len(w.node.Calls))
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
			if sp, err = w.buildSpec(call, batches, n); err != nil {
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
	}
	// The input in the last specification's order, then the call values.
	nIn := schema.NumFields()
	cols := make([]arrow.Array, 0, nIn+len(results))
	release := func() {
		for _, c := range cols {
			c.Release()
		}
	}
	ib := array.NewInt64Builder(w.env.Mem)
	for _, i := range last.idx {
		ib.Append(int64(i))
	}
	indices := ib.NewArray()
	ib.Release()
	defer indices.Release()
	for c := 0; c < nIn; c++ {
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		all, err := array.Concatenate(parts, w.env.Mem)
		if err != nil {
			release()
			return err
		}
		taken, err := parquet.TakeArray(ctx, all, indices)
		all.Release()
		if err != nil {
			release()
			return err
		}
		cols = append(cols, taken)
	}
	for i, res := range results {
		ordered := make([]pgtype.Datum, n)
		for p, r := range last.idx {
			ordered[p] = res[r]
		}
		a, err := expr.Build(w.env.Mem, w.node.Calls[i].Typ, ordered)
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
func (w *windowOp) frameFn(call *plan.WindowCall, sp *windowSpec) (func(p int) (int, int, error), error) {
	opts := call.FrameOptions
	startOff, endOff, err := w.frameOffsets(call)
	if err != nil {
		return nil, err
	}
	var keyType pgtype.Type
	var rangeKeys []pgtype.Datum
	if opts&plan.FrameRange != 0 && (startOff != nil || endOff != nil) {
		keyType = call.OrderBy[0].Expr.Type()
		rangeKeys = make([]pgtype.Datum, len(sp.idx))
		for p, r := range sp.idx {
			rangeKeys[p] = expr.RangeKey(keyType, sp.orderKeys[0][r])
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
func (w *windowOp) compute(call *plan.WindowCall, sp *windowSpec, batches []arrow.RecordBatch, n int) ([]pgtype.Datum, error) {
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
	idx := sp.idx
	switch call.Func {
	case "row_number":
		for p, r := range idx {
			out[r] = int64(p - sp.partStart[p] + 1)
		}
		return out, nil
	case "rank":
		for p, r := range idx {
			out[r] = int64(sp.peerStart[p] - sp.partStart[p] + 1)
		}
		return out, nil
	case "dense_rank":
		for p, r := range idx {
			out[r] = int64(sp.group[p] + 1)
		}
		return out, nil
	case "percent_rank":
		for p, r := range idx {
			size := sp.partEnd[p] - sp.partStart[p]
			if size <= 1 {
				out[r] = 0.0
			} else {
				out[r] = float64(sp.peerStart[p]-sp.partStart[p]) / float64(size-1)
			}
		}
		return out, nil
	case "cume_dist":
		for p, r := range idx {
			out[r] = float64(sp.peerEnd[p]-sp.partStart[p]) / float64(sp.partEnd[p]-sp.partStart[p])
		}
		return out, nil
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
		return out, nil
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
		return out, nil
	}
	frame, err := w.frameFn(call, sp)
	if err != nil {
		return nil, err
	}
	opts := call.FrameOptions
	exclusion := opts&(plan.FrameExcludeCurrentRow|plan.FrameExcludeGroup|plan.FrameExcludeTies) != 0
	switch call.Func {
	case "first_value", "last_value", "nth_value":
		for p, r := range idx {
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
						out[r] = args[0][idx[q]]
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
					out[r] = args[0][idx[q]]
					break
				}
			}
		}
		return out, nil
	}
	if call.Agg == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "window function %s is not implemented by the engine", call.Func)
	}
	return w.aggregate(call, sp, frame, args, batches, n)
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
