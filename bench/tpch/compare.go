package main

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// A timing is only worth reporting for a right answer, so every Sluice
// result is checked against DuckDB's on the same files before it is timed.
//
// Sluice's rows are compared as the text PostgreSQL would show (the result
// is fetched in text format), DuckDB's as the Go values its driver returns:
//   - DECIMAL(w,s): Sluice's text must be the same number at the same scale
//     ("123141078.2283" against DECIMAL(38,4)), character for character;
//     PostgreSQL's numeric scale rules for +, -, *, and sum agree with
//     DuckDB's here.
//   - integers (count, extract(year ...)): the same digits, whether Sluice
//     types the column as an integer or as numeric.
//   - DOUBLE: where DuckDB divides decimals or averages them it answers in
//     binary floating point while PostgreSQL answers in exact numeric; the
//     two must agree to a relative 1e-12, far below any difference a wrong
//     plan would make and far above DuckDB's own rounding.
//   - DATE as YYYY-MM-DD, strings exactly, NULL only against NULL.
//
// Rows are compared in order: every TPC-H query that returns more than one
// row orders them, on keys without ties at the validation parameters.

// floatTolerance is the relative difference allowed against DuckDB's DOUBLEs.
const floatTolerance = 1e-12

// compareResults returns nil if sluice (text values, nil for NULL) shows the
// same rows as duck (driver values), or an error naming the first difference.
func compareResults(duck [][]any, sluice [][]*string) error {
	if len(duck) != len(sluice) {
		return fmt.Errorf("%d rows, DuckDB returned %d", len(sluice), len(duck))
	}
	for i := range duck {
		if len(duck[i]) != len(sluice[i]) {
			return fmt.Errorf("%d columns, DuckDB returned %d", len(sluice[i]), len(duck[i]))
		}
		for j := range duck[i] {
			if err := compareValue(duck[i][j], sluice[i][j]); err != nil {
				return fmt.Errorf("row %d column %d: %w", i+1, j+1, err)
			}
		}
	}
	return nil
}

func compareValue(d any, s *string) error {
	if d == nil || s == nil {
		if d == nil && s == nil {
			return nil
		}
		return fmt.Errorf("%s, DuckDB %s", showText(s), showDuck(d))
	}
	got := *s
	var want string
	switch v := d.(type) {
	case duckdb.Decimal:
		want = formatDecimal(v.Value, int(v.Scale))
	case *big.Int:
		want = v.String()
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		want = fmt.Sprint(v)
	case float32:
		return compareFloat(float64(v), got)
	case float64:
		return compareFloat(v, got)
	case string:
		want = v
	case []byte:
		want = string(v)
	case bool:
		want = map[bool]string{true: "t", false: "f"}[v]
	case time.Time:
		// DuckDB returns a DATE as midnight UTC; TPC-H returns no other
		// time values.
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			want = v.Format("2006-01-02")
		} else {
			want = v.Format("2006-01-02 15:04:05.999999")
		}
	default:
		return fmt.Errorf("DuckDB returned a %T, which this harness cannot compare", d)
	}
	if got != want {
		return fmt.Errorf("%s, DuckDB %q", showText(s), want)
	}
	return nil
}

func compareFloat(want float64, got string) error {
	g, err := strconv.ParseFloat(got, 64)
	if err != nil {
		return fmt.Errorf("%q is not a number, DuckDB %v", got, want)
	}
	if g == want {
		return nil
	}
	if math.Abs(g-want) <= floatTolerance*math.Max(math.Abs(g), math.Abs(want)) {
		return nil
	}
	return fmt.Errorf("%q, DuckDB %v (relative difference above %g)", got, want, floatTolerance)
}

// formatDecimal writes the integer v scaled by 10^-scale as PostgreSQL shows
// a numeric: every one of scale fraction digits, a leading 0 before the point.
func formatDecimal(v *big.Int, scale int) string {
	digits := new(big.Int).Abs(v).String()
	sign := ""
	if v.Sign() < 0 {
		sign = "-"
	}
	if scale <= 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

func showText(s *string) string {
	if s == nil {
		return "NULL"
	}
	return strconv.Quote(*s)
}

func showDuck(d any) string {
	if d == nil {
		return "NULL"
	}
	if v, ok := d.(duckdb.Decimal); ok {
		return formatDecimal(v.Value, int(v.Scale))
	}
	return fmt.Sprint(d)
}
