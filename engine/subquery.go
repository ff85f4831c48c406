package engine

import (
	"context"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// subqueries runs the uncorrelated subqueries of one execution, each once,
// keeping their rows for every batch that needs them.
type subqueries struct {
	b    *builder
	ctx  context.Context
	rows map[plan.Node][][]pgtype.Datum
}

func (s *subqueries) run(n plan.Node) ([][]pgtype.Datum, error) {
	if rows, ok := s.rows[n]; ok {
		return rows, nil
	}
	if s.emptyByConstant(n) {
		s.rows[n] = nil
		return nil, nil
	}
	op, err := s.b.build(n)
	if err != nil {
		return nil, err
	}
	defer op.close()
	cols := n.Columns()
	var rows [][]pgtype.Datum
	for {
		b, err := op.next(s.ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			break
		}
		for r := 0; r < int(b.NumRows()); r++ {
			row := make([]pgtype.Datum, len(cols))
			for c := range cols {
				row[c] = pgtype.DatumAt(cols[c].Type, b.Column(c), r)
			}
			rows = append(rows, row)
		}
		b.Release()
	}
	s.rows[n] = rows
	return rows, nil
}

// emptyByConstant says whether plan n returns no rows whatever its tables
// hold: a filter or join condition that reads no columns is false or NULL,
// under operators that return nothing from no input. A correlated
// subquery's outer test becomes such a constant once bound to an outer row
// (SQLAlchemy's get_columns tests a.attidentity against the empty string
// in its identity subquery), and the subquery then answers without
// scanning its tables and building their hash tables again for every
// outer row.
func (s *subqueries) emptyByConstant(n plan.Node) bool {
	switch x := n.(type) {
	case *plan.Filter:
		return s.constFalse(x.Predicate) || s.emptyByConstant(x.Input)
	case *plan.Project:
		return s.emptyByConstant(x.Input)
	case *plan.Limit:
		return s.emptyByConstant(x.Input)
	case *plan.Sort:
		return s.emptyByConstant(x.Input)
	case *plan.Scan:
		return s.constFalse(x.Filter)
	case *plan.Join:
		switch x.Kind {
		case plan.JoinInner, plan.JoinSemi:
			return s.constFalse(x.On) || s.emptyByConstant(x.Left) || s.emptyByConstant(x.Right)
		case plan.JoinLeft, plan.JoinAnti:
			return s.emptyByConstant(x.Left)
		}
	}
	return false
}

// constFalse says whether e reads nothing but constants through operators
// (no functions, which may be volatile, no columns, parameters or
// subqueries) and is false or NULL. An error leaves e to the operator that
// evaluates it, which reports it as it would.
func (s *subqueries) constFalse(e plan.Expr) bool {
	if e == nil {
		return false
	}
	constant := true
	plan.Walk(e, func(x plan.Expr) bool {
		switch c := x.(type) {
		case *plan.Const, *plan.Cast, *plan.BoolOp, *plan.NullTest:
		case *plan.Call:
			if c.Op == "" {
				constant = false
			}
		default:
			constant = false
		}
		return constant
	})
	if !constant {
		return false
	}
	v, err := expr.Const(e, s.b.env)
	return err == nil && (v == nil || v == false)
}
