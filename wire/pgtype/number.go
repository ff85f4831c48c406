package pgtype

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Text and binary forms of bool, the integers, oid and the floats.

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func appendBoolText(buf []byte, v bool) []byte {
	if v {
		return append(buf, 't')
	}
	return append(buf, 'f')
}

func appendBoolBinary(buf []byte, v bool) []byte {
	if v {
		return append(buf, 1)
	}
	return append(buf, 0)
}

// parseBool accepts what boolin does: any unambiguous prefix of true,
// false, yes, no, and on, off (at least "of"), 1 and 0, ignoring case and
// surrounding whitespace.
func parseBool(src []byte) (bool, error) {
	s := trimSpace(src)
	if len(s) == 0 {
		return false, errSyntax("boolean", src)
	}
	prefixOf := func(word string, min int) bool {
		if len(s) < min || len(s) > len(word) {
			return false
		}
		for i := range s {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != word[i] {
				return false
			}
		}
		return true
	}
	switch {
	case prefixOf("true", 1), prefixOf("yes", 1), prefixOf("on", 2):
		return true, nil
	case prefixOf("false", 1), prefixOf("no", 1), prefixOf("off", 2):
		return false, nil
	case len(s) == 1 && s[0] == '1':
		return true, nil
	case len(s) == 1 && s[0] == '0':
		return false, nil
	}
	return false, errSyntax("boolean", src)
}

func decodeBoolBinary(src []byte) (bool, error) {
	if len(src) != 1 {
		return false, errBinaryLen("boolean", len(src), 1)
	}
	return src[0] != 0, nil
}

// intTypeName is the name integer input errors use.
func intTypeName(bits int) string {
	switch bits {
	case 16:
		return "smallint"
	case 32:
		return "integer"
	}
	return "bigint"
}

// parseInt reads an integer as pg_strtoint16/32/64 do: optional
// surrounding whitespace, an optional sign, decimal digits only.
func parseInt(src []byte, bits int) (int64, error) {
	name := intTypeName(bits)
	s := trimSpace(src)
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, errSyntax(name, src)
	}
	limit := uint64(1) << (bits - 1) // magnitude of the minimum
	var mag uint64
	overflow := false
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errSyntax(name, src)
		}
		if mag > (math.MaxUint64-9)/10 {
			overflow = true
			continue
		}
		mag = mag*10 + uint64(c-'0')
		if mag > limit {
			overflow = true
		}
	}
	if overflow || (!neg && mag == limit) {
		return 0, errRange(name, src)
	}
	if neg {
		return -int64(mag-1) - 1, nil
	}
	return int64(mag), nil
}

// parseOID reads an oid as oidin does (strtoul semantics): negative values
// down to -2^31 wrap around, as PostgreSQL accepts them.
func parseOID(src []byte) (int64, error) {
	s := src
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	var mag uint64
	overflow := false
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		d := uint64(s[n] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
		} else {
			mag = mag*10 + d
		}
		n++
	}
	if n == 0 {
		return 0, errSyntax("oid", src)
	}
	for _, c := range s[n:] {
		if !isSpace(c) {
			return 0, errSyntax("oid", src)
		}
	}
	if overflow {
		return 0, errRange("oid", src)
	}
	cvt := mag
	if neg {
		cvt = -mag
	}
	r := uint32(cvt)
	if cvt != uint64(r) && cvt != uint64(int64(int32(r))) {
		return 0, errRange("oid", src)
	}
	return int64(r), nil
}

func decodeIntBinary(src []byte, bits int) (int64, error) {
	if len(src) != bits/8 {
		return 0, errBinaryLen(intTypeName(bits), len(src), bits/8)
	}
	switch bits {
	case 16:
		return int64(int16(binary.BigEndian.Uint16(src))), nil
	case 32:
		return int64(int32(binary.BigEndian.Uint32(src))), nil
	}
	return int64(binary.BigEndian.Uint64(src)), nil
}

func decodeOIDBinary(src []byte) (int64, error) {
	if len(src) != 4 {
		return 0, errBinaryLen("oid", len(src), 4)
	}
	return int64(binary.BigEndian.Uint32(src)), nil
}

// appendRegText prints a reg* value. PostgreSQL prints the object's name;
// Sluice has no name resolution for reg* output yet, so it prints the
// numeric OID, which is also what PostgreSQL prints for an OID that names no
// object. InvalidOid prints as "-" as in PostgreSQL.
func appendRegText(buf []byte, v uint32) []byte {
	if v == 0 {
		return append(buf, '-')
	}
	return strconv.AppendUint(buf, uint64(v), 10)
}

// pgNaN is the NaN PostgreSQL produces (the C NAN constant); its binary
// form differs from Go's math.NaN().
var pgNaN = math.Float64frombits(0x7ff8000000000000)

func floatTypeName(bits int) string {
	if bits == 32 {
		return "real"
	}
	return "double precision"
}

// appendFloat prints a float as float4out/float8out do under
// extra_float_digits: above zero the shortest text that reads back exactly
// (fixed notation for decimal exponents from -4 up to the type's digit
// count, else exponential); zero and below, printf's %.*g with
// FLT_DIG/DBL_DIG plus extra_float_digits significant digits.
func appendFloat(buf []byte, f float64, bits int, extraDigits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	if extraDigits > 0 {
		return appendFloatShortest(buf, f, bits)
	}
	digits := 15
	if bits == 32 {
		digits = 6
	}
	digits += extraDigits
	if digits < 1 {
		digits = 1
	}
	return strconv.AppendFloat(buf, f, 'g', digits, bits)
}

// appendFloatShortest prints the shortest decimal that reads back as f, as
// PostgreSQL's Ryu does. PostgreSQL builds Ryu without STRICTLY_SHORTEST,
// so a decimal lying exactly on the boundary between two floats is never
// chosen, even where round-half-even reading would map it back to f (1e23
// prints as 9.999999999999999e+22). Go's strconv does accept such
// boundaries, so its answer is checked and, rarely, lengthened.
func appendFloatShortest(buf []byte, f float64, bits int) []byte {
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	d, exp := splitExponential(e)
	if onFloatBoundary(f, bits, d, exp) {
		maxDigits := 17
		if bits == 32 {
			maxDigits = 9
		}
		var alt [32]byte
		for prec := len(d) + 1; prec <= maxDigits; prec++ {
			e := strconv.AppendFloat(alt[:0], f, 'e', prec-1, bits)
			back, err := strconv.ParseFloat(string(e), bits)
			cd, cexp := splitExponential(e)
			for len(cd) > 1 && cd[len(cd)-1] == '0' {
				cd = cd[:len(cd)-1]
			}
			if err == nil && back == f && !onFloatBoundary(f, bits, cd, cexp) {
				copy(tmp[:], cd)
				d, exp = tmp[:len(cd)], cexp
				break
			}
		}
	}
	if f < 0 || (f == 0 && math.Signbit(f)) {
		buf = append(buf, '-')
	}
	threshold := 15
	if bits == 32 {
		threshold = 6
	}
	nd := len(d)
	if exp >= -4 && exp < threshold {
		switch {
		case exp < 0:
			buf = append(buf, '0', '.')
			for k := 0; k < -exp-1; k++ {
				buf = append(buf, '0')
			}
			buf = append(buf, d...)
		case nd <= exp+1:
			buf = append(buf, d...)
			for k := nd; k < exp+1; k++ {
				buf = append(buf, '0')
			}
		default:
			buf = append(buf, d[:exp+1]...)
			buf = append(buf, '.')
			buf = append(buf, d[exp+1:]...)
		}
		return buf
	}
	buf = append(buf, d[0])
	if nd > 1 {
		buf = append(buf, '.')
		buf = append(buf, d[1:]...)
	}
	buf = append(buf, 'e')
	if exp < 0 {
		buf = append(buf, '-')
		exp = -exp
	} else {
		buf = append(buf, '+')
	}
	if exp < 10 {
		buf = append(buf, '0')
	}
	return strconv.AppendInt(buf, int64(exp), 10)
}

// splitExponential splits strconv's [-]d[.ddd]e±XX into the significant
// digits (a sub-slice of e, overwritten in place) and the decimal exponent
// of the first digit.
func splitExponential(e []byte) ([]byte, int) {
	if e[0] == '-' {
		e = e[1:]
	}
	i := 0
	n := 0
	for ; e[i] != 'e'; i++ {
		if e[i] != '.' {
			e[n] = e[i]
			n++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	return e[:n], exp
}

// onFloatBoundary reports whether the decimal digits×10^(exp-len+1) is
// exactly halfway between |f| and a neighbouring float. A cheap test on
// powers of two rules out almost every case before exact arithmetic.
func onFloatBoundary(f float64, bits int, digits []byte, exp int) bool {
	f = math.Abs(f)
	if f == 0 || len(digits) > 19 {
		return false
	}
	var m uint64
	var e2 int
	var powerOfTwo bool
	if bits == 32 {
		b := math.Float32bits(float32(f))
		frac, ex := uint64(b&(1<<23-1)), int((b>>23)&0xff)
		if ex == 0 {
			m, e2 = frac, 1-150
		} else {
			m, e2 = frac|1<<23, ex-150
			powerOfTwo = frac == 0 && ex > 1
		}
	} else {
		b := math.Float64bits(f)
		frac, ex := b&(1<<52-1), int((b>>52)&0x7ff)
		if ex == 0 {
			m, e2 = frac, 1-1075
		} else {
			m, e2 = frac|1<<52, ex-1075
			powerOfTwo = frac == 0 && ex > 1
		}
	}
	var dv uint64
	for _, c := range digits {
		dv = dv*10 + uint64(c-'0')
	}
	k := exp - (len(digits) - 1) // value = dv × 10^k
	// The binary valuation of dv×10^k must equal the boundary's: e2-1 for
	// (2m±1)×2^(e2-1), or e2-2 for the lower boundary below a power of two.
	v2 := bitsTrailingZeros(dv) + k
	candidates := []struct {
		odd   uint64
		shift int
	}{{2*m + 1, e2 - 1}}
	if powerOfTwo {
		candidates = append(candidates, struct {
			odd   uint64
			shift int
		}{4*m - 1, e2 - 2})
	} else {
		candidates = append(candidates, struct {
			odd   uint64
			shift int
		}{2*m - 1, e2 - 1})
	}
	for _, c := range candidates {
		if v2 != c.shift {
			continue
		}
		lhs := new(big.Rat).SetInt(new(big.Int).SetUint64(dv))
		if k >= 0 {
			lhs.Mul(lhs, new(big.Rat).SetInt(pow10Big(int64(k))))
		} else {
			lhs.Quo(lhs, new(big.Rat).SetInt(pow10Big(int64(-k))))
		}
		rhs := new(big.Rat).SetInt(new(big.Int).SetUint64(c.odd))
		if c.shift >= 0 {
			rhs.Mul(rhs, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(c.shift))))
		} else {
			rhs.Quo(rhs, new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(-c.shift))))
		}
		if lhs.Cmp(rhs) == 0 {
			return true
		}
	}
	return false
}

func bitsTrailingZeros(v uint64) int {
	if v == 0 {
		return 0
	}
	return bits.TrailingZeros64(v)
}

// parseFloat reads a float as float4in/float8in do: strtod's syntax
// (decimal or hexadecimal, NaN, Infinity, inf) with surrounding whitespace.
// Overflow, and underflow of a non-zero value to zero, are out of range.
func parseFloat(src []byte, bits int) (float64, error) {
	name := floatTypeName(bits)
	s := src
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	end := len(s)
	for end > 0 && isSpace(s[end-1]) {
		end--
	}
	num := s[:end]
	if len(num) == 0 {
		return 0, errSyntax(name, src)
	}
	if v, ok := floatSpecial(num); ok {
		return v, nil
	}
	nonZero, hex, ok := scanFloatSyntax(num)
	if !ok {
		return 0, errSyntax(name, src)
	}
	text := string(num)
	if hex && !containsAny(num, "pP") {
		text += "p0"
	}
	v, err := strconv.ParseFloat(text, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, pgerrRangeFloat(num, name)
		}
		return 0, errSyntax(name, src)
	}
	if v == 0 && nonZero {
		return 0, pgerrRangeFloat(num, name)
	}
	return v, nil
}

func containsAny(b []byte, chars string) bool {
	for _, c := range b {
		for i := 0; i < len(chars); i++ {
			if c == chars[i] {
				return true
			}
		}
	}
	return false
}

func floatSpecial(s []byte) (float64, bool) {
	eq := func(w string) bool {
		if len(s) != len(w) {
			return false
		}
		for i := range s {
			c := s[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[i] {
				return false
			}
		}
		return true
	}
	switch {
	case eq("nan"), eq("+nan"), eq("-nan"):
		return pgNaN, true
	case eq("infinity"), eq("+infinity"), eq("inf"), eq("+inf"):
		return math.Inf(1), true
	case eq("-infinity"), eq("-inf"):
		return math.Inf(-1), true
	}
	return 0, false
}

// scanFloatSyntax checks strtod's number syntax (so that Go's more lenient
// ParseFloat, which allows underscores, sees only what C would accept) and
// reports whether any mantissa digit is non-zero.
func scanFloatSyntax(s []byte) (nonZero, hex, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	isHex := func(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
	digit := isDigit
	if i+1 < len(s) && s[i] == '0' && (s[i+1]|0x20) == 'x' {
		hex = true
		digit = isHex
		i += 2
	}
	nd := 0
	for i < len(s) && digit(s[i]) {
		if s[i] != '0' {
			nonZero = true
		}
		i++
		nd++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && digit(s[i]) {
			if s[i] != '0' {
				nonZero = true
			}
			i++
			nd++
		}
	}
	if nd == 0 {
		return false, false, false
	}
	if i < len(s) && ((!hex && (s[i]|0x20) == 'e') || (hex && (s[i]|0x20) == 'p')) {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ne := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			ne++
		}
		if ne == 0 {
			return false, false, false
		}
	}
	return nonZero, hex, i == len(s)
}

func decodeFloatBinary(src []byte, bits int) (float64, error) {
	if len(src) != bits/8 {
		return 0, errBinaryLen(floatTypeName(bits), len(src), bits/8)
	}
	if bits == 32 {
		return float64(math.Float32frombits(binary.BigEndian.Uint32(src))), nil
	}
	return math.Float64frombits(binary.BigEndian.Uint64(src)), nil
}
