package expr

import (
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// subquery evaluates an uncorrelated subquery: its rows come from
// Env.Subquery the first time a batch needs them.
func (c *compiler) subquery(x *plan.Subquery) (colFn, error) {
	if c.env.Subquery == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "subqueries cannot run here")
	}
	if len(x.Outer) > 0 {
		return c.correlatedSubquery(x)
	}
	if x.Kind == plan.SubArray {
		return c.arraySubquery(x)
	}
	env := c.env
	rows := func() ([][]pgtype.Datum, error) { return env.Subquery(x.Plan) }
	fill := func(b arrow.RecordBatch, v pgtype.Datum) []pgtype.Datum {
		out := make([]pgtype.Datum, b.NumRows())
		for i := range out {
			out[i] = v
		}
		return out
	}
	switch x.Kind {
	case plan.SubScalar:
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			if b.NumRows() == 0 {
				return nil, nil
			}
			rs, err := rows()
			if err != nil {
				return nil, err
			}
			if len(rs) > 1 {
				return nil, pgerr.New(pgerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
			}
			var v pgtype.Datum
			if len(rs) == 1 {
				v = rs[0][0]
			}
			return fill(b, v), nil
		}, nil
	case plan.SubExists:
		not := x.Not
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			if b.NumRows() == 0 {
				return nil, nil
			}
			rs, err := rows()
			if err != nil {
				return nil, err
			}
			return fill(b, (len(rs) > 0) != not), nil
		}, nil
	}
	test, err := c.compile(x.Test)
	if err != nil {
		return nil, err
	}
	not := x.Not
	var set []pgtype.Datum // sorted non-NULL values
	hasNull, loaded := false, false
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		vals, err := test(b)
		if err != nil {
			return nil, err
		}
		if len(vals) == 0 {
			return vals, nil
		}
		if !loaded {
			rs, err := rows()
			if err != nil {
				return nil, err
			}
			for _, r := range rs {
				if r[0] == nil {
					hasNull = true
				} else {
					set = append(set, r[0])
				}
			}
			sort.Slice(set, func(i, j int) bool { return Compare(set[i], set[j]) < 0 })
			loaded = true
		}
		empty := len(set) == 0 && !hasNull
		out := make([]pgtype.Datum, len(vals))
		for i, v := range vals {
			// x IN S: true if some element equals x; else NULL if x or an
			// element is NULL (and S is not empty); else false.
			var in pgtype.Datum
			switch {
			case empty:
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
			out[i] = in
		}
		return out, nil
	}, nil
}
