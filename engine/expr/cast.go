package expr

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

func isText(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.CharOID, pgtype.UnknownOID:
		return true
	}
	return false
}

func isInt(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID, pgtype.RegclassOID,
		pgtype.RegtypeOID, pgtype.RegprocOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
		return true
	}
	return false
}

func settingsOf(env *Env) *pgtype.Settings {
	if env != nil && env.Settings != nil {
		return env.Settings
	}
	return pgtype.DefaultSettings()
}

func zoneOf(env *Env) *time.Location {
	if s := settingsOf(env); s.TimeZone != nil {
		return s.TimeZone
	}
	return time.UTC
}

// castFunc returns the conversion of non-NULL values from one type to
// another with PostgreSQL's cast semantics.
func castFunc(from, to pgtype.Type, env *Env) (func(pgtype.Datum) (pgtype.Datum, error), error) {
	same := from.OID == to.OID
	if fn, ok := regToText(from, to, env); ok {
		return fn, nil
	}
	switch {
	case from.IsArray() && to.IsArray() && !same:
		return arrayCast(from, to, env)
	case to.OID == pgtype.NumericOID:
		_, scale, hasMod := pgtype.NumericPrecisionScale(to.Typmod)
		prec, _, _ := pgtype.NumericPrecisionScale(to.Typmod)
		toNum := func(d pgtype.Datum) (pgtype.NumericValue, error) {
			switch v := d.(type) {
			case int64:
				return pgtype.NumericValue{Coef: big.NewInt(v)}, nil
			case pgtype.NumericValue:
				return v, nil
			case float64:
				if math.IsNaN(v) {
					return pgtype.NumericValue{Special: pgtype.NumericNaN}, nil
				}
				if math.IsInf(v, 0) {
					s := pgtype.NumericPosInf
					if v < 0 {
						s = pgtype.NumericNegInf
					}
					return pgtype.NumericValue{Special: s}, nil
				}
				// float8 → numeric keeps 15 significant digits, as PostgreSQL does.
				d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(strconv.FormatFloat(v, 'g', 15, 64)), nil)
				if err != nil {
					return pgtype.NumericValue{}, err
				}
				return d.(pgtype.NumericValue), nil
			case string:
				d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(v), settingsOf(env))
				if err != nil {
					return pgtype.NumericValue{}, err
				}
				return d.(pgtype.NumericValue), nil
			}
			return pgtype.NumericValue{}, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to numeric", from)
		}
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			n, err := toNum(d)
			if err != nil {
				return nil, err
			}
			if !hasMod || n.Special != pgtype.NumericFinite {
				if hasMod && n.Special != pgtype.NumericFinite && n.Special != pgtype.NumericNaN {
					return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
						WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", prec, scale)
				}
				return n, nil
			}
			r := rescale(n, int32(scale))
			if len(new(big.Int).Abs(r.Coef).String()) > prec && r.Coef.Sign() != 0 {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
					WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", prec, scale, prec-scale)
			}
			return r, nil
		}, nil
	case isInt(to):
		lo, hi, name := intRange(to)
		oidLike := func(t pgtype.Type) bool {
			return t.OID == pgtype.OIDOID || t.OID >= pgtype.RegprocedureOID || t.OID == pgtype.RegprocOID
		}
		if oidLike(to) {
			lo, hi, name = 0, math.MaxUint32, "OID"
		}
		// int4 and the oid types are binary coercible in pg_cast: the 32
		// bits stay, so -1 is oid 4294967295 and back (int8 to oid checks
		// its range).
		var wrap int64
		switch {
		case from.OID == pgtype.Int4OID && oidLike(to):
			wrap = 1 << 32
		case oidLike(from) && to.OID == pgtype.Int4OID:
			wrap = -(1 << 32)
		}
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			var v int64
			switch x := d.(type) {
			case int64:
				v = x
				if (wrap > 0 && v < 0) || (wrap < 0 && v > math.MaxInt32) {
					v += wrap
				}
			case bool:
				if x {
					v = 1
				}
			case float64:
				if math.IsNaN(x) || x < float64(lo)-0.5 || x >= float64(hi)+0.5 {
					return nil, outOfRange(name)
				}
				v = int64(math.RoundToEven(x))
			case pgtype.NumericValue:
				if x.Special != pgtype.NumericFinite {
					return nil, pgerr.New(pgerr.FeatureNotSupported, "cannot convert %s to %s", numericSpecialName(x), name)
				}
				r := rescale(x, 0)
				if !r.Coef.IsInt64() {
					return nil, outOfRange(name)
				}
				v = r.Coef.Int64()
			case string:
				p, err := pgtype.Decode(to, pgtype.TextFormat, []byte(x), settingsOf(env))
				if err != nil {
					return nil, err
				}
				return p, nil
			default:
				return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from, to)
			}
			if v < lo || v > hi {
				return nil, outOfRange(name)
			}
			return v, nil
		}, nil
	case to.OID == pgtype.Float4OID || to.OID == pgtype.Float8OID:
		// A real is a float64 rounded to float32 precision: 1.1::real
		// widens to double precision as 1.100000023841858, as in
		// PostgreSQL, whatever it was cast from.
		toFloat := func(x float64) (pgtype.Datum, error) {
			if to.OID != pgtype.Float4OID {
				return x, nil
			}
			f := float32(x)
			if math.IsInf(float64(f), 0) && !math.IsInf(x, 0) {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
			}
			return float64(f), nil
		}
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			switch x := d.(type) {
			case int64:
				return toFloat(float64(x))
			case float64:
				return toFloat(x)
			case pgtype.NumericValue:
				return toFloat(numericToFloat(x))
			case string:
				return pgtype.Decode(to, pgtype.TextFormat, []byte(x), settingsOf(env))
			}
			return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from, to)
		}, nil
	case isText(to) && !isText(from):
		s := settingsOf(env)
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			if b, ok := d.(bool); ok {
				// bool::text is the SQL spelling, not the output function's t/f.
				if b {
					return "true", nil
				}
				return "false", nil
			}
			out, err := pgtype.AppendText(nil, from, d, s)
			if err != nil {
				return nil, err
			}
			return truncateText(string(out), to, true), nil
		}, nil
	case isText(to):
		return func(d pgtype.Datum) (pgtype.Datum, error) { return truncateText(d.(string), to, true), nil }, nil
	case isText(from):
		s := settingsOf(env)
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			str := d.(string)
			if to.OID != pgtype.JSONOID && to.OID != pgtype.JSONBOID {
				str = strings.TrimRight(str, " ")
			}
			return pgtype.Decode(to, pgtype.TextFormat, []byte(str), s)
		}, nil
	case to.OID == pgtype.BoolOID && isInt(from):
		return func(d pgtype.Datum) (pgtype.Datum, error) { return d.(int64) != 0, nil }, nil
	case to.OID == pgtype.DateOID:
		loc := zoneOf(env)
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			switch x := d.(type) {
			case pgtype.DateValue:
				return x, nil
			case pgtype.TimestampValue:
				switch x {
				case pgtype.TimestampPosInfinity:
					return pgtype.DatePosInfinity, nil
				case pgtype.TimestampNegInfinity:
					return pgtype.DateNegInfinity, nil
				}
				us := int64(x)
				if from.OID == pgtype.TimestamptzOID {
					us = wallMicros(us, loc)
				}
				return pgtype.DateValue(floorDiv64(us, 86400_000_000)), nil
			}
			return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to date", from)
		}, nil
	case to.OID == pgtype.TimestampOID || to.OID == pgtype.TimestamptzOID:
		loc := zoneOf(env)
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			switch x := d.(type) {
			case pgtype.DateValue:
				switch x {
				case pgtype.DatePosInfinity:
					return pgtype.TimestampPosInfinity, nil
				case pgtype.DateNegInfinity:
					return pgtype.TimestampNegInfinity, nil
				}
				us := int64(x) * 86400_000_000
				if to.OID == pgtype.TimestamptzOID {
					us = utcMicros(us, loc)
				}
				return pgtype.TimestampValue(us), nil
			case pgtype.TimestampValue:
				if same || x == pgtype.TimestampPosInfinity || x == pgtype.TimestampNegInfinity {
					return x, nil
				}
				if to.OID == pgtype.TimestamptzOID {
					return pgtype.TimestampValue(utcMicros(int64(x), loc)), nil
				}
				return pgtype.TimestampValue(wallMicros(int64(x), loc)), nil
			}
			return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from, to)
		}, nil
	case to.OID == pgtype.TimeOID:
		loc := zoneOf(env)
		return func(d pgtype.Datum) (pgtype.Datum, error) {
			switch x := d.(type) {
			case pgtype.TimeValue:
				return x, nil
			case pgtype.TimestampValue:
				us := int64(x)
				if from.OID == pgtype.TimestamptzOID {
					us = wallMicros(us, loc)
				}
				return pgtype.TimeValue(us - floorDiv64(us, 86400_000_000)*86400_000_000), nil
			}
			return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to time", from)
		}, nil
	case same || (from.OID == pgtype.JSONOID || from.OID == pgtype.JSONBOID) && (to.OID == pgtype.JSONOID || to.OID == pgtype.JSONBOID):
		return func(d pgtype.Datum) (pgtype.Datum, error) { return d, nil }, nil
	}
	return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from, to)
}

func numericSpecialName(n pgtype.NumericValue) string {
	switch n.Special {
	case pgtype.NumericNaN:
		return "NaN"
	case pgtype.NumericPosInf, pgtype.NumericNegInf:
		return "infinity"
	}
	return "numeric"
}

// truncateText applies varchar(n)/char(n) to an explicit cast's result.
func truncateText(s string, to pgtype.Type, explicit bool) string {
	if (to.OID == pgtype.VarcharOID || to.OID == pgtype.BPCharOID) && to.Typmod >= 4 {
		n := int(to.Typmod - 4)
		if r := []rune(s); len(r) > n {
			s = string(r[:n])
		}
		if to.OID == pgtype.BPCharOID {
			if pad := n - len([]rune(s)); pad > 0 {
				s += strings.Repeat(" ", pad)
			}
		}
	}
	return s
}

func floorDiv64(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// wallMicros turns an instant into the wall clock of loc, read as UTC.
func wallMicros(us int64, loc *time.Location) int64 {
	t := time.UnixMicro(us).In(loc)
	_, off := t.Zone()
	return us + int64(off)*1_000_000
}

// utcMicros turns a wall clock of loc (read as UTC) into an instant. A
// wall clock that a transition skips is read with the offset before it,
// one that occurs twice with the offset after it, as PostgreSQL's
// DetermineTimeZoneOffset does.
func utcMicros(wall int64, loc *time.Location) int64 {
	if loc == time.UTC {
		return wall
	}
	offsetAt := func(us int64) int64 {
		_, off := time.UnixMicro(us).In(loc).Zone()
		return int64(off) * 1_000_000
	}
	const halfDay = 12 * 3600 * 1_000_000
	before, after := offsetAt(wall-halfDay), offsetAt(wall+halfDay)
	if before == after {
		if u := wall - before; offsetAt(u) == before {
			return u
		}
		// A transition and its return within a day: take the offset in
		// force at the wall clock read as UTC.
		return wall - offsetAt(wall-before)
	}
	if u := wall - after; offsetAt(u) == after {
		return u
	}
	return wall - before
}

// arrayCast converts an array element by element, keeping its bounds, as
// PostgreSQL's array coercion does. int2vector and oidvector are arrays
// counted from 0, and the array they become keeps that lower bound
// ('1 2'::int2vector::int2[] is [0:1]={1,2}); an empty vector keeps its one
// dimension too (array_lower gives 0), which a zero-element Array with a
// lower bound other than 1 stands for.
func arrayCast(from, to pgtype.Type, env *Env) (func(pgtype.Datum) (pgtype.Datum, error), error) {
	switch to.Elem().OID {
	case pgtype.RegclassOID, pgtype.RegtypeOID, pgtype.RegprocOID, pgtype.RegprocedureOID, pgtype.RegoperOID,
		pgtype.RegoperatorOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
		// Their elements print as names only the catalog knows, which an
		// array's output does not look up: refuse rather than print OIDs.
		return nil, pgerr.New(pgerr.FeatureNotSupported, "cannot cast type %s to %s: arrays of %s are not supported", from, to, to.Elem())
	}
	elem, err := castFunc(from.Elem(), to.Elem(), env)
	if err != nil {
		return nil, err
	}
	vector := isVector(from)
	toElem := to.Elem()
	return func(d pgtype.Datum) (pgtype.Datum, error) {
		arr, ok := d.(pgtype.Array)
		if !ok {
			return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from, to)
		}
		out := pgtype.Array{Elem: toElem, Elements: make([]pgtype.Datum, len(arr.Elements)), Lower: arr.Lower}
		if vector {
			out.Lower = 0
		}
		for i, e := range arr.Elements {
			if e == nil {
				continue
			}
			v, err := elem(e)
			if err != nil {
				return nil, err
			}
			out.Elements[i] = v
		}
		return out, nil
	}, nil
}
