package planner

import (
	"strings"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestSelectFunc checks overload resolution against the choices
// PostgreSQL 15 makes for the same argument types (pg_typeof of the call).
func TestSelectFunc(t *testing.T) {
	int4Arr := pgtype.Type{OID: pgtype.Int4ArrayOID, Typmod: -1}
	cases := []struct {
		name      string
		args      []pgtype.Type
		want      []pgtype.Type // the chosen overload's parameter types
		ret       pgtype.OID
		ambiguous bool
		none      bool
	}{
		{name: "round", args: []pgtype.Type{pgtype.Int4}, want: []pgtype.Type{pgtype.Float8}, ret: pgtype.Float8OID},
		{name: "round", args: []pgtype.Type{pgtype.Numeric}, want: []pgtype.Type{pgtype.Numeric}, ret: pgtype.NumericOID},
		{name: "round", args: []pgtype.Type{pgtype.Unknown}, want: []pgtype.Type{pgtype.Float8}, ret: pgtype.Float8OID},
		{name: "round", args: []pgtype.Type{pgtype.Numeric, pgtype.Int8}, none: true},
		{name: "abs", args: []pgtype.Type{pgtype.Int2}, want: []pgtype.Type{pgtype.Int2}, ret: pgtype.Int2OID},
		{name: "sqrt", args: []pgtype.Type{pgtype.Int8}, want: []pgtype.Type{pgtype.Float8}, ret: pgtype.Float8OID},
		{name: "length", args: []pgtype.Type{pgtype.Unknown}, want: []pgtype.Type{pgtype.Text}, ret: pgtype.Int4OID},
		{name: "length", args: []pgtype.Type{pgtype.Varchar}, want: []pgtype.Type{pgtype.Text}, ret: pgtype.Int4OID},
		{name: "length", args: []pgtype.Type{pgtype.Int4}, none: true},
		{name: "substring", args: []pgtype.Type{pgtype.Text, pgtype.Int4}, want: []pgtype.Type{pgtype.Text, pgtype.Int4}, ret: pgtype.TextOID},
		{name: "substring", args: []pgtype.Type{pgtype.Text, pgtype.Unknown}, want: []pgtype.Type{pgtype.Text, pgtype.Text}, ret: pgtype.TextOID},
		{name: "lpad", args: []pgtype.Type{pgtype.Text, pgtype.Int4}, want: []pgtype.Type{pgtype.Text, pgtype.Int4}, ret: pgtype.TextOID},
		{name: "concat", args: nil, none: true},
		{name: "concat", args: []pgtype.Type{pgtype.Int4, pgtype.Bool, pgtype.Unknown}, want: []pgtype.Type{pgtype.Unknown, pgtype.Unknown, pgtype.Unknown}, ret: pgtype.TextOID},
		{name: "mod", args: []pgtype.Type{pgtype.Int2, pgtype.Int4}, want: []pgtype.Type{pgtype.Int4, pgtype.Int4}, ret: pgtype.Int4OID},
		{name: "array_length", args: []pgtype.Type{int4Arr, pgtype.Int4}, want: []pgtype.Type{int4Arr, pgtype.Int4}, ret: pgtype.Int4OID},
		{name: "array_position", args: []pgtype.Type{int4Arr, pgtype.Unknown}, want: []pgtype.Type{int4Arr, pgtype.Int4}, ret: pgtype.Int4OID},
		{name: "cardinality", args: []pgtype.Type{pgtype.Unknown}, none: true},
		{name: "date_trunc", args: []pgtype.Type{pgtype.Unknown, pgtype.Date}, want: []pgtype.Type{pgtype.Text, pgtype.Timestamptz}, ret: pgtype.TimestamptzOID},
		{name: "date_part", args: []pgtype.Type{pgtype.Unknown, pgtype.Timestamp}, want: []pgtype.Type{pgtype.Text, pgtype.Timestamp}, ret: pgtype.Float8OID},
	}
	for _, c := range cases {
		got, found, ambiguous := selectFunc(scalarFuncs[c.name], c.args)
		if c.none {
			if found {
				t.Errorf("%s%v: resolved to %v, want no match", c.name, c.args, got.args)
			}
			continue
		}
		if !found || ambiguous != c.ambiguous {
			t.Errorf("%s%v: found %v ambiguous %v", c.name, c.args, found, ambiguous)
			continue
		}
		for i, w := range c.want {
			if got.args[i].OID != w.OID {
				t.Errorf("%s%v: parameter %d is %s, want %s", c.name, c.args, i, got.args[i], w)
			}
		}
		if c.ret != 0 && got.sig.Ret.OID != c.ret {
			t.Errorf("%s%v: returns %s", c.name, c.args, got.sig.Ret)
		}
	}
}

func TestFuncVolatility(t *testing.T) {
	for name, want := range map[string]Volatility{
		"lower": Immutable, "now": Stable, "random": Volatile, "clock_timestamp": Volatile,
		"date_trunc": Stable, "to_char": Stable, "current_setting": Stable,
	} {
		if got, ok := FuncVolatility(name); !ok || got != want {
			t.Errorf("%s: %c %v, want %c", name, got, ok, want)
		}
	}
	if _, ok := FuncVolatility("no_such_function"); ok {
		t.Error("no_such_function has a volatility")
	}
	// Every overload of the table records one.
	for name, ss := range scalarFuncs {
		for _, s := range ss {
			if s.Volatility != Immutable && s.Volatility != Stable && s.Volatility != Volatile {
				t.Errorf("%s: overload without volatility", name)
			}
		}
	}
}

func TestExprVolatility(t *testing.T) {
	col := &plan.ColumnRef{Index: 0, Name: "x", Typ: pgtype.Text}
	ts := &plan.ColumnRef{Index: 1, Name: "t", Typ: pgtype.Timestamptz}
	call := func(name string, typ pgtype.Type, args ...plan.Expr) plan.Expr {
		return &plan.Call{Func: name, Op: name, Args: args, Typ: typ}
	}
	for _, c := range []struct {
		e    plan.Expr
		want Volatility
	}{
		{call("upper", pgtype.Text, col), Immutable},
		{&plan.Call{Func: "add", Op: "+", Args: []plan.Expr{col, col}, Typ: pgtype.Int4}, Immutable},
		{call("upper", pgtype.Text, call("to_char", pgtype.Text, ts, col)), Stable},
		{&plan.Cast{Arg: ts, Typ: pgtype.Date}, Stable},
		{call("round", pgtype.Float8, call("random", pgtype.Float8)), Volatile},
		{&plan.Coalesce{Args: []plan.Expr{call("now", pgtype.Timestamptz), call("clock_timestamp", pgtype.Timestamptz)}, Typ: pgtype.Timestamptz}, Volatile},
	} {
		if got := ExprVolatility(c.e); got != c.want {
			t.Errorf("%s: %c, want %c", c.e, got, c.want)
		}
	}
}

// The binder marks each call with its function's volatility from the one
// table above, and the rules read the mark: a volatile predicate stays
// above the join it was written over, a stable one goes into the scan.
func TestBinderMarksVolatileCalls(t *testing.T) {
	p := New()
	stmts, err := p.Parse("SELECT random(), clock_timestamp(), now(), lower(name), round(random() * 10) FROM gold.customers")
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Bind(stmts[0].(*Query), joinState(), fuzzEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	var walk func(n plan.Node)
	walk = func(n plan.Node) {
		for _, e := range plan.Exprs(n) {
			plan.Walk(e, func(x plan.Expr) bool {
				if c, ok := x.(*plan.Call); ok {
					got[c.Op] = c.Volatile
				}
				return true
			})
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(b.Root)
	want := map[string]bool{"random": true, "clock_timestamp": true, "now": false, "lower": false, "round": false, "*": false}
	for name, v := range want {
		if g, ok := got[name]; !ok || g != v {
			t.Errorf("%s: Volatile %v (bound %v), want %v", name, g, ok, v)
		}
	}

	volatile := explain(t, "SELECT o.order_id FROM gold.orders o JOIN gold.customers c ON o.customer_id = c.customer_id WHERE random() < 0.5 AND c.name = 'x'")
	if !strings.Contains(volatile, "Filter (random() <") || strings.Contains(volatile, "Scan gold.customers [customer_id, name] filter=(random()") {
		t.Errorf("random() moved:\n%s", volatile)
	}
}
