package plan

import (
	"fmt"
	"strings"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// CorrelatedRef reads slot Slot of the enclosing row a correlated
// Subquery is evaluated for: the engine replaces it with the value of the
// Subquery's Outer[Slot] before running the plan.
type CorrelatedRef struct {
	Slot int
	Name string
	Typ  pgtype.Type
}

func (c *CorrelatedRef) Type() pgtype.Type { return c.Typ }
func (c *CorrelatedRef) String() string    { return fmt.Sprintf("$outer.%s#%d", c.Name, c.Slot) }

// SetFunc is one set-returning function call: Func over Args yields zero
// or more rows of len(Types) columns.
type SetFunc struct {
	Func  string
	Args  []Expr
	Types []pgtype.Type
}

func (f *SetFunc) String() string {
	args := make([]string, len(f.Args))
	for i, a := range f.Args {
		args[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", f.Func, strings.Join(args, ", "))
}

// ProjectSet runs its set-returning functions once per input row, in
// lockstep (PostgreSQL 10+): the row yields as many rows as its longest
// function, the shorter ones padded with NULLs, each the input row
// followed by the functions' columns and, with Ordinality, the row's
// 1-based number. An input row for which every function is empty yields
// nothing, or with Outer one row of NULL function columns.
type ProjectSet struct {
	Input      Node
	Funcs      []*SetFunc
	Ordinality bool
	Outer      bool
	Cols       []Column
}

func (p *ProjectSet) Columns() []Column { return p.Cols }
func (p *ProjectSet) Children() []Node  { return []Node{p.Input} }
func (p *ProjectSet) String() string {
	parts := make([]string, len(p.Funcs))
	for i, f := range p.Funcs {
		parts[i] = f.String()
	}
	out := "ProjectSet " + strings.Join(parts, ", ")
	if p.Ordinality {
		out += " WITH ORDINALITY"
	}
	if p.Outer {
		out += " outer"
	}
	return out
}

// Window frame options, as PostgreSQL's FRAMEOPTION_* bits.
const (
	FrameNonDefault         = 0x00001
	FrameRange              = 0x00002
	FrameRows               = 0x00004
	FrameGroups             = 0x00008
	FrameBetween            = 0x00010
	FrameStartUnboundedPrec = 0x00020
	FrameEndUnboundedPrec   = 0x00040
	FrameStartUnboundedFoll = 0x00080
	FrameEndUnboundedFoll   = 0x00100
	FrameStartCurrentRow    = 0x00200
	FrameEndCurrentRow      = 0x00400
	FrameStartOffsetPrec    = 0x00800
	FrameEndOffsetPrec      = 0x01000
	FrameStartOffsetFoll    = 0x02000
	FrameEndOffsetFoll      = 0x04000
	FrameExcludeCurrentRow  = 0x08000
	FrameExcludeGroup       = 0x10000
	FrameExcludeTies        = 0x20000
	FrameDefaults           = FrameRange | FrameStartUnboundedPrec | FrameEndCurrentRow
)

// WindowCall is one window function: a ranking or value function (Func,
// Args) or an aggregate (Agg) over the rows of its partition, ordered by
// OrderBy, within the frame FrameOptions (FRAMEOPTION_* bits) with its
// offsets (constant expressions, int8 for ROWS and GROUPS, the order key's
// offset type for RANGE).
type WindowCall struct {
	Func         string
	Args         []Expr
	Agg          *AggCall
	PartitionBy  []Expr
	OrderBy      []SortKey
	FrameOptions int
	StartOffset  Expr
	EndOffset    Expr
	Typ          pgtype.Type
}

func (w *WindowCall) String() string {
	var call string
	if w.Agg != nil {
		call = w.Agg.String()
	} else {
		args := make([]string, len(w.Args))
		for i, a := range w.Args {
			args[i] = a.String()
		}
		call = fmt.Sprintf("%s(%s)", w.Func, strings.Join(args, ", "))
	}
	var spec []string
	if len(w.PartitionBy) > 0 {
		parts := make([]string, len(w.PartitionBy))
		for i, p := range w.PartitionBy {
			parts[i] = p.String()
		}
		spec = append(spec, "PARTITION BY "+strings.Join(parts, ", "))
	}
	if len(w.OrderBy) > 0 {
		spec = append(spec, strings.TrimPrefix((&Sort{Keys: w.OrderBy}).String(), "Sort "))
		spec[len(spec)-1] = "ORDER BY " + spec[len(spec)-1]
	}
	if w.FrameOptions&FrameNonDefault != 0 {
		spec = append(spec, fmt.Sprintf("frame=%#x", w.FrameOptions))
	}
	return call + " OVER (" + strings.Join(spec, " ") + ")"
}

// Window computes window functions over its input: its output is the
// input's columns followed by one column per call, in the input's row
// order or any other (a Sort above orders the result).
type Window struct {
	Input Node
	Calls []*WindowCall
	Cols  []Column
}

func (w *Window) Columns() []Column { return w.Cols }
func (w *Window) Children() []Node  { return []Node{w.Input} }
func (w *Window) String() string {
	parts := make([]string, len(w.Calls))
	for i, c := range w.Calls {
		parts[i] = c.String()
	}
	return "Window " + strings.Join(parts, ", ")
}

// GroupingSets aggregates its input once per grouping set: Sets lists,
// for each set, the indexes of the GroupBy keys it groups by. The output
// is the keys (NULL where a set does not group by one), then the
// aggregates. An AggCall "grouping" is GROUPING(args...): its Args are
// key indexes as int4 constants, its value the bit mask of those keys the
// row's set does not group by.
type GroupingSets struct {
	Input   Node
	GroupBy []Expr
	Sets    [][]int
	Aggs    []*AggCall
	Cols    []Column
}

func (g *GroupingSets) Columns() []Column { return g.Cols }
func (g *GroupingSets) Children() []Node  { return []Node{g.Input} }
func (g *GroupingSets) String() string {
	sets := make([]string, len(g.Sets))
	for i, s := range g.Sets {
		keys := make([]string, len(s))
		for j, k := range s {
			keys[j] = g.GroupBy[k].String()
		}
		sets[i] = "(" + strings.Join(keys, ", ") + ")"
	}
	aggs := make([]string, len(g.Aggs))
	for i, a := range g.Aggs {
		aggs[i] = a.String()
	}
	return fmt.Sprintf("GroupingSets sets=[%s] aggs=[%s]", strings.Join(sets, ", "), strings.Join(aggs, ", "))
}

// Unique keeps the first row of each run of rows with equal Keys (NULLs
// equal): over an input sorted by the keys, SELECT DISTINCT ON.
type Unique struct {
	Input Node
	Keys  []Expr
}

func (u *Unique) Columns() []Column { return u.Input.Columns() }
func (u *Unique) Children() []Node  { return []Node{u.Input} }
func (u *Unique) String() string {
	parts := make([]string, len(u.Keys))
	for i, k := range u.Keys {
		parts[i] = k.String()
	}
	return "Unique " + strings.Join(parts, ", ")
}

// Apply is a dependent join: for each Left row, Right runs with every
// CorrelatedRef slot k replaced by Outer[k] evaluated over that row; the
// output is the left row followed by each right row (LATERAL subqueries).
// With LeftOuter, a left row whose right side is empty yields one row of
// NULL right columns.
type Apply struct {
	Left, Right Node
	Outer       []Expr
	LeftOuter   bool
}

func (a *Apply) Columns() []Column {
	return append(append([]Column(nil), a.Left.Columns()...), a.Right.Columns()...)
}
func (a *Apply) Children() []Node { return []Node{a.Left, a.Right} }
func (a *Apply) String() string {
	parts := make([]string, len(a.Outer))
	for i, o := range a.Outer {
		parts[i] = o.String()
	}
	out := "Apply outer=[" + strings.Join(parts, ", ") + "]"
	if a.LeftOuter {
		out += " left"
	}
	return out
}

// extendedExprs lists the expressions of the nodes in this file.
func extendedExprs(n Node) []Expr {
	var out []Expr
	switch x := n.(type) {
	case *ProjectSet:
		for _, f := range x.Funcs {
			out = append(out, f.Args...)
		}
	case *Window:
		for _, c := range x.Calls {
			out = append(out, c.Args...)
			if c.Agg != nil {
				out = append(out, c.Agg.Args...)
				out = append(out, c.Agg.Filter)
			}
			out = append(out, c.PartitionBy...)
			for _, k := range c.OrderBy {
				out = append(out, k.Expr)
			}
			out = append(out, c.StartOffset, c.EndOffset)
		}
	case *GroupingSets:
		out = append(out, x.GroupBy...)
		for _, a := range x.Aggs {
			out = append(out, a.Args...)
			out = append(out, a.Filter)
		}
	case *Unique:
		out = append(out, x.Keys...)
	case *Apply:
		out = append(out, x.Outer...)
	}
	return out
}

// MapNode returns a copy of the tree under n with fn applied (through Map)
// to every expression of every node (not inside the plans of nested
// subqueries: their CorrelatedRefs are their own). The engine uses it to
// bind a correlated plan's CorrelatedRefs to one outer row's values.
func MapNode(n Node, fn func(Expr) Expr) Node {
	m := func(e Expr) Expr { return Map(e, fn) }
	all := func(es []Expr) []Expr {
		if es == nil {
			return nil
		}
		out := make([]Expr, len(es))
		for i, e := range es {
			out[i] = m(e)
		}
		return out
	}
	aggs := func(as []*AggCall) []*AggCall {
		out := make([]*AggCall, len(as))
		for i, a := range as {
			c := *a
			c.Args, c.Filter = all(a.Args), m(a.Filter)
			out[i] = &c
		}
		return out
	}
	keys := func(ks []SortKey) []SortKey {
		out := make([]SortKey, len(ks))
		for i, k := range ks {
			out[i] = SortKey{Expr: m(k.Expr), Desc: k.Desc, NullsFirst: k.NullsFirst}
		}
		return out
	}
	switch x := n.(type) {
	case *Scan:
		c := *x
		c.Filter = m(x.Filter)
		return &c
	case *Values:
		c := *x
		c.Rows = make([][]Expr, len(x.Rows))
		for i, r := range x.Rows {
			c.Rows[i] = all(r)
			if c.Rows[i] == nil {
				c.Rows[i] = []Expr{}
			}
		}
		return &c
	case *Filter:
		return &Filter{Input: MapNode(x.Input, fn), Predicate: m(x.Predicate)}
	case *Project:
		return &Project{Input: MapNode(x.Input, fn), Exprs: all(x.Exprs), Cols: x.Cols}
	case *Aggregate:
		return &Aggregate{Input: MapNode(x.Input, fn), GroupBy: all(x.GroupBy), Aggs: aggs(x.Aggs), Cols: x.Cols}
	case *Sort:
		return &Sort{Input: MapNode(x.Input, fn), Keys: keys(x.Keys)}
	case *Limit:
		return &Limit{Input: MapNode(x.Input, fn), Count: m(x.Count), Offset: m(x.Offset)}
	case *Join:
		c := *x
		c.Left, c.Right = MapNode(x.Left, fn), MapNode(x.Right, fn)
		c.LeftKeys, c.RightKeys, c.On = all(x.LeftKeys), all(x.RightKeys), m(x.On)
		return &c
	case *SetOp:
		c := *x
		c.Left, c.Right = MapNode(x.Left, fn), MapNode(x.Right, fn)
		return &c
	case *RecursiveUnion:
		c := *x
		c.Base, c.Recursive = MapNode(x.Base, fn), MapNode(x.Recursive, fn)
		return &c
	case *ProjectSet:
		c := *x
		c.Input = MapNode(x.Input, fn)
		c.Funcs = make([]*SetFunc, len(x.Funcs))
		for i, f := range x.Funcs {
			c.Funcs[i] = &SetFunc{Func: f.Func, Args: all(f.Args), Types: f.Types}
		}
		return &c
	case *Window:
		c := *x
		c.Input = MapNode(x.Input, fn)
		c.Calls = make([]*WindowCall, len(x.Calls))
		for i, w := range x.Calls {
			wc := *w
			wc.Args, wc.PartitionBy, wc.OrderBy = all(w.Args), all(w.PartitionBy), keys(w.OrderBy)
			wc.StartOffset, wc.EndOffset = m(w.StartOffset), m(w.EndOffset)
			if w.Agg != nil {
				wc.Agg = aggs([]*AggCall{w.Agg})[0]
			}
			c.Calls[i] = &wc
		}
		return &c
	case *GroupingSets:
		c := *x
		c.Input, c.GroupBy, c.Aggs = MapNode(x.Input, fn), all(x.GroupBy), aggs(x.Aggs)
		return &c
	case *Unique:
		return &Unique{Input: MapNode(x.Input, fn), Keys: all(x.Keys)}
	case *Apply:
		return &Apply{Left: MapNode(x.Left, fn), Right: MapNode(x.Right, fn), Outer: all(x.Outer), LeftOuter: x.LeftOuter}
	}
	return n
}
