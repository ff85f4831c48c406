package planner

import (
	"strings"

	"github.com/sluicesql/sluice/planner/plan"
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
// types, as PostgreSQL's "any" does); anyElement and anyArray are
// PostgreSQL's polymorphic types, resolved per call to one element type.
// Ret of Unknown means "same as the first argument".
type funcSig struct {
	Args       []pgtype.Type
	Variadic   bool // the last arg repeats zero or more times
	Ret        pgtype.Type
	Volatility Volatility
}

var (
	anyType    = pgtype.Unknown
	anyElement = pgtype.Type{OID: 2283, Typmod: -1}
	anyArray   = pgtype.Type{OID: 2277, Typmod: -1}
)

// sigs builds the overloads of one function from specs such as
// "text,int4,text?->text": argument types by typname, a trailing "?" marks
// an argument with a default (each shorter call is an overload of its
// own), "..." after the last argument makes it variadic, "any",
// "anyelement" and "anyarray" are the pseudo-types.
func sigs(vol Volatility, specs ...string) []funcSig {
	var out []funcSig
	for _, spec := range specs {
		in, ret, _ := strings.Cut(spec, "->")
		var args []pgtype.Type
		required := 0
		variadic := false
		if in != "" {
			for _, a := range strings.Split(in, ",") {
				if strings.HasSuffix(a, "...") {
					variadic = true
					a = strings.TrimSuffix(a, "...")
				}
				optional := strings.HasSuffix(a, "?")
				args = append(args, sigType(strings.TrimSuffix(a, "?")))
				if !optional {
					required = len(args)
				}
			}
		}
		for n := required; n <= len(args); n++ {
			out = append(out, funcSig{Args: args[:n:n], Variadic: variadic && n == len(args), Ret: sigType(ret), Volatility: vol})
		}
	}
	return out
}

func sigType(name string) pgtype.Type {
	switch name {
	case "any", "same":
		return anyType
	case "anyelement":
		return anyElement
	case "anyarray":
		return anyArray
	}
	info, ok := pgtype.LookupName(name)
	if !ok {
		panic("planner: unknown type in function table: " + name)
	}
	return pgtype.Type{OID: info.OID, Typmod: -1}
}

// scalarFuncs lists the scalar functions the engine implements, by SQL
// name. Each name is also the engine's implementation name; the engine
// dispatches on the argument types the planner resolved.
var scalarFuncs = map[string][]funcSig{
	// strings
	"lower":             sigs(Immutable, "text->text"),
	"upper":             sigs(Immutable, "text->text"),
	"initcap":           sigs(Immutable, "text->text"),
	"length":            sigs(Immutable, "text->int4"),
	"char_length":       sigs(Immutable, "text->int4"),
	"character_length":  sigs(Immutable, "text->int4"),
	"octet_length":      sigs(Immutable, "text->int4"),
	"substring":         sigs(Immutable, "text,int4,int4?->text", "text,text->text", "text,text,text->text"),
	"substr":            sigs(Immutable, "text,int4,int4?->text"),
	"position":          sigs(Immutable, "text,text->int4"),
	"strpos":            sigs(Immutable, "text,text->int4"),
	"btrim":             sigs(Immutable, "text,text?->text"),
	"ltrim":             sigs(Immutable, "text,text?->text"),
	"rtrim":             sigs(Immutable, "text,text?->text"),
	"concat":            sigs(Stable, "any...->text"),
	"json_build_object": sigs(Stable, "->json", "any...->json"),
	"concat_ws":         sigs(Stable, "text,any...->text"),
	"replace":           sigs(Immutable, "text,text,text->text"),
	"split_part":        sigs(Immutable, "text,text,int4->text"),
	"left":              sigs(Immutable, "text,int4->text"),
	"right":             sigs(Immutable, "text,int4->text"),
	"lpad":              sigs(Immutable, "text,int4,text?->text"),
	"rpad":              sigs(Immutable, "text,int4,text?->text"),
	"repeat":            sigs(Immutable, "text,int4->text"),
	"reverse":           sigs(Immutable, "text->text"),
	"md5":               sigs(Immutable, "text->text"),
	"format":            sigs(Stable, "text->text", "text,any...->text"),
	"like_escape":       sigs(Immutable, "text,text->text"),
	"similar_to_escape": sigs(Immutable, "text->text", "text,text->text"),
	"regexp_replace":    sigs(Immutable, "text,text,text,text?->text"),
	"regexp_match":      sigs(Immutable, "text,text,text?->_text"),
	"starts_with":       sigs(Immutable, "text,text->bool"),
	"to_hex":            sigs(Immutable, "int4->text", "int8->text"),
	"ascii":             sigs(Immutable, "text->int4"),
	"chr":               sigs(Immutable, "int4->text"),
	"bit_length":        sigs(Immutable, "text->int4"),
	"translate":         sigs(Immutable, "text,text,text->text"),
	"overlay":           sigs(Immutable, "text,text,int4,int4?->text"),
	"quote_ident":       sigs(Immutable, "text->text"),
	"quote_literal":     sigs(Stable, "text->text", "anyelement->text"),
	"quote_nullable":    sigs(Stable, "text->text", "anyelement->text"),
	"regexp_like":       sigs(Immutable, "text,text,text?->bool"),
	"string_to_array":   sigs(Immutable, "text,text,text?->_text"),

	// math
	"abs":     sigs(Immutable, "int2->int2", "int4->int4", "int8->int8", "numeric->same", "float4->float4", "float8->float8"),
	"round":   sigs(Immutable, "numeric->numeric", "numeric,int4->numeric", "float8->float8"),
	"trunc":   sigs(Immutable, "numeric->numeric", "numeric,int4->numeric", "float8->float8"),
	"floor":   sigs(Immutable, "numeric->numeric", "float8->float8"),
	"ceil":    sigs(Immutable, "numeric->numeric", "float8->float8"),
	"ceiling": sigs(Immutable, "numeric->numeric", "float8->float8"),
	"sign":    sigs(Immutable, "numeric->numeric", "float8->float8"),
	"power":   sigs(Immutable, "float8,float8->float8", "numeric,numeric->numeric"),
	"pow":     sigs(Immutable, "float8,float8->float8", "numeric,numeric->numeric"),
	"sqrt":    sigs(Immutable, "float8->float8", "numeric->numeric"),
	"cbrt":    sigs(Immutable, "float8->float8"),
	"exp":     sigs(Immutable, "float8->float8", "numeric->numeric"),
	"ln":      sigs(Immutable, "float8->float8", "numeric->numeric"),
	"log":     sigs(Immutable, "float8->float8", "numeric->numeric", "numeric,numeric->numeric"),
	"log10":   sigs(Immutable, "float8->float8", "numeric->numeric"),
	"mod":     sigs(Immutable, "int2,int2->int2", "int4,int4->int4", "int8,int8->int8", "numeric,numeric->numeric"),
	"div":     sigs(Immutable, "numeric,numeric->numeric"),
	"pi":      sigs(Immutable, "->float8"),
	"degrees": sigs(Immutable, "float8->float8"),
	"radians": sigs(Immutable, "float8->float8"),
	"gcd":     sigs(Immutable, "int4,int4->int4", "int8,int8->int8", "numeric,numeric->numeric"),
	"lcm":     sigs(Immutable, "int4,int4->int4", "int8,int8->int8", "numeric,numeric->numeric"),
	"random":  sigs(Volatile, "->float8"),
	"width_bucket": sigs(Immutable, "float8,float8,float8,int4->int4",
		"numeric,numeric,numeric,int4->int4"),

	// dates and times
	"now":                   sigs(Stable, "->timestamptz"),
	"statement_timestamp":   sigs(Stable, "->timestamptz"),
	"transaction_timestamp": sigs(Stable, "->timestamptz"),
	"clock_timestamp":       sigs(Volatile, "->timestamptz"),
	"date_trunc": {
		{Args: []pgtype.Type{pgtype.Text, pgtype.Timestamp}, Ret: pgtype.Timestamp, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Text, pgtype.Timestamptz}, Ret: pgtype.Timestamptz, Volatility: Stable},
		{Args: []pgtype.Type{pgtype.Text, pgtype.Timestamptz, pgtype.Text}, Ret: pgtype.Timestamptz, Volatility: Stable},
		{Args: []pgtype.Type{pgtype.Text, pgtype.Interval}, Ret: pgtype.Interval, Volatility: Immutable},
	},
	// date_part(text, date) is SQL in PostgreSQL: it casts to timestamp.
	"date_part":        sigs(Stable, "text,timestamptz->float8", "text,timestamp->float8", "text,interval->float8", "text,date->float8", "text,time->float8"),
	"extract":          sigs(Stable, "text,timestamptz->numeric", "text,timestamp->numeric", "text,interval->numeric", "text,date->numeric", "text,time->numeric"),
	"age":              sigs(Stable, "timestamptz,timestamptz->interval", "timestamp,timestamp->interval", "timestamptz->interval", "timestamp->interval"),
	"make_date":        sigs(Immutable, "int4,int4,int4->date"),
	"make_time":        sigs(Immutable, "int4,int4,float8->time"),
	"make_timestamp":   sigs(Immutable, "int4,int4,int4,int4,int4,float8->timestamp"),
	"make_timestamptz": sigs(Stable, "int4,int4,int4,int4,int4,float8,text?->timestamptz"),
	"make_interval":    sigs(Immutable, "int4?,int4?,int4?,int4?,int4?,int4?,float8?->interval"),
	"justify_days":     sigs(Immutable, "interval->interval"),
	"justify_hours":    sigs(Immutable, "interval->interval"),
	"justify_interval": sigs(Immutable, "interval->interval"),
	"to_char":          sigs(Stable, "timestamptz,text->text", "timestamp,text->text", "interval,text->text"),
	"to_timestamp":     sigs(Stable, "float8->timestamptz", "text,text->timestamptz"),
	"to_date":          sigs(Stable, "text,text->date"),
	"timezone": {
		{Args: []pgtype.Type{pgtype.Text, pgtype.Timestamptz}, Ret: pgtype.Timestamp, Volatility: Immutable},
		{Args: []pgtype.Type{pgtype.Text, pgtype.Timestamp}, Ret: pgtype.Timestamptz, Volatility: Immutable},
	},
	"isfinite": sigs(Immutable, "date->bool", "timestamp->bool", "timestamptz->bool", "interval->bool"),

	// arrays
	"array_length":    sigs(Immutable, "anyarray,int4->int4"),
	"cardinality":     sigs(Immutable, "anyarray->int4"),
	"array_upper":     sigs(Immutable, "anyarray,int4->int4"),
	"array_lower":     sigs(Immutable, "anyarray,int4->int4"),
	"array_position":  sigs(Immutable, "anyarray,anyelement->int4"),
	"array_to_string": sigs(Stable, "anyarray,text,text?->text"),
	"array_append":    sigs(Immutable, "anyarray,anyelement->anyarray"),
	"array_prepend":   sigs(Immutable, "anyelement,anyarray->anyarray"),
	"array_cat":       sigs(Immutable, "anyarray,anyarray->anyarray"),

	// the catalog functions clients call on catalog rows
	// (engine/expr/catalogfuncs.go: they read the catalog state at
	// execution)
	"format_type":                        sigs(Stable, "oid,int4->text"),
	"pg_get_userbyid":                    sigs(Stable, "oid->name"),
	"pg_table_is_visible":                sigs(Stable, "oid->bool", "regclass->bool"),
	"pg_type_is_visible":                 sigs(Stable, "oid->bool"),
	"pg_function_is_visible":             sigs(Stable, "oid->bool"),
	"obj_description":                    sigs(Stable, "oid,name?->text"),
	"col_description":                    sigs(Stable, "oid,int4->text"),
	"shobj_description":                  sigs(Stable, "oid,name->text"),
	"pg_get_expr":                        sigs(Stable, "any,oid,bool?->text"),
	"pg_get_indexdef":                    sigs(Stable, "oid->text", "oid,int4,bool->text"),
	"pg_get_constraintdef":               sigs(Stable, "oid,bool?->text"),
	"pg_get_serial_sequence":             sigs(Stable, "text,text->text"),
	"pg_get_viewdef":                     sigs(Stable, "oid,bool?->text", "text,bool?->text", "oid,int4->text"),
	"pg_get_triggerdef":                  sigs(Stable, "oid,bool?->text"),
	"pg_get_ruledef":                     sigs(Stable, "oid,bool?->text"),
	"pg_get_partkeydef":                  sigs(Stable, "oid->text"),
	"pg_get_statisticsobjdef_columns":    sigs(Stable, "oid->text"),
	"pg_get_function_result":             sigs(Stable, "oid->text"),
	"pg_get_function_arguments":          sigs(Stable, "oid->text"),
	"pg_get_function_identity_arguments": sigs(Stable, "oid->text"),
	"pg_encoding_to_char":                sigs(Stable, "int4->name"),
	"pg_relation_size":                   sigs(Volatile, "regclass,text?->int8", "oid,text?->int8"),
	"pg_total_relation_size":             sigs(Volatile, "regclass->int8", "oid->int8"),
	"pg_table_size":                      sigs(Volatile, "regclass->int8", "oid->int8"),
	"pg_indexes_size":                    sigs(Volatile, "regclass->int8", "oid->int8"),
	"pg_relation_is_publishable":         sigs(Stable, "regclass->bool", "oid->bool"),
	"pg_size_pretty":                     sigs(Immutable, "int8->text"),
	"pg_postmaster_start_time":           sigs(Stable, "->timestamptz"),
	"has_table_privilege":                sigs(Stable, "text,text->bool", "oid,text->bool", "name,text,text->bool", "name,oid,text->bool"),
	"has_any_column_privilege":           sigs(Stable, "text,text->bool", "oid,text->bool", "name,text,text->bool", "name,oid,text->bool"),
	"has_column_privilege":               sigs(Stable, "text,text,text->bool", "oid,text,text->bool", "text,int2,text->bool", "oid,int2,text->bool", "name,text,text,text->bool", "name,oid,text,text->bool", "name,oid,int2,text->bool"),
	"has_schema_privilege":               sigs(Stable, "text,text->bool", "oid,text->bool", "name,text,text->bool", "name,oid,text->bool"),
	"has_database_privilege":             sigs(Stable, "text,text->bool", "oid,text->bool", "name,text,text->bool", "name,oid,text->bool"),
}

// paramNames are the parameter names of the functions that callers
// commonly name arguments of (make_interval(days => 3)).
var paramNames = map[string][]string{
	"make_interval":    {"years", "months", "weeks", "days", "hours", "mins", "secs"},
	"make_date":        {"year", "month", "day"},
	"make_time":        {"hour", "min", "sec"},
	"make_timestamp":   {"year", "month", "mday", "hour", "min", "sec"},
	"make_timestamptz": {"year", "month", "mday", "hour", "min", "sec", "timezone"},
}

// paramDefaults are the default values of parameters a named call may
// skip.
var paramDefaults = map[string][]plan.Expr{
	"make_interval": {
		&plan.Const{Value: int64(0), Typ: pgtype.Int4}, &plan.Const{Value: int64(0), Typ: pgtype.Int4},
		&plan.Const{Value: int64(0), Typ: pgtype.Int4}, &plan.Const{Value: int64(0), Typ: pgtype.Int4},
		&plan.Const{Value: int64(0), Typ: pgtype.Int4}, &plan.Const{Value: int64(0), Typ: pgtype.Int4},
		&plan.Const{Value: 0.0, Typ: pgtype.Float8},
	},
}

// sessionFuncs are answered from the session at bind time: they are stable
// within a statement, and the planner holds the Env that knows them.
var sessionFuncs = map[string]bool{
	"version": true, "current_setting": true, "current_schema": true,
	"current_schemas": true, "current_database": true, "current_user": true,
	"session_user": true, "current_catalog": true, "user": true, "current_role": true,
	"pg_backend_pid": true,
}

// FuncVolatility reports a scalar function's volatility (the most volatile
// of its overloads); ok is false for a name the table does not hold.
func FuncVolatility(name string) (Volatility, bool) {
	if sessionFuncs[name] {
		return Stable, true
	}
	ss, ok := scalarFuncs[name]
	if !ok {
		return 0, false
	}
	v := Immutable
	for _, s := range ss {
		if s.Volatility == Volatile || s.Volatility == Stable && v == Immutable {
			v = s.Volatility
		}
	}
	return v, true
}

// ExprVolatility is the volatility of a bound expression: the most
// volatile function it calls. Operators and casts are immutable, except
// that a cast between timestamptz and local time or text reads TimeZone
// (stable), as PostgreSQL marks them.
func ExprVolatility(e plan.Expr) Volatility {
	v := Immutable
	plan.Walk(e, func(x plan.Expr) bool {
		switch c := x.(type) {
		case *plan.Call:
			if fv, ok := FuncVolatility(c.Op); ok && (fv == Volatile || fv == Stable && v == Immutable) {
				v = fv
			}
		case *plan.Cast:
			from, to := c.Arg.Type().OID, c.Typ.OID
			if (from == pgtype.TimestamptzOID) != (to == pgtype.TimestamptzOID) && v == Immutable {
				v = Stable
			}
		}
		return v != Volatile
	})
	return v
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
	case "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		switch arg.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID:
			return pgtype.Numeric, true
		case pgtype.Float4OID, pgtype.Float8OID:
			return pgtype.Float8, true
		}
	case "min", "max":
		if arg.IsArray() {
			return arg, false
		}
		return pgtype.Type{OID: arg.OID, Typmod: arg.Typmod}, true
	case "bool_and", "bool_or", "every":
		if arg.OID == pgtype.BoolOID {
			return pgtype.Bool, true
		}
	case "bit_and", "bit_or":
		switch arg.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
			return pgtype.Type{OID: arg.OID, Typmod: -1}, true
		}
	case "array_agg":
		if arg.IsArray() {
			return pgtype.Unknown, false
		}
		return pgtype.ArrayOf(pgtype.Type{OID: arg.OID, Typmod: -1})
	case "mode":
		return pgtype.Type{OID: arg.OID, Typmod: arg.Typmod}, true
	}
	return pgtype.Unknown, false
}

func isAggregate(name string) bool {
	switch name {
	case "count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every",
		"stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
		"bit_and", "bit_or", "string_agg", "array_agg",
		"percentile_cont", "percentile_disc", "mode":
		return true
	}
	return isTrinoAggregate(name)
}

// isOrderedSetAggregate names the aggregates that take WITHIN GROUP.
func isOrderedSetAggregate(name string) bool {
	return name == "percentile_cont" || name == "percentile_disc" || name == "mode"
}

// funcName joins a possibly qualified function name; pg_catalog.f is f.
func funcName(parts []string) string {
	if len(parts) == 2 && parts[0] == "pg_catalog" {
		return strings.ToLower(parts[1])
	}
	return strings.ToLower(strings.Join(parts, "."))
}

// preferredType reports PostgreSQL's typispreferred: the type a category
// resolves ambiguous calls to.
func preferredType(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.Float8OID, pgtype.TextOID, pgtype.TimestamptzOID, pgtype.IntervalOID, pgtype.BoolOID, pgtype.OIDOID:
		return true
	}
	return false
}

// candidate is one overload being considered for a call, with its
// arguments expanded (variadic) and polymorphic types resolved.
type candidate struct {
	sig  funcSig
	args []pgtype.Type
	elem pgtype.Type // what anyelement stands for
}

// expand fits sig to n arguments, or reports that it cannot.
func (s funcSig) expand(n int) ([]pgtype.Type, bool) {
	switch {
	case len(s.Args) == n:
		return s.Args, true
	case s.Variadic && n >= len(s.Args):
		out := append([]pgtype.Type(nil), s.Args[:len(s.Args)-1]...)
		for len(out) < n {
			out = append(out, s.Args[len(s.Args)-1])
		}
		return out, true
	}
	return nil, false
}

// resolvePolymorphic replaces anyelement and anyarray with the one element
// type the actual arguments agree on.
func resolvePolymorphic(want, got []pgtype.Type) ([]pgtype.Type, pgtype.Type, bool) {
	elem := pgtype.Unknown
	for i, w := range want {
		g := got[i]
		if g.OID == pgtype.UnknownOID {
			continue
		}
		var e pgtype.Type
		switch w.OID {
		case anyElement.OID:
			e = g
		case anyArray.OID:
			if !g.IsArray() {
				return nil, elem, false
			}
			e = g.Elem()
		default:
			continue
		}
		e = pgtype.Type{OID: e.OID, Typmod: -1}
		if elem.OID == pgtype.UnknownOID {
			elem = e
			continue
		}
		if elem.OID != e.OID {
			ct, ok := commonType(elem, e)
			if !ok {
				return nil, elem, false
			}
			elem = pgtype.Type{OID: ct.OID, Typmod: -1}
		}
	}
	if elem.OID == pgtype.UnknownOID {
		for _, w := range want {
			if w.OID == anyElement.OID || w.OID == anyArray.OID {
				// As in PostgreSQL: unknown inputs alone cannot
				// determine a polymorphic type.
				return nil, elem, false
			}
		}
		elem = pgtype.Text
	}
	arr, ok := pgtype.ArrayOf(elem)
	if !ok {
		return nil, elem, false
	}
	out := make([]pgtype.Type, len(want))
	for i, w := range want {
		switch w.OID {
		case anyElement.OID:
			out[i] = elem
		case anyArray.OID:
			out[i] = arr
			// int2vector and oidvector are arrays of int2 and oid that
			// anyarray takes as they are (array_to_string(indkey, ' ')).
			if g := got[i]; g.IsArray() && g.Elem().OID == elem.OID {
				out[i] = pgtype.Type{OID: g.OID, Typmod: -1}
			}
		default:
			out[i] = w
		}
	}
	return out, elem, true
}

// selectFunc picks the overload of a function for the argument types as
// PostgreSQL's func_select_candidate does: exact matches first, then
// preferred types where a conversion is needed, then, for unknown-typed
// literals, the string category. ambiguous is set when several remain.
func selectFunc(sigs []funcSig, got []pgtype.Type) (c candidate, found, ambiguous bool) {
	var cands []candidate
	for _, s := range sigs {
		want, ok := s.expand(len(got))
		if !ok {
			continue
		}
		want, elem, ok := resolvePolymorphic(want, got)
		if !ok {
			continue
		}
		match := true
		for i, g := range got {
			w := want[i]
			if w.OID == pgtype.UnknownOID || g.OID == w.OID || g.OID == pgtype.UnknownOID || implicitCast(g, w) {
				continue
			}
			match = false
			break
		}
		if match {
			cands = append(cands, candidate{sig: s, args: want, elem: elem})
		}
	}
	if len(cands) == 0 {
		return candidate{}, false, false
	}
	keepBest := func(score func(candidate) int) {
		best := -1
		var kept []candidate
		for _, c := range cands {
			switch sc := score(c); {
			case sc > best:
				best, kept = sc, []candidate{c}
			case sc == best:
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	keepBest(func(c candidate) int {
		n := 0
		for i, g := range got {
			if g.OID == c.args[i].OID {
				n++
			}
		}
		return n
	})
	keepBest(func(c candidate) int {
		n := 0
		for i, g := range got {
			if g.OID != c.args[i].OID && preferredType(c.args[i]) {
				n++
			}
		}
		return n
	})
	keepBest(func(c candidate) int {
		n := 0
		for i, g := range got {
			if g.OID == pgtype.UnknownOID && isString(c.args[i]) {
				n++
			}
		}
		return n
	})
	return cands[0], true, len(cands) > 1
}
