package expr

import (
	"math"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// NumVec is an exact numeric expression's values over a batch as int64
// coefficients at one static scale (Scale 0 for integers): the form the
// aggregate fast path sums without boxing. Null is nil when no row is
// NULL.
type NumVec struct {
	Coef  []int64
	Null  []bool
	Scale int32
}

// NumExpr is an integer or numeric expression compiled to typed loops:
// integer and numeric(p,s) columns (p ≤ 18 values), constants, integer
// widening and numeric casts that keep the value, + - * with PostgreSQL's
// result scales (the larger scale for + -, their sum for *). Any value that
// leaves int64 (an overflow PostgreSQL may or may not report) makes Eval
// hand the batch back to the Datum path, which decides exactly.
type NumExpr struct {
	root  numNode
	Int   bool // an integer expression (its Datums are int64)
	Scale int32
}

type numNode interface {
	eval(b arrow.RecordBatch) (*NumVec, bool, error)
}

// CompileNum compiles e, or reports false for shapes it does not cover.
func CompileNum(e plan.Expr, env *Env) (*NumExpr, bool) {
	n, scale, ok := compileNum(e, env)
	if !ok {
		return nil, false
	}
	return &NumExpr{root: n, Int: isIntType(e.Type()), Scale: scale}, true
}

// Eval computes the expression over b; ok false: use the Datum path.
func (x *NumExpr) Eval(b arrow.RecordBatch) (*NumVec, bool, error) { return x.root.eval(b) }

func isIntType(t pgtype.Type) bool {
	return t.OID == pgtype.Int2OID || t.OID == pgtype.Int4OID || t.OID == pgtype.Int8OID
}

// unconstrained is numeric without a typmod: values keep their scales.
func unconstrained(t pgtype.Type) bool { return t.OID == pgtype.NumericOID && t.Typmod < 0 }

func compileNum(e plan.Expr, env *Env) (numNode, int32, bool) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		if isIntType(x.Typ) {
			return &numCol{idx: x.Index}, 0, true
		}
		if x.Typ.OID == pgtype.NumericOID {
			switch d := x.Typ.ArrowType().(type) {
			case *arrow.Decimal128Type:
				return &numCol{idx: x.Index, dec: true, scale: d.Scale}, d.Scale, true
			case *arrow.Decimal64Type:
				return &numCol{idx: x.Index, dec: true, scale: d.Scale}, d.Scale, true
			}
		}
	case *plan.Const:
		switch v := x.Value.(type) {
		case int64:
			if isIntType(x.Typ) {
				return &numConst{v: v}, 0, true
			}
		case pgtype.NumericValue:
			// A constant's Datum carries its own scale, whatever its typmod.
			if x.Typ.OID == pgtype.NumericOID && v.Special == pgtype.NumericFinite && v.Coef.IsInt64() {
				return &numConst{v: v.Coef.Int64(), scale: v.Scale}, v.Scale, true
			}
		}
	case *plan.Cast:
		from, to := x.Arg.Type(), x.Typ
		switch {
		case isIntType(from) && to.OID == pgtype.Int8OID,
			from.OID == pgtype.Int2OID && to.OID == pgtype.Int4OID,
			isIntType(from) && unconstrained(to),
			from.OID == pgtype.NumericOID && unconstrained(to),
			intToWideNumeric(from, to), sameScaleWider(from, to):
			return compileNum(x.Arg, env)
		}
	case *plan.Call:
		if x.Func == "extract" {
			return compileExtract(x)
		}
		if len(x.Args) != 2 || !(x.Func == "add" || x.Func == "sub" || x.Func == "mul") {
			return nil, 0, false
		}
		// int2/int4 results have narrower ranges; a numeric(p,s) result is
		// covered when s is the scale the operation gives anyway (the
		// Datum path's rescale is then a no-op).
		_, static, isStatic := pgtype.NumericPrecisionScale(x.Typ.Typmod)
		if !(x.Typ.OID == pgtype.Int8OID || x.Typ.OID == pgtype.NumericOID) {
			return nil, 0, false
		}
		l, ls, lok := compileNum(x.Args[0], env)
		r, rs, rok := compileNum(x.Args[1], env)
		if !lok || !rok {
			return nil, 0, false
		}
		n := &numArith{op: x.Func, l: l, r: r}
		natural := ls + rs
		if x.Func != "mul" {
			natural = max(ls, rs)
		}
		if x.Typ.OID == pgtype.NumericOID && isStatic && int32(static) != natural {
			return nil, 0, false
		}
		switch x.Func {
		case "mul":
			return n, ls + rs, true
		default:
			s := max(ls, rs)
			if n.lshift, n.ok = pow10i64(s - ls); !n.ok {
				return nil, 0, false
			}
			if n.rshift, n.ok = pow10i64(s - rs); !n.ok {
				return nil, 0, false
			}
			return n, s, true
		}
	}
	return nil, 0, false
}

// intToWideNumeric reports whether casting an integer type to numeric
// type to keeps every value as it is: scale 0 and room for all its digits
// (TPC-H Q11's ps_availqty::numeric(38,0)).
func intToWideNumeric(from, to pgtype.Type) bool {
	if !isIntType(from) || to.OID != pgtype.NumericOID {
		return false
	}
	p, s, ok := pgtype.NumericPrecisionScale(to.Typmod)
	if !ok || s != 0 {
		return false
	}
	digits := 19
	switch from.OID {
	case pgtype.Int2OID:
		digits = 5
	case pgtype.Int4OID:
		digits = 10
	}
	return p >= digits
}

// sameScaleWider reports whether a numeric(p,s) to numeric(p2,s) cast
// with p2 ≥ p keeps every value as it is.
func sameScaleWider(from, to pgtype.Type) bool {
	if from.OID != pgtype.NumericOID || to.OID != pgtype.NumericOID {
		return false
	}
	p1, s1, ok1 := pgtype.NumericPrecisionScale(from.Typmod)
	p2, s2, ok2 := pgtype.NumericPrecisionScale(to.Typmod)
	return ok1 && ok2 && s1 == s2 && p2 >= p1
}

func pow10i64(n int32) (int64, bool) {
	if n < 0 || n > 18 {
		return 0, false
	}
	p := int64(1)
	for range n {
		p *= 10
	}
	return p, true
}

// numCol reads an integer, Decimal64 or Decimal128 column.
type numCol struct {
	idx   int
	dec   bool
	scale int32
	out   NumVec
	buf   []int64 // coefficients of columns not laid out as int64
}

func (c *numCol) eval(b arrow.RecordBatch) (*NumVec, bool, error) {
	col := b.Column(c.idx)
	n := col.Len()
	if cap(c.buf) < n {
		c.buf = make([]int64, n)
	}
	v := c.buf[:n]
	switch a := col.(type) {
	case *array.Int64:
		// The column's own values: consumers only read coefficients.
		v = a.Int64Values()
	case *array.Int32:
		for i, x := range a.Int32Values() {
			v[i] = int64(x)
		}
	case *array.Int16:
		for i, x := range a.Int16Values() {
			v[i] = int64(x)
		}
	case *array.Decimal64:
		if a.DataType().(*arrow.Decimal64Type).Scale != c.scale {
			return nil, false, nil
		}
		// Decimal64 is int64 underneath: the coefficients as they are.
		v = arrow.Int64Traits.CastFromBytes(arrow.Decimal64Traits.CastToBytes(a.Values()))
	case *array.Decimal128:
		if a.DataType().(*arrow.Decimal128Type).Scale != c.scale {
			return nil, false, nil
		}
		for i, x := range a.Values() {
			lo, hi := x.LowBits(), x.HighBits()
			// Fits int64 when the high word is the low word's sign.
			if hi != int64(lo)>>63 {
				if col.IsValid(i) {
					return nil, false, nil
				}
				lo = 0
			}
			v[i] = int64(lo)
		}
	default:
		return nil, false, nil
	}
	c.out = NumVec{Coef: v, Scale: c.scale, Null: nullsOf(col, c.out.Null)}
	return &c.out, true, nil
}

// nullsOf is col's NULL flags, or nil when it has none.
func nullsOf(col arrow.Array, buf []bool) []bool {
	if col.NullN() == 0 {
		return nil
	}
	n := col.Len()
	if cap(buf) < n {
		buf = make([]bool, n)
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = col.IsNull(i)
	}
	return buf
}

// numConst is a constant coefficient.
type numConst struct {
	v     int64
	scale int32
	out   NumVec
}

func (c *numConst) eval(b arrow.RecordBatch) (*NumVec, bool, error) {
	n := int(b.NumRows())
	if cap(c.out.Coef) < n {
		c.out.Coef = make([]int64, n)
		for i := range c.out.Coef {
			c.out.Coef[i] = c.v
		}
	}
	c.out.Coef = c.out.Coef[:n]
	c.out.Scale = c.scale
	return &c.out, true, nil
}

// numArith is + - * over int64 coefficients, aligned to the larger scale
// for + and -.
type numArith struct {
	op             string
	l, r           numNode
	lshift, rshift int64
	ok             bool
	out            NumVec
}

func (a *numArith) eval(b arrow.RecordBatch) (*NumVec, bool, error) {
	l, ok, err := a.l.eval(b)
	if !ok || err != nil {
		return nil, ok, err
	}
	r, ok, err := a.r.eval(b)
	if !ok || err != nil {
		return nil, ok, err
	}
	n := len(l.Coef)
	if cap(a.out.Coef) < n {
		a.out.Coef = make([]int64, n)
	}
	out := a.out.Coef[:n]
	nulls := a.out.Null[:0]
	if l.Null != nil || r.Null != nil {
		if cap(nulls) < n {
			nulls = make([]bool, n)
		}
		nulls = nulls[:n]
		for i := range nulls {
			nulls[i] = l.Null != nil && l.Null[i] || r.Null != nil && r.Null[i]
		}
	} else {
		nulls = nil
	}
	lv, rv := l.Coef[:n], r.Coef[:n]
	switch a.op {
	case "mul":
		for i := range out {
			x, y := lv[i], rv[i]
			// Factors within ±2³¹ cannot overflow; others are checked.
			if uint64(x+1<<31) >= 1<<32 || uint64(y+1<<31) >= 1<<32 {
				if !mulFits(x, y) && (nulls == nil || !nulls[i]) {
					return nil, false, nil
				}
			}
			out[i] = x * y
		}
	default:
		// Each side is scaled by its power of ten (negated for the right
		// side of -); values beyond MaxInt64/shift would overflow. The
		// bounds are symmetric, so no scaled value is MinInt64 and
		// negating one is exact.
		ls, rs := a.lshift, a.rshift
		llim, rlim := math.MaxInt64/ls, math.MaxInt64/rs
		if a.op == "sub" {
			rs = -rs
		}
		for i := range out {
			x, y := lv[i], rv[i]
			bad := x > llim || x < -llim || y > rlim || y < -rlim
			x *= ls
			y *= rs
			s := x + y
			if bad || (x^s)&(y^s) < 0 {
				if nulls == nil || !nulls[i] {
					return nil, false, nil
				}
			}
			out[i] = s
		}
	}
	scale := l.Scale + r.Scale
	if a.op != "mul" {
		scale = max(l.Scale, r.Scale)
	}
	a.out = NumVec{Coef: out, Null: nulls, Scale: scale}
	return &a.out, true, nil
}

// mulFits reports whether x·y fits int64 (conservatively: never for
// MinInt64 operands).
func mulFits(x, y int64) bool {
	hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
	return hi == 0 && lo <= math.MaxInt64 && x != math.MinInt64 && y != math.MinInt64
}

// numExtract is extract(field FROM date column): for a finite date every
// field PostgreSQL allows is an integer (scale 0). The year, which TPC-H
// groups by, is computed per row; other fields are extractField's answer
// per distinct date, remembered. An infinite date (whose fields are
// ±Infinity or NULL) sends the batch to the Datum path.
type numExtract struct {
	idx  int
	raw  string
	year bool
	memo map[int32]int64
	out  NumVec
}

// extractMemoMax bounds the per-date memo: past it, it starts over.
const extractMemoMax = 1 << 16

func compileExtract(x *plan.Call) (numNode, int32, bool) {
	if len(x.Args) != 2 || x.Typ.OID != pgtype.NumericOID {
		return nil, 0, false
	}
	unit, ok := x.Args[0].(*plan.Const)
	ref, rok := x.Args[1].(*plan.ColumnRef)
	if !ok || !rok || ref.Typ.OID != pgtype.DateOID {
		return nil, 0, false
	}
	raw, ok := unit.Value.(string)
	if !ok {
		return nil, 0, false
	}
	// Fields PostgreSQL rejects for a date, or that are not integers,
	// stay on the Datum path (which reports the error).
	d, err := extractField(raw, ref.Typ, pgtype.DateValue(0), true, nil)
	if err != nil {
		return nil, 0, false
	}
	if nv, ok := d.(pgtype.NumericValue); !ok || nv.Special != pgtype.NumericFinite || nv.Scale != 0 {
		return nil, 0, false
	}
	return &numExtract{idx: ref.Index, raw: raw, year: unitOf(raw) == "year", memo: map[int32]int64{}}, 0, true
}

func (e *numExtract) eval(b arrow.RecordBatch) (*NumVec, bool, error) {
	a, ok := b.Column(e.idx).(*array.Date32)
	if !ok {
		return nil, false, nil
	}
	n := a.Len()
	if cap(e.out.Coef) < n {
		e.out.Coef = make([]int64, n)
	}
	out := e.out.Coef[:n]
	nulls := nullsOf(a, e.out.Null)
	for i, d := range a.Date32Values() {
		if nulls != nil && nulls[i] {
			out[i] = 0
			continue
		}
		if pgtype.DateValue(d) == pgtype.DatePosInfinity || pgtype.DateValue(d) == pgtype.DateNegInfinity {
			return nil, false, nil
		}
		if e.year {
			// As extractField: the proleptic Gregorian year, with no
			// year 0 (1 BC is -1).
			y := dateTM(int64(d)).year
			if y <= 0 {
				y--
			}
			out[i] = y
			continue
		}
		v, ok := e.memo[int32(d)]
		if !ok {
			x, err := extractField(e.raw, pgtype.Type{OID: pgtype.DateOID}, pgtype.DateValue(d), true, nil)
			if err != nil {
				return nil, false, err
			}
			nv, isNum := x.(pgtype.NumericValue)
			if !isNum || nv.Special != pgtype.NumericFinite || nv.Scale != 0 || !nv.Coef.IsInt64() {
				return nil, false, nil
			}
			v = nv.Coef.Int64()
			if len(e.memo) >= extractMemoMax {
				clear(e.memo)
			}
			e.memo[int32(d)] = v
		}
		out[i] = v
	}
	e.out = NumVec{Coef: out, Null: nulls, Scale: 0}
	return &e.out, true, nil
}
