package expr

import (
	"math"
	"math/big"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Numeric ln, log and exp: computed in binary floating point with ample
// guard bits, then rounded to the result scale PostgreSQL chooses for
// each (numeric_ln, log_var, numeric_exp).

// nbaseDigits returns a numeric's weight and first two base-10000 digits,
// as PostgreSQL stores them.
func nbaseDigits(n pgtype.NumericValue) (weight int32, d0, d1 int64, ndigits int) {
	if n.Coef == nil || n.Coef.Sign() == 0 {
		return 0, 0, 0, 0
	}
	c := new(big.Int).Abs(n.Coef)
	s := n.Scale
	if pad := ((4-s%4)%4 + 4) % 4; pad > 0 {
		c.Mul(c, pow10(pad))
		s += pad
	}
	str := c.String()
	if lead := len(str) % 4; lead != 0 {
		str = "0000"[:4-lead] + str
	}
	str = trimTrailingGroups(str)
	groups := int32((len(c.String()) + 3) / 4)
	weight = groups - 1 - s/4
	d0, _ = parseGroup(str, 0)
	ndigits = len(str) / 4
	if ndigits > 1 {
		d1, _ = parseGroup(str, 1)
	}
	return weight, d0, d1, ndigits
}

func trimTrailingGroups(s string) string {
	for len(s) > 4 && s[len(s)-4:] == "0000" {
		s = s[:len(s)-4]
	}
	return s
}

func parseGroup(s string, i int) (int64, bool) {
	if 4*i+4 > len(s) {
		return 0, false
	}
	var v int64
	for _, c := range s[4*i : 4*i+4] {
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// estimateLnDweight is PostgreSQL's estimate_ln_dweight: the decimal
// weight of ln(x).
func estimateLnDweight(x pgtype.NumericValue) int32 {
	if x.Coef.Sign() <= 0 {
		return 0
	}
	lo := pgtype.NumericValue{Coef: big.NewInt(9), Scale: 1}
	hi := pgtype.NumericValue{Coef: big.NewInt(11), Scale: 1}
	if cmpNumeric(x, lo) >= 0 && cmpNumeric(x, hi) <= 0 {
		d, _ := numericOp("sub", x, pgtype.NumericValue{Coef: big.NewInt(1)}, -1)
		w, d0, _, nd := nbaseDigits(d.(pgtype.NumericValue))
		if nd == 0 {
			return 0
		}
		return w*4 + int32(math.Log10(float64(d0)))
	}
	w, d0, d1, nd := nbaseDigits(x)
	if nd == 0 {
		return 0
	}
	digits := d0
	dweight := w * 4
	if nd > 1 {
		digits = digits*10000 + d1
		dweight -= 4
	}
	lnv := math.Log(float64(digits)) + float64(dweight)*2.302585092994046
	return int32(math.Log10(math.Abs(lnv)))
}

func clampScale(r int32) int32 { return min(max(r, 0), 1000) }

func toBigFloat(n pgtype.NumericValue, prec uint) *big.Float {
	f := new(big.Float).SetPrec(prec).SetInt(n.Coef)
	if n.Scale > 0 {
		f.Quo(f, new(big.Float).SetPrec(prec).SetInt(pow10(n.Scale)))
	} else if n.Scale < 0 {
		f.Mul(f, new(big.Float).SetPrec(prec).SetInt(pow10(-n.Scale)))
	}
	return f
}

// roundBig rounds f to scale decimals, half away from zero.
func roundBig(f *big.Float, scale int32) pgtype.NumericValue {
	prec := f.Prec()
	g := new(big.Float).SetPrec(prec).Mul(f, new(big.Float).SetPrec(prec).SetInt(pow10(scale)))
	half := new(big.Float).SetPrec(prec).SetFloat64(0.5)
	if g.Sign() < 0 {
		g.Sub(g, half)
	} else {
		g.Add(g, half)
	}
	i, _ := g.Int(nil) // truncates toward zero
	return pgtype.NumericValue{Coef: i, Scale: scale}
}

// atanh sums z + z³/3 + z⁵/5 + … for |z| ≤ 1/3.
func atanh(z *big.Float, prec uint) *big.Float {
	sum := new(big.Float).SetPrec(prec).Set(z)
	z2 := new(big.Float).SetPrec(prec).Mul(z, z)
	p := new(big.Float).SetPrec(prec).Set(z)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec))
	for k := int64(3); ; k += 2 {
		p.Mul(p, z2)
		t := new(big.Float).SetPrec(prec).Quo(p, new(big.Float).SetPrec(prec).SetInt64(k))
		if t.Sign() == 0 || new(big.Float).Abs(t).Cmp(eps) < 0 {
			break
		}
		sum.Add(sum, t)
	}
	return sum
}

func bigLn2(prec uint) *big.Float {
	third := new(big.Float).SetPrec(prec).Quo(big.NewFloat(1).SetPrec(prec), new(big.Float).SetPrec(prec).SetInt64(3))
	r := atanh(third, prec)
	return r.Mul(r, new(big.Float).SetPrec(prec).SetInt64(2))
}

// bigLn is ln(x) for x > 0.
func bigLn(x *big.Float, prec uint) *big.Float {
	m := new(big.Float).SetPrec(prec)
	k := x.MantExp(m) // x = m · 2^k, m in [0.5, 1)
	one := new(big.Float).SetPrec(prec).SetInt64(1)
	z := new(big.Float).SetPrec(prec).Quo(new(big.Float).SetPrec(prec).Sub(m, one), new(big.Float).SetPrec(prec).Add(m, one))
	r := atanh(z, prec)
	r.Mul(r, new(big.Float).SetPrec(prec).SetInt64(2))
	ln2 := bigLn2(prec)
	return r.Add(r, ln2.Mul(ln2, new(big.Float).SetPrec(prec).SetInt64(int64(k))))
}

// bigExp is e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its series.
func bigExp(x *big.Float, prec uint) *big.Float {
	ln2 := bigLn2(prec)
	q, _ := new(big.Float).SetPrec(prec).Quo(x, ln2).Float64()
	n := math.Round(q)
	r := new(big.Float).SetPrec(prec).Sub(x, new(big.Float).SetPrec(prec).Mul(ln2, new(big.Float).SetPrec(prec).SetFloat64(n)))
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	eps := new(big.Float).SetPrec(prec).SetMantExp(big.NewFloat(1), -int(prec))
	for k := int64(1); ; k++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(k))
		if term.Sign() == 0 || new(big.Float).Abs(term).Cmp(eps) < 0 {
			break
		}
		sum.Add(sum, term)
	}
	return sum.SetMantExp(sum, int(n))
}

func precFor(digits int32) uint { return uint(float64(digits+40)*3.33) + 64 }

func logCheck(x pgtype.NumericValue) error {
	switch {
	case x.Special == pgtype.NumericNegInf || x.Special == pgtype.NumericFinite && x.Coef.Sign() < 0:
		return pgerr.New("2201E", "cannot take logarithm of a negative number")
	case x.Special == pgtype.NumericFinite && x.Coef.Sign() == 0:
		return pgerr.New("2201E", "cannot take logarithm of zero")
	}
	return nil
}

func numLn(x pgtype.NumericValue) (pgtype.Datum, error) {
	if err := logCheck(x); err != nil {
		return nil, err
	}
	if x.Special != pgtype.NumericFinite {
		return x, nil
	}
	rscale := clampScale(max(16-estimateLnDweight(x), x.Scale))
	intDigits := int32(len(x.Coef.String())) - x.Scale
	prec := precFor(rscale + max(intDigits, -intDigits))
	return roundBig(bigLn(toBigFloat(x, prec), prec), rscale), nil
}

// numLog is log(base, x) as PostgreSQL's log_var computes it.
func numLog(base, x pgtype.NumericValue) (pgtype.Datum, error) {
	if err := logCheck(base); err != nil {
		return nil, err
	}
	if err := logCheck(x); err != nil {
		return nil, err
	}
	if base.Special != pgtype.NumericFinite || x.Special != pgtype.NumericFinite {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "log of infinity or NaN is not supported yet")
	}
	if cmpNumeric(base, pgtype.NumericValue{Coef: big.NewInt(1)}) == 0 {
		return nil, divisionByZero()
	}
	rscale := clampScale(max(16-(estimateLnDweight(x)-estimateLnDweight(base)), base.Scale, x.Scale))
	digits := int32(len(x.Coef.String())) + int32(len(base.Coef.String())) + max(x.Scale, base.Scale)
	prec := precFor(rscale + digits)
	l := bigLn(toBigFloat(x, prec), prec)
	l.Quo(l, bigLn(toBigFloat(base, prec), prec))
	return roundBig(l, rscale), nil
}

func numExp(x pgtype.NumericValue) (pgtype.Datum, error) {
	switch x.Special {
	case pgtype.NumericNaN, pgtype.NumericPosInf:
		return x, nil
	case pgtype.NumericNegInf:
		return pgtype.NumericValue{Coef: new(big.Int)}, nil
	}
	v := numericToFloat(x)
	if v > 301800 { // e^301800 > 10^131071, numeric's limit
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	val := min(max(v*0.434294481903252, -2000), 2000)
	rscale := clampScale(max(16-int32(val), x.Scale))
	prec := precFor(rscale + int32(math.Abs(v*0.434294481903252)) + 1)
	return roundBig(bigExp(toBigFloat(x, prec), prec), rscale), nil
}

// numPowerReal is x^y = e^(y·ln x) for a non-integer exponent, at the
// scale PostgreSQL's power_var picks from the result's decimal weight.
func numPowerReal(x, y pgtype.NumericValue) (pgtype.Datum, error) {
	if x.Coef.Sign() == 0 {
		return pgtype.NumericValue{Coef: new(big.Int), Scale: clampScale(max(16, x.Scale, y.Scale))}, nil
	}
	const guess = 200
	g := precFor(guess)
	ln := bigLn(toBigFloat(x, g), g)
	val, _ := ln.Mul(ln, toBigFloat(y, g)).Float64()
	if math.Abs(val) > 1000*3.01 {
		if val > 0 {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
		}
		return pgtype.NumericValue{Coef: new(big.Int), Scale: 1000}, nil
	}
	w := val * 0.434294481903252
	rscale := clampScale(max(16-int32(w), x.Scale, y.Scale))
	digits := int32(len(x.Coef.String())) + int32(len(y.Coef.String())) + max(x.Scale, y.Scale)
	prec := precFor(rscale + int32(math.Abs(w)) + digits)
	l := bigLn(toBigFloat(x, prec), prec)
	l.Mul(l, toBigFloat(y, prec))
	return roundBig(bigExp(l, prec), rscale), nil
}
