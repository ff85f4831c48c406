package engine

import (
	"context"

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
