package expr

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// subqueryValue turns a subquery's rows into its value for one outer row
// (test is that row's IN operand).
type subqueryValue func(rows [][]pgtype.Datum, test pgtype.Datum) (pgtype.Datum, error)

func subqueryValueOf(x *plan.Subquery) subqueryValue {
	switch x.Kind {
	case plan.SubScalar:
		return func(rs [][]pgtype.Datum, _ pgtype.Datum) (pgtype.Datum, error) {
			if len(rs) > 1 {
				return nil, pgerr.New(pgerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
			}
			if len(rs) == 1 {
				return rs[0][0], nil
			}
			return nil, nil
		}
	case plan.SubExists:
		return func(rs [][]pgtype.Datum, _ pgtype.Datum) (pgtype.Datum, error) { return (len(rs) > 0) != x.Not, nil }
	case plan.SubArray:
		elem := pgtype.Type{OID: x.Plan.Columns()[0].Type.OID, Typmod: -1}
		return func(rs [][]pgtype.Datum, _ pgtype.Datum) (pgtype.Datum, error) {
			vals := make([]pgtype.Datum, len(rs))
			for i, r := range rs {
				vals[i] = r[0]
			}
			return pgtype.Array{Elem: elem, Elements: vals, Lower: 1}, nil
		}
	}
	return func(rs [][]pgtype.Datum, v pgtype.Datum) (pgtype.Datum, error) {
		set, hasNull := inSet(rs)
		return inResult(set, hasNull, v, x.Not), nil
	}
}

// inSet is the sorted non-NULL values of a one-column result and whether
// it holds a NULL.
func inSet(rs [][]pgtype.Datum) ([]pgtype.Datum, bool) {
	var set []pgtype.Datum
	hasNull := false
	for _, r := range rs {
		if r[0] == nil {
			hasNull = true
		} else {
			set = append(set, r[0])
		}
	}
	sort.Slice(set, func(i, j int) bool { return Compare(set[i], set[j]) < 0 })
	return set, hasNull
}

// inResult is x IN S: true if some element equals x; else NULL if x or an
// element is NULL (and S is not empty); else false. not negates it.
func inResult(set []pgtype.Datum, hasNull bool, v pgtype.Datum, not bool) pgtype.Datum {
	var in pgtype.Datum
	switch {
	case len(set) == 0 && !hasNull:
		in = false
	case v == nil:
		in = nil
	default:
		k := sort.Search(len(set), func(j int) bool { return Compare(set[j], v) >= 0 })
		if k < len(set) && Compare(set[k], v) == 0 {
			in = true
		} else if hasNull {
			in = nil
		} else {
			in = false
		}
	}
	if not && in != nil {
		in = !in.(bool)
	}
	return in
}

// arraySubquery evaluates an uncorrelated ARRAY(subquery), once.
func (c *compiler) arraySubquery(x *plan.Subquery) (colFn, error) {
	env := c.env
	value := subqueryValueOf(x)
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		if b.NumRows() == 0 {
			return nil, nil
		}
		rs, err := env.Subquery(x.Plan)
		if err != nil {
			return nil, err
		}
		v, err := value(rs, nil)
		if err != nil {
			return nil, err
		}
		out := make([]pgtype.Datum, b.NumRows())
		for i := range out {
			out[i] = v
		}
		return out, nil
	}, nil
}

// correlatedSubquery evaluates a correlated subquery: for each distinct
// tuple of outer values, the plan with its CorrelatedRefs bound to them
// runs once (through Env.Subquery) and its value is kept.
func (c *compiler) correlatedSubquery(x *plan.Subquery) (colFn, error) {
	env := c.env
	outer := make([]colFn, len(x.Outer))
	for i, o := range x.Outer {
		fn, err := c.compile(o)
		if err != nil {
			return nil, err
		}
		outer[i] = fn
	}
	var test colFn
	if x.Test != nil {
		fn, err := c.compile(x.Test)
		if err != nil {
			return nil, err
		}
		test = fn
	}
	value := subqueryValueOf(x)
	types := make([]pgtype.Type, len(x.Outer))
	for i, o := range x.Outer {
		types[i] = o.Type()
	}
	cache := map[string][][]pgtype.Datum{}
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		n := int(b.NumRows())
		cols := make([][]pgtype.Datum, len(outer))
		for i, fn := range outer {
			v, err := fn(b)
			if err != nil {
				return nil, err
			}
			cols[i] = v
		}
		var tests []pgtype.Datum
		if test != nil {
			v, err := test(b)
			if err != nil {
				return nil, err
			}
			tests = v
		}
		out := make([]pgtype.Datum, n)
		var key []byte
		vals := make([]pgtype.Datum, len(outer))
		for r := 0; r < n; r++ {
			key = key[:0]
			for i := range outer {
				vals[i] = cols[i][r]
				key = appendDatumKey(key, types[i], vals[i], env.Settings)
			}
			rs, ok := cache[string(key)]
			if !ok {
				bound := plan.MapNode(x.Plan, func(e plan.Expr) plan.Expr {
					if cr, ok := e.(*plan.CorrelatedRef); ok {
						return &plan.Const{Value: vals[cr.Slot], Typ: cr.Typ}
					}
					return e
				})
				var err error
				if rs, err = env.Subquery(bound); err != nil {
					return nil, err
				}
				cache[string(key)] = rs
			}
			var t pgtype.Datum
			if tests != nil {
				t = tests[r]
			}
			v, err := value(rs, t)
			if err != nil {
				return nil, err
			}
			out[r] = v
		}
		return out, nil
	}, nil
}

// appendDatumKey appends a value's text form, length-prefixed, or a NULL
// marker: equal keys for equal values of one type.
func appendDatumKey(buf []byte, t pgtype.Type, d pgtype.Datum, s *pgtype.Settings) []byte {
	if d == nil {
		return append(buf, 0xff, 0xff, 0xff, 0xff)
	}
	// The text goes straight into buf after a length placeholder: no
	// allocation per outer value.
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	out, err := pgtype.AppendText(buf, t, d, s)
	if err != nil {
		out = append(buf, err.Error()...)
	}
	n := len(out) - at - 4
	out[at], out[at+1], out[at+2], out[at+3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return out
}
