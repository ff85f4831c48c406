package plan

import (
	"fmt"
	"strings"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Expr is a bound, typed scalar expression.
type Expr interface {
	Type() pgtype.Type
	String() string
}

// ColumnRef reads column Index of the input node.
type ColumnRef struct {
	Index int
	Name  string
	Typ   pgtype.Type
}

func (c *ColumnRef) Type() pgtype.Type { return c.Typ }
func (c *ColumnRef) String() string    { return fmt.Sprintf("%s#%d", c.Name, c.Index) }

// Const is a constant; Value is a pgtype.Datum (nil: NULL).
type Const struct {
	Value pgtype.Datum
	Typ   pgtype.Type
}

func (c *Const) Type() pgtype.Type { return c.Typ }
func (c *Const) String() string {
	if c.Value == nil {
		return "NULL"
	}
	if txt, err := pgtype.AppendText(nil, c.Typ, c.Value, pgtype.DefaultSettings()); err == nil {
		return fmt.Sprintf("'%s'::%s", strings.ReplaceAll(string(txt), "'", "''"), c.Typ)
	}
	return fmt.Sprintf("%v::%s", c.Value, c.Typ)
}

// Param is $Index (1-based), bound at execution.
type Param struct {
	Index int
	Typ   pgtype.Type
}

func (p *Param) Type() pgtype.Type { return p.Typ }
func (p *Param) String() string    { return fmt.Sprintf("$%d", p.Index) }

// Call is a scalar function or operator, resolved to one implementation.
// Func names the implementation ("int8pl", "texteq", "lower"); Op is the
// SQL spelling for printing (an operator symbol or the function name).
type Call struct {
	Func string
	Op   string
	Args []Expr
	Typ  pgtype.Type
	// Remote marks a PostgreSQL function the local engine lacks and a
	// Trino tier computes (bound only when one is configured): the engine
	// refuses the plan, the Trino renderer writes Trino's spelling.
	Remote bool
	// Volatile marks a function whose value may change from one call to
	// the next with the same arguments (PostgreSQL's provolatile 'v':
	// random(), clock_timestamp()), set by the binder from the planner's
	// function table. Such a call is not moved, shared between equal
	// expressions or run on several workers at once.
	Volatile bool
}

func (c *Call) Type() pgtype.Type { return c.Typ }
func (c *Call) String() string {
	args := make([]string, len(c.Args))
	for i, a := range c.Args {
		args[i] = a.String()
	}
	if len(c.Args) == 2 && c.Op != "" && !isIdent(c.Op) {
		return fmt.Sprintf("(%s %s %s)", args[0], c.Op, args[1])
	}
	name := c.Op
	if name == "" {
		name = c.Func
	}
	return fmt.Sprintf("%s(%s)", name, strings.Join(args, ", "))
}

func isIdent(s string) bool {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Cast converts Arg to Typ with PostgreSQL's cast semantics.
type Cast struct {
	Arg Expr
	Typ pgtype.Type
}

func (c *Cast) Type() pgtype.Type { return c.Typ }
func (c *Cast) String() string    { return fmt.Sprintf("%s::%s", c.Arg, c.Typ) }

// BoolOp is AND, OR or NOT with three-valued logic.
type BoolOp struct {
	Op   string // "AND", "OR", "NOT"
	Args []Expr
}

func (b *BoolOp) Type() pgtype.Type { return pgtype.Bool }
func (b *BoolOp) String() string {
	if b.Op == "NOT" {
		return "NOT " + b.Args[0].String()
	}
	parts := make([]string, len(b.Args))
	for i, a := range b.Args {
		parts[i] = a.String()
	}
	return "(" + strings.Join(parts, " "+b.Op+" ") + ")"
}

// NullTest is IS [NOT] NULL.
type NullTest struct {
	Arg Expr
	Not bool
}

func (n *NullTest) Type() pgtype.Type { return pgtype.Bool }
func (n *NullTest) String() string {
	if n.Not {
		return n.Arg.String() + " IS NOT NULL"
	}
	return n.Arg.String() + " IS NULL"
}

// When is one WHEN ... THEN ... arm of a Case.
type When struct {
	Cond   Expr
	Result Expr
}

// Case is a searched CASE (a simple CASE is bound into one). Else is NULL
// when absent.
type Case struct {
	Whens []When
	Else  Expr
	Typ   pgtype.Type
}

func (c *Case) Type() pgtype.Type { return c.Typ }
func (c *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range c.Whens {
		fmt.Fprintf(&b, " WHEN %s THEN %s", w.Cond, w.Result)
	}
	if c.Else != nil {
		fmt.Fprintf(&b, " ELSE %s", c.Else)
	}
	b.WriteString(" END")
	return b.String()
}

// Coalesce is COALESCE(args...).
type Coalesce struct {
	Args []Expr
	Typ  pgtype.Type
}

func (c *Coalesce) Type() pgtype.Type { return c.Typ }
func (c *Coalesce) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return "COALESCE(" + strings.Join(parts, ", ") + ")"
}

// ArrayExpr is ARRAY[elems...], a one-dimensional array of Typ.
type ArrayExpr struct {
	Elems []Expr
	Typ   pgtype.Type
}

func (a *ArrayExpr) Type() pgtype.Type { return a.Typ }
func (a *ArrayExpr) String() string {
	parts := make([]string, len(a.Elems))
	for i, e := range a.Elems {
		parts[i] = e.String()
	}
	return "ARRAY[" + strings.Join(parts, ", ") + "]"
}

// Walk calls fn for e and every expression under it, parents first; fn
// returning false skips a subtree.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	switch x := e.(type) {
	case *Call:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *Cast:
		Walk(x.Arg, fn)
	case *BoolOp:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *NullTest:
		Walk(x.Arg, fn)
	case *Case:
		for _, w := range x.Whens {
			Walk(w.Cond, fn)
			Walk(w.Result, fn)
		}
		Walk(x.Else, fn)
	case *Coalesce:
		for _, a := range x.Args {
			Walk(a, fn)
		}
	case *ArrayExpr:
		for _, a := range x.Elems {
			Walk(a, fn)
		}
	case *Subquery:
		Walk(x.Test, fn) // the subquery's plan reads its own input
		for _, o := range x.Outer {
			Walk(o, fn)
		}
	}
}

// Map returns e rebuilt bottom-up with fn applied to every node after its
// children. Nodes are copied, never changed in place: plans may share
// expressions.
func Map(e Expr, fn func(Expr) Expr) Expr {
	if e == nil {
		return nil
	}
	all := func(es []Expr) []Expr {
		out := make([]Expr, len(es))
		for i, x := range es {
			out[i] = Map(x, fn)
		}
		return out
	}
	switch x := e.(type) {
	case *Call:
		e = &Call{Func: x.Func, Op: x.Op, Args: all(x.Args), Typ: x.Typ, Remote: x.Remote, Volatile: x.Volatile}
	case *Cast:
		e = &Cast{Arg: Map(x.Arg, fn), Typ: x.Typ}
	case *BoolOp:
		e = &BoolOp{Op: x.Op, Args: all(x.Args)}
	case *NullTest:
		e = &NullTest{Arg: Map(x.Arg, fn), Not: x.Not}
	case *Case:
		c := &Case{Else: Map(x.Else, fn), Typ: x.Typ}
		for _, w := range x.Whens {
			c.Whens = append(c.Whens, When{Cond: Map(w.Cond, fn), Result: Map(w.Result, fn)})
		}
		e = c
	case *Coalesce:
		e = &Coalesce{Args: all(x.Args), Typ: x.Typ}
	case *ArrayExpr:
		e = &ArrayExpr{Elems: all(x.Elems), Typ: x.Typ}
	case *ColumnRef:
		c := *x
		e = &c
	case *Subquery:
		c := *x
		c.Test = Map(x.Test, fn)
		if x.Outer != nil {
			c.Outer = all(x.Outer)
		}
		e = &c
	case *CorrelatedRef:
		c := *x
		e = &c
	}
	return fn(e)
}
