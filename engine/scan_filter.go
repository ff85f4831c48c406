package engine

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The conjuncts of a scan's filter that test one text column alone
// (status = 'paid', l_shipmode IN ('MAIL', 'SHIP'), p_type NOT LIKE
// 'MEDIUM%', country IS NULL) run inside the Parquet scan
// (parquet.ColumnFilter): on a dictionary-encoded chunk once per distinct
// value instead of once per row, and before the scan expands dictionaries
// and assembles its other columns, so that dropped rows cost neither.
// The filter above the scan keeps only the other conjuncts.

// splitScanFilter divides pred, a filter over scan s's columns, into the
// conjuncts the scan applies, by column (each with its column read as
// column 0), and the rest (nil when none is left). It is a function of
// its arguments alone: the filter above a scan and the scan itself each
// call it and must agree.
func splitScanFilter(s *plan.Scan, pred plan.Expr) (pushed map[int][]plan.Expr, rest plan.Expr) {
	if pred == nil {
		return nil, nil
	}
	if s.Table.Format != catalog.FormatHiveParquet && s.Table.Format != catalog.FormatIceberg {
		return nil, pred
	}
	var others []plan.Expr
	for _, c := range conjuncts(pred, nil) {
		col, ok := textColumnTest(s, c)
		if !ok {
			others = append(others, c)
			continue
		}
		if pushed == nil {
			pushed = map[int][]plan.Expr{}
		}
		pushed[col] = append(pushed[col], plan.Map(c, func(e plan.Expr) plan.Expr {
			if r, ok := e.(*plan.ColumnRef); ok {
				r.Index = 0 // Map hands over a copy
			}
			return e
		}))
	}
	switch len(others) {
	case 0:
	case 1:
		rest = others[0]
	default:
		rest = &plan.BoolOp{Op: "AND", Args: others}
	}
	return pushed, rest
}

// conjuncts appends the operands of e's top-level ANDs to out.
func conjuncts(e plan.Expr, out []plan.Expr) []plan.Expr {
	if b, ok := e.(*plan.BoolOp); ok && b.Op == "AND" {
		for _, a := range b.Args {
			out = conjuncts(a, out)
		}
		return out
	}
	return append(out, e)
}

// textColumnTest reports whether e tests exactly one text column of s
// (which it returns) with operations that are functions of that value
// alone and fail only on their constants (a bad LIKE pattern): evaluated
// once per distinct value, such a test gives each row what it would have.
func textColumnTest(s *plan.Scan, e plan.Expr) (int, bool) {
	col, ok := -1, true
	plan.Walk(e, func(x plan.Expr) bool {
		if !ok {
			return false
		}
		switch x := x.(type) {
		case *plan.ColumnRef:
			if col >= 0 && x.Index != col || x.Index >= len(s.Columns()) || !textType(s.Columns()[x.Index].Type) {
				ok = false
			}
			col = x.Index
		case *plan.Const, *plan.Param, *plan.BoolOp, *plan.NullTest, *plan.ArrayExpr:
		case *plan.Cast:
			// Between text types only, unconstrained: varchar(n) could
			// fail on a long value.
			ok = textType(x.Arg.Type()) && textType(x.Typ) && x.Typ.Typmod < 0
		case *plan.Call:
			ok = !x.Remote && pushableFuncs[x.Func]
		default:
			ok = false
		}
		return ok
	})
	return col, ok && col >= 0
}

func textType(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID:
		return true
	}
	return false
}

// pushableFuncs are the functions a scan's column test may call.
var pushableFuncs = map[string]bool{
	"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"like": true, "not_like": true, "ilike": true, "not_ilike": true,
	"any_eq": true, "any_ne": true, "all_eq": true, "all_ne": true,
	"any_like": true, "any_not_like": true, "all_like": true, "all_not_like": true,
}

// scanFilters compiles the conjuncts pushed into a scan as its column
// filters; each reader of the scan compiles its own copy.
func scanFilters(s *plan.Scan, pushed map[int][]plan.Expr, env *expr.Env) []parquet.ColumnFilter {
	var out []parquet.ColumnFilter
	for col := range len(s.Columns()) {
		tests := pushed[col]
		if len(tests) == 0 {
			continue
		}
		pred := tests[0]
		if len(tests) > 1 {
			pred = &plan.BoolOp{Op: "AND", Args: tests}
		}
		schema := arrow.NewSchema([]arrow.Field{{Name: s.Columns()[col].Name, Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
		out = append(out, parquet.ColumnFilter{Column: col, New: func() (parquet.ValueTest, error) {
			ev, err := expr.Compile(pred, env)
			if err != nil {
				return nil, err
			}
			t := &valueTest{ev: ev, schema: schema}
			t.vec, _ = ev.Predicate()
			return t.test, nil
		}})
	}
	return out
}

// valueTest is one reader's compiled column test.
type valueTest struct {
	ev     *expr.Evaluator
	vec    *expr.Predicate
	mask   expr.Mask
	schema *arrow.Schema
}

func (t *valueTest) test(vals arrow.Array, keep []bool) error {
	b := array.NewRecordBatch(t.schema, []arrow.Array{vals}, int64(vals.Len()))
	defer b.Release()
	if t.vec != nil {
		ok, err := t.vec.Eval(b, &t.mask)
		if err != nil {
			return err
		}
		if ok {
			copy(keep, t.mask.True)
			return nil
		}
	}
	res, err := t.ev.Datums(b)
	if err != nil {
		return err
	}
	for i, v := range res {
		keep[i] = v == true
	}
	return nil
}
