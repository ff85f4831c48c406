package expr

import (
	"math"
	"math/big"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// RowIter yields a set-returning function's rows one at a time: ok false
// at the end.
type RowIter func() (row []pgtype.Datum, ok bool, err error)

// SetFn starts a set-returning function over one row's argument values.
type SetFn func(args []pgtype.Datum) (RowIter, error)

// CompileSetFunc prepares a set-returning function: its argument
// evaluators and the function that starts it for one row.
func CompileSetFunc(f *plan.SetFunc, env *Env) ([]*Evaluator, SetFn, error) {
	args := make([]*Evaluator, len(f.Args))
	types := make([]pgtype.Type, len(f.Args))
	for i, a := range f.Args {
		ev, err := Compile(a, env)
		if err != nil {
			return nil, nil, err
		}
		args[i], types[i] = ev, a.Type()
	}
	fn, err := setFunc(f.Func, types, env)
	if err != nil {
		return nil, nil, err
	}
	return args, fn, nil
}

func empty() (RowIter, error) {
	return func() ([]pgtype.Datum, bool, error) { return nil, false, nil }, nil
}

func anyNull(a []pgtype.Datum) bool {
	for _, v := range a {
		if v == nil {
			return true
		}
	}
	return false
}

func setFunc(name string, types []pgtype.Type, env *Env) (SetFn, error) {
	switch name {
	case "scalar_row":
		// A scalar function in FROM: one row, its value.
		return func(a []pgtype.Datum) (RowIter, error) {
			done := false
			return func() ([]pgtype.Datum, bool, error) {
				if done {
					return nil, false, nil
				}
				done = true
				return []pgtype.Datum{a[0]}, true, nil
			}, nil
		}, nil
	case "unnest":
		return func(a []pgtype.Datum) (RowIter, error) {
			if a[0] == nil {
				return empty()
			}
			elems := a[0].(pgtype.Array).Elements
			i := 0
			return func() ([]pgtype.Datum, bool, error) {
				if i >= len(elems) {
					return nil, false, nil
				}
				i++
				return []pgtype.Datum{elems[i-1]}, true, nil
			}, nil
		}, nil
	case "generate_subscripts":
		return func(a []pgtype.Datum) (RowIter, error) {
			if anyNull(a[:2]) || a[1].(int64) != 1 {
				return empty()
			}
			arr := a[0].(pgtype.Array)
			lower := lowerBound(types[0], arr)
			n := int64(len(arr.Elements))
			reverse := len(a) > 2 && a[2] == true
			i := int64(0)
			return func() ([]pgtype.Datum, bool, error) {
				if i >= n {
					return nil, false, nil
				}
				i++
				if reverse {
					return []pgtype.Datum{lower + n - i}, true, nil
				}
				return []pgtype.Datum{lower + i - 1}, true, nil
			}, nil
		}, nil
	case "generate_series":
		return generateSeries(types, env)
	case "pg_get_keywords":
		return keywordsFunc, nil
	case "pg_partition_ancestors":
		// No relation of the lake is a partition or partitioned table in
		// PostgreSQL's sense (relispartition false, relkind r).
		return func([]pgtype.Datum) (RowIter, error) { return empty() }, nil
	}
	if fn, ok := jsonSetFunc(name); ok {
		return fn, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "set-returning function %s is not implemented by the engine", name)
}

func stepIsZero() error {
	return pgerr.New(pgerr.InvalidParameterValue, "step size cannot equal zero")
}

// generateSeries is generate_series(start, stop [, step]) over integers,
// numerics and timestamps, as PostgreSQL computes it: the step is added
// until the value passes stop (an integer step that would overflow ends
// the series).
func generateSeries(types []pgtype.Type, env *Env) (SetFn, error) {
	switch types[0].OID {
	case pgtype.Int4OID, pgtype.Int8OID:
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if types[0].OID == pgtype.Int4OID {
			lo, hi = math.MinInt32, math.MaxInt32
		}
		return func(a []pgtype.Datum) (RowIter, error) {
			step := int64(1)
			if len(a) > 2 && a[2] != nil {
				step = a[2].(int64)
			}
			if anyNull(a) {
				return empty()
			}
			if step == 0 {
				return nil, stepIsZero()
			}
			cur, stop := a[0].(int64), a[1].(int64)
			done := false
			return func() ([]pgtype.Datum, bool, error) {
				if done || step > 0 && cur > stop || step < 0 && cur < stop {
					return nil, false, nil
				}
				v := cur
				next := cur + step
				if (step > 0 && (next < cur || next > hi)) || (step < 0 && (next > cur || next < lo)) {
					done = true
				}
				cur = next
				return []pgtype.Datum{v}, true, nil
			}, nil
		}, nil
	case pgtype.NumericOID:
		return func(a []pgtype.Datum) (RowIter, error) {
			if anyNull(a) {
				return empty()
			}
			step := pgtype.NumericValue{Coef: big.NewInt(1)}
			if len(a) > 2 {
				step = a[2].(pgtype.NumericValue)
			}
			start, stop := a[0].(pgtype.NumericValue), a[1].(pgtype.NumericValue)
			for _, c := range []struct {
				v    pgtype.NumericValue
				what string
			}{{start, "start value"}, {stop, "stop value"}, {step, "step size"}} {
				switch c.v.Special {
				case pgtype.NumericNaN:
					return nil, pgerr.New(pgerr.InvalidParameterValue, "%s cannot be NaN", c.what)
				case pgtype.NumericPosInf, pgtype.NumericNegInf:
					if c.what != "stop value" {
						return nil, pgerr.New(pgerr.InvalidParameterValue, "%s cannot be infinity", c.what)
					}
				}
			}
			sign := step.Coef.Sign()
			if sign == 0 {
				return nil, stepIsZero()
			}
			var cur pgtype.Datum = start
			return func() ([]pgtype.Datum, bool, error) {
				c := Compare(cur, stop)
				if sign > 0 && c > 0 || sign < 0 && c < 0 {
					return nil, false, nil
				}
				v := cur
				next, err := numericOp("add", cur.(pgtype.NumericValue), step, -1)
				if err != nil {
					return nil, false, err
				}
				cur = next
				return []pgtype.Datum{v}, true, nil
			}, nil
		}, nil
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		add, err := arithmetic("add", types[0], pgtype.Interval, types[0], env)
		if err != nil {
			return nil, err
		}
		return func(a []pgtype.Datum) (RowIter, error) {
			if anyNull(a) {
				return empty()
			}
			step := a[2].(pgtype.IntervalValue)
			// PostgreSQL compares intervals with 30-day months and 24-hour days.
			span := (int64(step.Months)*30+int64(step.Days))*86400_000_000 + step.Micros
			if span == 0 {
				return nil, stepIsZero()
			}
			cur, stop := a[0], a[1]
			return func() ([]pgtype.Datum, bool, error) {
				c := Compare(cur, stop)
				if span > 0 && c > 0 || span < 0 && c < 0 {
					return nil, false, nil
				}
				v := cur
				next, err := add([]pgtype.Datum{cur, step})
				if err != nil {
					return nil, false, err
				}
				cur = next
				return []pgtype.Datum{v}, true, nil
			}, nil
		}, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "generate_series(%s) is not implemented by the engine", types[0])
}
