package engine

import (
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// rowGroupTest is one conjunct of a scan's filter that row-group statistics
// can refute: table column col compared by op with a constant.
type rowGroupTest struct {
	col int // table column
	op  string
	val pgtype.Datum
}

// pruneTests finds the conjuncts of pred (over the scan's output columns)
// of the shape column op constant, either way round, where the constant
// has the column's own type (so that its bounds compare with it exactly).
func pruneTests(s *plan.Scan, pred plan.Expr) []rowGroupTest {
	var out []rowGroupTest
	var walk func(e plan.Expr)
	walk = func(e plan.Expr) {
		if b, ok := e.(*plan.BoolOp); ok && b.Op == "AND" {
			for _, a := range b.Args {
				walk(a)
			}
			return
		}
		c, ok := e.(*plan.Call)
		if !ok || len(c.Args) != 2 {
			return
		}
		op := c.Func
		ref, rok := c.Args[0].(*plan.ColumnRef)
		k, kok := c.Args[1].(*plan.Const)
		if !rok || !kok {
			ref, rok = c.Args[1].(*plan.ColumnRef)
			k, kok = c.Args[0].(*plan.Const)
			op = flipOp[op]
		}
		if !rok || !kok || k.Value == nil || op == "" || ref.Index >= len(s.Projection) {
			return
		}
		col := s.Projection[ref.Index]
		if _, ok := flipOp[op]; !ok || k.Typ.OID != s.Table.Columns[col].Type.OID {
			return
		}
		switch s.Table.Columns[col].Type.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.DateOID, pgtype.TimestampOID, pgtype.TimestamptzOID, pgtype.TextOID, pgtype.VarcharOID:
			out = append(out, rowGroupTest{col: col, op: op, val: k.Value})
		}
	}
	walk(pred)
	return out
}

// flipOp is each comparison with its operands swapped.
var flipOp = map[string]string{"eq": "eq", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}

// refutes reports whether a row group with these statistics holds no row
// for which the test is true.
func (t rowGroupTest) refutes(st parquet.ColumnStats) bool {
	if st.Min == nil || st.Max == nil {
		// Every value NULL: no comparison is true. Otherwise unknown.
		return st.NullCount >= 0 && st.NullCount == st.Rows && st.Rows > 0
	}
	lo, hi := expr.Compare(t.val, st.Min), expr.Compare(t.val, st.Max)
	switch t.op {
	case "eq":
		return lo < 0 || hi > 0
	case "lt": // col < val
		return expr.Compare(st.Min, t.val) >= 0
	case "le":
		return expr.Compare(st.Min, t.val) > 0
	case "gt": // col > val
		return expr.Compare(st.Max, t.val) <= 0
	case "ge":
		return expr.Compare(st.Max, t.val) < 0
	}
	return false
}

// rowGroupPruner decides per row group whether a scan reads it, from the
// filters over the scan, and counts what it read and skipped.
type rowGroupPruner struct {
	table *catalog.Table
	tests []rowGroupTest
	stats *NodeStats // nil: not analysed
	// per file: its statistics per test, read once
	file   *catalog.File
	cached [][]parquet.ColumnStats
	kept   int
}

func (p *rowGroupPruner) keep(f *catalog.File, rg int) bool {
	if f != p.file {
		p.finishFile()
		p.file = f
		p.kept = 0
		p.cached = make([][]parquet.ColumnStats, len(p.tests))
		for i, t := range p.tests {
			st, err := parquet.RowGroupStats(p.table, f, t.col)
			if err == nil {
				p.cached[i] = st
			}
		}
	}
	keep := true
	for i, t := range p.tests {
		if st := p.cached[i]; rg < len(st) && t.refutes(st[rg]) {
			keep = false
			break
		}
	}
	if p.stats != nil {
		if keep {
			p.stats.RowGroups++
		} else {
			p.stats.RowGroupsSkipped++
		}
	}
	if keep {
		p.kept++
	}
	return keep
}

// finishFile counts the file just planned as read or skipped.
func (p *rowGroupPruner) finishFile() {
	if p.file == nil || p.stats == nil {
		return
	}
	if p.kept > 0 {
		p.stats.Files++
	} else {
		p.stats.FilesSkipped++
	}
}
