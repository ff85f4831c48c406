package expr

import (
	"math"
	"regexp"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// rowFn computes one row of a strict function from non-NULL arguments.
type rowFn func(args []pgtype.Datum) (pgtype.Datum, error)

func (c *compiler) call(x *plan.Call) (colFn, error) {
	args, err := c.compileAll(x.Args)
	if err != nil {
		return nil, err
	}
	types := make([]pgtype.Type, len(x.Args))
	for i, a := range x.Args {
		types[i] = a.Type()
	}
	switch x.Func {
	case "is_distinct_from", "is_not_distinct_from":
		want := x.Func == "is_distinct_from"
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			l, err := args[0](b)
			if err != nil {
				return nil, err
			}
			r, err := args[1](b)
			if err != nil {
				return nil, err
			}
			out := make([]pgtype.Datum, len(l))
			for i := range l {
				var distinct bool
				switch {
				case l[i] == nil && r[i] == nil:
					distinct = false
				case l[i] == nil || r[i] == nil:
					distinct = true
				default:
					distinct = Compare(l[i], r[i]) != 0
				}
				out[i] = distinct == want
			}
			return out, nil
		}, nil
	case "now", "statement_timestamp", "transaction_timestamp":
		now := pgtype.TimestampValue(c.env.Now.UnixMicro())
		return constFn(now), nil
	case "clock_timestamp":
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			out := make([]pgtype.Datum, b.NumRows())
			for i := range out {
				out[i] = pgtype.TimestampValue(nowMicros())
			}
			return out, nil
		}, nil
	case "order_key":
		// An aggregate's ORDER BY key: the aggregate reads the value.
		return args[0], nil
	case "row_to_json":
		return lenientN(args, rowToJSON(settingsOf(c.env))), nil
	case "concat", "concat_ws", "format", "greatest", "least", "quote_literal", "quote_nullable", "json_build_object":
		var fn func([]pgtype.Datum) (pgtype.Datum, error)
		switch x.Func {
		case "quote_literal", "quote_nullable":
			fn = quoteFunc(x.Func, types, settingsOf(c.env))
		case "concat", "concat_ws":
			fn = concatFunc(x.Func == "concat_ws", types, settingsOf(c.env))
		case "json_build_object":
			fn = jsonBuildObject(types, settingsOf(c.env))
		case "format":
			fn = formatFunc(types, settingsOf(c.env))
		case "greatest":
			fn = greatestLeast(1)
		case "least":
			fn = greatestLeast(-1)
		}
		return lenientN(args, fn), nil
	case "random":
		return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
			out := make([]pgtype.Datum, b.NumRows())
			for i := range out {
				out[i] = c.env.Rand.Float64()
			}
			return out, nil
		}, nil
	}
	if strings.HasPrefix(x.Func, "any_") || strings.HasPrefix(x.Func, "all_") {
		return lenientN(args, arrayCompare(x.Func)), nil
	}
	if fn, ok := c.catalogFunc(x.Func, types); ok {
		return lenientN(args, fn), nil
	}
	if fn, ok := arrayFunc(x.Func, types); ok {
		return lenientN(args, fn), nil
	}
	fn, err := c.rowFunc(x, types)
	if err != nil {
		return nil, err
	}
	return strictN(args, fn), nil
}

// lenientN evaluates args and applies fn to every row, NULLs included.
func lenientN(args []colFn, fn func([]pgtype.Datum) (pgtype.Datum, error)) colFn {
	return rowwise(args, fn, false)
}

func constFn(v pgtype.Datum) colFn {
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		out := make([]pgtype.Datum, b.NumRows())
		for i := range out {
			out[i] = v
		}
		return out, nil
	}
}

// strictN evaluates args and applies fn to rows where none is NULL; the
// others are NULL.
func strictN(args []colFn, fn rowFn) colFn { return rowwise(args, fn, true) }

// rowwise evaluates args over a batch and applies fn row by row, skipping
// rows with a NULL argument when strict.
func rowwise(args []colFn, fn rowFn, strict bool) colFn {
	return func(b arrow.RecordBatch) ([]pgtype.Datum, error) {
		cols := make([][]pgtype.Datum, len(args))
		for i, a := range args {
			v, err := a(b)
			if err != nil {
				return nil, err
			}
			cols[i] = v
		}
		n := int(b.NumRows())
		out := make([]pgtype.Datum, n)
		row := make([]pgtype.Datum, len(args))
	rows:
		for r := 0; r < n; r++ {
			for i := range cols {
				if strict && cols[i][r] == nil {
					continue rows
				}
				row[i] = cols[i][r]
			}
			v, err := fn(row)
			if err != nil {
				return nil, err
			}
			out[r] = v
		}
		return out, nil
	}
}

func (c *compiler) rowFunc(x *plan.Call, types []pgtype.Type) (rowFn, error) {
	ret := x.Typ
	switch x.Func {
	case "eq", "ne", "lt", "le", "gt", "ge":
		test := map[string]func(int) bool{
			"eq": func(c int) bool { return c == 0 }, "ne": func(c int) bool { return c != 0 },
			"lt": func(c int) bool { return c < 0 }, "le": func(c int) bool { return c <= 0 },
			"gt": func(c int) bool { return c > 0 }, "ge": func(c int) bool { return c >= 0 },
		}[x.Func]
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return test(Compare(a[0], a[1])), nil }, nil
	case "add", "sub", "mul", "div", "mod":
		return arithmetic(x.Func, types[0], types[1], ret, c.env)
	case "pow", "power":
		if types[0].OID == pgtype.NumericOID {
			break
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			x, y := a[0].(float64), a[1].(float64)
			if x == 0 && y < 0 {
				return nil, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "zero raised to a negative power is undefined")
			}
			if x < 0 && y != math.Trunc(y) {
				return nil, pgerr.New(pgerr.InvalidArgumentForPowerFunction, "a negative number raised to a non-integer power yields a complex result")
			}
			r := math.Pow(x, y)
			if math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
			}
			return r, nil
		}, nil
	case "neg":
		return negate(types[0])
	case "bitand", "bitor", "bitxor", "shiftleft", "shiftright":
		return bitwise(x.Func, ret), nil
	case "concat_op":
		return func(a []pgtype.Datum) (pgtype.Datum, error) { return a[0].(string) + a[1].(string), nil }, nil
	case "like", "not_like", "ilike", "not_ilike":
		ci := strings.Contains(x.Func, "ilike")
		neg := strings.HasPrefix(x.Func, "not_")
		cache := &likeCache{}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			m, err := cache.get(a[1].(string), ci)
			if err != nil {
				return nil, err
			}
			ok, err := m.test(a[0].(string))
			if err != nil {
				return nil, err
			}
			return ok != neg, nil
		}, nil
	case "regex_match", "regex_not_match", "regex_imatch", "regex_not_imatch":
		ci := strings.Contains(x.Func, "imatch")
		neg := strings.Contains(x.Func, "not_")
		cache := &patternCache{}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			re, err := cache.regex(a[1].(string), ci)
			if err != nil {
				return nil, err
			}
			return re.MatchString(a[0].(string)) != neg, nil
		}, nil
	case "abs":
		switch types[0].OID {
		case pgtype.Float4OID, pgtype.Float8OID:
			return func(a []pgtype.Datum) (pgtype.Datum, error) { return math.Abs(a[0].(float64)), nil }, nil
		case pgtype.NumericOID:
			return func(a []pgtype.Datum) (pgtype.Datum, error) { return numAbs(a[0].(pgtype.NumericValue)), nil }, nil
		default:
			neg, _ := negate(types[0])
			return func(a []pgtype.Datum) (pgtype.Datum, error) {
				if a[0].(int64) < 0 {
					return neg(a)
				}
				return a[0], nil
			}, nil
		}
	case "round":
		if types[0].OID == pgtype.Float8OID {
			return func(a []pgtype.Datum) (pgtype.Datum, error) { return math.RoundToEven(a[0].(float64)), nil }, nil
		}
		return func(a []pgtype.Datum) (pgtype.Datum, error) {
			s := int32(0)
			if len(a) == 2 {
				s = int32(a[1].(int64))
			}
			return numRound(a[0].(pgtype.NumericValue), s), nil
		}, nil
	}
	if fn, ok := likeFunc(x.Func); ok {
		return fn, nil
	}
	if fn, ok := stringFunc(x.Func, types); ok {
		return fn, nil
	}
	if fn, ok := mathFunc(x.Func, types); ok {
		return fn, nil
	}
	if fn, ok := datetimeFunc(x.Func, types, ret, c.env); ok {
		return fn, nil
	}
	return nil, pgerr.New(pgerr.UndefinedFunction, "function %s is not implemented by the engine", x.Func)
}

// patternCache keeps the last compiled pattern: the pattern is almost
// always a constant, so one entry suffices.
type patternCache struct {
	mu   sync.Mutex
	text string
	ci   bool
	re   *regexp.Regexp
}

func (p *patternCache) regex(pattern string, ci bool) (*regexp.Regexp, error) {
	return p.get(pattern, ci, func() (string, error) { return pattern, nil })
}

func (p *patternCache) get(pattern string, ci bool, translate func() (string, error)) (*regexp.Regexp, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.re != nil && p.text == pattern && p.ci == ci {
		return p.re, nil
	}
	src, err := translate()
	if err != nil {
		return nil, err
	}
	re, err := compileRegexp(src, ci)
	if err != nil {
		return nil, err
	}
	p.text, p.ci, p.re = pattern, ci, re
	return re, nil
}

// compileRegexp compiles a Go regular expression translated from a
// PostgreSQL pattern, case-insensitive when ci; a failure is 2201B.
func compileRegexp(src string, ci bool) (*regexp.Regexp, error) {
	if ci {
		src = "(?i)" + src
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, pgerr.New(pgerr.InvalidRegularExpression, "invalid regular expression: %s", err)
	}
	return re, nil
}
