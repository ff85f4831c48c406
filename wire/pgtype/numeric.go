package pgtype

import (
	"encoding/binary"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// numeric: text form, PostgreSQL's binary form (base-10000 digits), and
// the conversions between NumericValue and Arrow's Decimal128.

// Limits of PostgreSQL's numeric storage format.
const (
	numericMaxDscale     = 0x3FFF // display scale fits 14 bits
	numericMaxWeightDigs = 131072 // decimal digits before the point (int16 weight × 4)
	numericSignPos       = 0x0000
	numericSignNeg       = 0x4000
	numericSignNaN       = 0xC000
	numericSignPInf      = 0xD000
	numericSignNInf      = 0xF000
)

var bigTen = big.NewInt(10)

func pow10Big(n int64) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(n), nil)
}

// appendNumericDigitsText prints sign × digits × 10^-scale with exactly
// max(scale,0) digits after the point. digits are ASCII without leading
// zeros; empty means zero.
func appendNumericDigitsText(buf []byte, neg bool, digits []byte, scale int32) []byte {
	if neg && len(digits) > 0 {
		buf = append(buf, '-')
	}
	if scale <= 0 {
		if len(digits) == 0 {
			return append(buf, '0')
		}
		buf = append(buf, digits...)
		for i := int32(0); i < -scale; i++ {
			buf = append(buf, '0')
		}
		return buf
	}
	n := int32(len(digits))
	if n <= scale {
		buf = append(buf, '0', '.')
		for i := n; i < scale; i++ {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:n-scale]...)
	buf = append(buf, '.')
	return append(buf, digits[n-scale:]...)
}

// appendNumericDigitsBinary writes numeric_send's form of sign × digits ×
// 10^-scale: ndigits, weight, sign, dscale, then base-10000 digits aligned
// on the decimal point with leading and trailing zero groups stripped.
func appendNumericDigitsBinary(buf []byte, neg bool, digits []byte, scale int32) []byte {
	dscale := scale
	if dscale < 0 {
		dscale = 0
	}
	n := int64(len(digits))
	sc := int64(scale)
	// group g holds the decimal digits of powers 4g..4g+3.
	group := func(g int64) uint16 {
		var v uint16
		for p := 4*g + 3; p >= 4*g; p-- {
			i := n - 1 - (p + sc) // index in digits of power p
			var d uint16
			if i >= 0 && i < n {
				d = uint16(digits[i] - '0')
			}
			v = v*10 + d
		}
		return v
	}
	if n == 0 {
		buf = binary.BigEndian.AppendUint16(buf, 0)
		buf = binary.BigEndian.AppendUint16(buf, 0)
		buf = binary.BigEndian.AppendUint16(buf, numericSignPos)
		return binary.BigEndian.AppendUint16(buf, uint16(dscale))
	}
	hi := floorDiv(n-1-sc, 4) // digits has no leading zero, so this group is non-zero
	lo := floorDiv(-sc, 4)
	for lo < hi && group(lo) == 0 {
		lo++
	}
	sign := uint16(numericSignPos)
	if neg {
		sign = numericSignNeg
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(hi-lo+1))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(hi)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	for g := hi; g >= lo; g-- {
		buf = binary.BigEndian.AppendUint16(buf, group(g))
	}
	return buf
}

func appendNumericSpecialText(buf []byte, sp NumericSpecial) []byte {
	switch sp {
	case NumericNaN:
		return append(buf, "NaN"...)
	case NumericPosInf:
		return append(buf, "Infinity"...)
	}
	return append(buf, "-Infinity"...)
}

func appendNumericSpecialBinary(buf []byte, sp NumericSpecial) []byte {
	sign := uint16(numericSignNaN)
	switch sp {
	case NumericPosInf:
		sign = numericSignPInf
	case NumericNegInf:
		sign = numericSignNInf
	}
	// PostgreSQL reads the dscale of its infinity headers through the short
	// format's mask, which yields 32; NaN yields 0.
	dscale := uint16(0)
	if sp != NumericNaN {
		dscale = 32
	}
	buf = binary.BigEndian.AppendUint32(buf, 0) // ndigits, weight
	buf = binary.BigEndian.AppendUint16(buf, sign)
	return binary.BigEndian.AppendUint16(buf, dscale)
}

// numericDigits returns |v.Coef| in decimal (nil for zero) and its sign.
func numericDigits(v NumericValue) (neg bool, digits []byte) {
	if v.Coef == nil || v.Coef.Sign() == 0 {
		return false, nil
	}
	neg = v.Coef.Sign() < 0
	digits = new(big.Int).Abs(v.Coef).Append(nil, 10)
	return neg, digits
}

func appendNumericText(buf []byte, v NumericValue) []byte {
	if v.Special != NumericFinite {
		return appendNumericSpecialText(buf, v.Special)
	}
	neg, d := numericDigits(v)
	return appendNumericDigitsText(buf, neg, d, v.Scale)
}

func appendNumericBinary(buf []byte, v NumericValue) []byte {
	if v.Special != NumericFinite {
		return appendNumericSpecialBinary(buf, v.Special)
	}
	neg, d := numericDigits(v)
	return appendNumericDigitsBinary(buf, neg, d, v.Scale)
}

// decimal128Digits writes |n| in decimal into dst and returns the digits
// (empty for zero) and the sign, without allocating.
func decimal128Digits(dst *[40]byte, n decimal128.Num) (neg bool, digits []byte) {
	hi, lo := uint64(n.HighBits()), n.LowBits()
	if int64(hi) < 0 {
		neg = true
		// two's complement negation of the 128-bit value
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	const chunk = 10_000_000_000_000_000_000 // 1e19
	i := len(dst)
	for hi != 0 {
		qhi := hi / chunk
		r := hi % chunk
		qlo, rem := bits.Div64(r, lo, chunk)
		hi, lo = qhi, qlo
		for k := 0; k < 19; k++ {
			i--
			dst[i] = byte('0' + rem%10)
			rem /= 10
		}
	}
	for lo != 0 {
		i--
		dst[i] = byte('0' + lo%10)
		lo /= 10
	}
	for i < len(dst) && dst[i] == '0' {
		i++
	}
	return neg, dst[i:]
}

// parseNumeric reads numeric_in's syntax: whitespace, NaN, [+-]Infinity,
// [+-]inf, or a decimal with optional point and exponent.
func parseNumeric(src []byte) (NumericValue, error) {
	s := src
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	rest := func(n int) ([]byte, bool) {
		r := s[n:]
		for _, c := range r {
			if !isSpace(c) {
				return nil, false
			}
		}
		return r, true
	}
	for _, sp := range []struct {
		word string
		v    NumericSpecial
	}{
		{"nan", NumericNaN}, {"infinity", NumericPosInf}, {"+infinity", NumericPosInf},
		{"-infinity", NumericNegInf}, {"inf", NumericPosInf}, {"+inf", NumericPosInf}, {"-inf", NumericNegInf},
	} {
		if hasPrefixFold(s, sp.word) {
			if _, ok := rest(len(sp.word)); !ok {
				return NumericValue{}, errSyntax("numeric", src)
			}
			return NumericValue{Special: sp.v}, nil
		}
	}
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var digits []byte
	frac := int64(0)
	seenPoint := false
	nd := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' {
			nd++
			if len(digits) > 0 || c != '0' {
				digits = append(digits, c)
			}
			if seenPoint {
				frac++
			}
		} else if c == '.' && !seenPoint {
			seenPoint = true
		} else {
			break
		}
	}
	if nd == 0 {
		return NumericValue{}, errSyntax("numeric", src)
	}
	exp := int64(0)
	if i < len(s) && (s[i]|0x20) == 'e' {
		i++
		j := i
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		eneg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			eneg = s[j] == '-'
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			if exp < 1<<40 {
				exp = exp*10 + int64(s[k]-'0')
			}
			k++
		}
		if k == j {
			return NumericValue{}, errSyntax("numeric", src)
		}
		if exp >= (1<<31-1)/2 {
			return NumericValue{}, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
		}
		if eneg {
			exp = -exp
		}
		i = k
	}
	if _, ok := rest(i); !ok {
		return NumericValue{}, errSyntax("numeric", src)
	}
	scale := frac - exp
	dscale := scale
	if dscale < 0 {
		dscale = 0
	}
	if len(digits) > 0 {
		// decimal exponent of the leading digit
		lead := int64(len(digits)) - 1 - scale
		if lead >= numericMaxWeightDigs || lead < -numericMaxWeightDigs-numericMaxDscale {
			return NumericValue{}, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
		}
	}
	if dscale > numericMaxDscale {
		return NumericValue{}, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	coef := new(big.Int)
	if len(digits) > 0 {
		coef.SetString(string(digits), 10)
	}
	if scale < 0 && len(digits) > 0 { // zero stays zero, however large its exponent
		coef.Mul(coef, pow10Big(-scale))
	}
	if neg {
		coef.Neg(coef)
	}
	return NumericValue{Coef: coef, Scale: int32(dscale)}, nil
}

func hasPrefixFold(s []byte, lowerWord string) bool {
	if len(s) < len(lowerWord) {
		return false
	}
	for i := 0; i < len(lowerWord); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lowerWord[i] {
			return false
		}
	}
	return true
}

// decodeNumericBinary reads numeric_send's form. Digits hidden by dscale
// are truncated, as numeric_recv does.
func decodeNumericBinary(src []byte) (NumericValue, error) {
	if len(src) < 8 {
		return NumericValue{}, errBinary("insufficient data left in message")
	}
	ndigits := int(int16(binary.BigEndian.Uint16(src)))
	weight := int64(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := binary.BigEndian.Uint16(src[6:])
	if ndigits < 0 || len(src) != 8+2*ndigits {
		return NumericValue{}, errBinary("invalid length in external \"numeric\" value")
	}
	switch sign {
	case numericSignPos, numericSignNeg:
	case numericSignNaN:
		return NumericValue{Special: NumericNaN}, nil
	case numericSignPInf:
		return NumericValue{Special: NumericPosInf}, nil
	case numericSignNInf:
		return NumericValue{Special: NumericNegInf}, nil
	default:
		return NumericValue{}, errBinary("invalid sign in external \"numeric\" value")
	}
	if dscale&numericMaxDscale != dscale {
		return NumericValue{}, errBinary("invalid scale in external \"numeric\" value")
	}
	coef := new(big.Int)
	g := big.NewInt(0)
	tenK := big.NewInt(10000)
	for i := 0; i < ndigits; i++ {
		d := binary.BigEndian.Uint16(src[8+2*i:])
		if d >= 10000 {
			return NumericValue{}, errBinary("invalid digit in external \"numeric\" value")
		}
		coef.Mul(coef, tenK)
		coef.Add(coef, g.SetUint64(uint64(d)))
	}
	// coef = value × 10^(4(ndigits-1-weight)); bring it to value × 10^dscale.
	shift := int64(dscale) - 4*(int64(ndigits)-1-weight)
	if ndigits > 0 {
		if shift >= 0 {
			coef.Mul(coef, pow10Big(shift))
		} else {
			coef.Quo(coef, pow10Big(-shift))
		}
	}
	if sign == numericSignNeg {
		coef.Neg(coef)
	}
	return NumericValue{Coef: coef, Scale: int32(dscale)}, nil
}

// rescaleNumeric returns v's coefficient at scale s, rounding half away
// from zero as PostgreSQL does when a numeric is cast to fewer digits.
func rescaleNumeric(v NumericValue, s int32) *big.Int {
	c := v.Coef
	if c == nil {
		c = new(big.Int)
	}
	switch {
	case s == v.Scale:
		return new(big.Int).Set(c)
	case s > v.Scale:
		return new(big.Int).Mul(c, pow10Big(int64(s-v.Scale)))
	}
	div := pow10Big(int64(v.Scale - s))
	q, r := new(big.Int).QuoRem(c, div, new(big.Int))
	r.Abs(r).Lsh(r, 1)
	if r.Cmp(div) >= 0 {
		if c.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// applyNumericTypmod fits v into numeric(precision, scale) as apply_typmod
// does: round to scale, then fail with 22003 if the integer part does not fit.
func applyNumericTypmod(v NumericValue, precision, scale int) (NumericValue, error) {
	if v.Special == NumericNaN {
		return v, nil
	}
	if v.Special != NumericFinite {
		return v, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", precision, scale)
	}
	c := rescaleNumeric(v, int32(scale))
	if err := checkNumericPrecision(c, precision, scale); err != nil {
		return v, err
	}
	return NumericValue{Coef: c, Scale: int32(scale)}, nil
}

func checkNumericPrecision(coef *big.Int, precision, scale int) error {
	if coef.Sign() == 0 {
		return nil
	}
	if new(big.Int).Abs(coef).Cmp(pow10Big(int64(precision))) >= 0 {
		maxdigits := precision - scale
		if maxdigits != 0 {
			return pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", precision, scale, maxdigits)
		}
		return pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d must round to an absolute value less than 1.", precision, scale)
	}
	return nil
}

// numericToDecimal128 fits v into Decimal128(precision, scale).
func numericToDecimal128(v NumericValue, precision, scale int32) (decimal128.Num, error) {
	if v.Special != NumericFinite {
		what := "an infinite value"
		if v.Special == NumericNaN {
			what = "NaN"
		}
		return decimal128.Num{}, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d cannot hold %s.", precision, scale, what)
	}
	c := rescaleNumeric(v, scale)
	if err := checkNumericPrecision(c, int(precision), int(scale)); err != nil {
		return decimal128.Num{}, err
	}
	return decimal128.FromBigInt(c), nil
}

func decimal128ToNumeric(n decimal128.Num, scale int32) NumericValue {
	return NumericValue{Coef: n.BigInt(), Scale: scale}
}
