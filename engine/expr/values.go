package expr

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

func nowMicros() int64 { return time.Now().UnixMicro() }

// Compare orders two non-NULL Datums of compatible types as PostgreSQL's
// btree operators do: NaN above every float, text by bytes (C collation),
// intervals by their total span.
func Compare(a, b pgtype.Datum) int {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmp3(x, y)
		case float64:
			return cmpFloat(float64(x), y)
		case pgtype.NumericValue:
			return cmpNumeric(pgtype.NumericValue{Coef: big.NewInt(x)}, y)
		}
	case float64:
		switch y := b.(type) {
		case float64:
			return cmpFloat(x, y)
		case int64:
			return cmpFloat(x, float64(y))
		}
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		y := b.(bool)
		switch {
		case x == y:
			return 0
		case !x:
			return -1
		}
		return 1
	case pgtype.NumericValue:
		switch y := b.(type) {
		case pgtype.NumericValue:
			return cmpNumeric(x, y)
		case int64:
			return cmpNumeric(x, pgtype.NumericValue{Coef: big.NewInt(y)})
		}
	case pgtype.DateValue:
		return cmp3(x, b.(pgtype.DateValue))
	case pgtype.TimestampValue:
		return cmp3(x, b.(pgtype.TimestampValue))
	case pgtype.TimeValue:
		return cmp3(x, b.(pgtype.TimeValue))
	case pgtype.IntervalValue:
		return cmp3(intervalSpan(x), intervalSpan(b.(pgtype.IntervalValue)))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	case [16]byte:
		y := b.([16]byte)
		return bytes.Compare(x[:], y[:])
	case pgtype.Array:
		y := b.(pgtype.Array)
		for i := 0; i < len(x.Elements) && i < len(y.Elements); i++ {
			ea, eb := x.Elements[i], y.Elements[i]
			switch {
			case ea == nil && eb == nil:
				continue
			case ea == nil:
				return 1
			case eb == nil:
				return -1
			}
			if c := Compare(ea, eb); c != 0 {
				return c
			}
		}
		return cmp3(len(x.Elements), len(y.Elements))
	case pgtype.Record:
		// record_cmp: field by field, a NULL field after any value.
		y := b.(pgtype.Record)
		for i := 0; i < len(x.Values) && i < len(y.Values); i++ {
			fa, fb := x.Values[i], y.Values[i]
			switch {
			case fa == nil && fb == nil:
				continue
			case fa == nil:
				return 1
			case fb == nil:
				return -1
			}
			if c := Compare(fa, fb); c != 0 {
				return c
			}
		}
		return cmp3(len(x.Values), len(y.Values))
	}
	return 0
}

type ordered interface {
	~int | ~int32 | ~int64
}

func cmp3[T ordered](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// intervalSpan is an interval's length in microseconds with a month as 30
// days, the span PostgreSQL compares intervals by.
func intervalSpan(v pgtype.IntervalValue) int64 {
	return (int64(v.Months)*30+int64(v.Days))*86400_000_000 + v.Micros
}

func special(n pgtype.NumericValue) int {
	switch n.Special {
	case pgtype.NumericNegInf:
		return -1
	case pgtype.NumericPosInf:
		return 1
	case pgtype.NumericNaN:
		return 2
	}
	return 0
}

func cmpNumeric(a, b pgtype.NumericValue) int {
	sa, sb := special(a), special(b)
	if sa != 0 || sb != 0 {
		return cmp3(sa, sb)
	}
	x, y := align(a, b)
	return x.Cmp(y)
}

var bigTen = big.NewInt(10)

func pow10(n int32) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(n)), nil)
}

// align returns the coefficients of a and b at a common scale.
func align(a, b pgtype.NumericValue) (*big.Int, *big.Int) {
	x, y := a.Coef, b.Coef
	if a.Scale < b.Scale {
		x = new(big.Int).Mul(x, pow10(b.Scale-a.Scale))
	} else if b.Scale < a.Scale {
		y = new(big.Int).Mul(y, pow10(a.Scale-b.Scale))
	}
	return x, y
}

// rescale rounds n to scale s, half away from zero, as PostgreSQL does.
func rescale(n pgtype.NumericValue, s int32) pgtype.NumericValue {
	if n.Special != pgtype.NumericFinite || n.Scale == s {
		return n
	}
	if n.Scale < s {
		return pgtype.NumericValue{Coef: new(big.Int).Mul(n.Coef, pow10(s-n.Scale)), Scale: s}
	}
	return pgtype.NumericValue{Coef: divRound(n.Coef, pow10(n.Scale-s)), Scale: s}
}

// divRound divides rounding half away from zero.
func divRound(a, b *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(a, b, new(big.Int))
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.Cmp(new(big.Int).Abs(b)) >= 0 {
		if (a.Sign() < 0) != (b.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

func numAbs(n pgtype.NumericValue) pgtype.NumericValue {
	if n.Special == pgtype.NumericNegInf {
		return pgtype.NumericValue{Special: pgtype.NumericPosInf}
	}
	if n.Special != pgtype.NumericFinite {
		return n
	}
	return pgtype.NumericValue{Coef: new(big.Int).Abs(n.Coef), Scale: n.Scale}
}

func numRound(n pgtype.NumericValue, s int32) pgtype.NumericValue {
	if s < 0 {
		r := rescale(n, 0)
		p := pow10(-s)
		return pgtype.NumericValue{Coef: new(big.Int).Mul(divRound(r.Coef, p), p), Scale: 0}
	}
	return rescale(n, s)
}

// toNumeric widens an integer or numeric Datum.
func toNumeric(d pgtype.Datum) pgtype.NumericValue {
	switch v := d.(type) {
	case int64:
		return pgtype.NumericValue{Coef: big.NewInt(v)}
	case pgtype.NumericValue:
		return v
	}
	return pgtype.NumericValue{Special: pgtype.NumericNaN}
}

func numericToFloat(n pgtype.NumericValue) float64 {
	switch n.Special {
	case pgtype.NumericNaN:
		return math.NaN()
	case pgtype.NumericPosInf:
		return math.Inf(1)
	case pgtype.NumericNegInf:
		return math.Inf(-1)
	}
	f, _ := strconv.ParseFloat(numericString(n), 64)
	return f
}

func numericString(n pgtype.NumericValue) string {
	s := new(big.Int).Abs(n.Coef).String()
	if n.Scale > 0 {
		for int32(len(s)) <= n.Scale {
			s = "0" + s
		}
		s = s[:int32(len(s))-n.Scale] + "." + s[int32(len(s))-n.Scale:]
	} else if n.Scale < 0 {
		s += strings.Repeat("0", int(-n.Scale))
	}
	if n.Coef.Sign() < 0 {
		s = "-" + s
	}
	return s
}

func intRange(t pgtype.Type) (lo, hi int64, name string) {
	switch t.OID {
	case pgtype.Int2OID:
		return math.MinInt16, math.MaxInt16, "smallint"
	case pgtype.Int4OID:
		return math.MinInt32, math.MaxInt32, "integer"
	}
	return math.MinInt64, math.MaxInt64, "bigint"
}

func outOfRange(name string) error {
	return pgerr.New(pgerr.NumericValueOutOfRange, "%s out of range", name)
}

func divisionByZero() error { return pgerr.New(pgerr.DivisionByZero, "division by zero") }
