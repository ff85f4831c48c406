package expr

import (
	"github.com/sluicesql/sluice/wire/pgtype"
)

// arrayOpFunc implements array subscripts and || on arrays, which
// PostgreSQL's catalog queries use; NULLs reach them (array_cat and
// array_append treat a NULL array as empty).
func arrayOpFunc(name string, types []pgtype.Type) (func([]pgtype.Datum) (pgtype.Datum, error), bool) {
	elemOf := func(t pgtype.Type) pgtype.Type { return pgtype.Type{OID: t.Elem().OID, Typmod: -1} }
	// build joins parts into an array counted from lower, the first
	// subscript of the first input that has a dimension (array_cat's and
	// array_append's rule: '[0:1]={1,2}' || 3 is [0:2]={1,2,3}).
	build := func(elem pgtype.Type, lower int64, parts ...[]pgtype.Datum) pgtype.Array {
		var out []pgtype.Datum
		for _, p := range parts {
			out = append(out, p...)
		}
		if out == nil {
			out = []pgtype.Datum{}
		}
		return pgtype.Array{Elem: elem, Elements: out, Lower: int32(lower)}
	}
	lowerOf := func(t pgtype.Type, d pgtype.Datum) (int64, bool) {
		if d == nil {
			return 1, false
		}
		arr := d.(pgtype.Array)
		return lowerBound(t, arr), hasDim(t, arr)
	}
	elems := func(d pgtype.Datum) []pgtype.Datum {
		if d == nil {
			return nil
		}
		return d.(pgtype.Array).Elements
	}
	switch name {
	case "array_subscript":
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil || a[1] == nil {
				return nil, nil
			}
			arr := a[0].(pgtype.Array)
			i := a[1].(int64) - lowerBound(types[0], arr)
			if i < 0 || i >= int64(len(arr.Elements)) {
				return nil, nil
			}
			return arr.Elements[i], nil
		}, true
	case "array_cat":
		elem := elemOf(types[0])
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			if a[0] == nil && a[1] == nil {
				return nil, nil
			}
			if a[0] == nil {
				return a[1], nil
			}
			if a[1] == nil {
				return a[0], nil
			}
			lower, ok := lowerOf(types[0], a[0])
			if !ok {
				lower, _ = lowerOf(types[1], a[1])
			}
			return build(elem, lower, elems(a[0]), elems(a[1])), nil
		}, true
	case "array_append":
		elem := elemOf(types[0])
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			lower, _ := lowerOf(types[0], a[0])
			return build(elem, lower, elems(a[0]), []pgtype.Datum{a[1]}), nil
		}, true
	case "array_prepend":
		// The array keeps its first subscript (array_prepend readjusts
		// it after growing the array downwards).
		elem := elemOf(types[1])
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			lower, _ := lowerOf(types[1], a[1])
			return build(elem, lower, []pgtype.Datum{a[0]}, elems(a[1])), nil
		}, true
	}
	return nil, false
}
