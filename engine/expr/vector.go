package expr

import (
	"math"
	"math/big"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Predicate is a filter condition compiled to typed loops over the Arrow
// arrays' value slices and validity bitmaps, for the shapes that dominate
// scans (comparisons of columns with constants or columns, AND/OR/NOT, IS
// NULL). It boxes no value per row. Shapes it does not cover are not
// compiled (CompilePredicate reports false) and stay on the Datum path; a
// batch whose constants or values fall outside what the typed loops decide
// exactly (a NaN numeric constant, a date beyond timestamp's range) reports
// false from Eval so that the caller evaluates that batch the Datum way.
type Predicate struct {
	root vnode
}

// Mask holds a predicate's value for each row of a batch in three-valued
// logic: True[i] and Null[i] are never both set.
type Mask struct {
	True []bool
	Null []bool
}

// vnode computes a boolean for every row into m (sized to the batch); ok
// false means this batch needs the Datum path.
type vnode interface {
	eval(b arrow.RecordBatch, m *Mask) (ok bool, err error)
}

// CompilePredicate compiles e as a vector predicate, or reports false when
// e has a shape the vector path does not cover.
func CompilePredicate(e plan.Expr, env *Env) (*Predicate, bool) {
	vc := &vcompiler{env: env}
	n := vc.pred(e)
	if n == nil {
		return nil, false
	}
	return &Predicate{root: n}, true
}

// Eval computes the predicate over b into m, reusing m's slices. ok false:
// evaluate this batch on the Datum path instead.
func (p *Predicate) Eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	m.resize(int(b.NumRows()))
	return p.root.eval(b, m)
}

func (m *Mask) resize(n int) {
	if cap(m.True) < n {
		m.True = make([]bool, n)
		m.Null = make([]bool, n)
	}
	m.True = m.True[:n]
	m.Null = m.Null[:n]
}

type vcompiler struct{ env *Env }

func (vc *vcompiler) pred(e plan.Expr) vnode {
	switch x := e.(type) {
	case *plan.BoolOp:
		if in := textIn(x); in != nil {
			return in
		}
		kids := make([]vnode, len(x.Args))
		for i, a := range x.Args {
			if kids[i] = vc.pred(a); kids[i] == nil {
				return nil
			}
		}
		switch x.Op {
		case "AND", "OR":
			return &vBool{and: x.Op == "AND", kids: kids}
		case "NOT":
			if len(kids) == 1 {
				return &vNot{kid: kids[0]}
			}
		}
	case *plan.NullTest:
		if ref, ok := x.Arg.(*plan.ColumnRef); ok {
			return &vNullTest{col: ref.Index, not: x.Not}
		}
	case *plan.ColumnRef:
		if x.Typ.OID == pgtype.BoolOID {
			return &vBoolCol{col: x.Index}
		}
	case *plan.Call:
		if len(x.Args) == 2 {
			if op, ok := vcmpOps[x.Func]; ok {
				return vc.compare(op, x.Args[0], x.Args[1])
			}
			if likeKinds[x.Func] {
				return vc.like(x)
			}
		}
	}
	return nil
}

// Comparison operators as the sign tests they make.
type cmpOp int8

const (
	opEQ cmpOp = iota
	opNE
	opLT
	opLE
	opGT
	opGE
)

var vcmpOps = map[string]cmpOp{"eq": opEQ, "ne": opNE, "lt": opLT, "le": opLE, "gt": opGT, "ge": opGE}

// flip is the operator with its operands swapped (c < x is x > c).
func (o cmpOp) flip() cmpOp {
	switch o {
	case opLT:
		return opGT
	case opLE:
		return opGE
	case opGT:
		return opLT
	case opGE:
		return opLE
	}
	return o
}

func (o cmpOp) test(c int) bool {
	switch o {
	case opEQ:
		return c == 0
	case opNE:
		return c != 0
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opGT:
		return c > 0
	}
	return c >= 0
}

// Operand kinds the typed comparison loops cover.
type vkind int8

const (
	kInt vkind = iota + 1
	kFloat
	kDate
	kDateAsTimestamp // a date column cast to timestamp (without time zone)
	kTimestamp
	kDecimal   // numeric(p,s) as Decimal128
	kDecimal64 // numeric(p ≤ 18, s) as Decimal64
	kString
)

// vcol is a column operand: which column, read how, and at which decimal
// scale.
type vcol struct {
	idx   int
	kind  vkind
	scale int32
}

// column recognises a column operand, looking through casts that keep
// every value (integer widening, numeric(p,s) to numeric, date to
// timestamp).
func column(e plan.Expr) (vcol, bool) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		switch x.Typ.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			return vcol{idx: x.Index, kind: kInt}, true
		case pgtype.OIDOID, pgtype.RegclassOID, pgtype.RegtypeOID, pgtype.RegprocOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
			// Unsigned 32-bit values (Arrow Uint32) held as int64 Datums:
			// the catalog's keys (pg_attribute.attrelid = 'orders'::regclass).
			return vcol{idx: x.Index, kind: kInt}, true
		case pgtype.Float8OID:
			return vcol{idx: x.Index, kind: kFloat}, true
		case pgtype.DateOID:
			return vcol{idx: x.Index, kind: kDate}, true
		case pgtype.TimestampOID, pgtype.TimestamptzOID:
			return vcol{idx: x.Index, kind: kTimestamp}, true
		case pgtype.TextOID, pgtype.VarcharOID:
			return vcol{idx: x.Index, kind: kString}, true
		case pgtype.NumericOID:
			switch d := x.Typ.ArrowType().(type) {
			case *arrow.Decimal128Type:
				return vcol{idx: x.Index, kind: kDecimal, scale: d.Scale}, true
			case *arrow.Decimal64Type:
				return vcol{idx: x.Index, kind: kDecimal64, scale: d.Scale}, true
			}
		}
	case *plan.Cast:
		inner, ok := column(x.Arg)
		if !ok {
			return vcol{}, false
		}
		from, to := x.Arg.Type().OID, x.Typ.OID
		switch {
		case inner.kind == kInt && oidLike(from) != oidLike(to) && to != pgtype.Int8OID:
			// oid::int4 wraps values past 2^31 and int::oid takes negative
			// values modulo 2^32: the Datum path's casts.
		case inner.kind == kInt && (to == pgtype.Int8OID ||
			to == pgtype.Int4OID && from != pgtype.Int8OID || to == from || oidLike(from) && oidLike(to)):
			return inner, true
		case (inner.kind == kDecimal || inner.kind == kDecimal64) && to == pgtype.NumericOID && x.Typ.Typmod < 0:
			return inner, true
		case inner.kind == kDate && to == pgtype.TimestampOID:
			inner.kind = kDateAsTimestamp
			return inner, true
		case inner.kind == kString && (to == pgtype.TextOID || to == pgtype.VarcharOID && x.Typ.Typmod < 0):
			return inner, true
		}
	}
	return vcol{}, false
}

// oidLike: oid and the reg* types, one unsigned 32-bit value each; a cast
// among them keeps the value.
func oidLike(t pgtype.OID) bool {
	switch t {
	case pgtype.OIDOID, pgtype.RegclassOID, pgtype.RegtypeOID, pgtype.RegprocOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
		return true
	}
	return false
}

// constant reports whether e reads no column and calls only arithmetic and
// casts, so that evaluating it once gives its value for every row.
func constant(e plan.Expr) bool {
	ok := true
	plan.Walk(e, func(n plan.Expr) bool {
		switch x := n.(type) {
		case *plan.Const, *plan.Param, *plan.Cast:
		case *plan.Call:
			switch x.Func {
			case "add", "sub", "mul", "neg":
			default:
				ok = false
			}
		default:
			ok = false
		}
		return ok
	})
	return ok
}

func (vc *vcompiler) compare(op cmpOp, l, r plan.Expr) vnode {
	lc, lok := column(l)
	rc, rok := column(r)
	switch {
	case lok && rok:
		if lc.kind != rc.kind || lc.scale != rc.scale || lc.kind == kDateAsTimestamp {
			return nil
		}
		return &vCmpCols{op: op, l: lc, r: rc}
	case lok && constant(r):
		return vc.cmpConst(op, lc, r)
	case rok && constant(l):
		return vc.cmpConst(op.flip(), rc, l)
	}
	return nil
}

func (vc *vcompiler) cmpConst(op cmpOp, col vcol, e plan.Expr) vnode {
	ev, err := Compile(e, vc.env)
	if err != nil {
		return nil
	}
	return &vCmpConst{op: op, col: col, ev: ev}
}

// vCmpConst compares a column with a constant, which it evaluates on the
// first batch (so that its errors surface as the Datum path's would).
type vCmpConst struct {
	op  cmpOp
	col vcol
	ev  *Evaluator

	done   bool
	null   bool // the constant is NULL: every row is NULL
	exact  bool // false: the Datum path decides (NaN, out-of-range constants)
	i      int64
	f      float64
	s      string
	d      decimal128.Num
	allRes int8 // for a date compared with a timestamp that is no midnight: -1 none, 0 use op, 1 all
}

func (v *vCmpConst) prepare() error {
	v.done = true
	d, err := Const(v.ev.expr, v.ev.env)
	if err != nil {
		return err
	}
	if d == nil {
		v.null, v.exact = true, true
		return nil
	}
	switch v.col.kind {
	case kInt:
		x, ok := d.(int64)
		v.i, v.exact = x, ok
	case kFloat:
		x, ok := d.(float64)
		v.f, v.exact = x, ok
	case kDate:
		x, ok := d.(pgtype.DateValue)
		v.i, v.exact = int64(x), ok
	case kTimestamp:
		x, ok := d.(pgtype.TimestampValue)
		v.i, v.exact = int64(x), ok
	case kString:
		x, ok := d.(string)
		v.s, v.exact = x, ok
	case kDateAsTimestamp:
		x, ok := d.(pgtype.TimestampValue)
		if !ok || x == pgtype.TimestampPosInfinity || x == pgtype.TimestampNegInfinity {
			return nil
		}
		// days·D op T, read in days: < ceil(T/D), <= floor(T/D), and so on.
		const day = 86400_000_000
		t := int64(x)
		fl := t / day
		if t%day != 0 && t < 0 {
			fl--
		}
		exactDay := t == fl*day
		ce := fl
		if !exactDay {
			ce++
		}
		v.exact = true
		switch v.op {
		case opLT, opGE:
			v.i = ce
		case opLE, opGT:
			v.i = fl
		case opEQ, opNE:
			v.i = fl
			if !exactDay {
				// No day equals T: = is false and <> true for every value.
				v.allRes = 1
			}
		}
	case kDecimal, kDecimal64:
		x, ok := d.(pgtype.NumericValue)
		if !ok || x.Special != pgtype.NumericFinite {
			return nil
		}
		coef := new(big.Int).Set(x.Coef)
		if x.Scale <= v.col.scale {
			coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(v.col.scale-x.Scale)), nil))
		} else {
			p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(x.Scale-v.col.scale)), nil)
			q, m := new(big.Int).QuoRem(coef, p, new(big.Int))
			if m.Sign() != 0 {
				return nil // not representable at the column's scale
			}
			coef = q
		}
		if v.col.kind == kDecimal64 {
			// A constant beyond int64 is beyond every value too, but the
			// Datum path says so exactly.
			if !coef.IsInt64() {
				return nil
			}
			v.i, v.exact = coef.Int64(), true
			return nil
		}
		if coef.BitLen() > 126 {
			return nil
		}
		v.d, v.exact = decimal128.FromBigInt(coef), true
	}
	return nil
}

func (v *vCmpConst) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	if !v.done {
		if b.NumRows() == 0 {
			return true, nil
		}
		if err := v.prepare(); err != nil {
			return false, err
		}
	}
	if !v.exact {
		return false, nil
	}
	n := len(m.True)
	if v.null {
		for i := range n {
			m.True[i], m.Null[i] = false, true
		}
		return true, nil
	}
	col := b.Column(v.col.idx)
	if !fits(col, v.col) {
		return false, nil
	}
	op := v.op
	switch v.col.kind {
	case kInt:
		if !cmpIntConst(col, op, v.i, m) {
			return false, nil
		}
	case kFloat:
		vals := col.(*array.Float64).Float64Values()
		c := v.f
		for i := range n {
			m.True[i] = op.test(cmpFloat(vals[i], c))
		}
	case kDate, kDateAsTimestamp:
		vals := col.(*array.Date32).Date32Values()
		if v.col.kind == kDateAsTimestamp {
			// The Datum path's days·86400e6 wraps beyond ±106751991 days;
			// leave such batches to it.
			const lim = math.MaxInt64 / 86400_000_000
			for _, d := range vals {
				if (d > lim || d < -lim) && d != math.MaxInt32 && d != math.MinInt32 {
					return false, nil
				}
			}
		}
		if v.allRes == 1 {
			all := op == opNE
			for i := range n {
				m.True[i] = all
			}
		} else {
			cmpConst(vals, op, v.i, m.True)
		}
	case kTimestamp:
		cmpConst(col.(*array.Timestamp).TimestampValues(), op, v.i, m.True)
	case kDecimal:
		vals := col.(*array.Decimal128).Values()
		c := v.d
		for i := range n {
			m.True[i] = op.test(vals[i].Cmp(c))
		}
	case kDecimal64:
		cmpConst(col.(*array.Decimal64).Values(), op, v.i, m.True)
	case kString:
		s := col.(*array.String)
		c := v.s
		if op == opEQ || op == opNE {
			want := op == opEQ
			for i := range n {
				m.True[i] = (s.Value(i) == c) == want
			}
		} else {
			for i := range n {
				m.True[i] = op.test(strings.Compare(s.Value(i), c))
			}
		}
	}
	applyNulls(col, m)
	return true, nil
}

// cmpIntConst compares an integer column of any width with c.
func cmpIntConst(col arrow.Array, op cmpOp, c int64, m *Mask) bool {
	switch a := col.(type) {
	case *array.Int64:
		cmpConst(a.Int64Values(), op, c, m.True)
	case *array.Int32:
		cmpConst(a.Int32Values(), op, c, m.True)
	case *array.Int16:
		cmpConst(a.Int16Values(), op, c, m.True)
	case *array.Uint32:
		cmpConst(a.Uint32Values(), op, c, m.True)
	default:
		return false
	}
	return true
}

// applyNulls marks the rows where col is NULL as NULL (and not true).
func applyNulls(col arrow.Array, m *Mask) {
	if col.NullN() == 0 {
		clear(m.Null)
		return
	}
	bits, off := col.NullBitmapBytes(), col.Data().Offset()
	t, nl := boolBytes(m.True), boolBytes(m.Null)
	for i := range t {
		// The validity bit as 0 or 1: NULL is its complement.
		j := off + i
		valid := bits[j>>3] >> (j & 7) & 1
		nl[i] = valid ^ 1
		t[i] &= valid
	}
}

// vCmpCols compares two columns of one kind.
type vCmpCols struct {
	op   cmpOp
	l, r vcol
}

func (v *vCmpCols) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	lc, rc := b.Column(v.l.idx), b.Column(v.r.idx)
	if !fits(lc, v.l) || !fits(rc, v.r) {
		return false, nil
	}
	op := v.op
	n := len(m.True)
	switch v.l.kind {
	case kInt:
		lv, lok := intValues(lc)
		rv, rok := intValues(rc)
		if !lok || !rok {
			return false, nil
		}
		for i := range n {
			m.True[i] = op.test(cmp3(lv(i), rv(i)))
		}
	case kFloat:
		lv, rv := lc.(*array.Float64).Float64Values(), rc.(*array.Float64).Float64Values()
		for i := range n {
			m.True[i] = op.test(cmpFloat(lv[i], rv[i]))
		}
	case kDate:
		cmpCols(lc.(*array.Date32).Date32Values(), rc.(*array.Date32).Date32Values(), op, m.True[:n])
	case kTimestamp:
		cmpCols(lc.(*array.Timestamp).TimestampValues(), rc.(*array.Timestamp).TimestampValues(), op, m.True[:n])
	case kDecimal:
		lv, rv := lc.(*array.Decimal128).Values(), rc.(*array.Decimal128).Values()
		for i := range n {
			m.True[i] = op.test(lv[i].Cmp(rv[i]))
		}
	case kDecimal64:
		cmpCols(lc.(*array.Decimal64).Values(), rc.(*array.Decimal64).Values(), op, m.True[:n])
	case kString:
		ls, rs := lc.(*array.String), rc.(*array.String)
		for i := range n {
			m.True[i] = op.test(strings.Compare(ls.Value(i), rs.Value(i)))
		}
	default:
		return false, nil
	}
	clear(m.Null)
	for _, col := range []arrow.Array{lc, rc} {
		if col.NullN() == 0 {
			continue
		}
		for i := range n {
			if col.IsNull(i) {
				m.Null[i], m.True[i] = true, false
			}
		}
	}
	return true, nil
}

// cmpCols compares two columns of one integer-like type row by row, one
// loop per operator so that each compiles to a plain compare without
// branches (TPC-H Q12's l_commitdate < l_receiptdate).
func cmpCols[T ~int32 | ~int64](l, r []T, op cmpOp, out []bool) {
	l, r = l[:len(out)], r[:len(out)]
	switch op {
	case opEQ:
		for i := range out {
			out[i] = l[i] == r[i]
		}
	case opNE:
		for i := range out {
			out[i] = l[i] != r[i]
		}
	case opLT:
		for i := range out {
			out[i] = l[i] < r[i]
		}
	case opLE:
		for i := range out {
			out[i] = l[i] <= r[i]
		}
	case opGT:
		for i := range out {
			out[i] = l[i] > r[i]
		}
	default:
		for i := range out {
			out[i] = l[i] >= r[i]
		}
	}
}

// intValues reads an integer column of any width as int64 by row.
func intValues(col arrow.Array) (func(int) int64, bool) {
	switch a := col.(type) {
	case *array.Int64:
		v := a.Int64Values()
		return func(i int) int64 { return v[i] }, true
	case *array.Int32:
		v := a.Int32Values()
		return func(i int) int64 { return int64(v[i]) }, true
	case *array.Int16:
		v := a.Int16Values()
		return func(i int) int64 { return int64(v[i]) }, true
	case *array.Uint32:
		v := a.Uint32Values()
		return func(i int) int64 { return int64(v[i]) }, true
	}
	return nil, false
}

// vBool is AND or OR over its arguments in three-valued logic.
type vBool struct {
	and  bool
	kids []vnode
	tmp  Mask
}

func (v *vBool) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	if ok, err := v.kids[0].eval(b, m); !ok || err != nil {
		return ok, err
	}
	v.tmp.resize(len(m.True))
	for _, k := range v.kids[1:] {
		if ok, err := k.eval(b, &v.tmp); !ok || err != nil {
			return ok, err
		}
		combine(v.and, m, &v.tmp)
	}
	return true, nil
}

// vNot negates its argument; NULL stays NULL.
type vNot struct{ kid vnode }

func (v *vNot) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	if ok, err := v.kid.eval(b, m); !ok || err != nil {
		return ok, err
	}
	for i := range m.True {
		m.True[i] = !m.True[i] && !m.Null[i]
	}
	return true, nil
}

// vNullTest is col IS [NOT] NULL.
type vNullTest struct {
	col int
	not bool
}

func (v *vNullTest) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	col := b.Column(v.col)
	clear(m.Null)
	for i := range m.True {
		m.True[i] = col.IsNull(i) != v.not
	}
	return true, nil
}

// vBoolCol reads a boolean column as the predicate.
type vBoolCol struct{ col int }

func (v *vBoolCol) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	a, ok := b.Column(v.col).(*array.Boolean)
	if !ok {
		return false, nil
	}
	for i := range m.True {
		m.True[i] = a.Value(i)
	}
	applyNulls(a, m)
	return true, nil
}

// fits reports whether col holds the Arrow type the typed loop for c reads
// (a scan could hand over another layout, say a dictionary; the Datum path
// reads any).
func fits(col arrow.Array, c vcol) bool {
	switch c.kind {
	case kInt:
		switch col.(type) {
		case *array.Int64, *array.Int32, *array.Int16, *array.Uint32:
			return true
		}
	case kFloat:
		_, ok := col.(*array.Float64)
		return ok
	case kDate, kDateAsTimestamp:
		_, ok := col.(*array.Date32)
		return ok
	case kTimestamp:
		_, ok := col.(*array.Timestamp)
		return ok
	case kDecimal:
		a, ok := col.(*array.Decimal128)
		return ok && a.DataType().(*arrow.Decimal128Type).Scale == c.scale
	case kDecimal64:
		a, ok := col.(*array.Decimal64)
		return ok && a.DataType().(*arrow.Decimal64Type).Scale == c.scale
	case kString:
		_, ok := col.(*array.String)
		return ok
	}
	return false
}

// Predicate compiles the evaluator's expression as a vector predicate, or
// reports false when its shape is not covered.
func (ev *Evaluator) Predicate() (*Predicate, bool) {
	return CompilePredicate(ev.expr, ev.env)
}

// cmpConst compares integer-like values (integers, dates, timestamps,
// Decimal64 coefficients at the constant's scale) with c, one loop per
// operator so that each compiles to a plain compare without branches.
func cmpConst[T ~int16 | ~int32 | ~int64 | ~uint32](vals []T, op cmpOp, c int64, out []bool) {
	out = out[:len(vals)]
	switch op {
	case opEQ:
		for i, v := range vals {
			out[i] = int64(v) == c
		}
	case opNE:
		for i, v := range vals {
			out[i] = int64(v) != c
		}
	case opLT:
		for i, v := range vals {
			out[i] = int64(v) < c
		}
	case opLE:
		for i, v := range vals {
			out[i] = int64(v) <= c
		}
	case opGT:
		for i, v := range vals {
			out[i] = int64(v) > c
		}
	default:
		for i, v := range vals {
			out[i] = int64(v) >= c
		}
	}
}

// textIn recognises col = 'a' OR col = 'b' OR ... over one text column and
// non-NULL text literals (what the planner makes of col IN ('a', 'b')), so
// that each row is compared with the list in one pass rather than one pass
// and one OR per literal.
func textIn(x *plan.BoolOp) vnode {
	if x.Op != "OR" || len(x.Args) < 2 {
		return nil
	}
	in := &vTextIn{col: -1}
	for _, a := range x.Args {
		c, ok := a.(*plan.Call)
		if !ok || c.Func != "eq" || len(c.Args) != 2 {
			return nil
		}
		l, r := c.Args[0], c.Args[1]
		idx, prefix, ok := textOperand(l)
		if !ok {
			l, r = r, l
			if idx, prefix, ok = textOperand(l); !ok {
				return nil
			}
		}
		lit, ok := r.(*plan.Const)
		if !ok || in.col >= 0 && (in.col != idx || in.prefix != prefix) {
			return nil
		}
		v, ok := lit.Value.(string)
		if !ok || !(lit.Typ.OID == pgtype.TextOID || lit.Typ.OID == pgtype.VarcharOID && lit.Typ.Typmod < 0) {
			return nil
		}
		in.col, in.prefix = idx, prefix
		in.vals = append(in.vals, v)
	}
	return in
}

// textOperand recognises a text column, or substring(col FROM 1 FOR k)
// with a constant k ≥ 0 (TPC-H Q22's country code test), whose first k
// characters are compared (prefix k; -1 is the whole value).
func textOperand(e plan.Expr) (idx, prefix int, ok bool) {
	if c, isCall := e.(*plan.Call); isCall && (c.Func == "substring" || c.Func == "substr") && len(c.Args) == 3 {
		col, ok := column(c.Args[0])
		start, sok := intConst(c.Args[1])
		n, nok := intConst(c.Args[2])
		if !ok || col.kind != kString || !sok || !nok || start != 1 || n < 0 || n > 1<<20 {
			return 0, 0, false
		}
		return col.idx, int(n), true
	}
	col, ok := column(e)
	if !ok || col.kind != kString {
		return 0, 0, false
	}
	return col.idx, -1, true
}

// intConst is an int2/int4/int8 literal's value.
func intConst(e plan.Expr) (int64, bool) {
	c, ok := e.(*plan.Const)
	if !ok {
		return 0, false
	}
	v, ok := c.Value.(int64)
	return v, ok
}

// vTextIn is a text column (or the first prefix characters of it)
// compared with a list of literals.
type vTextIn struct {
	col    int
	prefix int
	vals   []string
}

// firstChars is the first n characters of x, as substring() counts them
// (an invalid byte is one character).
func firstChars(x []byte, n int) []byte {
	i := 0
	for ; n > 0 && i < len(x); n-- {
		if x[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRune(x[i:])
		i += size
	}
	return x[:i]
}

func (v *vTextIn) eval(b arrow.RecordBatch, m *Mask) (bool, error) {
	s, ok := b.Column(v.col).(*array.String)
	if !ok {
		return false, nil
	}
	// ValueBytes starts at the first value of a slice; offsets do not.
	off, data := s.ValueOffsets(), s.ValueBytes()
	base := off[0]
	for i := range m.True {
		x := data[off[i]-base : off[i+1]-base]
		if v.prefix >= 0 {
			x = firstChars(x, v.prefix)
		}
		hit := false
		for _, c := range v.vals {
			if len(x) == len(c) && string(x) == c {
				hit = true
				break
			}
		}
		m.True[i] = hit
	}
	applyNulls(s, m)
	return true, nil
}

// combine folds o into m with AND or OR in three-valued logic, on the
// flags as bytes (a Go bool is one byte, 0 or 1) so that the loop has no
// branches to mispredict: AND is true when both are, NULL when neither is
// false and one is NULL; OR is true when either is, NULL when neither is
// true and one is NULL.
func combine(and bool, m, o *Mask) {
	n := len(m.True)
	if n == 0 {
		return
	}
	t1, n1 := boolBytes(m.True), boolBytes(m.Null)
	t2, n2 := boolBytes(o.True)[:n], boolBytes(o.Null)[:n]
	// Eight rows a word: every byte is 0 or 1, so the bytewise formulas
	// below hold in each byte of a word at once (no carries cross bytes).
	w := n / 8
	wt1, wn1 := boolWords(t1[:w*8]), boolWords(n1[:w*8])
	wt2, wn2 := boolWords(t2[:w*8]), boolWords(n2[:w*8])
	const ones = 0x0101010101010101
	if and {
		for i := range wt1 {
			a, b, c, d := wt1[i], wn1[i], wt2[i], wn2[i]
			false1, false2 := (a|b)^ones, (c|d)^ones
			wt1[i] = a & c
			wn1[i] = (b | d) &^ (false1 | false2)
		}
		for i := w * 8; i < n; i++ {
			a, b, c, d := t1[i], n1[i], t2[i], n2[i]
			false1, false2 := (a|b)^1, (c|d)^1
			t1[i] = a & c
			n1[i] = (b | d) &^ (false1 | false2)
		}
		return
	}
	for i := range wt1 {
		a, b, c, d := wt1[i], wn1[i], wt2[i], wn2[i]
		t := a | c
		wt1[i] = t
		wn1[i] = (b | d) & (t ^ ones)
	}
	for i := w * 8; i < n; i++ {
		a, b, c, d := t1[i], n1[i], t2[i], n2[i]
		t := a | c
		t1[i] = t
		n1[i] = (b | d) & (t ^ 1)
	}
}

// boolWords is b's bytes as 64-bit words (len(b) a multiple of 8); the
// words may be unaligned, which amd64 and arm64 load at full speed.
func boolWords(b []uint8) []uint64 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), len(b)/8)
}

// boolBytes is b's memory as bytes.
func boolBytes(b []bool) []uint8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*uint8)(unsafe.Pointer(&b[0])), len(b))
}
