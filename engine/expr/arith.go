package expr

import (
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// arithmetic returns the row function of + - * / % for the operand types
// the planner resolved, with PostgreSQL's overflow and division errors.
func arithmetic(op string, lt, rt, ret pgtype.Type, env *Env) (rowFn, error) {
	switch {
	case ret.OID == pgtype.NumericOID:
		_, scale, static := pgtype.NumericPrecisionScale(ret.Typmod)
		if !static {
			scale = -1 // each value's own scale, by PostgreSQL's rules
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return numericOp(op, toNumeric(a[0]), toNumeric(a[1]), int32(scale))
		}, nil
	case ret.OID == pgtype.Float4OID || ret.OID == pgtype.Float8OID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return floatOp(op, a[0].(float64), a[1].(float64))
		}, nil
	case (ret.OID == pgtype.Int2OID || ret.OID == pgtype.Int4OID || ret.OID == pgtype.Int8OID) &&
		lt.OID != pgtype.DateOID:
		lo, hi, name := intRange(ret)
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return intOp(op, a[0].(int64), a[1].(int64), lo, hi, name)
		}, nil
	case lt.OID == pgtype.DateOID && rt.OID == pgtype.DateOID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return int64(a[0].(pgtype.DateValue)) - int64(a[1].(pgtype.DateValue)), nil
		}, nil
	case lt.OID == pgtype.DateOID:
		sign := int64(1)
		if op == "sub" {
			sign = -1
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			d := int64(a[0].(pgtype.DateValue)) + sign*a[1].(int64)
			if d < math.MinInt32+1 || d > math.MaxInt32-1 {
				return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")
			}
			return pgtype.DateValue(d), nil
		}, nil
	case (lt.OID == pgtype.TimestampOID || lt.OID == pgtype.TimestamptzOID) && rt.OID == pgtype.IntervalOID:
		loc := time.UTC
		if lt.OID == pgtype.TimestamptzOID && env.Settings != nil && env.Settings.TimeZone != nil {
			loc = env.Settings.TimeZone
		}
		sign := int32(1)
		if op == "sub" {
			sign = -1
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			iv := a[1].(pgtype.IntervalValue)
			return addInterval(a[0].(pgtype.TimestampValue), pgtype.IntervalValue{
				Months: sign * iv.Months, Days: sign * iv.Days, Micros: int64(sign) * iv.Micros}, loc), nil
		}, nil
	case (lt.OID == pgtype.TimestampOID || lt.OID == pgtype.TimestamptzOID) && lt.OID == rt.OID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			d := int64(a[0].(pgtype.TimestampValue)) - int64(a[1].(pgtype.TimestampValue))
			const day = 86400_000_000
			return pgtype.IntervalValue{Days: int32(d / day), Micros: d % day}, nil
		}, nil
	case lt.OID == pgtype.IntervalOID && rt.OID == pgtype.IntervalOID:
		sign := int64(1)
		if op == "sub" {
			sign = -1
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			x, y := a[0].(pgtype.IntervalValue), a[1].(pgtype.IntervalValue)
			return pgtype.IntervalValue{Months: x.Months + int32(sign)*y.Months, Days: x.Days + int32(sign)*y.Days,
				Micros: x.Micros + sign*y.Micros}, nil
		}, nil
	case lt.OID == pgtype.IntervalOID && rt.OID == pgtype.Float8OID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			f := a[1].(float64)
			if op == "div" {
				if f == 0 {
					return nil, divisionByZero()
				}
				f = 1 / f
			}
			return scaleInterval(a[0].(pgtype.IntervalValue), f), nil
		}, nil
	}
	return nil, pgerr.New(pgerr.UndefinedFunction, "operator %s for %s and %s is not implemented by the engine", op, lt, rt)
}

func intOp(op string, x, y, lo, hi int64, name string) (pgtype.Datum, error) {
	var r int64
	switch op {
	case "add":
		r = x + y
		if (x > 0 && y > 0 && r < 0) || (x < 0 && y < 0 && r >= 0) {
			return nil, outOfRange(name)
		}
	case "sub":
		r = x - y
		if (x >= 0 && y < 0 && r < 0) || (x < 0 && y > 0 && r >= 0) {
			return nil, outOfRange(name)
		}
	case "mul":
		hiBits, loBits := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
		if hiBits != 0 || loBits > math.MaxInt64 && !(loBits == 1<<63 && (x < 0) != (y < 0)) {
			return nil, outOfRange(name)
		}
		r = x * y
	case "div":
		if y == 0 {
			return nil, divisionByZero()
		}
		if y == -1 && x == lo {
			return nil, outOfRange(name)
		}
		r = x / y
	case "mod":
		if y == 0 {
			return nil, divisionByZero()
		}
		if y == -1 {
			return int64(0), nil
		}
		r = x % y
	}
	if r < lo || r > hi {
		return nil, outOfRange(name)
	}
	return r, nil
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func floatOp(op string, x, y float64) (pgtype.Datum, error) {
	var r float64
	switch op {
	case "add":
		r = x + y
	case "sub":
		r = x - y
	case "mul":
		r = x * y
	case "div":
		if y == 0 {
			return nil, divisionByZero()
		}
		r = x / y
	case "mod":
		if y == 0 {
			return nil, divisionByZero()
		}
		r = math.Mod(x, y)
	}
	if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
	}
	return r, nil
}

// NumericDiv divides at PostgreSQL's select_div_scale, as numeric / does.
func NumericDiv(x, y pgtype.NumericValue) (pgtype.Datum, error) {
	return numericOp("div", x, y, -1)
}

// numericOp computes x op y rounded to scale, or with scale < 0 at the
// scale PostgreSQL gives the result: the larger input scale for + - %,
// their sum for *, select_div_scale for /.
func numericOp(op string, x, y pgtype.NumericValue, scale int32) (pgtype.Datum, error) {
	if x.Special != pgtype.NumericFinite || y.Special != pgtype.NumericFinite {
		if (op == "div" || op == "mod") && y.Special == pgtype.NumericFinite && y.Coef.Sign() == 0 {
			return nil, divisionByZero()
		}
		return numericSpecialOp(op, x, y), nil
	}
	if scale < 0 {
		switch op {
		case "add", "sub", "mod":
			scale = max(x.Scale, y.Scale)
		case "mul":
			scale = x.Scale + y.Scale
		case "div":
			scale = selectDivScale(x, y)
		}
	}
	switch op {
	case "add", "sub":
		a, b := align(x, y)
		s := max(x.Scale, y.Scale)
		r := new(big.Int)
		if op == "add" {
			r.Add(a, b)
		} else {
			r.Sub(a, b)
		}
		return rescale(pgtype.NumericValue{Coef: r, Scale: s}, scale), nil
	case "mul":
		r := new(big.Int).Mul(x.Coef, y.Coef)
		return rescale(pgtype.NumericValue{Coef: r, Scale: x.Scale + y.Scale}, scale), nil
	case "div":
		if y.Coef.Sign() == 0 {
			return nil, divisionByZero()
		}
		// x/y at the result scale: (x.coef * 10^(scale + y.scale - x.scale)) / y.coef.
		shift := scale + y.Scale - x.Scale
		num := new(big.Int).Set(x.Coef)
		den := new(big.Int).Set(y.Coef)
		if shift >= 0 {
			num.Mul(num, pow10(shift))
		} else {
			den.Mul(den, pow10(-shift))
		}
		return pgtype.NumericValue{Coef: divRound(num, den), Scale: scale}, nil
	case "mod":
		if y.Coef.Sign() == 0 {
			return nil, divisionByZero()
		}
		a, b := align(x, y)
		r := new(big.Int).Rem(a, b)
		return rescale(pgtype.NumericValue{Coef: r, Scale: max(x.Scale, y.Scale)}, scale), nil
	}
	return nil, pgerr.New(pgerr.UndefinedFunction, "numeric operator %s is not implemented", op)
}

// numericSpecialOp follows IEEE rules for NaN and the infinities, which is
// what PostgreSQL 14+ does for numeric.
// selectDivScale is PostgreSQL's select_div_scale: enough decimals for 16
// significant digits in the quotient, and no fewer than either input shows.
// Weights are counted in base-10000 digits, as numeric stores them.
func selectDivScale(x, y pgtype.NumericValue) int32 {
	w1, f1 := weightAndFirstDigit(x)
	w2, f2 := weightAndFirstDigit(y)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := 16 - qweight*4
	rscale = max(rscale, x.Scale, y.Scale, 0)
	return min(rscale, 1000)
}

// weightAndFirstDigit gives the weight and value of a numeric's first
// non-zero base-10000 digit (0, 0 for zero).
func weightAndFirstDigit(n pgtype.NumericValue) (int32, int64) {
	if n.Coef == nil || n.Coef.Sign() == 0 {
		return 0, 0
	}
	c := new(big.Int).Abs(n.Coef)
	s := n.Scale
	if pad := (4 - s%4) % 4; pad > 0 {
		c.Mul(c, pow10(pad))
		s += pad
	}
	groups := int32((len(c.String()) + 3) / 4)
	first := new(big.Int).Quo(c, pow10(4*(groups-1)))
	return groups - 1 - s/4, first.Int64()
}

func numericSpecialOp(op string, x, y pgtype.NumericValue) pgtype.NumericValue {
	f, err := floatOp(op, numericToFloat(x), numericToFloat(y))
	if err != nil {
		return pgtype.NumericValue{Special: pgtype.NumericNaN}
	}
	v := f.(float64)
	switch {
	case math.IsNaN(v):
		return pgtype.NumericValue{Special: pgtype.NumericNaN}
	case math.IsInf(v, 1):
		return pgtype.NumericValue{Special: pgtype.NumericPosInf}
	case math.IsInf(v, -1):
		return pgtype.NumericValue{Special: pgtype.NumericNegInf}
	}
	return pgtype.NumericValue{Coef: big.NewInt(0)}
}

func negate(t pgtype.Type) (rowFn, error) {
	switch t.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		lo, _, name := intRange(t)
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			v := a[0].(int64)
			if v == lo {
				return nil, outOfRange(name)
			}
			return -v, nil
		}, nil
	case pgtype.Float4OID, pgtype.Float8OID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return -a[0].(float64), nil }, nil
	case pgtype.NumericOID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			n := a[0].(pgtype.NumericValue)
			switch n.Special {
			case pgtype.NumericPosInf:
				return pgtype.NumericValue{Special: pgtype.NumericNegInf}, nil
			case pgtype.NumericNegInf:
				return pgtype.NumericValue{Special: pgtype.NumericPosInf}, nil
			case pgtype.NumericNaN:
				return n, nil
			}
			return pgtype.NumericValue{Coef: new(big.Int).Neg(n.Coef), Scale: n.Scale}, nil
		}, nil
	case pgtype.IntervalOID:
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			v := a[0].(pgtype.IntervalValue)
			return pgtype.IntervalValue{Months: -v.Months, Days: -v.Days, Micros: -v.Micros}, nil
		}, nil
	}
	return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: - %s", t)
}

// addInterval adds months and days on the calendar of loc (so a day is a
// calendar day across a DST change, as in PostgreSQL), then microseconds.
func addInterval(ts pgtype.TimestampValue, iv pgtype.IntervalValue, loc *time.Location) pgtype.TimestampValue {
	if ts == pgtype.TimestampPosInfinity || ts == pgtype.TimestampNegInfinity {
		return ts
	}
	t := time.UnixMicro(int64(ts)).In(loc)
	if iv.Months != 0 {
		y, m, d := t.Date()
		total := int(m) - 1 + int(iv.Months)
		ny, nm := y+floorDiv(total, 12), total-floorDiv(total, 12)*12+1
		// PostgreSQL clamps the day to the new month's last day.
		last := time.Date(ny, time.Month(nm)+1, 0, 0, 0, 0, 0, loc).Day()
		if d > last {
			d = last
		}
		hh, mm, ss := t.Clock()
		t = time.Date(ny, time.Month(nm), d, hh, mm, ss, t.Nanosecond(), loc)
	}
	if iv.Days != 0 {
		t = t.AddDate(0, 0, int(iv.Days))
	}
	return pgtype.TimestampValue(t.UnixMicro() + iv.Micros)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// scaleInterval multiplies an interval, spilling fractional months into
// days (30 per month) and fractional days into time, as interval_mul does.
func scaleInterval(v pgtype.IntervalValue, f float64) pgtype.IntervalValue {
	months := float64(v.Months) * f
	wholeMonths := math.Trunc(months)
	days := float64(v.Days)*f + (months-wholeMonths)*30
	wholeDays := math.Trunc(days)
	micros := float64(v.Micros)*f + (days-wholeDays)*86400e6
	return pgtype.IntervalValue{Months: int32(wholeMonths), Days: int32(wholeDays), Micros: int64(math.Round(micros))}
}

// bitwise is an integer bit operator of result type t: & | # on two
// values of t, << >> by an int4 count. Shifts wrap as PostgreSQL's C does
// (the count taken modulo the width of the machine word it shifts in).
func bitwise(name string, t pgtype.Type) rowFn {
	wrap := func(v int64) int64 {
		switch t.OID {
		case pgtype.Int2OID:
			return int64(int16(v))
		case pgtype.Int4OID:
			return int64(int32(v))
		}
		return v
	}
	mask := int64(31)
	if t.OID == pgtype.Int8OID {
		mask = 63
	}
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		x, y := a[0].(int64), a[1].(int64)
		switch name {
		case "bitand":
			return x & y, nil
		case "bitor":
			return x | y, nil
		case "bitxor":
			return x ^ y, nil
		case "shiftleft":
			return wrap(x << (y & mask)), nil
		}
		return wrap(x >> (y & mask)), nil
	}
}
