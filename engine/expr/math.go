package expr

import (
	"math"
	"math/big"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// mathFunc returns the row function of a strict math function, or ok false
// when name is not one.
func mathFunc(name string, types []pgtype.Type) (rowFn, bool) {
	isNum := len(types) > 0 && types[0].OID == pgtype.NumericOID
	float := func(f func(x float64) (float64, error)) rowFn {
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return f(a[0].(float64)) }
	}
	num := func(f func(x pgtype.NumericValue) (pgtype.Datum, error)) rowFn {
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return f(toNumeric(a[0])) }
	}
	switch name {
	case "power", "pow":
		if isNum {
			return func(a []pgtype.Datum) (pgtype.Datum, error) { return numPower(toNumeric(a[0]), toNumeric(a[1])) }, true
		}
	case "exp", "ln", "log", "log10":
		if isNum {
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				x := toNumeric(a[0])
				switch {
				case name == "exp":
					return numExp(x)
				case name == "ln":
					return numLn(x)
				case len(a) == 2:
					return numLog(x, toNumeric(a[1]))
				}
				return numLog(pgtype.NumericValue{Coef: big.NewInt(10)}, x)
			}, true
		}
	}
	switch name {
	case "trunc":
		if !isNum {
			return float(func(x float64) (float64, error) { return math.Trunc(x), nil }), true
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			s := int32(0)
			if len(a) == 2 {
				s = int32(max(min(a[1].(int64), 1000), -1000))
			}
			return numTrunc(toNumeric(a[0]), s), nil
		}, true
	case "floor", "ceil", "ceiling":
		up := name != "floor"
		if !isNum {
			if up {
				return float(func(x float64) (float64, error) { return math.Ceil(x), nil }), true
			}
			return float(func(x float64) (float64, error) { return math.Floor(x), nil }), true
		}
		return num(func(x pgtype.NumericValue) (pgtype.Datum, error) {
			if x.Special != pgtype.NumericFinite {
				return x, nil
			}
			t := numTrunc(x, 0)
			if c := cmpNumeric(x, t); up && c > 0 || !up && c < 0 {
				d := int64(1)
				if !up {
					d = -1
				}
				t.Coef = new(big.Int).Add(t.Coef, big.NewInt(d))
			}
			return t, nil
		}), true
	case "sign":
		if !isNum {
			return float(func(x float64) (float64, error) {
				switch {
				case x > 0:
					return 1, nil
				case x < 0:
					return -1, nil
				}
				return x * 0, nil
			}), true
		}
		return num(func(x pgtype.NumericValue) (pgtype.Datum, error) {
			switch x.Special {
			case pgtype.NumericNaN:
				return x, nil
			case pgtype.NumericPosInf:
				return pgtype.NumericValue{Coef: big.NewInt(1)}, nil
			case pgtype.NumericNegInf:
				return pgtype.NumericValue{Coef: big.NewInt(-1)}, nil
			}
			return pgtype.NumericValue{Coef: big.NewInt(int64(x.Coef.Sign()))}, nil
		}), true
	case "sqrt":
		if isNum {
			return num(numSqrt), true
		}
		return float(func(x float64) (float64, error) {
			if x < 0 {
				return 0, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "cannot take square root of a negative number")
			}
			return math.Sqrt(x), nil
		}), true
	case "cbrt":
		return float(func(x float64) (float64, error) { return math.Cbrt(x), nil }), true
	case "exp":
		return float(func(x float64) (float64, error) {
			r := math.Exp(x)
			switch {
			case math.IsInf(r, 0) && !math.IsInf(x, 0):
				return 0, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
			case r == 0 && !math.IsInf(x, 0):
				return 0, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: underflow")
			}
			return r, nil
		}), true
	case "ln", "log", "log10":
		f := math.Log
		if name != "ln" {
			f = math.Log10
		}
		return float(func(x float64) (float64, error) {
			switch {
			case x == 0:
				return 0, pgerr.New("2201E", "cannot take logarithm of zero")
			case x < 0:
				return 0, pgerr.New("2201E", "cannot take logarithm of a negative number")
			}
			return f(x), nil
		}), true
	case "pi":
		return func([]pgtype.Datum) (pgtype.Datum, error) { return math.Pi, nil }, true
	case "degrees":
		return float(func(x float64) (float64, error) { return x * (180 / math.Pi), nil }), true
	case "radians":
		return float(func(x float64) (float64, error) { return x * (math.Pi / 180), nil }), true
	case "mod":
		if isNum {
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				return numericOp("mod", toNumeric(a[0]), toNumeric(a[1]), -1)
			}, true
		}
		lo, hi, tn := intRange(types[0])
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			return intOp("mod", a[0].(int64), a[1].(int64), lo, hi, tn)
		}, true
	case "div_trunc":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			x, y := toNumeric(a[0]), toNumeric(a[1])
			if x.Special != pgtype.NumericFinite || y.Special != pgtype.NumericFinite {
				if y.Special == pgtype.NumericFinite && y.Coef.Sign() == 0 {
					return nil, divisionByZero()
				}
				return numericSpecialOp("div", x, y), nil
			}
			if y.Coef.Sign() == 0 {
				return nil, divisionByZero()
			}
			p, q := align(x, y)
			return pgtype.NumericValue{Coef: new(big.Int).Quo(p, q)}, nil
		}, true
	case "gcd", "lcm":
		isGCD := name == "gcd"
		if isNum {
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				x, y := toNumeric(a[0]), toNumeric(a[1])
				if x.Special != pgtype.NumericFinite || y.Special != pgtype.NumericFinite {
					return pgtype.NumericValue{Special: pgtype.NumericNaN}, nil
				}
				p, q := align(x, y)
				s := max(x.Scale, y.Scale)
				g := new(big.Int).GCD(nil, nil, new(big.Int).Abs(p), new(big.Int).Abs(q))
				if isGCD {
					return pgtype.NumericValue{Coef: g, Scale: s}, nil
				}
				if g.Sign() == 0 {
					return pgtype.NumericValue{Coef: new(big.Int), Scale: s}, nil
				}
				l := new(big.Int).Mul(new(big.Int).Abs(p), new(big.Int).Quo(new(big.Int).Abs(q), g))
				return pgtype.NumericValue{Coef: l, Scale: s}, nil
			}, true
		}
		lo, hi, tn := intRange(types[0])
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			x, y := a[0].(int64), a[1].(int64)
			g := new(big.Int).GCD(nil, nil, new(big.Int).Abs(big.NewInt(x)), new(big.Int).Abs(big.NewInt(y)))
			r := g
			if !isGCD {
				if g.Sign() == 0 {
					return int64(0), nil
				}
				r = new(big.Int).Abs(new(big.Int).Mul(big.NewInt(x), new(big.Int).Quo(big.NewInt(y), g)))
			}
			if !r.IsInt64() || r.Int64() < lo || r.Int64() > hi {
				return nil, outOfRange(tn)
			}
			return r.Int64(), nil
		}, true
	case "width_bucket":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			count := a[3].(int64)
			if count <= 0 {
				return nil, pgerr.New("2201G", "count must be greater than zero")
			}
			if isNum {
				if cmpNumeric(toNumeric(a[1]), toNumeric(a[2])) == 0 {
					return nil, pgerr.New("2201G", "lower bound cannot equal upper bound")
				}
				return numWidthBucket(toNumeric(a[0]), toNumeric(a[1]), toNumeric(a[2]), count)
			}
			op, lo, hi := a[0].(float64), a[1].(float64), a[2].(float64)
			if math.IsNaN(op) || math.IsNaN(lo) || math.IsNaN(hi) {
				return nil, pgerr.New("2201G", "operand, lower bound, and upper bound cannot be NaN")
			}
			if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
				return nil, pgerr.New("2201G", "lower and upper bounds must be finite")
			}
			if lo == hi {
				return nil, pgerr.New("2201G", "lower bound cannot equal upper bound")
			}
			var r int64
			if lo < hi {
				switch {
				case op < lo:
					r = 0
				case op >= hi:
					r = count + 1
				default:
					r = int64(math.Floor((op-lo)/(hi-lo)*float64(count))) + 1
				}
			} else {
				switch {
				case op > lo:
					r = 0
				case op <= hi:
					r = count + 1
				default:
					r = int64(math.Floor((lo-op)/(lo-hi)*float64(count))) + 1
				}
			}
			if r > math.MaxInt32 {
				return nil, outOfRange("integer")
			}
			return r, nil
		}, true
	}
	return nil, false
}

// numWidthBucket is width_bucket over exact numerics.
func numWidthBucket(op, lo, hi pgtype.NumericValue, count int64) (pgtype.Datum, error) {
	if op.Special == pgtype.NumericNaN || lo.Special == pgtype.NumericNaN || hi.Special == pgtype.NumericNaN {
		return nil, pgerr.New("2201G", "operand, lower bound, and upper bound cannot be NaN")
	}
	if lo.Special != pgtype.NumericFinite || hi.Special != pgtype.NumericFinite {
		return nil, pgerr.New("2201G", "lower and upper bounds must be finite")
	}
	asc := cmpNumeric(lo, hi) < 0
	below, above := cmpNumeric(op, lo) < 0, cmpNumeric(op, hi) >= 0
	if !asc {
		below, above = cmpNumeric(op, lo) > 0, cmpNumeric(op, hi) <= 0
	}
	switch {
	case below:
		return int64(0), nil
	case above:
		return count + 1, nil
	}
	// (op - lo) * count / (hi - lo), truncated, plus one.
	num, _ := numericOp("sub", op, lo, -1)
	den, _ := numericOp("sub", hi, lo, -1)
	n := num.(pgtype.NumericValue)
	d := den.(pgtype.NumericValue)
	p, q := align(n, d)
	r := new(big.Int).Quo(new(big.Int).Mul(p, big.NewInt(count)), q)
	return r.Int64() + 1, nil
}

// numTrunc truncates toward zero at scale s (s < 0: that many integer
// digits become zeros, and the result has scale 0).
func numTrunc(n pgtype.NumericValue, s int32) pgtype.NumericValue {
	if n.Special != pgtype.NumericFinite {
		return n
	}
	if s >= n.Scale {
		return rescale(n, s)
	}
	c := new(big.Int).Quo(n.Coef, pow10(n.Scale-s))
	if s < 0 {
		return pgtype.NumericValue{Coef: c.Mul(c, pow10(-s)), Scale: 0}
	}
	return pgtype.NumericValue{Coef: c, Scale: s}
}

// numSqrt is numeric sqrt at PostgreSQL's result scale: 16 significant
// digits, no fewer decimals than the input shows.
func numSqrt(x pgtype.NumericValue) (pgtype.Datum, error) {
	switch x.Special {
	case pgtype.NumericNaN, pgtype.NumericPosInf:
		return x, nil
	case pgtype.NumericNegInf:
		return nil, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "cannot take square root of a negative number")
	}
	if x.Coef.Sign() < 0 {
		return nil, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "cannot take square root of a negative number")
	}
	w, _ := weightAndFirstDigit(x)
	sweight := (w+1)*4/2 - 1
	rscale := max(16-sweight, x.Scale, 0)
	return NumericSqrt(x, min(rscale, 1000))
}

// NumericSqrt is the square root of a non-negative finite numeric rounded
// to scale rscale (stddev finishes with it).
func NumericSqrt(x pgtype.NumericValue, rscale int32) (pgtype.Datum, error) {
	if x.Special != pgtype.NumericFinite {
		return x, nil
	}
	e := 2*(rscale+1) - x.Scale
	v := new(big.Int).Set(x.Coef)
	if e >= 0 {
		v.Mul(v, pow10(e))
	} else {
		v.Quo(v, pow10(-e))
	}
	r := new(big.Int).Sqrt(v)
	q, d := new(big.Int).QuoRem(r, big.NewInt(10), new(big.Int))
	if d.Int64() >= 5 {
		q.Add(q, big.NewInt(1))
	}
	return pgtype.NumericValue{Coef: q, Scale: rscale}, nil
}

// ScaleInterval multiplies an interval by f as interval_mul does.
func ScaleInterval(v pgtype.IntervalValue, f float64) pgtype.IntervalValue {
	return scaleInterval(v, f)
}

// greatestLeast picks the largest (or smallest) non-NULL argument.
func greatestLeast(want int) func([]pgtype.Datum) (pgtype.Datum, error) {
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		var best pgtype.Datum
		for _, v := range a {
			if v == nil {
				continue
			}
			if best == nil || Compare(v, best) == want {
				best = v
			}
		}
		return best, nil
	}
}

// numPower is numeric ^ numeric for integer exponents, rounded to
// PostgreSQL's scale for them: 16 decimals or the base's, if more.
func numPower(x, y pgtype.NumericValue) (pgtype.Datum, error) {
	if x.Special != pgtype.NumericFinite || y.Special != pgtype.NumericFinite {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "power(numeric) of NaN or infinity is not supported yet").
			WithHint("Cast the argument to double precision.")
	}
	if x.Coef.Sign() == 0 && y.Coef.Sign() < 0 {
		return nil, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "zero raised to a negative power is undefined")
	}
	e := numTrunc(y, 0)
	isInt := cmpNumeric(e, y) == 0
	if x.Coef.Sign() < 0 && !isInt {
		return nil, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result")
	}
	if !isInt || !e.Coef.IsInt64() || e.Coef.Int64() > math.MaxInt32 || e.Coef.Int64() < math.MinInt32 {
		return numPowerReal(x, y)
	}
	n := e.Coef.Int64()
	rscale := min(max(16, x.Scale), 1000)
	if n == 0 {
		return pgtype.NumericValue{Coef: pow10(rscale), Scale: rscale}, nil
	}
	if x.Coef.Sign() == 0 {
		return pgtype.NumericValue{Coef: new(big.Int), Scale: rscale}, nil
	}
	abs := n
	if abs < 0 {
		abs = -abs
	}
	if float64(abs)*float64(len(x.Coef.String())) > 100000 {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	num := new(big.Int).Exp(x.Coef, big.NewInt(abs), nil)
	p := pgtype.NumericValue{Coef: num, Scale: x.Scale * int32(abs)}
	if n > 0 {
		return rescale(p, rscale), nil
	}
	// 1 / x^|n| at scale rscale, rounded half away from zero.
	shift := rscale + p.Scale
	q := divRound(pow10(shift), p.Coef)
	return pgtype.NumericValue{Coef: q, Scale: rscale}, nil
}
