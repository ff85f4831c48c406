package engine

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// aggFast is the hash aggregate's typed path for the common shape: group
// keys that are integer, date, text or boolean columns, and count, sum,
// avg, min, max (no FILTER, DISTINCT or ORDER BY) over exact integer or
// numeric expressions that expr.CompileNum covers. Per row it hashes the
// key bytes straight from the arrays and adds int64 coefficients into a
// group's fastAcc; the Datum states receive the totals at the end (exact,
// as integer and decimal sums do not depend on order). A batch whose values
// leave int64 goes through the Datum path instead, into the same groups:
// keys are encoded as appendKey encodes them.
type aggFast struct {
	keys []fastKey
	aggs []fastAgg
	// One integer key: its groups found by the value itself in an
	// open-addressing table (no key string per row); the string-keyed
	// map still holds every group for batches on the other paths.
	intGroups *intTable
	byInt     []*group
	intAcc    [][]fastAcc // per byInt group, its acc
	// Several integer or date keys: the same, by their values as words.
	wide       bool
	wideGroups *wordsTable
	byWide     []*group
	words      []int64 // one row's key words
	// Groups of the integer tables not yet in the key-bytes map, and
	// whether new ones go there at once (typedGroup).
	unmapped []*group
	mapped   bool
	keyWords [][]int64 // per key, wordsOf's buffer
	slab     []group   // allocated in runs, as a query may make millions
	wordSlab []int64
	accSlab  []fastAcc
	// count(DISTINCT x)'s groups by id (did-1), for spillDistinct, and
	// whether the Datum states have taken the distinct values over.
	dgroups []*group
	spilled bool
}

type fastKey struct {
	idx int // column of a plain key; -1 for num
	typ pgtype.Type
	num *expr.NumExpr // an exact key computed per batch; nil: column idx
}

// isIntType reports whether t is one of the integer types.
func isIntType(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return true
	}
	return false
}

type fastAgg struct {
	star bool // count(*)
	arg  *expr.NumExpr
	// count(DISTINCT arg): the (group, value) pairs seen, so that each
	// value counts once per group.
	distinct *pairSet
}

// fastAcc is one aggregate's typed state in one group.
type fastAcc struct {
	n        int64 // rows counted (non-NULL arguments, or all for count(*))
	sum      int64
	min, max int64
}

func newAggFast(n *plan.Aggregate, env *expr.Env) *aggFast {
	f := &aggFast{}
	for _, k := range n.GroupBy {
		if ref, ok := k.(*plan.ColumnRef); ok {
			switch ref.Typ.OID {
			case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.DateOID,
				pgtype.TextOID, pgtype.VarcharOID, pgtype.BoolOID:
				f.keys = append(f.keys, fastKey{idx: ref.Index, typ: ref.Typ})
				continue
			}
		}
		// A numeric(p ≤ 18) column or an exact expression (extract(year
		// FROM o_orderdate)) groups by its coefficients at its static
		// scale: equal values have equal coefficients.
		num, ok := expr.CompileNum(k, env)
		if !ok || !(k.Type().OID == pgtype.NumericOID || isIntType(k.Type())) {
			return nil
		}
		f.keys = append(f.keys, fastKey{idx: -1, typ: k.Type(), num: num})
	}
	f.wide = len(f.keys) >= 2
	for _, k := range f.keys {
		switch k.typ.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.DateOID, pgtype.TextOID, pgtype.VarcharOID:
			// Text keys join when a batch's values are short enough to
			// pack into a word (keyWords).
			if k.num != nil {
				f.wide = false
			}
		default:
			f.wide = false
		}
	}
	f.keyWords = make([][]int64, len(f.keys))
	for _, c := range n.Aggs {
		if c.Filter != nil || (c.Distinct && c.Func != "count") {
			return nil
		}
		switch c.Func {
		case "count", "sum", "avg", "min", "max":
		default:
			return nil
		}
		if c.Func == "count" && len(c.Args) == 0 {
			f.aggs = append(f.aggs, fastAgg{star: true})
			continue
		}
		if len(c.Args) != 1 {
			return nil
		}
		arg, ok := expr.CompileNum(c.Args[0], env)
		if !ok {
			return nil
		}
		ag := fastAgg{arg: arg}
		if c.Distinct {
			// Coefficients at the argument's static scale: equal values
			// have equal coefficients.
			ag.distinct = &pairSet{}
		}
		f.aggs = append(f.aggs, ag)
	}
	return f
}

// consume adds b's rows (those in sel, when not nil); ok false: b needs
// the Datum path (nothing was added).
func (f *aggFast) consume(a *aggregateOp, b arrow.RecordBatch, sel []int32, groups map[string]*group, order *[]*group, keyBuf *[]byte) (bool, error) {
	if f.spilled {
		return false, nil
	}
	vecs := make([]*expr.NumVec, len(f.aggs))
	for i, ag := range f.aggs {
		if ag.star {
			continue
		}
		v, ok, err := ag.arg.Eval(b)
		if !ok || err != nil {
			return ok, err
		}
		vecs[i] = v
	}
	cols := make([]arrow.Array, len(f.keys))
	var nums []*expr.NumVec // per key: the computed keys' values
	for i, k := range f.keys {
		if k.num != nil {
			v, ok, err := k.num.Eval(b)
			if !ok || err != nil {
				return ok, err
			}
			if nums == nil {
				nums = make([]*expr.NumVec, len(f.keys))
			}
			nums[i] = v
			continue
		}
		cols[i] = b.Column(k.idx)
		if !fastKeyFits(cols[i], k.typ) {
			return false, nil
		}
	}
	n := int(b.NumRows())
	if sel != nil {
		n = len(sel)
	}
	var g *group
	if len(f.keys) == 0 && n > 0 {
		g = f.groupFor(a, groups, order, "", nil, nil, 0)
	}
	var ints []int64
	if len(f.keys) == 1 && nums == nil {
		if vals, ok := f.wordsOf(0, cols[0]); ok {
			ints = vals
			if f.intGroups == nil {
				f.intGroups = newIntTable()
			}
		}
	}
	var words [][]int64
	anyNull := false
	if f.wide {
		words = make([][]int64, len(cols))
		for i, col := range cols {
			vals, ok := f.wordsOf(i, col)
			if !ok {
				words = nil
				break
			}
			words[i] = vals
			anyNull = anyNull || col.NullN() > 0
		}
		if words != nil && f.wideGroups == nil {
			f.wideGroups = newWordsTable(len(cols))
			f.words = make([]int64, len(cols))
		}
	}
	if ints == nil && words == nil && len(f.keys) > 0 && !f.mapped {
		// Keys the word tables could hold go by key bytes in this batch
		// (a text value too long to pack): from now on every group must
		// be in the key-bytes map too, so that no key gets two groups.
		f.mapAll(groups)
	}
	nullable := len(cols) == 1 && nums == nil && cols[0].NullN() > 0
	var lastKey int64
	var lastAcc []fastAcc
	haveLast := false
	var accs []fastAcc // the row's group's totals: g.acc
	gi := int32(-1)    // the row's group in byInt when g is not looked up
	if g != nil {
		accs = g.acc
	}
	for i := 0; i < n; i++ {
		r := i
		if sel != nil {
			r = int(sel[i])
		}
		if words != nil && !(anyNull && rowHasNull(cols, r)) {
			for i, w := range words {
				f.words[i] = w[r]
			}
			if gi := f.wideGroups.first(f.words); gi >= 0 {
				g = f.byWide[gi]
			} else {
				g = f.typedGroup(a, groups, order, cols, r, keyBuf, f.words)
				f.wideGroups.insert(f.words, int32(len(f.byWide)))
				f.byWide = append(f.byWide, g)
			}
			accs = g.acc
		} else if ints != nil && !(nullable && cols[0].IsNull(r)) {
			// A key equal to the row before's (input sorted or clustered
			// by the key, as lineitem by l_orderkey) skips the lookup.
			// The totals come from intAcc, one load fewer than through
			// the group (byInt) per row; g is looked up when needed.
			if k := ints[r]; !haveLast || k != lastKey {
				if gi = f.intGroups.first(k); gi < 0 {
					ng := f.typedGroup(a, groups, order, cols, r, keyBuf, ints[r:r+1])
					gi = int32(len(f.byInt))
					f.intGroups.insert(k, gi)
					f.byInt = append(f.byInt, ng)
					f.intAcc = append(f.intAcc, ng.acc)
				}
				lastKey, lastAcc, haveLast = k, f.intAcc[gi], true
			}
			g, accs = nil, lastAcc
		} else if len(f.keys) > 0 {
			buf := (*keyBuf)[:0]
			for i, col := range cols {
				if nums != nil && nums[i] != nil {
					buf = f.appendNumKey(buf, i, nums[i], r)
					continue
				}
				buf = appendFastKey(buf, col, f.keys[i].typ, r)
			}
			*keyBuf = buf
			var ok bool
			if g, ok = groups[string(buf)]; !ok || g.acc == nil {
				g = f.groupFor(a, groups, order, string(buf), cols, nums, r)
			}
			accs = g.acc
		}
		for i := range f.aggs {
			acc := &accs[i]
			v := vecs[i]
			if v == nil {
				acc.n++
				continue
			}
			if v.Null != nil && v.Null[r] {
				continue
			}
			x := v.Coef[r]
			if ds := f.aggs[i].distinct; ds != nil {
				if g == nil {
					g = f.byInt[gi]
				}
				if ds.add(f.groupID(g), x) {
					acc.n++
				}
				continue
			}
			if acc.n == 0 {
				acc.min, acc.max = x, x
			} else if x < acc.min {
				acc.min = x
			} else if x > acc.max {
				acc.max = x
			}
			acc.n++
			s := acc.sum + x
			if (x >= 0) == (acc.sum >= 0) && (s >= 0) != (x >= 0) {
				// The running sum left int64: hand it to the exact state.
				if g == nil {
					g = f.byInt[gi]
				}
				if err := f.flushSum(a.statesOf(g), i, acc.sum, v.Scale); err != nil {
					return false, err
				}
				s = x
			}
			acc.sum = s
		}
	}
	return true, nil
}

// typedGroup is the group of a key the integer tables do not hold yet.
// Until the Datum path first runs, no group of such a key can exist, and
// the new group stays out of the key-bytes map (mapAll adds it when the
// map is needed): most aggregates never build key bytes per group.
func (f *aggFast) typedGroup(a *aggregateOp, groups map[string]*group, order *[]*group, cols []arrow.Array, r int, keyBuf *[]byte, words []int64) *group {
	if f.mapped {
		buf := (*keyBuf)[:0]
		for i, col := range cols {
			buf = appendFastKey(buf, col, f.keys[i].typ, r)
		}
		*keyBuf = buf
		return f.groupFor(a, groups, order, string(buf), cols, nil, r)
	}
	if len(f.slab) == 0 {
		f.slab = make([]group, 256)
		f.wordSlab = make([]int64, 256*len(cols))
		f.accSlab = make([]fastAcc, 256*len(f.aggs))
	}
	g := &f.slab[0]
	f.slab = f.slab[1:]
	// The key stays as its words: no Datum per key (emit reads them).
	g.words, f.wordSlab = f.wordSlab[:len(cols):len(cols)], f.wordSlab[len(cols):]
	copy(g.words, words)
	g.acc, f.accSlab = f.accSlab[:len(f.aggs):len(f.aggs)], f.accSlab[len(f.aggs):]
	*order = append(*order, g)
	f.unmapped = append(f.unmapped, g)
	return g
}

// typedFind is the group whose integer key words are words, from this
// worker's tables (nil: none).
func (f *aggFast) typedFind(words []int64) *group {
	if len(words) == 1 {
		if f.intGroups != nil {
			if gi := f.intGroups.first(words[0]); gi >= 0 {
				return f.byInt[gi]
			}
		}
		return nil
	}
	if f.wideGroups != nil {
		if gi := f.wideGroups.first(words); gi >= 0 {
			return f.byWide[gi]
		}
	}
	return nil
}

// typedAdd puts another worker's group g, of integer key words, into this
// worker's tables.
func (f *aggFast) typedAdd(g *group) {
	if len(g.words) == 1 {
		if f.intGroups == nil {
			f.intGroups = newIntTable()
		}
		f.intGroups.insert(g.words[0], int32(len(f.byInt)))
		f.byInt = append(f.byInt, g)
		f.intAcc = append(f.intAcc, g.acc)
		return
	}
	if f.wideGroups == nil {
		f.wideGroups = newWordsTable(len(g.words))
	}
	f.wideGroups.insert(g.words, int32(len(f.byWide)))
	f.byWide = append(f.byWide, g)
}

// mapAll puts the groups typedGroup kept out of the key-bytes map into
// it, and every later one: before the Datum path runs (it finds groups
// by key bytes) and before partial aggregates merge.
func (f *aggFast) mapAll(groups map[string]*group) {
	f.mapped = true
	var buf []byte
	for _, g := range f.unmapped {
		buf = buf[:0]
		for i, w := range g.words {
			// appendKey's encoding of the key's Datum: int64, date or
			// text.
			tag := byte(1)
			switch f.keys[i].typ.OID {
			case pgtype.DateOID:
				tag = 6
			case pgtype.TextOID, pgtype.VarcharOID:
				str := unpackText(w)
				buf = binary.LittleEndian.AppendUint32(append(buf, 3), uint32(len(str)))
				buf = append(buf, str...)
				continue
			}
			buf = binary.LittleEndian.AppendUint64(append(buf, tag), uint64(w))
		}
		g.key = string(buf)
		groups[g.key] = g
	}
	f.unmapped = nil
}

// groupFor creates the group of a new key (row r of cols, or of nums for
// the computed keys).
func (f *aggFast) groupFor(a *aggregateOp, groups map[string]*group, order *[]*group, key string, cols []arrow.Array, nums []*expr.NumVec, r int) *group {
	if g, ok := groups[key]; ok {
		if g.acc == nil {
			g.acc = make([]fastAcc, len(f.aggs))
		}
		return g
	}
	keys := make([]pgtype.Datum, len(cols))
	for i, col := range cols {
		if nums != nil && nums[i] != nil {
			keys[i] = f.numKeyDatum(i, nums[i], r)
			continue
		}
		keys[i] = pgtype.DatumAt(f.keys[i].typ, col, r)
	}
	g := a.newGroup(keys)
	g.key = key
	g.acc = make([]fastAcc, len(f.aggs))
	groups[key] = g
	*order = append(*order, g)
	return g
}

// value is a coefficient as the Datum the aggregate's argument would be.
func (f *aggFast) value(i int, x int64, scale int32) pgtype.Datum {
	if f.aggs[i].arg.Int {
		return x
	}
	return pgtype.NumericValue{Coef: big.NewInt(x), Scale: scale}
}

func (f *aggFast) flushSum(states []aggState, i int, sum int64, scale int32) error {
	switch st := states[i].(type) {
	case *sumState:
		return st.addValue(f.value(i, sum, scale))
	case *avgState:
		return st.sum.addValue(f.value(i, sum, scale))
	}
	return nil
}

// fold hands the typed totals of the groups that have Datum states (the
// Datum path or an overflowing sum made them) to those states; the groups
// the typed path alone filled keep their totals for emitAgg.
func (f *aggFast) fold(a *aggregateOp, groups []*group) error {
	for _, g := range groups {
		if g.acc == nil || g.states == nil {
			continue
		}
		for i := range f.aggs {
			if err := f.foldAcc(g.states[i], i, g.acc[i]); err != nil {
				return err
			}
		}
		g.acc = nil
	}
	return nil
}

// foldAcc adds aggregate i's typed totals acc to its Datum state st.
func (f *aggFast) foldAcc(st aggState, i int, acc fastAcc) error {
	if acc.n == 0 {
		return nil
	}
	var scale int32
	if f.aggs[i].arg != nil {
		scale = f.aggs[i].arg.Scale
	}
	if f.aggs[i].distinct != nil {
		// count(DISTINCT x): acc.n values, each counted once already.
		innerCount(st).n += acc.n
		return nil
	}
	switch st := st.(type) {
	case *countState:
		st.n += acc.n
	case *sumState:
		return st.addValue(f.value(i, acc.sum, scale))
	case *avgState:
		st.count += acc.n
		return st.sum.addValue(f.value(i, acc.sum, scale))
	case *minMaxState:
		x := acc.min
		if st.want > 0 {
			x = acc.max
		}
		return st.add([]pgtype.Datum{f.value(i, x, scale)})
	}
	return nil
}

// innerCount is the count state inside count(DISTINCT x)'s wrappers.
func innerCount(st aggState) *countState {
	for {
		switch s := st.(type) {
		case *orderedState:
			st = s.inner
		case *distinctState:
			st = s.inner
		case *countState:
			return s
		default:
			panic("count(DISTINCT) without a count state")
		}
	}
}

// groupID is g's id in the distinct aggregates' pair sets, given when
// first needed.
func (f *aggFast) groupID(g *group) int32 {
	if g.did == 0 {
		f.dgroups = append(f.dgroups, g)
		g.did = int32(len(f.dgroups))
	}
	return g.did
}

// spillDistinct hands the values count(DISTINCT x) has seen to the
// groups' Datum states before the first batch that the Datum path takes
// (its distinctState must know every value seen, or one would count
// twice); every later batch then goes the Datum path too.
func (f *aggFast) spillDistinct(a *aggregateOp) error {
	if f.spilled {
		return nil
	}
	for i, ag := range f.aggs {
		if ag.distinct == nil {
			continue
		}
		f.spilled = true
		err := ag.distinct.each(func(gid int32, v int64) error {
			g := f.dgroups[gid-1]
			g.acc[i].n--
			return a.statesOf(g)[i].add([]pgtype.Datum{f.value(i, v, ag.arg.Scale)})
		})
		if err != nil {
			return err
		}
		ag.distinct = nil
	}
	return nil
}

// distinctBytes is the memory of the distinct aggregates' pair sets.
func (f *aggFast) distinctBytes() int64 {
	var n int64
	for _, ag := range f.aggs {
		if ag.distinct != nil {
			n += ag.distinct.bytes()
		}
	}
	return n
}

// emitAgg builds aggregate i's column for groups, straight from the typed
// totals where only the typed path filled a group (the others give their
// Datum state's result): count, and sum, min, max whose result is an
// integer or a numeric with a fixed scale. ok false: the Datum results
// build the column.
func (f *aggFast) emitAgg(a *aggregateOp, i int, groups []*group) (arrow.Array, bool, error) {
	c := a.node.Aggs[i]
	switch c.Func {
	case "count", "sum", "min", "max":
	default:
		return nil, false, nil
	}
	var scale int32
	isInt := c.Func == "count"
	if arg := f.aggs[i].arg; arg != nil {
		scale, isInt = arg.Scale, arg.Int
	}
	bld := array.NewBuilder(a.env.Mem, c.Type.ArrowType())
	defer bld.Release()
	bld.Reserve(len(groups))
	// put appends one total; false: outside what this loop decides (the
	// Datum path then does, with PostgreSQL's errors).
	var put func(x int64) bool
	switch b := bld.(type) {
	case *array.Int64Builder:
		if !isInt {
			return nil, false, nil
		}
		put = func(x int64) bool { b.UnsafeAppend(x); return true }
	case *array.Int32Builder:
		if !isInt {
			return nil, false, nil
		}
		put = func(x int64) bool {
			if x != int64(int32(x)) {
				return false
			}
			b.UnsafeAppend(int32(x))
			return true
		}
	case *array.Decimal64Builder:
		dt := c.Type.ArrowType().(*arrow.Decimal64Type)
		mul, limit, ok := decimalShift(dt.Scale-scale, dt.Precision)
		if !ok {
			return nil, false, nil
		}
		put = func(x int64) bool {
			if x > math.MaxInt64/mul || x < -math.MaxInt64/mul || x*mul >= limit || x*mul <= -limit {
				return false
			}
			b.UnsafeAppend(decimal.Decimal64(x * mul))
			return true
		}
	case *array.Decimal128Builder:
		dt := c.Type.ArrowType().(*arrow.Decimal128Type)
		mul, limit, ok := decimalShift(dt.Scale-scale, min(dt.Precision, 18))
		if !ok {
			return nil, false, nil
		}
		wide := dt.Precision > 18
		put = func(x int64) bool {
			if x > math.MaxInt64/mul || x < -math.MaxInt64/mul || (!wide && (x*mul >= limit || x*mul <= -limit)) {
				return false
			}
			b.UnsafeAppend(decimal128.FromI64(x * mul))
			return true
		}
	default:
		return nil, false, nil
	}
	for _, g := range groups {
		var d pgtype.Datum
		if g.states != nil || g.acc == nil {
			v, err := a.statesOf(g)[i].result()
			if err != nil {
				return nil, false, err
			}
			d = v
		} else {
			acc := g.acc[i]
			x := acc.sum
			switch {
			case c.Func == "count":
				x = acc.n
			case acc.n == 0:
				bld.AppendNull()
				continue
			case c.Func == "min":
				x = acc.min
			case c.Func == "max":
				x = acc.max
			}
			if put(x) {
				continue
			}
			d = x
			if c.Func != "count" {
				d = f.value(i, x, scale)
			}
		}
		if err := pgtype.AppendDatum(bld, c.Type, d); err != nil {
			return nil, false, err
		}
	}
	return bld.NewArray(), true, nil
}

// decimalShift is the multiplier that takes a coefficient up by k decimal
// digits, and 10^precision, the bound a decimal of that precision stays
// under; false when the scale would have to shrink or the numbers leave
// int64.
func decimalShift(k, precision int32) (mul, limit int64, ok bool) {
	if k < 0 || k > 18 || precision < 1 || precision > 18 {
		return 0, 0, false
	}
	mul, limit = 1, 1
	for range k {
		mul *= 10
	}
	for range precision {
		limit *= 10
	}
	return mul, limit, true
}

// rowHasNull reports whether any of cols is NULL in row r.
func rowHasNull(cols []arrow.Array, r int) bool {
	for _, c := range cols {
		if c.IsNull(r) {
			return true
		}
	}
	return false
}

// merge adds src's typed totals (a group of another worker with the same
// key) to dst's.
func (f *aggFast) merge(a *aggregateOp, dst, src *group) error {
	if src.acc == nil {
		return nil
	}
	if dst.acc == nil {
		dst.acc = src.acc
		return nil
	}
	for i := range f.aggs {
		d, s := &dst.acc[i], src.acc[i]
		switch {
		case s.n == 0:
			continue
		case d.n == 0:
			*d = s
			continue
		}
		d.n += s.n
		d.min, d.max = min(d.min, s.min), max(d.max, s.max)
		sum := d.sum + s.sum
		if (s.sum >= 0) == (d.sum >= 0) && (sum >= 0) != (s.sum >= 0) {
			// Past int64: the exact state takes the running sum.
			var scale int32
			if f.aggs[i].arg != nil {
				scale = f.aggs[i].arg.Scale
			}
			if err := f.flushSum(a.statesOf(dst), i, d.sum, scale); err != nil {
				return err
			}
			sum = s.sum
		}
		d.sum = sum
	}
	return nil
}

// fastKeyFits reports whether col has the layout appendFastKey reads.
func fastKeyFits(col arrow.Array, t pgtype.Type) bool {
	switch t.OID {
	case pgtype.Int2OID:
		_, ok := col.(*array.Int16)
		return ok
	case pgtype.Int4OID:
		_, ok := col.(*array.Int32)
		return ok
	case pgtype.Int8OID:
		_, ok := col.(*array.Int64)
		return ok
	case pgtype.DateOID:
		_, ok := col.(*array.Date32)
		return ok
	case pgtype.BoolOID:
		_, ok := col.(*array.Boolean)
		return ok
	}
	_, ok := col.(*array.String)
	return ok
}

// appendFastKey appends row r's key bytes exactly as appendKey encodes the
// row's Datum.
func appendFastKey(buf []byte, col arrow.Array, t pgtype.Type, r int) []byte {
	if col.IsNull(r) {
		return append(buf, 0)
	}
	switch a := col.(type) {
	case *array.Int16:
		return binary.LittleEndian.AppendUint64(append(buf, 1), uint64(int64(a.Value(r))))
	case *array.Int32:
		return binary.LittleEndian.AppendUint64(append(buf, 1), uint64(int64(a.Value(r))))
	case *array.Int64:
		return binary.LittleEndian.AppendUint64(append(buf, 1), uint64(a.Value(r)))
	case *array.Date32:
		return binary.LittleEndian.AppendUint64(append(buf, 6), uint64(int64(a.Value(r))))
	case *array.Boolean:
		if a.Value(r) {
			return append(buf, 4, 1)
		}
		return append(buf, 4, 0)
	case *array.String:
		s := a.Value(r)
		buf = binary.LittleEndian.AppendUint32(append(buf, 3), uint32(len(s)))
		return append(buf, s...)
	}
	return append(buf, 255)
}

// numKeyDatum is row r of a computed key as the Datum the Datum path
// would have: NULL, an integer, or a numeric at the key's static scale.
func (f *aggFast) numKeyDatum(i int, v *expr.NumVec, r int) pgtype.Datum {
	if v.Null != nil && v.Null[r] {
		return nil
	}
	if f.keys[i].num.Int {
		return v.Coef[r]
	}
	return pgtype.NumericValue{Coef: big.NewInt(v.Coef[r]), Scale: v.Scale}
}

// appendNumKey appends row r of computed key i exactly as appendKey
// encodes its Datum (numKeyDatum), without making the Datum.
func (f *aggFast) appendNumKey(buf []byte, i int, v *expr.NumVec, r int) []byte {
	if v.Null != nil && v.Null[r] {
		return append(buf, 0)
	}
	c := v.Coef[r]
	if f.keys[i].num.Int {
		return binary.LittleEndian.AppendUint64(append(buf, 1), uint64(c))
	}
	return appendNumericKey(buf, c, v.Scale)
}

// appendNumericKey is appendKey of the numeric c·10^-scale: its value
// without trailing fractional zeros (normalizedNumeric's text).
func appendNumericKey(buf []byte, c int64, scale int32) []byte {
	for scale > 0 && c != 0 && c%10 == 0 {
		c /= 10
		scale--
	}
	if c == 0 {
		scale = 0
	}
	buf = append(buf, 5, byte(pgtype.NumericFinite))
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf = strconv.AppendInt(buf, c, 10)
	buf = append(buf, 'e', '-')
	buf = strconv.AppendInt(buf, int64(scale), 10)
	binary.LittleEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	return buf
}

// wordsOf is key column i of a batch as words for the integer tables:
// integers and dates as they are, text packed (packText) when every value
// of the batch is at most 7 bytes long; false when it cannot be.
func (f *aggFast) wordsOf(i int, col arrow.Array) ([]int64, bool) {
	str, ok := col.(*array.String)
	if !ok {
		vals, err := int64s(col)
		return vals, err == nil
	}
	offs := str.ValueOffsets()
	data := str.ValueBytes()
	base := offs[0]
	n := str.Len()
	if cap(f.keyWords[i]) < n {
		f.keyWords[i] = make([]int64, n)
	}
	out := f.keyWords[i][:n]
	for r := range n {
		lo, hi := offs[r]-base, offs[r+1]-base
		if hi-lo > 7 {
			return nil, false
		}
		out[r] = packText(data[lo:hi])
	}
	return out, true
}

// packText is a text of at most 7 bytes as one word: its length in the
// top byte and its bytes below, so different texts have different words.
func packText(b []byte) int64 {
	w := uint64(len(b)) << 56
	for j, c := range b {
		w |= uint64(c) << (8 * j)
	}
	return int64(w)
}

// unpackText is packText's text.
func unpackText(w int64) string {
	n := int(uint64(w) >> 56)
	b := make([]byte, n)
	for j := range n {
		b[j] = byte(uint64(w) >> (8 * j))
	}
	return string(b)
}
