// Package plan holds the bound, typed plans the planner produces and the
// engine and router consume: relational nodes and scalar expressions. It has
// no behaviour beyond describing and printing itself, so that the engine and
// the router depend on plans and never on sessions or SQL text.
package plan

import (
	"fmt"
	"strings"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Column is one output column of a node.
type Column struct {
	Name     string
	Type     pgtype.Type
	TableOID uint32 // source table, for RowDescription; 0 if computed
	AttNum   int16
}

// Node is a relational operator. Its output columns are Columns(); a
// ColumnRef in a parent's expression indexes them.
type Node interface {
	Columns() []Column
	Children() []Node
	// String prints the node's own line for EXPLAIN, without children.
	String() string
}

// Scan reads a table. Projection lists the table columns produced, in
// order; Filter (if any) is applied by the scan, over the projected columns.
type Scan struct {
	Table      *catalog.Table
	Projection []int
	Filter     Expr
	cols       []Column
}

// NewScan builds a scan of the given table columns.
func NewScan(t *catalog.Table, projection []int) *Scan {
	cols := make([]Column, len(projection))
	for i, p := range projection {
		c := t.Columns[p]
		cols[i] = Column{Name: c.Name, Type: c.Type, TableOID: t.OID, AttNum: int16(p + 1)}
	}
	return &Scan{Table: t, Projection: projection, cols: cols}
}

func (s *Scan) Columns() []Column { return s.cols }
func (s *Scan) Children() []Node  { return nil }
func (s *Scan) String() string {
	names := make([]string, len(s.cols))
	for i, c := range s.cols {
		names[i] = c.Name
	}
	out := fmt.Sprintf("Scan %s.%s [%s]", s.Table.Schema, s.Table.Name, strings.Join(names, ", "))
	if s.Filter != nil {
		out += " filter=" + s.Filter.String()
	}
	return out
}

// Values produces literal rows (also the one empty row of a SELECT without
// FROM).
type Values struct {
	Rows [][]Expr
	Cols []Column
}

func (v *Values) Columns() []Column { return v.Cols }
func (v *Values) Children() []Node  { return nil }
func (v *Values) String() string    { return fmt.Sprintf("Values rows=%d", len(v.Rows)) }

// Filter keeps rows where Predicate is true.
type Filter struct {
	Input     Node
	Predicate Expr
}

func (f *Filter) Columns() []Column { return f.Input.Columns() }
func (f *Filter) Children() []Node  { return []Node{f.Input} }
func (f *Filter) String() string    { return "Filter " + f.Predicate.String() }

// Project computes expressions over its input.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  []Column
}

func (p *Project) Columns() []Column { return p.Cols }
func (p *Project) Children() []Node  { return []Node{p.Input} }
func (p *Project) String() string {
	parts := make([]string, len(p.Exprs))
	for i, e := range p.Exprs {
		parts[i] = e.String()
	}
	return "Project " + strings.Join(parts, ", ")
}

// AggCall is one aggregate: Func over Args, optionally DISTINCT, with an
// optional FILTER.
type AggCall struct {
	Func     string
	Args     []Expr
	Distinct bool
	Filter   Expr
	Type     pgtype.Type
	// Remote marks an aggregate only a Trino tier computes (see
	// Call.Remote).
	Remote bool
}

func (a *AggCall) String() string {
	args := make([]string, len(a.Args))
	for i, e := range a.Args {
		args[i] = e.String()
	}
	d := ""
	if a.Distinct {
		d = "DISTINCT "
	}
	if len(args) == 0 {
		args = []string{"*"}
	}
	out := fmt.Sprintf("%s(%s%s)", a.Func, d, strings.Join(args, ", "))
	if a.Filter != nil {
		out += " FILTER (WHERE " + a.Filter.String() + ")"
	}
	return out
}

// Aggregate groups its input by GroupBy and computes Aggs. Its output is the
// group keys followed by the aggregates.
type Aggregate struct {
	Input   Node
	GroupBy []Expr
	Aggs    []*AggCall
	Cols    []Column
}

func (a *Aggregate) Columns() []Column { return a.Cols }
func (a *Aggregate) Children() []Node  { return []Node{a.Input} }
func (a *Aggregate) String() string {
	keys := make([]string, len(a.GroupBy))
	for i, e := range a.GroupBy {
		keys[i] = e.String()
	}
	aggs := make([]string, len(a.Aggs))
	for i, e := range a.Aggs {
		aggs[i] = e.String()
	}
	return fmt.Sprintf("Aggregate keys=[%s] aggs=[%s]", strings.Join(keys, ", "), strings.Join(aggs, ", "))
}

// SortKey is one ORDER BY key.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders its input.
type Sort struct {
	Input Node
	Keys  []SortKey
}

func (s *Sort) Columns() []Column { return s.Input.Columns() }
func (s *Sort) Children() []Node  { return []Node{s.Input} }
func (s *Sort) String() string {
	parts := make([]string, len(s.Keys))
	for i, k := range s.Keys {
		parts[i] = k.Expr.String()
		if k.Desc {
			parts[i] += " DESC"
		}
		if k.NullsFirst != k.Desc {
			if k.NullsFirst {
				parts[i] += " NULLS FIRST"
			} else {
				parts[i] += " NULLS LAST"
			}
		}
	}
	return "Sort " + strings.Join(parts, ", ")
}

// Limit skips Offset rows then passes at most Count rows. Both are int8
// expressions evaluated once when execution starts (they may be
// parameters); nil Count means no limit, nil Offset none.
type Limit struct {
	Input  Node
	Count  Expr
	Offset Expr
}

func (l *Limit) Columns() []Column { return l.Input.Columns() }
func (l *Limit) Children() []Node  { return []Node{l.Input} }
func (l *Limit) String() string {
	out := "Limit"
	if l.Count != nil {
		out += " count=" + l.Count.String()
	}
	if l.Offset != nil {
		out += " offset=" + l.Offset.String()
	}
	return out
}

// Explain renders a plan tree, one node a line, children indented.
func Explain(n Node) []string {
	var lines []string
	var walk func(n Node, depth int)
	walk = func(n Node, depth int) {
		prefix := strings.Repeat("  ", depth)
		if depth > 0 {
			prefix += "-> "
		}
		lines = append(lines, prefix+n.String())
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return lines
}

// JoinKind says which unmatched rows a Join keeps.
type JoinKind int

const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	// JoinSemi keeps each left row with at least one match, once; its
	// output is the left columns only.
	JoinSemi
	// JoinAnti keeps each left row with no match; left columns only.
	JoinAnti
	// JoinMark keeps every left row once and adds a boolean column: whether
	// it has a match (EXISTS anywhere in an expression).
	JoinMark
)

func (k JoinKind) String() string {
	return [...]string{"Inner", "Left", "Right", "Full", "Semi", "Anti", "Mark"}[k]
}

// Join combines two inputs. Rows match when every LeftKeys[i] (over the
// left columns) equals RightKeys[i] (over the right columns), NULL keys
// never matching, and the residual On (over the left columns followed by
// the right ones) is true. No keys is a nested-loop join. The output is the
// left columns followed by the right ones (left only for Semi and Anti).
// BuildLeft asks the engine to hash the left input instead of the right.
type Join struct {
	Left, Right Node
	Kind        JoinKind
	LeftKeys    []Expr
	RightKeys   []Expr
	On          Expr
	BuildLeft   bool
	// Single makes a left row matching more than one right row an error
	// (21000): the join stands for a scalar subquery.
	Single bool
}

func (j *Join) Columns() []Column {
	if j.Kind == JoinSemi || j.Kind == JoinAnti {
		return j.Left.Columns()
	}
	if j.Kind == JoinMark {
		return append(append([]Column(nil), j.Left.Columns()...), Column{Name: "exists", Type: pgtype.Bool})
	}
	return append(append([]Column(nil), j.Left.Columns()...), j.Right.Columns()...)
}
func (j *Join) Children() []Node { return []Node{j.Left, j.Right} }
func (j *Join) String() string {
	out := j.Kind.String() + " Join"
	if len(j.LeftKeys) > 0 {
		keys := make([]string, len(j.LeftKeys))
		for i := range j.LeftKeys {
			keys[i] = j.LeftKeys[i].String() + " = " + j.RightKeys[i].String()
		}
		out += " keys=[" + strings.Join(keys, ", ") + "]"
	}
	if j.On != nil {
		out += " on=" + j.On.String()
	}
	if j.BuildLeft {
		out += " build=left"
	}
	if j.Single {
		out += " single"
	}
	return out
}

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind int

const (
	SetUnion SetOpKind = iota
	SetIntersect
	SetExcept
)

func (k SetOpKind) String() string { return [...]string{"Union", "Intersect", "Except"}[k] }

// SetOp combines two inputs of the same column types by SQL's set
// operations; without All, duplicates are removed (NULLs equal each other).
type SetOp struct {
	Kind        SetOpKind
	All         bool
	Left, Right Node
	Cols        []Column
}

func (s *SetOp) Columns() []Column { return s.Cols }
func (s *SetOp) Children() []Node  { return []Node{s.Left, s.Right} }
func (s *SetOp) String() string {
	if s.All {
		return s.Kind.String() + " All"
	}
	return s.Kind.String()
}

// SubqueryKind is what a Subquery expression computes from its rows.
type SubqueryKind int

const (
	// SubScalar is the single value of at most one row (NULL for none).
	SubScalar SubqueryKind = iota
	// SubExists is whether any row exists.
	SubExists
	// SubIn is whether Test equals a value of the one column, with SQL's
	// NULL semantics (x IN (..., NULL) is NULL when no value equals x).
	SubIn
	// SubArray is ARRAY(subquery): the one column's values as an array
	// (empty, not NULL, for no rows).
	SubArray
)

// Subquery is a subquery used as an expression. Uncorrelated (no Outer),
// the engine runs Plan once per execution; correlated, Plan's
// CorrelatedRef slot k stands for Outer[k], an expression over the
// enclosing input, and the plan runs once per distinct outer values. Not
// negates EXISTS and IN (NOT IN keeps PostgreSQL's NULL semantics).
type Subquery struct {
	Kind  SubqueryKind
	Plan  Node
	Test  Expr
	Not   bool
	Typ   pgtype.Type
	Outer []Expr
}

func (s *Subquery) Type() pgtype.Type { return s.Typ }
func (s *Subquery) String() string {
	not := ""
	if s.Not {
		not = "NOT "
	}
	switch s.Kind {
	case SubExists:
		return not + "EXISTS(subquery)"
	case SubIn:
		return s.Test.String() + " " + not + "IN (subquery)"
	case SubArray:
		return "ARRAY(subquery)"
	}
	return "(subquery)"
}

// OuterRef reads column Index of the enclosing query's input: a correlated
// reference. The planner turns the subqueries holding them into joins; one
// never reaches the engine.
type OuterRef struct {
	Index int
	Name  string
	Typ   pgtype.Type
}

func (o *OuterRef) Type() pgtype.Type { return o.Typ }
func (o *OuterRef) String() string    { return fmt.Sprintf("outer.%s#%d", o.Name, o.Index) }

// Exprs lists the expressions a node evaluates itself (not its children's).
func Exprs(n Node) []Expr {
	var out []Expr
	switch x := n.(type) {
	case *Scan:
		out = append(out, x.Filter)
	case *Values:
		for _, r := range x.Rows {
			out = append(out, r...)
		}
	case *Filter:
		out = append(out, x.Predicate)
	case *Project:
		out = append(out, x.Exprs...)
	case *Aggregate:
		out = append(out, x.GroupBy...)
		for _, a := range x.Aggs {
			out = append(out, a.Args...)
			out = append(out, a.Filter)
		}
	case *Sort:
		for _, k := range x.Keys {
			out = append(out, k.Expr)
		}
	case *Limit:
		out = append(out, x.Count, x.Offset)
	case *Join:
		out = append(out, x.LeftKeys...)
		out = append(out, x.RightKeys...)
		out = append(out, x.On)
	default:
		out = extendedExprs(n)
	}
	return out
}

// RecursiveUnion is WITH RECURSIVE's fixpoint: it emits Base's rows, then
// runs Recursive over the rows the previous step emitted (read by the
// WorkTable with the same ID) until a step emits none. Without All,
// rows already emitted are dropped.
type RecursiveUnion struct {
	ID        int
	Base      Node
	Recursive Node
	All       bool
	Cols      []Column
}

func (r *RecursiveUnion) Columns() []Column { return r.Cols }
func (r *RecursiveUnion) Children() []Node  { return []Node{r.Base, r.Recursive} }
func (r *RecursiveUnion) String() string {
	if r.All {
		return fmt.Sprintf("Recursive Union All id=%d", r.ID)
	}
	return fmt.Sprintf("Recursive Union id=%d", r.ID)
}

// WorkTable reads the rows of the current step of RecursiveUnion ID.
type WorkTable struct {
	ID   int
	Cols []Column
}

func (w *WorkTable) Columns() []Column { return w.Cols }
func (w *WorkTable) Children() []Node  { return nil }
func (w *WorkTable) String() string    { return fmt.Sprintf("WorkTable id=%d", w.ID) }
