package expr

import (
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// RangeKey is a window ORDER BY key as RANGE frames compare it: a date as
// the timestamp of its midnight (its offsets are intervals).
func RangeKey(t pgtype.Type, d pgtype.Datum) pgtype.Datum {
	if dv, ok := d.(pgtype.DateValue); ok && t.OID == pgtype.DateOID {
		return pgtype.TimestampValue(int64(dv) * 86400_000_000)
	}
	return d
}

// RangeBound is key + offset (sub: key - offset) for a RANGE frame with
// an offset: numbers exactly (as numerics, so no overflow), dates and
// timestamps plus an interval, in the session's time zone for
// timestamptz.
func RangeBound(keyType pgtype.Type, key, offset pgtype.Datum, sub bool, env *Env) (pgtype.Datum, error) {
	op := "add"
	if sub {
		op = "sub"
	}
	switch keyType.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID:
		return numericOp(op, toNumeric(key), toNumeric(offset), -1)
	case pgtype.Float4OID, pgtype.Float8OID:
		f := offset.(float64)
		if sub {
			f = -f
		}
		return key.(float64) + f, nil
	case pgtype.DateOID:
		keyType = pgtype.Timestamp
	}
	fn, err := arithmetic(op, keyType, pgtype.Interval, keyType, env)
	if err != nil {
		return nil, err
	}
	return fn([]pgtype.Datum{key, offset})
}

// RangeOffsetNegative reports an offset below zero, which PostgreSQL
// rejects (22013).
func RangeOffsetNegative(d pgtype.Datum) bool {
	switch v := d.(type) {
	case int64:
		return v < 0
	case float64:
		return v < 0
	case pgtype.NumericValue:
		return v.Special == pgtype.NumericNegInf || v.Special == pgtype.NumericFinite && v.Coef != nil && v.Coef.Sign() < 0
	case pgtype.IntervalValue:
		return (int64(v.Months)*30+int64(v.Days))*86400_000_000+v.Micros < 0
	}
	return false
}

// ErrInvalidRangeOffset is RANGE's error for a negative offset.
func ErrInvalidRangeOffset() error {
	return pgerr.New("22013", "invalid preceding or following size in window function")
}
