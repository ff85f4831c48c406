package planner

import (
	"math"

	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Selectivities of predicates the lake's metadata says nothing about. They
// are coarser than PostgreSQL's guesses (selfuncs.h), which assume large
// tables of many distinct values: lake tables hold status and segment
// columns of a few values (TPC-H's o_orderstatus = 'F' keeps half the
// orders), and an equality guessed too selective puts a large input first.
const (
	eqSel    = 0.1
	ineqSel  = 1.0 / 3
	matchSel = 0.1
	unkSel   = 0.005 // IS NULL
)

// estimateRows is the rows a node is expected to produce after its filters,
// from the lake's row counts, distinct counts and guessed selectivities,
// or -1 when a table's size is unknown. Join order and build sides compare
// these: a small filtered table is built even when the table itself is
// large.
func estimateRows(n plan.Node) int64 {
	rows, _ := estimate(n)
	if rows < 0 {
		return -1
	}
	return int64(rows + 0.5)
}

// estimate is newEstimator().estimate: a node's estimated rows and base.
func estimate(n plan.Node) (rows, base float64) { return newEstimator().estimate(n) }

// estimator remembers the estimates of the nodes of one plan, which rules
// ask for again and again while they compare candidate plans.
type estimator struct {
	memo map[plan.Node][2]float64
	ndv  map[ndvKey]float64
}

type ndvKey struct {
	t   *catalog.Table
	col int
}

func newEstimator() *estimator {
	return &estimator{memo: map[plan.Node][2]float64{}, ndv: map[ndvKey]float64{}}
}

// estimate returns a node's estimated rows and its base: the rows it would
// produce without the filters applied at or below it, so that rows/base is
// the fraction of its source rows that survive (a join keeps that fraction
// of the rows of the table it joins to by a key). Negative when unknown.
func (e *estimator) estimate(n plan.Node) (rows, base float64) {
	if m, ok := e.memo[n]; ok {
		return m[0], m[1]
	}
	rows, base = e.compute(n)
	e.memo[n] = [2]float64{rows, base}
	return rows, base
}

func (e *estimator) compute(n plan.Node) (rows, base float64) {
	switch x := n.(type) {
	case *plan.Scan:
		r := float64(x.Table.RowCount)
		if r < 0 {
			return -1, -1
		}
		bare := plan.NewScan(x.Table, x.Projection)
		return max(1, r*e.selectivity(x.Filter, bare)), r
	case *plan.Values:
		r := float64(len(x.Rows))
		return r, r
	case *plan.Filter:
		r, b := e.estimate(x.Input)
		if r < 0 {
			return r, b
		}
		return max(1, r*e.selectivity(x.Predicate, x.Input)), b
	case *plan.Project, *plan.Sort:
		return e.estimate(n.Children()[0])
	case *plan.Limit:
		r, b := e.estimate(x.Input)
		if c, ok := x.Count.(*plan.Const); ok && c.Value != nil && x.Offset == nil {
			if v := float64(c.Value.(int64)); r < 0 || v < r {
				return v, v
			}
		}
		return r, b
	case *plan.Aggregate:
		if len(x.GroupBy) == 0 {
			return 1, 1
		}
		// A group per distinct key, at most a group per input row: the
		// groups are a new relation.
		r, _ := e.estimate(x.Input)
		if r < 0 {
			return r, r
		}
		g := 1.0
		for _, k := range x.GroupBy {
			d := e.distinct(x.Input, k)
			if d < 0 {
				return r, r
			}
			g *= d
		}
		g = min(g, r)
		return g, g
	case *plan.Join:
		return e.join(x)
	}
	return -1, -1
}

// join estimates a join's rows. An equi-join is assumed to follow a
// foreign key: each row of one side finds one row of the other, which
// survives its side's filters in the proportion they keep; with distinct
// counts of a key on both sides, it gives at least l·r/max(ndv_l, ndv_r).
func (e *estimator) join(j *plan.Join) (rows, base float64) {
	l, lb := e.estimate(j.Left)
	r, rb := e.estimate(j.Right)
	if l < 0 || r < 0 {
		return -1, -1
	}
	lsel, rsel := l/max(lb, 1), r/max(rb, 1)
	keyed := len(j.LeftKeys) > 0
	inner, semi := max(l*rsel, r*lsel), l*min(1, rsel)
	if !keyed {
		inner = l
	}
	// Distinct counts only raise the foreign-key guess: they find joins
	// on keys of few values (nations) that multiply rows, while the
	// min/max bound on a sparse key's values (TPC-H's order keys) would
	// make a join look more selective than it is.
	// Every key alone bounds the rows; the most selective one counts.
	byKey, semiByKey := -1.0, -1.0
	for k := range j.LeftKeys {
		dl, dr := e.distinct(j.Left, j.LeftKeys[k]), e.distinct(j.Right, j.RightKeys[k])
		if dl > 0 && dr > 0 {
			if ki := l * r / max(dl, dr); byKey < 0 || ki < byKey {
				byKey = ki
			}
			if ks := l * min(1, dr/dl); semiByKey < 0 || ks < semiByKey {
				semiByKey = ks
			}
		}
	}
	inner, semi = max(inner, byKey), max(semi, semiByKey)
	// A residual condition filters the matches.
	inner *= e.selectivity(j.On, nil)
	switch j.Kind {
	case plan.JoinSemi:
		if keyed {
			return max(1, semi), lb
		}
		return l, lb
	case plan.JoinAnti, plan.JoinMark:
		return l, lb
	}
	if !keyed {
		return max(1, inner*r), lb * rb // inner is l·sel(on) here
	}
	switch j.Kind {
	case plan.JoinLeft:
		return max(l, inner), max(lb, rb)
	case plan.JoinRight:
		return max(r, inner), max(lb, rb)
	case plan.JoinFull:
		return max(l, r, inner), max(lb, rb)
	}
	return max(1, inner), max(lb, rb)
}

// distinct estimates how many distinct values expression x takes over n's
// rows, or -1 when unknown: for a lake column from its files' min/max
// statistics (an integer column holds at most max-min+1 values) or else
// its table's rows (as if it were a key), never more than n's rows.
func (e *estimator) distinct(n plan.Node, x plan.Expr) float64 {
	for {
		c, ok := x.(*plan.Cast)
		if !ok {
			break
		}
		x = c.Arg
	}
	ref, ok := x.(*plan.ColumnRef)
	if !ok {
		return -1
	}
	rows, _ := e.estimate(n)
	if rows < 0 {
		return -1
	}
	var d float64
	switch y := n.(type) {
	case *plan.Scan:
		if ref.Index >= len(y.Projection) {
			return -1
		}
		d = e.columnDistinct(y.Table, y.Projection[ref.Index])
	case *plan.Filter, *plan.Sort, *plan.Limit:
		d = e.distinct(n.Children()[0], ref)
	case *plan.Project:
		d = e.distinct(y.Input, y.Exprs[ref.Index])
	case *plan.Join:
		nl := len(y.Left.Columns())
		if ref.Index < nl {
			d = e.distinct(y.Left, ref)
		} else if y.Kind != plan.JoinSemi && y.Kind != plan.JoinAnti && y.Kind != plan.JoinMark {
			d = e.distinct(y.Right, &plan.ColumnRef{Index: ref.Index - nl, Name: ref.Name, Typ: ref.Typ})
		} else {
			return -1
		}
	case *plan.Aggregate:
		if ref.Index >= len(y.GroupBy) {
			return -1
		}
		if len(y.GroupBy) == 1 {
			return rows
		}
		d = e.distinct(y.Input, y.GroupBy[ref.Index])
	default:
		return -1
	}
	if d < 0 {
		return -1
	}
	return max(1, min(d, rows))
}

// columnDistinct bounds a lake column's distinct values: max-min+1 over
// its files' statistics for an integer column, else the table's rows.
func (e *estimator) columnDistinct(t *catalog.Table, col int) float64 {
	k := ndvKey{t, col}
	if d, ok := e.ndv[k]; ok {
		return d
	}
	d := float64(t.RowCount)
	if r, ok := integerRange(t, col); ok && r < d {
		d = r
	}
	e.ndv[k] = d
	return d
}

// maxStatFiles bounds the files whose footers integerRange reads: an
// estimate must not cost what the query does.
const maxStatFiles = 256

// integerRange is max-min+1 of an integer column over the statistics of
// the footers the catalog holds; false when a file has none.
func integerRange(t *catalog.Table, col int) (float64, bool) {
	c := t.Columns[col]
	if c.Partition || len(t.Files) == 0 || len(t.Files) > maxStatFiles {
		return 0, false
	}
	switch c.Type.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
	default:
		return 0, false
	}
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, f := range t.Files {
		ft := f.Footer
		if ft == nil || ft.Meta == nil || ft.Schema == nil {
			return 0, false
		}
		idx := ft.Schema.FieldIndices(c.Name)
		if len(idx) == 0 || !ft.Manifest.Fields[idx[0]].IsLeaf() {
			return 0, false
		}
		leaf := ft.Manifest.Fields[idx[0]].ColIndex
		for rg := 0; rg < ft.Meta.NumRowGroups(); rg++ {
			cc, err := ft.Meta.RowGroup(rg).ColumnChunk(leaf)
			if err != nil {
				return 0, false
			}
			ts, err := cc.Statistics()
			if err != nil || ts == nil || !ts.HasMinMax() {
				return 0, false
			}
			switch s := ts.(type) {
			case *metadata.Int32Statistics:
				lo, hi = min(lo, int64(s.Min())), max(hi, int64(s.Max()))
			case *metadata.Int64Statistics:
				lo, hi = min(lo, s.Min()), max(hi, s.Max())
			default:
				return 0, false
			}
		}
	}
	if lo > hi {
		return 0, false
	}
	return float64(hi) - float64(lo) + 1, true
}

// selectivity is the fraction of input's rows a predicate is guessed to
// keep: an equality with a constant keeps one value's share when the
// column's distinct values are known (input nil: they are not).
func (e *estimator) selectivity(x plan.Expr, input plan.Node) float64 {
	switch x := x.(type) {
	case nil:
		return 1
	case *plan.Const:
		if b, ok := x.Value.(bool); ok && b {
			return 1
		}
		return 0
	case *plan.BoolOp:
		switch x.Op {
		case "AND":
			s := 1.0
			for _, a := range x.Args {
				s *= e.selectivity(a, input)
			}
			return s
		case "OR":
			s := 1.0
			for _, a := range x.Args {
				s *= 1 - e.selectivity(a, input)
			}
			return 1 - s
		case "NOT":
			return 1 - e.selectivity(x.Args[0], input)
		}
	case *plan.NullTest:
		if x.Not {
			return 1 - unkSel
		}
		return unkSel
	case *plan.Call:
		switch x.Func {
		case "eq", "ne":
			s := eqSel
			if d := e.constantEq(x, input); d > 0 {
				s = 1 / d
			}
			if x.Func == "ne" {
				return 1 - s
			}
			return s
		case "lt", "le", "gt", "ge":
			return ineqSel
		case "like", "ilike", "regex_match", "regex_imatch":
			return matchSel
		case "not_like", "not_ilike", "regex_not_match", "regex_not_imatch":
			return 1 - matchSel
		}
	}
	return ineqSel
}

// constantEq is the distinct values of the column an equality compares
// with a constant, or -1.
func (e *estimator) constantEq(c *plan.Call, input plan.Node) float64 {
	if input == nil || len(c.Args) != 2 {
		return -1
	}
	col, k := c.Args[0], c.Args[1]
	if _, ok := col.(*plan.Const); ok {
		col, k = k, col
	}
	if _, ok := k.(*plan.Const); !ok {
		if _, ok := k.(*plan.Param); !ok {
			return -1
		}
	}
	if s, ok := input.(*plan.Scan); ok {
		for {
			cast, ok := col.(*plan.Cast)
			if !ok {
				break
			}
			col = cast.Arg
		}
		if r, ok := col.(*plan.ColumnRef); ok && r.Index < len(s.Projection) {
			if d, ok := integerRange(s.Table, s.Projection[r.Index]); ok {
				return d
			}
		}
		return -1
	}
	return e.distinct(input, col)
}
