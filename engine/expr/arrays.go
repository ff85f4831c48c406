package expr

import (
	"strings"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// arrayCompare is x op ANY (array) or x op ALL (array): true if the
// comparison holds for some (every) element, NULL when the answer hangs on
// a NULL, as PostgreSQL's ScalarArrayOpExpr.
func arrayCompare(fn string) func([]pgtype.Datum) (pgtype.Datum, error) {
	all := strings.HasPrefix(fn, "all_")
	test := map[string]func(int) bool{
		"eq": func(c int) bool { return c == 0 }, "ne": func(c int) bool { return c != 0 },
		"lt": func(c int) bool { return c < 0 }, "le": func(c int) bool { return c <= 0 },
		"gt": func(c int) bool { return c > 0 }, "ge": func(c int) bool { return c >= 0 },
	}[fn[4:]]
	return func(a []pgtype.Datum) (pgtype.Datum, error) {
		if a[1] == nil {
			return nil, nil
		}
		arr := a[1].(pgtype.Array)
		if len(arr.Elements) == 0 {
			return all, nil
		}
		if a[0] == nil {
			return nil, nil
		}
		sawNull := false
		for _, e := range arr.Elements {
			if e == nil {
				sawNull = true
				continue
			}
			if test(compareNumbers(a[0], e)) != all {
				return !all, nil
			}
		}
		if sawNull {
			return nil, nil
		}
		return all, nil
	}
}

// arrayFunc returns the row function of an array function (NULLs are
// handed to it), or ok false.
func arrayFunc(name string, types []pgtype.Type) (func([]pgtype.Datum) (pgtype.Datum, error), bool) {
	switch name {
	case "cardinality":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			return int64(len(a[0].(pgtype.Array).Elements)), nil
		}, true
	case "array_length", "array_upper", "array_lower":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			arr := a[0].(pgtype.Array)
			// An empty vector keeps its one dimension ([0:-1]), as
			// int2vectorin makes it, and so does the array cast from it;
			// an empty array has none.
			if a[1].(int64) != 1 || !hasDim(types[0], arr) {
				return nil, nil
			}
			lower := lowerBound(types[0], arr)
			switch name {
			case "array_length":
				return int64(len(arr.Elements)), nil
			case "array_lower":
				return lower, nil
			}
			return lower + int64(len(arr.Elements)) - 1, nil
		}, true
	case "array_position":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			arr := a[0].(pgtype.Array)
			for i, e := range arr.Elements {
				if e == nil && a[1] == nil || e != nil && a[1] != nil && Compare(e, a[1]) == 0 {
					return int64(i) + lowerBound(types[0], arr), nil
				}
			}
			return nil, nil
		}, true
	case "array_append", "array_prepend", "array_cat":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			switch name {
			case "array_append":
				if a[0] == nil {
					return pgtype.Array{Elem: types[1], Elements: []pgtype.Datum{a[1]}, Lower: 1}, nil
				}
				arr := a[0].(pgtype.Array)
				return pgtype.Array{Elem: arr.Elem, Elements: append(append([]pgtype.Datum(nil), arr.Elements...), a[1]), Lower: 1}, nil
			case "array_prepend":
				if a[1] == nil {
					return pgtype.Array{Elem: types[0], Elements: []pgtype.Datum{a[0]}, Lower: 1}, nil
				}
				arr := a[1].(pgtype.Array)
				return pgtype.Array{Elem: arr.Elem, Elements: append([]pgtype.Datum{a[0]}, arr.Elements...), Lower: 1}, nil
			}
			if a[0] == nil {
				return a[1], nil
			}
			if a[1] == nil {
				return a[0], nil
			}
			x, y := a[0].(pgtype.Array), a[1].(pgtype.Array)
			return pgtype.Array{Elem: x.Elem, Elements: append(append([]pgtype.Datum(nil), x.Elements...), y.Elements...), Lower: 1}, nil
		}, true
	case "string_to_array":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil {
				return nil, nil
			}
			s := a[0].(string)
			out := pgtype.Array{Elem: pgtype.Text, Lower: 1, Elements: []pgtype.Datum{}}
			if s == "" {
				return out, nil
			}
			var parts []string
			switch {
			case a[1] == nil:
				for _, r := range s {
					parts = append(parts, string(r))
				}
			case a[1].(string) == "":
				parts = []string{s}
			default:
				parts = strings.Split(s, a[1].(string))
			}
			for _, p := range parts {
				if len(a) > 2 && a[2] != nil && p == a[2].(string) {
					out.Elements = append(out.Elements, nil)
					continue
				}
				out.Elements = append(out.Elements, p)
			}
			return out, nil
		}, true
	case "array_to_string":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			arr := a[0].(pgtype.Array)
			var parts []string
			for _, e := range arr.Elements {
				if e == nil {
					if len(a) > 2 && a[2] != nil {
						parts = append(parts, a[2].(string))
					}
					continue
				}
				txt, err := textOf(types[0].Elem(), e, nil)
				if err != nil {
					return nil, pgerr.Convert(err)
				}
				parts = append(parts, txt)
			}
			return strings.Join(parts, a[1].(string)), nil
		}, true
	}
	return nil, false
}

// compareNumbers is Compare that also orders a float8 against a numeric
// (x = ANY of an array whose elements kept their own numeric type).
func compareNumbers(x, y pgtype.Datum) int {
	switch a := x.(type) {
	case float64:
		if b, ok := y.(pgtype.NumericValue); ok {
			return cmpFloat(a, numericToFloat(b))
		}
	case pgtype.NumericValue:
		if b, ok := y.(float64); ok {
			return cmpFloat(numericToFloat(a), b)
		}
	}
	return Compare(x, y)
}

// hasDim says whether arr has its one dimension: any element, or an empty
// int2vector or oidvector (and an array cast from one, whose zero-element
// Array keeps lower bound 0), which int2vectorin gives one dimension of
// length 0 where an empty array has none.
func hasDim(t pgtype.Type, arr pgtype.Array) bool {
	return len(arr.Elements) > 0 || isVector(t) || arr.Lower != 1
}
