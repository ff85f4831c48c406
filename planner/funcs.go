package planner

import (
	"strings"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Volatility is PostgreSQL's provolatile: what may be cached or folded.
type Volatility byte

// Volatility classes.
const (
	Immutable Volatility = 'i'
	Stable    Volatility = 's'
	Volatile  Volatility = 'v'
)

// funcSig is one overload of a scalar function the engine implements. Args
// of Unknown mean "any type" (the implementation dispatches on the argument
// types); Ret of Unknown means "same as the first argument".
type funcSig struct {
	Name       string
	Args       []pgtype.Type
	Variadic   bool // the last arg repeats
	Ret        pgtype.Type
	Volatility Volatility
}

var anyType = pgtype.Unknown

// scalarFuncs lists the scalar functions of the thin slice, by SQL name.
// Each name is also the engine's implementation name.
var scalarFuncs = map[string][]funcSig{
	"lower":       {{Args: []pgtype.Type{pgtype.Text}, Ret: pgtype.Text, Volatility: Immutable}},
	"upper":       {{Args: []pgtype.Type{pgtype.Text}, Ret: pgtype.Text, Volatility: Immutable}},
	"length":      {{Args: []pgtype.Type{pgtype.Text}, Ret: pgtype.Int4, Volatility: Immutable}},
	"char_length": {{Args: []pgtype.Type{pgtype.Text}, Ret: pgtype.Int4, Volatility: Immutable}},
	"abs": {
		{Args: []pgtype.Type{pgtype.Int2}, Ret: pgtype.Int2, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Int4}, Ret: pgtype.Int4, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Int8}, Ret: pgtype.Int8, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Numeric}, Ret: anyType, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Float8}, Ret: pgtype.Float8, Volatility: Immutable},
	},
	"round": {
		{Args: []pgtype.Type{pgtype.Numeric}, Ret: pgtype.Numeric, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Numeric, pgtype.Int4}, Ret: pgtype.Numeric, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Float8}, Ret: pgtype.Float8, Volatility: Immutable},
	},
	"now":                   {{Ret: pgtype.Timestamptz, Volatility: Stable}},
	"statement_timestamp":   {{Ret: pgtype.Timestamptz, Volatility: Stable}},
	"transaction_timestamp": {{Ret: pgtype.Timestamptz, Volatility: Stable}},
	"clock_timestamp":       {{Ret: pgtype.Timestamptz, Volatility: Volatile}},
	"random":                {{Ret: pgtype.Float8, Volatility: Volatile}},
}

// sessionFuncs are answered from the session at bind time: they are stable
// within a statement, and the planner holds the Env that knows them.
var sessionFuncs = map[string]bool{
	"version": true, "current_setting": true, "current_schema": true,
	"current_schemas": true, "current_database": true, "current_user": true,
	"session_user": true, "current_catalog": true, "user": true, "current_role": true,
	"pg_backend_pid": true,
}

// aggregate result types, by aggregate name and argument type.
func aggregateType(name string, arg pgtype.Type) (pgtype.Type, bool) {
	switch name {
	case "count":
		return pgtype.Int8, true
	case "sum":
		switch arg.OID {
		case pgtype.Int2OID, pgtype.Int4OID:
			return pgtype.Int8, true
		case pgtype.Int8OID:
			return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, 0)}, true
		case pgtype.NumericOID:
			// A column's values share its scale, and so does their sum.
			if _, s, ok := pgtype.NumericPrecisionScale(arg.Typmod); ok {
				return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, s)}, true
			}
			return pgtype.Numeric, true
		case pgtype.Float4OID, pgtype.Float8OID, pgtype.IntervalOID:
			return pgtype.Type{OID: arg.OID, Typmod: -1}, true
		}
	case "avg":
		switch arg.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID:
			// sum / count at select_div_scale: the scale depends on the values.
			return pgtype.Numeric, true
		case pgtype.Float4OID, pgtype.Float8OID:
			return pgtype.Float8, true
		case pgtype.IntervalOID:
			return pgtype.Interval, true
		}
	case "min", "max":
		if arg.IsArray() {
			return arg, false
		}
		return arg, true
	case "bool_and", "bool_or", "every":
		if arg.OID == pgtype.BoolOID {
			return pgtype.Bool, true
		}
	}
	return pgtype.Unknown, false
}

func isAggregate(name string) bool {
	switch name {
	case "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every":
		return true
	}
	return false
}

// funcName joins a possibly qualified function name; pg_catalog.f is f.
func funcName(parts []string) string {
	if len(parts) == 2 && parts[0] == "pg_catalog" {
		return strings.ToLower(parts[1])
	}
	return strings.ToLower(strings.Join(parts, "."))
}
