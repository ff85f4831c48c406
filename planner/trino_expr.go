package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// expr renders a scalar expression; refs names input column i.
func (r *trinoRenderer) expr(e plan.Expr, refs func(int) string) (string, error) {
	switch x := e.(type) {
	case *plan.ColumnRef:
		return refs(x.Index), nil
	case *plan.Const:
		return r.literal(x.Value, x.Typ)
	case *plan.Param:
		if x.Index < 1 || x.Index > len(r.params) {
			return "", notTrino("parameter $%d is not bound", x.Index)
		}
		return r.literal(r.params[x.Index-1], x.Typ)
	case *plan.Cast:
		return r.cast(x, refs)
	case *plan.BoolOp:
		args, err := r.exprs(x.Args, refs)
		if err != nil {
			return "", err
		}
		if x.Op == "NOT" {
			return "(NOT " + args[0] + ")", nil
		}
		return "(" + strings.Join(args, " "+x.Op+" ") + ")", nil
	case *plan.NullTest:
		a, err := r.expr(x.Arg, refs)
		if err != nil {
			return "", err
		}
		if x.Not {
			return "(" + a + " IS NOT NULL)", nil
		}
		return "(" + a + " IS NULL)", nil
	case *plan.Case:
		var b strings.Builder
		b.WriteString("CASE")
		for _, w := range x.Whens {
			c, err := r.expr(w.Cond, refs)
			if err != nil {
				return "", err
			}
			v, err := r.expr(w.Result, refs)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, " WHEN %s THEN %s", c, v)
		}
		if x.Else != nil {
			v, err := r.expr(x.Else, refs)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, " ELSE %s", v)
		}
		b.WriteString(" END")
		return b.String(), nil
	case *plan.Coalesce:
		args, err := r.exprs(x.Args, refs)
		if err != nil {
			return "", err
		}
		if len(args) == 1 {
			return args[0], nil
		}
		return "coalesce(" + strings.Join(args, ", ") + ")", nil
	case *plan.ArrayExpr:
		args, err := r.exprs(x.Elems, refs)
		if err != nil {
			return "", err
		}
		return "ARRAY[" + strings.Join(args, ", ") + "]", nil
	case *plan.Subquery:
		return r.subquery(x, refs)
	case *plan.Call:
		return r.call(x, refs)
	}
	return "", notTrino("expression %s", e)
}

func (r *trinoRenderer) exprs(es []plan.Expr, refs func(int) string) ([]string, error) {
	out := make([]string, len(es))
	for i, e := range es {
		s, err := r.expr(e, refs)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

func (r *trinoRenderer) subquery(x *plan.Subquery, refs func(int) string) (string, error) {
	in, err := r.node(x.Plan)
	if err != nil {
		return "", err
	}
	a := r.next("sq")
	not := ""
	if x.Not {
		not = "NOT "
	}
	switch x.Kind {
	case plan.SubExists:
		return fmt.Sprintf("(%sEXISTS (SELECT 1 FROM (%s) %s))", not, in.sql, a), nil
	case plan.SubIn:
		t, err := r.expr(x.Test, refs)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("(%s %sIN (SELECT %s.c0 FROM (%s) %s))", t, not, a, in.sql, a), nil
	}
	return fmt.Sprintf("(SELECT %s.c0 FROM (%s) %s)", a, in.sql, a), nil
}

func isTextual(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID, pgtype.CharOID:
		return true
	}
	return false
}

func isInteger(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return true
	}
	return false
}

func (r *trinoRenderer) cast(x *plan.Cast, refs func(int) string) (string, error) {
	from, to := x.Arg.Type(), x.Typ
	if c, ok := x.Arg.(*plan.Const); ok && c.Value == nil {
		return r.literal(nil, to)
	}
	if c, ok := x.Arg.(*plan.Const); ok && from.OID == pgtype.NumericOID && (to.OID == pgtype.Float8OID || to.OID == pgtype.Float4OID) {
		// 1e-300::float8: a float literal, as PostgreSQL rounds the
		// numeric to the nearest double; Trino's decimal literal could
		// not hold it.
		if n, ok := c.Value.(pgtype.NumericValue); ok && n.Special == pgtype.NumericFinite {
			if f, err := strconv.ParseFloat(numericText(n), 64); err == nil && to.OID == pgtype.Float8OID {
				return r.literal(f, to)
			}
		}
	}
	a, err := r.expr(x.Arg, refs)
	if err != nil {
		return "", err
	}
	switch {
	case to.OID == pgtype.IntervalOID:
		if from.OID == pgtype.IntervalOID {
			return a, nil
		}
		return "", notTrino("casts to interval")
	case from.OID == pgtype.TimestampOID && to.OID == pgtype.TimestamptzOID:
		// A timestamp read as a time in the session's zone.
		return r.inZone("with_timezone(" + a + ", " + trinoString(r.zone) + ")"), nil
	case from.OID == pgtype.DateOID && to.OID == pgtype.TimestamptzOID:
		return r.inZone("with_timezone(CAST(" + a + " AS timestamp(6)), " + trinoString(r.zone) + ")"), nil
	case isTextual(from) && to.OID == pgtype.TimestamptzOID:
		// Trino reads a zone written in the text; without one, the
		// session's zone applies as in PostgreSQL.
		return "", notTrino("casts of text to timestamptz")
	case isTextual(from) && to.OID == pgtype.BoolOID:
		return fmt.Sprintf("(CASE lower(trim(%s)) WHEN 'true' THEN true WHEN 't' THEN true WHEN 'yes' THEN true WHEN 'y' THEN true WHEN 'on' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN 'f' THEN false WHEN 'no' THEN false WHEN 'n' THEN false WHEN 'off' THEN false WHEN '0' THEN false END)", a), nil
	case (from.OID == pgtype.NumericOID || from.OID == pgtype.Float8OID || from.OID == pgtype.Float4OID) && isInteger(to):
		// PostgreSQL rounds; so does Trino's cast, but half away from zero
		// only for decimals: round() first makes both agree.
		tt, _ := trinoType(to)
		return "CAST(round(" + a + ") AS " + tt + ")", nil
	case isTextual(to) && from.OID == pgtype.BoolOID:
		return "CAST(" + a + " AS varchar)", nil
	case isTextual(to) && (from.OID == pgtype.Float8OID || from.OID == pgtype.Float4OID):
		return "", notTrino("float to text casts (Trino writes exponents)")
	case isTextual(to) && (from.OID == pgtype.TimestampOID || from.OID == pgtype.TimestamptzOID || from.OID == pgtype.TimeOID):
		return "", notTrino("timestamp to text casts (the formats differ)")
	}
	tt, err := trinoType(to)
	if err != nil {
		return "", err
	}
	if (to.OID == pgtype.TextOID || to.OID == pgtype.VarcharOID && to.Typmod < 0) && isTextual(from) {
		return a, nil
	}
	return "CAST(" + a + " AS " + tt + ")", nil
}

var trinoComparisons = map[string]string{"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}

func (r *trinoRenderer) call(x *plan.Call, refs func(int) string) (string, error) {
	// Constant arguments some translations read (units, patterns).
	constText := func(i int) (string, bool) {
		if i >= len(x.Args) {
			return "", false
		}
		e := x.Args[i]
		if c, ok := e.(*plan.Cast); ok {
			e = c.Arg
		}
		if c, ok := e.(*plan.Const); ok {
			s, ok := c.Value.(string)
			return s, ok
		}
		if p, ok := e.(*plan.Param); ok && p.Index >= 1 && p.Index <= len(r.params) {
			s, ok := r.params[p.Index-1].(string)
			return s, ok
		}
		return "", false
	}
	if op, ok := trinoComparisons[x.Func]; ok {
		args, err := r.exprs(x.Args, refs)
		if err != nil {
			return "", err
		}
		return "(" + args[0] + " " + op + " " + args[1] + ")", nil
	}
	if strings.HasPrefix(x.Func, "any_") || strings.HasPrefix(x.Func, "all_") {
		return r.arrayCompare(x, refs)
	}
	switch x.Func {
	case "add", "sub", "mul", "div", "mod":
		return r.arith(x, refs)
	case "like", "not_like", "ilike", "not_ilike":
		return r.like(x, refs, constText)
	case "regex_match", "regex_not_match", "regex_imatch", "regex_not_imatch":
		l, err := r.expr(x.Args[0], refs)
		if err != nil {
			return "", err
		}
		var pat string
		if p, ok := constText(1); ok {
			if strings.Contains(x.Func, "imatch") {
				p = "(?i)" + p
			}
			pat = trinoString(p)
		} else {
			if pat, err = r.expr(x.Args[1], refs); err != nil {
				return "", err
			}
			if strings.Contains(x.Func, "imatch") {
				pat = "('(?i)' || " + pat + ")"
			}
		}
		s := "regexp_like(" + l + ", " + pat + ")"
		if strings.Contains(x.Func, "not") {
			s = "(NOT " + s + ")"
		}
		return s, nil
	case "order_key":
		return "", notTrino("ORDER BY inside a call")
	}
	args, err := r.exprs(x.Args, refs)
	if err != nil {
		return "", err
	}
	if x.Remote {
		return r.remoteCall(x, args)
	}
	ret := func(s string) (string, error) { return r.castTo(s, x.Typ) }
	switch x.Func {
	case "is_distinct_from":
		return "(" + args[0] + " IS DISTINCT FROM " + args[1] + ")", nil
	case "is_not_distinct_from":
		return "(" + args[0] + " IS NOT DISTINCT FROM " + args[1] + ")", nil
	case "neg":
		return "(-" + args[0] + ")", nil
	case "concat_op":
		return "(" + args[0] + " || " + args[1] + ")", nil
	case "pow", "power":
		return ret("power(" + args[0] + ", " + args[1] + ")")
	case "now", "statement_timestamp", "transaction_timestamp":
		if r.t.Now.IsZero() {
			return r.inZone("current_timestamp"), nil
		}
		return r.literal(pgtype.TimestampValue(r.t.Now.UnixMicro()), pgtype.Timestamptz)
	case "clock_timestamp":
		return r.inZone("current_timestamp"), nil
	case "lower", "upper", "reverse", "replace", "starts_with", "abs", "floor", "sqrt", "cbrt", "exp", "ln", "log10",
		"pi", "degrees", "radians", "random", "mod", "translate", "chr", "sign", "width_bucket":
		return ret(x.Func + "(" + strings.Join(args, ", ") + ")")
	case "ceil", "ceiling":
		return ret("ceiling(" + strings.Join(args, ", ") + ")")
	case "round":
		return ret("round(" + strings.Join(args, ", ") + ")")
	case "trunc":
		return ret("truncate(" + strings.Join(args, ", ") + ")")
	case "log":
		if len(args) == 1 {
			return ret("log10(" + args[0] + ")")
		}
		return ret("log(" + args[0] + ", " + args[1] + ")")
	case "length", "char_length", "character_length":
		return ret("length(" + args[0] + ")")
	case "octet_length":
		return ret("length(to_utf8(" + args[0] + "))")
	case "position", "strpos":
		return ret("strpos(" + args[0] + ", " + args[1] + ")")
	case "substr", "substring":
		if len(x.Args) >= 2 && isTextual(x.Args[1].Type()) {
			if len(args) == 3 {
				return "", notTrino("SIMILAR substring")
			}
			// substring(text from pattern): the first parenthesised group
			// if the pattern has one, else the whole match.
			p, ok := constText(1)
			if !ok {
				return "", notTrino("substring with a pattern that is not a constant")
			}
			if strings.Contains(strings.ReplaceAll(p, `\(`, ""), "(") {
				return "regexp_extract(" + args[0] + ", " + args[1] + ", 1)", nil
			}
			return "regexp_extract(" + args[0] + ", " + args[1] + ")", nil
		}
		// PostgreSQL counts a start before 1 into the length; Trino's substr
		// would return nothing.
		start := args[1]
		if len(args) == 2 {
			return fmt.Sprintf("substr(%s, greatest(%s, 1))", args[0], start), nil
		}
		return fmt.Sprintf("substr(%s, greatest(%s, 1), greatest(%s + %s - greatest(%s, 1), 0))", args[0], start, start, args[2], start), nil
	case "btrim", "ltrim", "rtrim":
		name := map[string]string{"btrim": "trim", "ltrim": "ltrim", "rtrim": "rtrim"}[x.Func]
		if len(args) == 1 {
			// PostgreSQL trims spaces only; Trino's one-argument trim trims
			// all whitespace.
			return name + "(" + args[0] + ", ' ')", nil
		}
		return name + "(" + args[0] + ", " + args[1] + ")", nil
	case "concat":
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = "coalesce(" + r.asText(a, x.Args[i].Type()) + ", '')"
		}
		if len(parts) == 1 {
			return parts[0], nil
		}
		return "concat(" + strings.Join(parts, ", ") + ")", nil
	case "concat_ws":
		parts := make([]string, len(args))
		parts[0] = args[0]
		for i := 1; i < len(args); i++ {
			parts[i] = r.asText(args[i], x.Args[i].Type())
		}
		return "concat_ws(" + strings.Join(parts, ", ") + ")", nil
	case "split_part":
		return "coalesce(split_part(" + strings.Join(args, ", ") + "), '')", nil
	case "left":
		return fmt.Sprintf("(CASE WHEN %s >= 0 THEN substr(%s, 1, %s) ELSE substr(%s, 1, greatest(length(%s) + %s, 0)) END)", args[1], args[0], args[1], args[0], args[0], args[1]), nil
	case "right":
		return fmt.Sprintf("(CASE WHEN %s >= 0 THEN substr(%s, greatest(length(%s) - %s + 1, 1)) ELSE substr(%s, 1 - %s) END)", args[1], args[0], args[0], args[1], args[0], args[1]), nil
	case "lpad", "rpad":
		if len(args) == 2 {
			args = append(args, "' '")
		}
		return x.Func + "(" + strings.Join(args, ", ") + ")", nil
	case "repeat":
		return "array_join(repeat(" + args[0] + ", greatest(" + args[1] + ", 0)), '')", nil
	case "md5":
		return "lower(to_hex(md5(to_utf8(" + args[0] + "))))", nil
	case "to_hex":
		return "lower(to_base(" + args[0] + ", 16))", nil
	case "regexp_like":
		if len(args) == 3 {
			return "", notTrino("regexp_like with flags")
		}
		return "regexp_like(" + args[0] + ", " + args[1] + ")", nil
	case "regexp_replace":
		flags, _ := constText(3)
		if len(args) < 4 || flags != "g" {
			return "", notTrino("regexp_replace without the g flag (Trino replaces every match)")
		}
		repl, ok := constText(2)
		if !ok {
			return "", notTrino("regexp_replace with a replacement that is not a constant")
		}
		return "regexp_replace(" + args[0] + ", " + args[1] + ", " + trinoString(pgReplacement(repl)) + ")", nil
	case "string_to_array":
		if len(args) != 2 {
			return "", notTrino("string_to_array with a null string")
		}
		return "split(" + args[0] + ", " + args[1] + ")", nil
	case "greatest", "least":
		// PostgreSQL skips NULL arguments; Trino's greatest would be NULL.
		fn := map[string]string{"greatest": "array_max", "least": "array_min"}[x.Func]
		return fmt.Sprintf("%s(filter(ARRAY[%s], v -> v IS NOT NULL))", fn, strings.Join(args, ", ")), nil
	case "date_trunc":
		unit, ok := constText(0)
		if !ok || len(args) != 2 {
			return "", notTrino("date_trunc with a unit that is not a constant")
		}
		unit = strings.ToLower(unit)
		switch unit {
		case "microseconds", "microsecond":
			return args[1], nil
		case "milliseconds", "millisecond":
			unit = "millisecond"
		case "second", "minute", "hour", "day", "week", "month", "quarter", "year":
		case "seconds", "minutes", "hours", "days", "weeks", "months", "quarters", "years":
			unit = strings.TrimSuffix(unit, "s")
		default:
			return "", notTrino("date_trunc unit %s", unit)
		}
		if x.Args[1].Type().OID == pgtype.IntervalOID {
			return "", notTrino("date_trunc of an interval")
		}
		return "date_trunc('" + unit + "', " + args[1] + ")", nil
	case "date_part", "extract":
		field, ok := constText(0)
		if !ok {
			return "", notTrino("%s with a field that is not a constant", x.Func)
		}
		s, err := r.extract(strings.ToLower(field), args[1], x.Args[1].Type())
		if err != nil {
			return "", err
		}
		if x.Typ.OID == pgtype.NumericOID {
			// EXTRACT's numeric has the field's own scale (year 1995,
			// second 40.500000), not the decimal(38, 10) that stands
			// for a numeric without a typmod.
			return fmt.Sprintf("CAST(%s AS decimal(38, %d))", s, extractScale(strings.ToLower(field), x.Args[1].Type())), nil
		}
		return ret(s)
	case "timezone":
		zone := args[0]
		if x.Args[1].Type().OID == pgtype.TimestamptzOID {
			return "CAST(" + args[1] + " AT TIME ZONE " + zone + " AS timestamp(6))", nil
		}
		return r.inZone("with_timezone(" + args[1] + ", " + zone + ")"), nil
	case "to_timestamp":
		if len(args) == 1 {
			return r.inZone("from_unixtime(" + args[0] + ", 'UTC')"), nil
		}
		return "", notTrino("to_timestamp with a format")
	case "to_char":
		f, ok := constText(1)
		if !ok {
			return "", notTrino("to_char with a format that is not a constant")
		}
		tf, err := trinoDateFormat(f)
		if err != nil {
			return "", err
		}
		if x.Args[0].Type().OID == pgtype.IntervalOID {
			return "", notTrino("to_char of an interval")
		}
		return "date_format(" + args[0] + ", " + trinoString(tf) + ")", nil
	case "to_date":
		f, ok := constText(1)
		if !ok {
			return "", notTrino("to_date with a format that is not a constant")
		}
		tf, err := trinoDateFormat(f)
		if err != nil {
			return "", err
		}
		return "CAST(date_parse(" + args[0] + ", " + trinoString(tf) + ") AS date)", nil
	case "make_date":
		return fmt.Sprintf("date_add('day', %s - 1, date_add('month', %s - 1, date_add('year', %s - 1, DATE '0001-01-01')))", args[2], args[1], args[0]), nil
	case "isfinite":
		return "(CASE WHEN " + args[0] + " IS NULL THEN NULL ELSE true END)", nil
	case "cardinality":
		return ret("cardinality(" + args[0] + ")")
	case "array_length", "array_upper":
		return ret("nullif(cardinality(" + args[0] + "), 0)")
	case "array_lower":
		return ret("(CASE WHEN cardinality(" + args[0] + ") > 0 THEN 1 END)")
	case "array_position":
		return ret("nullif(array_position(" + args[0] + ", " + args[1] + "), 0)")
	case "array_to_string":
		if len(args) == 3 {
			return "array_join(" + strings.Join(args, ", ") + ")", nil
		}
		return "array_join(" + args[0] + ", " + args[1] + ")", nil
	case "array_append", "array_cat":
		return "(" + args[0] + " || " + args[1] + ")", nil
	case "array_prepend":
		return "(" + args[0] + " || " + args[1] + ")", nil
	}
	return "", notTrino("function %s", x.Op)
}

// asText is a value as PostgreSQL's concat would print it.
func (r *trinoRenderer) asText(s string, t pgtype.Type) string {
	if isTextual(t) {
		return s
	}
	return "CAST(" + s + " AS varchar)"
}

func (r *trinoRenderer) arith(x *plan.Call, refs func(int) string) (string, error) {
	l, err := r.expr(x.Args[0], refs)
	if err != nil {
		return "", err
	}
	lt, rt := x.Args[0].Type(), x.Args[1].Type()
	op := map[string]string{"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%"}[x.Func]
	// Date and time arithmetic: Trino has no date + integer, and an
	// interval constant may mix months and days.
	if lt.OID == pgtype.DateOID && isInteger(rt) {
		rs, err := r.expr(x.Args[1], refs)
		if err != nil {
			return "", err
		}
		if op == "-" {
			rs = "-(" + rs + ")"
		}
		return "date_add('day', " + rs + ", " + l + ")", nil
	}
	if lt.OID == pgtype.DateOID && rt.OID == pgtype.DateOID && op == "-" {
		rs, err := r.expr(x.Args[1], refs)
		if err != nil {
			return "", err
		}
		return "CAST(date_diff('day', " + rs + ", " + l + ") AS integer)", nil
	}
	if rt.OID == pgtype.IntervalOID && lt.OID != pgtype.IntervalOID {
		if c, ok := x.Args[1].(*plan.Const); ok && c.Value != nil && (op == "+" || op == "-") {
			iv := c.Value.(pgtype.IntervalValue)
			if op == "-" {
				iv = pgtype.IntervalValue{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}
			}
			// PostgreSQL adds months, then days, then time.
			out := l
			if iv.Months != 0 {
				out = fmt.Sprintf("date_add('month', %d, %s)", iv.Months, out)
			}
			if iv.Days != 0 {
				out = fmt.Sprintf("date_add('day', %d, %s)", iv.Days, out)
			}
			if iv.Micros != 0 {
				out = fmt.Sprintf("date_add('millisecond', %d, %s)", iv.Micros/1000, out)
			}
			return out, nil
		}
	}
	rs, err := r.expr(x.Args[1], refs)
	if err != nil {
		return "", err
	}
	if op == "/" && x.Typ.OID == pgtype.NumericOID {
		// Trino's decimal quotient keeps the larger operand scale;
		// PostgreSQL's has at least 16 significant digits.
		return fmt.Sprintf("(CAST(%s AS decimal(38, 16)) / %s)", l, rs), nil
	}
	if lt.OID == pgtype.TimestamptzOID && rt.OID == pgtype.TimestamptzOID || lt.OID == pgtype.TimestampOID && rt.OID == pgtype.TimestampOID {
		return "(" + l + " - " + rs + ")", nil
	}
	if op == "%" {
		return "mod(" + l + ", " + rs + ")", nil
	}
	return "(" + l + " " + op + " " + rs + ")", nil
}

func (r *trinoRenderer) like(x *plan.Call, refs func(int) string, constText func(int) (string, bool)) (string, error) {
	l, err := r.expr(x.Args[0], refs)
	if err != nil {
		return "", err
	}
	p, ok := constText(1)
	if !ok {
		return "", notTrino("LIKE with a pattern that is not a constant")
	}
	// PostgreSQL's LIKE escapes with a backslash by default; Trino has no
	// default escape and rejects a backslash before other characters.
	var b strings.Builder
	esc := false
	for _, c := range p {
		switch {
		case esc:
			if c == '%' || c == '_' || c == '\\' {
				b.WriteRune('\\')
			}
			b.WriteRune(c)
			esc = false
		case c == '\\':
			esc = true
		default:
			b.WriteRune(c)
		}
	}
	pat := b.String()
	ci := strings.Contains(x.Func, "ilike")
	if ci {
		l = "lower(" + l + ")"
		pat = strings.ToLower(pat)
	}
	s := fmt.Sprintf("(%s LIKE %s ESCAPE '\\')", l, trinoString(pat))
	if strings.HasPrefix(x.Func, "not_") {
		s = "(NOT " + s + ")"
	}
	return s, nil
}

func (r *trinoRenderer) arrayCompare(x *plan.Call, refs func(int) string) (string, error) {
	args, err := r.exprs(x.Args, refs)
	if err != nil {
		return "", err
	}
	kind, fn, _ := strings.Cut(x.Func, "_")
	op, ok := trinoComparisons[fn]
	if !ok {
		return "", notTrino("%s with %s", strings.ToUpper(kind), x.Op)
	}
	if kind == "any" && op == "=" {
		return "contains(" + args[1] + ", " + args[0] + ")", nil
	}
	match := map[string]string{"any": "any_match", "all": "all_match"}[kind]
	return fmt.Sprintf("%s(%s, e -> %s %s e)", match, args[1], args[0], op), nil
}

// extractScale is the scale of EXTRACT's numeric result in PostgreSQL:
// microsecond fields of a timestamp keep six decimals (milliseconds
// three), the epoch of a date and every whole-number field none.
func extractScale(field string, t pgtype.Type) int {
	switch field {
	case "second":
		return 6
	case "milliseconds":
		return 3
	case "epoch":
		if t.OID != pgtype.DateOID {
			return 6
		}
	}
	return 0
}

// extract renders EXTRACT(field FROM x) with PostgreSQL's numbering.
func (r *trinoRenderer) extract(field, x string, t pgtype.Type) (string, error) {
	if t.OID == pgtype.IntervalOID {
		return "", notTrino("extract from an interval")
	}
	if t.OID == pgtype.DateOID {
		switch field {
		case "hour", "minute", "second", "milliseconds", "microseconds":
			return "", notTrino("extract %s from a date", field)
		}
	}
	switch field {
	case "year", "month", "day", "hour", "minute", "quarter", "week":
		return field + "(" + x + ")", nil
	case "doy":
		return "day_of_year(" + x + ")", nil
	case "dow":
		return "mod(day_of_week(" + x + "), 7)", nil
	case "isodow":
		return "day_of_week(" + x + ")", nil
	case "isoyear":
		return "year_of_week(" + x + ")", nil
	case "second":
		return "(second(" + x + ") + CAST(millisecond(" + x + ") AS decimal(10, 3)) / 1000)", nil
	case "milliseconds":
		return "(second(" + x + ") * 1000 + millisecond(" + x + "))", nil
	case "epoch":
		switch t.OID {
		case pgtype.TimestamptzOID:
			return "to_unixtime(" + x + ")", nil
		case pgtype.TimestampOID:
			return "to_unixtime(with_timezone(" + x + ", 'UTC'))", nil
		case pgtype.DateOID:
			return "to_unixtime(with_timezone(CAST(" + x + " AS timestamp), 'UTC'))", nil
		}
	case "decade":
		return "floor(year(" + x + ") / 10)", nil
	case "century":
		return "ceiling(year(" + x + ") / 100.0)", nil
	}
	return "", notTrino("extract field %s", field)
}

// pgReplacement turns PostgreSQL's \1 back references into Java's $1.
func pgReplacement(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			b.WriteByte('$')
			b.WriteByte(s[i+1])
			i++
		case s[i] == '\\' && i+1 < len(s) && s[i+1] == '&':
			b.WriteString("$0")
			i++
		case s[i] == '$':
			b.WriteString(`\$`)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// trinoDateFormat turns the common to_char patterns into MySQL-style
// date_format ones; others are refused.
func trinoDateFormat(f string) (string, error) {
	pats := []struct{ pg, tr string }{
		{"YYYY", "%Y"}, {"YY", "%y"}, {"MM", "%m"}, {"DD", "%d"}, {"HH24", "%H"}, {"HH12", "%h"}, {"HH", "%h"},
		{"MI", "%i"}, {"SS", "%s"}, {"MS", "%f"}, {"Month", "%M"}, {"Mon", "%b"}, {"Day", "%W"}, {"Dy", "%a"},
		{"AM", "%p"}, {"PM", "%p"}, {"DDD", "%j"},
	}
	var b strings.Builder
	for i := 0; i < len(f); {
		matched := false
		for _, p := range pats {
			if strings.HasPrefix(f[i:], p.pg) {
				if p.pg == "DD" && strings.HasPrefix(f[i:], "DDD") {
					continue
				}
				b.WriteString(p.tr)
				i += len(p.pg)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		c := f[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' {
			return "", notTrino("to_char pattern %q", f)
		}
		if c == '%' {
			b.WriteString("%%")
		} else {
			b.WriteByte(c)
		}
		i++
	}
	return b.String(), nil
}
