package planner

import (
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// foldConstants is the constant-folding rule. It simplifies what does not
// depend on a row before anything else runs: AND, OR and NOT over known
// truth values (with SQL's three-valued logic: FALSE AND NULL is FALSE),
// comparisons of constants, CASE arms whose condition is
// a constant, COALESCE's leading NULLs. A filter whose predicate folds to
// TRUE goes (BI tools write WHERE 1 = 1 AND ...), one that folds to FALSE
// or NULL replaces its input by no rows, which is then never read.
// Nothing that can fail is computed here (1/0 in an arm never taken must
// not fail), so the engine still raises every error a row would.
func foldConstants(n plan.Node) plan.Node {
	return dropConstantFilters(plan.MapNode(n, foldExpr))
}

func dropConstantFilters(n plan.Node) plan.Node {
	n = mapChildren(n, dropConstantFilters)
	switch x := n.(type) {
	case *plan.Filter:
		if c, ok := x.Predicate.(*plan.Const); ok {
			if c.Value == true {
				return x.Input
			}
			return &plan.Values{Cols: x.Input.Columns()}
		}
	case *plan.Join:
		if c, ok := x.On.(*plan.Const); ok && c.Value == true {
			jc := *x
			jc.On = nil
			return &jc
		}
	}
	return n
}

var (
	trueConst  = &plan.Const{Value: true, Typ: pgtype.Bool}
	falseConst = &plan.Const{Value: false, Typ: pgtype.Bool}
	nullBool   = &plan.Const{Typ: pgtype.Bool}
)

func boolConst(v bool) *plan.Const {
	if v {
		return trueConst
	}
	return falseConst
}

// foldExpr simplifies one expression node whose arguments are folded.
func foldExpr(e plan.Expr) plan.Expr {
	switch x := e.(type) {
	case *plan.BoolOp:
		return foldBoolOp(x)
	case *plan.Call:
		if v, ok := foldComparison(x); ok {
			return v
		}
	case *plan.Case:
		var whens []plan.When
		for _, w := range x.Whens {
			c, ok := w.Cond.(*plan.Const)
			switch {
			case !ok:
				whens = append(whens, w)
			case c.Value == true:
				if len(whens) == 0 {
					if w.Result.Type() == x.Typ {
						return w.Result
					}
					return x
				}
				// The arms before may still match: this one is the
				// last that can.
				c := *x
				c.Whens, c.Else = whens, w.Result
				return &c
			}
			// A FALSE or NULL condition never selects its arm.
		}
		if len(whens) == 0 {
			if x.Else == nil {
				return &plan.Const{Typ: x.Typ}
			}
			if x.Else.Type() == x.Typ {
				return x.Else
			}
			return x
		}
		if len(whens) != len(x.Whens) {
			c := *x
			c.Whens = whens
			return &c
		}
	case *plan.Coalesce:
		args := x.Args
		for len(args) > 1 {
			c, ok := args[0].(*plan.Const)
			if !ok || c.Value != nil {
				break
			}
			args = args[1:]
		}
		if c, ok := args[0].(*plan.Const); ok && c.Value != nil && c.Typ == x.Typ || len(args) == 1 && args[0].Type() == x.Typ {
			return args[0]
		}
		if len(args) != len(x.Args) {
			return &plan.Coalesce{Args: args, Typ: x.Typ}
		}
	}
	return e
}

func foldBoolOp(x *plan.BoolOp) plan.Expr {
	isConst := func(e plan.Expr, v any) bool {
		c, ok := e.(*plan.Const)
		return ok && c.Value == v
	}
	switch x.Op {
	case "NOT":
		if c, ok := x.Args[0].(*plan.Const); ok {
			if c.Value == nil {
				return nullBool
			}
			if b, ok := c.Value.(bool); ok {
				return boolConst(!b)
			}
		}
		return x
	case "AND", "OR":
		// AND: FALSE decides, TRUE drops out; OR the other way round.
		decides, neutral := false, true
		if x.Op == "OR" {
			decides, neutral = true, false
		}
		var args []plan.Expr
		for _, a := range x.Args {
			if isConst(a, decides) {
				return boolConst(decides)
			}
			if !isConst(a, neutral) {
				args = append(args, a)
			}
		}
		switch len(args) {
		case 0:
			return boolConst(neutral)
		case 1:
			return args[0]
		}
		if len(args) != len(x.Args) {
			return &plan.BoolOp{Op: x.Op, Args: args}
		}
	}
	return x
}

// foldComparison compares two constants of one type whose order does not
// depend on a collation: integers, floats, booleans and dates, and text
// only for equality. A NULL operand gives NULL.
func foldComparison(c *plan.Call) (plan.Expr, bool) {
	if len(c.Args) != 2 {
		return nil, false
	}
	switch c.Func {
	case "eq", "ne", "lt", "le", "gt", "ge":
	default:
		return nil, false
	}
	a, ok1 := c.Args[0].(*plan.Const)
	b, ok2 := c.Args[1].(*plan.Const)
	if !ok1 || !ok2 || a.Typ.OID != b.Typ.OID {
		return nil, false
	}
	if a.Value == nil || b.Value == nil {
		return nullBool, true
	}
	var cmp int
	switch x := a.Value.(type) {
	case int64:
		y, ok := b.Value.(int64)
		if !ok {
			return nil, false
		}
		cmp = cmpOrdered(x, y)
	case float64:
		y, ok := b.Value.(float64)
		if !ok || x != x || y != y { // NaN sorts above everything in PostgreSQL
			return nil, false
		}
		cmp = cmpOrdered(x, y)
	case pgtype.DateValue:
		y, ok := b.Value.(pgtype.DateValue)
		if !ok {
			return nil, false
		}
		cmp = cmpOrdered(x, y)
	case bool:
		y, ok := b.Value.(bool)
		if !ok {
			return nil, false
		}
		cmp, _ = compareDatums(x, y)
	case string:
		y, ok := b.Value.(string)
		// Only text: char(n) ignores trailing blanks.
		if !ok || c.Func != "eq" && c.Func != "ne" || a.Typ.OID != pgtype.TextOID {
			return nil, false
		}
		cmp = 1
		if x == y {
			cmp = 0
		}
	default:
		return nil, false
	}
	switch c.Func {
	case "eq":
		return boolConst(cmp == 0), true
	case "ne":
		return boolConst(cmp != 0), true
	case "lt":
		return boolConst(cmp < 0), true
	case "le":
		return boolConst(cmp <= 0), true
	case "gt":
		return boolConst(cmp > 0), true
	}
	return boolConst(cmp >= 0), true
}
