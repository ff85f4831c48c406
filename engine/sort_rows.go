package engine

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// How a sort key's values are held: the types whose PostgreSQL order is
// their machine order are copied into typed slices, so that comparing two
// rows is a switch and a compare rather than interface calls on Datums;
// everything else (unconstrained numeric, intervals, arrays, ...) keeps
// Datums and expr.Compare.
const (
	keyInt    = iota // integers, bool, date, time, timestamps, oids, Decimal64
	keyFloat         // float4, float8: NaN above every number
	keyString        // text types, by bytes (the C collation)
	keyDec128        // Decimal128 of the column's one scale
	keyDatum
)

// sortKeyCol is one sort key's values for every row a sortRows holds.
type sortKeyCol struct {
	kind       int
	desc       bool
	nullsFirst bool
	ev         *expr.Evaluator
	ints       []int64
	floats     []float64
	strs       []string
	decs       []decimal128.Num
	datums     []pgtype.Datum
	nulls      []bool // nil while no row is NULL
	// held keeps the arrays strs views, while they are in use.
	held []arrow.Array
}

// keyKind picks how values of t are held.
func keyKind(t pgtype.Type) int {
	switch t.OID {
	case pgtype.BoolOID, pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.DateOID, pgtype.TimeOID,
		pgtype.TimestampOID, pgtype.TimestamptzOID, pgtype.OIDOID:
		return keyInt
	case pgtype.Float4OID, pgtype.Float8OID:
		return keyFloat
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return keyString
	case pgtype.NumericOID:
		switch t.ArrowType().(type) {
		case *arrow.Decimal64Type:
			return keyInt // one scale per column: raw values order as numbers
		case *arrow.Decimal128Type:
			return keyDec128
		}
	}
	return keyDatum
}

func (k *sortKeyCol) bytesPerRow() int64 {
	switch k.kind {
	case keyString, keyDec128:
		return 17
	case keyDatum:
		return 25
	}
	return 9
}

// compare orders rows a and b of this key as ORDER BY does: NULLs by
// NULLS FIRST/LAST, DESC reversing the values only.
func (k *sortKeyCol) compare(a, b int) int { return k.compareWith(a, k, b) }

// compareWith orders row a of k against row b of o, the same key of
// another worker's rows.
func (k *sortKeyCol) compareWith(a int, o *sortKeyCol, b int) int {
	na := k.nulls != nil && k.nulls[a]
	nb := o.nulls != nil && o.nulls[b]
	if na || nb {
		switch {
		case na && nb:
			return 0
		case na == k.nullsFirst:
			return -1
		}
		return 1
	}
	var c int
	switch k.kind {
	case keyInt:
		c = cmp.Compare(k.ints[a], o.ints[b])
	case keyFloat:
		c = compareFloat(k.floats[a], o.floats[b])
	case keyString:
		c = strings.Compare(k.strs[a], o.strs[b])
	case keyDec128:
		c = k.decs[a].Cmp(o.decs[b])
	default:
		c = expr.Compare(k.datums[a], o.datums[b])
	}
	if k.desc {
		return -c
	}
	return c
}

// compareFloat is float8's btree order: NaN equals NaN and sorts above
// every number, -0 equals 0.
func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	return cmp.Compare(b2i(math.IsNaN(a)), b2i(math.IsNaN(b)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// appendBatch evaluates the key over b and appends its values.
func (k *sortKeyCol) appendBatch(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	base := k.len()
	if k.kind == keyDatum {
		v, err := k.ev.Datums(b)
		if err != nil {
			return err
		}
		k.datums = append(k.datums, v...)
		for i, d := range v {
			if d == nil {
				k.setNull(base, base+i)
			}
		}
		return nil
	}
	arr, err := k.ev.Eval(b)
	if err != nil {
		return err
	}
	if _, ok := arr.(*array.String); ok && k.kind == keyString {
		k.held = append(k.held, arr) // strs views its bytes
	} else {
		defer arr.Release()
	}
	if arr.NullN() > 0 {
		for i := range n {
			if arr.IsNull(i) {
				k.setNull(base, base+i)
			}
		}
	}
	switch k.kind {
	case keyInt:
		if k.ints, err = appendInts(k.ints, arr, k.ev.Type()); err != nil {
			return err
		}
	case keyFloat:
		switch a := arr.(type) {
		case *array.Float64:
			k.floats = append(k.floats, a.Float64Values()...)
		case *array.Float32:
			for _, v := range a.Float32Values() {
				k.floats = append(k.floats, float64(v))
			}
		default:
			for i := range n {
				f, _ := pgtype.DatumAt(k.ev.Type(), arr, i).(float64)
				k.floats = append(k.floats, f)
			}
		}
	case keyString:
		if a, ok := arr.(*array.String); ok {
			for i := range n {
				// Value views the array's bytes; the sort holds its input
				// batches (and so these bytes) until it has gathered.
				k.strs = append(k.strs, a.Value(i))
			}
		} else {
			for i := range n {
				s, _ := pgtype.DatumAt(k.ev.Type(), arr, i).(string)
				k.strs = append(k.strs, strings.Clone(s))
			}
		}
	case keyDec128:
		a, ok := arr.(*array.Decimal128)
		if !ok {
			return pgerr.New(pgerr.InternalError, "sort key of type %s arrived as %s", k.ev.Type(), arr.DataType())
		}
		k.decs = append(k.decs, a.Values()...)
	}
	return nil
}

// appendInts appends arr's values as int64s; types other than the plain
// integer arrays go through their Datums.
func appendInts(dst []int64, arr arrow.Array, t pgtype.Type) ([]int64, error) {
	switch a := arr.(type) {
	case *array.Int64:
		return append(dst, a.Int64Values()...), nil
	case *array.Int32:
		for _, v := range a.Int32Values() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Int16:
		for _, v := range a.Int16Values() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Date32:
		for _, v := range a.Date32Values() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Timestamp:
		for _, v := range a.TimestampValues() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Time64:
		for _, v := range a.Time64Values() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Decimal64:
		for _, v := range a.Values() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Uint32:
		for _, v := range a.Uint32Values() {
			dst = append(dst, int64(v))
		}
		return dst, nil
	case *array.Boolean:
		for i := range a.Len() {
			dst = append(dst, int64(b2i(a.Value(i))))
		}
		return dst, nil
	}
	for i := range arr.Len() {
		d := pgtype.DatumAt(t, arr, i)
		v, ok := datumInt(d)
		if !ok && d != nil {
			return nil, pgerr.New(pgerr.InternalError, "sort key of type %s arrived as %s", t, arr.DataType())
		}
		dst = append(dst, v)
	}
	return dst, nil
}

// datumInt is the machine-ordered integer of a keyInt Datum (0 for NULL,
// whose slot the null flags decide).
func datumInt(d pgtype.Datum) (int64, bool) {
	switch v := d.(type) {
	case int64:
		return v, true
	case bool:
		return int64(b2i(v)), true
	case pgtype.DateValue:
		return int64(v), true
	case pgtype.TimestampValue:
		return int64(v), true
	case pgtype.TimeValue:
		return int64(v), true
	case uint32:
		return int64(v), true
	}
	return 0, false
}

func (k *sortKeyCol) len() int {
	switch k.kind {
	case keyInt:
		return len(k.ints)
	case keyFloat:
		return len(k.floats)
	case keyString:
		return len(k.strs)
	case keyDec128:
		return len(k.decs)
	}
	return len(k.datums)
}

// setNull marks row r NULL; base is how many rows came before the batch
// being appended (all of them not NULL when the flags did not exist yet).
func (k *sortKeyCol) setNull(base, r int) {
	if k.nulls == nil {
		k.nulls = make([]bool, base, max(base*2, 1024))
	}
	for len(k.nulls) <= r {
		k.nulls = append(k.nulls, false)
	}
	k.nulls[r] = true
}

// finishBatch pads the null flags to the rows appended.
func (k *sortKeyCol) finishBatch() {
	if k.nulls != nil {
		for n := k.len(); len(k.nulls) < n; {
			k.nulls = append(k.nulls, false)
		}
	}
}

func (k *sortKeyCol) truncate(n int) {
	switch k.kind {
	case keyInt:
		k.ints = k.ints[:n]
	case keyFloat:
		k.floats = k.floats[:n]
	case keyString:
		k.strs = k.strs[:n]
	case keyDec128:
		k.decs = k.decs[:n]
	default:
		clear(k.datums[n:])
		k.datums = k.datums[:n]
	}
	if k.nulls != nil {
		k.nulls = k.nulls[:min(n, len(k.nulls))]
	}
}

func (k *sortKeyCol) reset() {
	k.truncate(0)
	k.nulls = nil
	k.dropHeld(0)
}

// dropHeld releases the held arrays from the from'th on.
func (k *sortKeyCol) dropHeld(from int) {
	for _, a := range k.held[from:] {
		a.Release()
	}
	clear(k.held[from:])
	k.held = k.held[:from]
}

// sortRows collects a sort's input (or one worker's share of it) with its
// key values, and orders it. With a limit it is a top-N: it keeps the
// best limit rows seen so far and drops every later row that sorts after
// the last of them, so a LIMIT over a large input holds little.
//
// Rows are numbered in arrival order across the held batches; ties are
// broken by that number, so the order is the stable sort's. With seqs
// (parallel workers), each row also carries the number of the scan batch
// it came from, which orders ties between workers as one core's input
// order would.
type sortRows struct {
	env     *expr.Env
	keys    []sortKeyCol
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	n       int     // rows held
	seqs    []int64 // per row, the scan batch it came from (parallel only)
	// cands lists the rows that may still be in the result: all of them
	// without a limit.
	cands []int32
	limit int // -1: no limit
	// bound, with a limit once limit rows were kept, is the row every
	// later row must sort before to matter.
	bound    int
	reserved int64  // bytes held on the query's budget
	doing    string // the work a 53200 message names
}

func newSortRows(node *plan.Sort, env *expr.Env, limit int, parallel bool) (*sortRows, error) {
	s := &sortRows{env: env, limit: limit, bound: -1, doing: "sorting"}
	if parallel {
		s.seqs = []int64{}
	}
	for _, k := range node.Keys {
		ev, err := expr.Compile(k.Expr, env)
		if err != nil {
			return nil, err
		}
		s.keys = append(s.keys, sortKeyCol{kind: keyKind(ev.Type()), desc: k.Desc, nullsFirst: k.NullsFirst, ev: ev})
	}
	return s, nil
}

func (s *sortRows) rowBytes() int64 {
	n := int64(4)
	if s.seqs != nil {
		n += 8
	}
	for i := range s.keys {
		n += s.keys[i].bytesPerRow()
	}
	return n
}

// compare orders rows a and b by the keys alone.
func (s *sortRows) compare(a, b int) int {
	for i := range s.keys {
		if c := s.keys[i].compare(a, b); c != 0 {
			return c
		}
	}
	return 0
}

// order is compare with ties broken by arrival: a total order.
func (s *sortRows) order(a, b int32) int {
	if c := s.compare(int(a), int(b)); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// add takes batch b (its reference passes to s) that came from scan batch
// seq.
func (s *sortRows) add(ctx context.Context, b arrow.RecordBatch, seq int64) error {
	n := int(b.NumRows())
	if n == 0 {
		b.Release()
		return nil
	}
	if s.n+n > math.MaxInt32 {
		b.Release()
		return pgerr.New(pgerr.ProgramLimitExceeded, "cannot sort more than %d rows", math.MaxInt32)
	}
	s.schema = b.Schema()
	base := s.n
	held := make([]int, len(s.keys))
	drop := func() {
		s.truncate(base)
		for i := range s.keys {
			s.keys[i].dropHeld(held[i])
		}
		b.Release()
	}
	for i := range s.keys {
		held[i] = len(s.keys[i].held)
		if err := s.keys[i].appendBatch(b); err != nil {
			drop()
			return err
		}
		s.keys[i].finishBatch()
	}
	kept := n
	if s.bound >= 0 {
		// Only rows sorting before the bound can enter the top; on a tie
		// the later row loses.
		kept = 0
		for r := base; r < base+n; r++ {
			if s.compare(r, s.bound) < 0 {
				s.cands = append(s.cands, int32(r))
				kept++
			}
		}
		if kept == 0 {
			drop()
			return nil
		}
	} else {
		for r := base; r < base+n; r++ {
			s.cands = append(s.cands, int32(r))
		}
	}
	s.batches = append(s.batches, b)
	s.n += n
	if s.seqs != nil {
		for range n {
			s.seqs = append(s.seqs, seq)
		}
	}
	if err := s.reserve(int64(n) * s.rowBytes()); err != nil {
		return err
	}
	// A top-N keeps its best rows once the candidates are well past its
	// limit, or the held batches past a few times it (batches of which
	// few rows beat the bound).
	if s.limit >= 0 && (len(s.cands) >= 2*s.limit+1024 || s.n >= 4*(s.limit+1024)) {
		return s.compact(ctx)
	}
	return nil
}

// reserve charges (or, negative, returns) n bytes on the query's budget
// and checks it.
func (s *sortRows) reserve(n int64) error {
	s.reserved += n
	return checkMemory(s.env, n, s.doing)
}

func (s *sortRows) truncate(n int) {
	for i := range s.keys {
		s.keys[i].truncate(n)
	}
}

// sorted orders the candidates (keeping the first limit of them) and
// returns them.
func (s *sortRows) sorted() []int32 {
	if s.limit >= 0 && s.limit < len(s.cands) {
		// A partial order would do; sorting the few candidates a top-N
		// keeps is cheap next to reading its input.
		slices.SortFunc(s.cands, s.order)
		s.cands = s.cands[:s.limit]
		return s.cands
	}
	slices.SortFunc(s.cands, s.order)
	return s.cands
}

// compact keeps the best limit rows in one batch and makes the last of
// them the bound later rows must beat.
func (s *sortRows) compact(ctx context.Context) error {
	idx := s.sorted()
	b, err := s.gather(ctx, idx)
	if err != nil {
		return err
	}
	var seqs []int64
	if s.seqs != nil {
		seqs = make([]int64, len(idx))
		for i, r := range idx {
			seqs[i] = s.seqs[r]
		}
	}
	s.release()
	for i := range s.keys {
		s.keys[i].reset()
	}
	s.cands, s.bound = s.cands[:0], -1
	if s.seqs != nil {
		s.seqs = s.seqs[:0]
	}
	if err := s.add(ctx, b, 0); err != nil {
		return err
	}
	if s.seqs != nil {
		copy(s.seqs, seqs)
	}
	if len(idx) == s.limit && s.limit > 0 {
		s.bound = s.limit - 1
	}
	return nil
}

// gather returns the held rows idx, in that order, as one batch.
func (s *sortRows) gather(ctx context.Context, idx []int32) (arrow.RecordBatch, error) {
	return gatherRows(ctx, s.env, s.schema, [][]arrow.RecordBatch{s.batches}, idx)
}

// gatherRows concatenates the batches of every part (in order) and takes
// rows idx of that concatenation.
func gatherRows(ctx context.Context, env *expr.Env, schema *arrow.Schema, parts [][]arrow.RecordBatch, idx []int32) (arrow.RecordBatch, error) {
	var all []arrow.RecordBatch
	for _, p := range parts {
		all = append(all, p...)
	}
	cols := make([]arrow.Array, schema.NumFields())
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for c := range cols {
		if err := ctx.Err(); err != nil {
			release()
			return nil, err
		}
		pieces := make([]arrow.Array, len(all))
		for i, b := range all {
			pieces[i] = b.Column(c)
		}
		var whole arrow.Array
		if len(pieces) == 1 {
			whole = pieces[0]
			whole.Retain()
		} else {
			var err error
			if whole, err = array.Concatenate(pieces, env.Mem); err != nil {
				release()
				return nil, err
			}
		}
		taken, err := parquet.Take(env.Mem, whole, idx)
		whole.Release()
		if err != nil {
			release()
			return nil, err
		}
		cols[c] = taken
	}
	out := array.NewRecordBatch(schema, cols, int64(len(idx)))
	release()
	return out, nil
}

// release drops the held batches and returns their reservation.
func (s *sortRows) release() {
	for _, b := range s.batches {
		b.Release()
	}
	for i := range s.keys {
		s.keys[i].dropHeld(0)
	}
	s.batches = nil
	s.n = 0
	if s.reserved != 0 {
		checkMemory(s.env, -s.reserved, s.doing)
		s.reserved = 0
	}
}
