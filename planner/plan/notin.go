package plan

// Sides reports which inputs of a join e reads: bit 1 the left (columns
// below nLeft), bit 2 the right; 0 when it reads neither.
func Sides(e Expr, nLeft int) int {
	s := 0
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*ColumnRef); ok {
			if c.Index < nLeft {
				s |= 1
			} else {
				s |= 2
			}
		}
		return true
	})
	return s
}

// NotIn recognises the anti join the planner makes of x NOT IN
// (subquery): no keys, the subquery built, and the condition
// COALESCE(x = s, true) with x over the left columns (or none) and s over
// the right ones, neither volatile nor correlated. It returns x, and s
// over the right input's own columns. The engine runs such a join as a
// hash join with NOT IN's NULL rules, and the Trino renderer writes it
// back as NOT IN, which Trino plans as a semi join rather than a loop.
func (j *Join) NotIn() (x, s Expr, ok bool) {
	if j.Kind != JoinAnti || len(j.LeftKeys) > 0 || j.BuildLeft || j.Single {
		return nil, nil, false
	}
	c, ok := j.On.(*Coalesce)
	if !ok || len(c.Args) != 2 {
		return nil, nil, false
	}
	if t, ok := c.Args[1].(*Const); !ok || t.Value != true {
		return nil, nil, false
	}
	eq, ok := c.Args[0].(*Call)
	if !ok || eq.Func != "eq" || len(eq.Args) != 2 {
		return nil, nil, false
	}
	nl := len(j.Left.Columns())
	x, s = eq.Args[0], eq.Args[1]
	if Sides(x, nl) == 2 {
		x, s = s, x
	}
	if Sides(x, nl)&2 != 0 || Sides(s, nl) != 2 {
		return nil, nil, false
	}
	for _, e := range []Expr{x, s} {
		pure := true
		Walk(e, func(y Expr) bool {
			switch f := y.(type) {
			case *Subquery, *OuterRef, *CorrelatedRef:
				pure = false
			case *Call:
				pure = pure && !f.Volatile
			}
			return pure
		})
		if !pure {
			return nil, nil, false
		}
	}
	s = Map(s, func(y Expr) Expr {
		if c, ok := y.(*ColumnRef); ok {
			c.Index -= nl // a copy: Map copies references
		}
		return y
	})
	return x, s, true
}
