package planner

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// windowingError is SQLSTATE 42P20.
const windowingError = "42P20"

// windowFuncs are the window-only functions and their result types ("" is
// the first argument's type).
var windowFuncs = map[string]string{
	"row_number": "int8", "rank": "int8", "dense_rank": "int8", "percent_rank": "float8", "cume_dist": "float8",
	"ntile": "int4", "lag": "", "lead": "", "first_value": "", "last_value": "", "nth_value": "",
}

// winRef stands, while a select list is bound, for the column a window
// call will produce in the Window node built below the projection.
type winRef struct {
	k   int
	typ pgtype.Type
}

func (w *winRef) Type() pgtype.Type { return w.typ }
func (w *winRef) String() string    { return fmt.Sprintf("window#%d", w.k) }

// windowContext collects the window calls of one SELECT and its named
// windows (WINDOW w AS (...)).
type windowContext struct {
	calls []*plan.WindowCall
	named map[string]*pg_query.WindowDef
	sc    *scope
}

// newWindowContext reads the WINDOW clause.
func (b *binder) newWindowContext(sel *pg_query.SelectStmt, sc *scope) (*windowContext, error) {
	wc := &windowContext{named: map[string]*pg_query.WindowDef{}, sc: sc}
	for _, n := range sel.WindowClause {
		wd := n.GetWindowDef()
		if _, dup := wc.named[wd.Name]; dup {
			return nil, b.errAt(wd.Location, pgerr.New(windowingError, "window \"%s\" is already defined", wd.Name))
		}
		if wd.Refname != "" {
			ref, ok := wc.named[wd.Refname]
			if !ok {
				return nil, b.errAt(wd.Location, pgerr.New(pgerr.UndefinedObject, "window \"%s\" does not exist", wd.Refname))
			}
			merged, err := b.mergeWindow(wd, ref)
			if err != nil {
				return nil, err
			}
			merged.Name = wd.Name
			wd = merged
		}
		wc.named[wd.Name] = wd
	}
	return wc, nil
}

// mergeWindow applies a window definition on top of the window it names,
// with PostgreSQL's rules: the partitioning is the referenced window's, the
// ordering may be added only when it has none, and a window with a frame
// cannot be copied.
func (b *binder) mergeWindow(wd, ref *pg_query.WindowDef) (*pg_query.WindowDef, error) {
	if len(wd.PartitionClause) > 0 {
		return nil, b.errAt(wd.Location, pgerr.New(windowingError, "cannot override PARTITION BY clause of window \"%s\"", wd.Refname))
	}
	if len(wd.OrderClause) > 0 && len(ref.OrderClause) > 0 {
		return nil, b.errAt(wd.Location, pgerr.New(windowingError, "cannot override ORDER BY clause of window \"%s\"", wd.Refname))
	}
	if ref.FrameOptions&plan.FrameNonDefault != 0 {
		return nil, b.errAt(wd.Location, pgerr.New(windowingError, "cannot copy window \"%s\" because it has a frame clause", wd.Refname).
			WithHint("Omit the parentheses in this OVER clause."))
	}
	out := &pg_query.WindowDef{PartitionClause: ref.PartitionClause, OrderClause: ref.OrderClause,
		FrameOptions: wd.FrameOptions, StartOffset: wd.StartOffset, EndOffset: wd.EndOffset, Location: wd.Location}
	if len(wd.OrderClause) > 0 {
		out.OrderClause = wd.OrderClause
	}
	return out, nil
}

// windowCall binds f(...) OVER (...): allowed where win is set (select
// list, ORDER BY); the call becomes a Window column.
func (b *binder) windowCall(name string, fc *pg_query.FuncCall, sc *scope) (plan.Expr, error) {
	wc := b.win
	if wc == nil {
		return nil, b.errAt(fc.Location, pgerr.New(windowingError, "window functions are not allowed here"))
	}
	over := fc.Over
	if over.Name != "" && over.Refname == "" && len(over.PartitionClause) == 0 && len(over.OrderClause) == 0 && over.FrameOptions&plan.FrameNonDefault == 0 {
		named, ok := wc.named[over.Name]
		if !ok {
			return nil, b.errAt(over.Location, pgerr.New(pgerr.UndefinedObject, "window \"%s\" does not exist", over.Name))
		}
		over = named
	} else if over.Refname != "" {
		ref, ok := wc.named[over.Refname]
		if !ok {
			return nil, b.errAt(over.Location, pgerr.New(pgerr.UndefinedObject, "window \"%s\" does not exist", over.Refname))
		}
		merged, err := b.mergeWindow(over, ref)
		if err != nil {
			return nil, err
		}
		over = merged
	}
	b.win = nil // window calls do not nest
	defer func() { b.win = wc }()
	call := &plan.WindowCall{FrameOptions: int(over.FrameOptions)}
	if call.FrameOptions&plan.FrameNonDefault == 0 {
		call.FrameOptions = plan.FrameDefaults
	}
	for _, p := range over.PartitionClause {
		e, err := b.expr(p, sc)
		if err != nil {
			return nil, err
		}
		if isUnknown(e) {
			if e, err = b.coerceTo(e, pgtype.Text, "", -1); err != nil {
				return nil, err
			}
		}
		call.PartitionBy = append(call.PartitionBy, e)
	}
	for _, s := range over.OrderClause {
		sb := s.GetSortBy()
		e, err := b.expr(sb.Node, sc)
		if err != nil {
			return nil, err
		}
		if isUnknown(e) {
			if e, err = b.coerceTo(e, pgtype.Text, "", -1); err != nil {
				return nil, err
			}
		}
		k := orderKey(e, sb).(*plan.Call)
		call.OrderBy = append(call.OrderBy, plan.SortKey{Expr: e, Desc: k.Op[:4] == "desc", NullsFirst: k.Op[len(k.Op)-5:] == "first"})
	}
	if err := b.windowFrame(call, over, sc); err != nil {
		return nil, err
	}
	if isAggregate(name) {
		if isOrderedSetAggregate(name) {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "OVER is not supported for ordered-set aggregate %s", name))
		}
		if fc.AggDistinct {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "DISTINCT is not implemented for window functions"))
		}
		if len(fc.AggOrder) > 0 {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "aggregate ORDER BY is not implemented for window functions"))
		}
		agg := &plan.AggCall{Func: name}
		if fc.AggStar {
			if name != "count" {
				return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "%s(*) specified, but %s is not an aggregate function", name, name))
			}
			agg.Type = pgtype.Int8
		} else {
			args := make([]plan.Expr, len(fc.Args))
			for i, a := range fc.Args {
				e, err := b.expr(a, sc)
				if err != nil {
					return nil, err
				}
				args[i] = e
			}
			t, args, err := b.aggSignature(name, args, nil, fc)
			if err != nil {
				return nil, err
			}
			agg.Args, agg.Type = args, t
		}
		if fc.AggFilter != nil {
			f, err := b.expr(fc.AggFilter, sc)
			if err != nil {
				return nil, err
			}
			if f, err = b.coerceTo(f, pgtype.Bool, "argument of FILTER", nodeLocation(fc.AggFilter)); err != nil {
				return nil, err
			}
			agg.Filter = f
		}
		call.Func, call.Agg, call.Typ = name, agg, agg.Type
	} else {
		if err := b.windowFunc(call, name, fc, sc); err != nil {
			return nil, err
		}
	}
	s := call.String()
	for i, c := range wc.calls {
		if c.String() == s {
			return &winRef{k: i, typ: c.Typ}, nil
		}
	}
	wc.calls = append(wc.calls, call)
	return &winRef{k: len(wc.calls) - 1, typ: call.Typ}, nil
}

// windowFunc binds the arguments of a window-only function.
func (b *binder) windowFunc(call *plan.WindowCall, name string, fc *pg_query.FuncCall, sc *scope) error {
	if fc.AggStar || fc.AggDistinct || len(fc.AggOrder) > 0 {
		return b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "%s is not an aggregate function", name))
	}
	if fc.AggFilter != nil {
		return b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "FILTER is not implemented for non-aggregate window functions"))
	}
	args := make([]plan.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := b.expr(a, sc)
		if err != nil {
			return err
		}
		args[i] = e
	}
	noFunc := func() error { return b.undefinedFunction(name, args, fc.Location) }
	want := map[string][2]int{"row_number": {0, 0}, "rank": {0, 0}, "dense_rank": {0, 0}, "percent_rank": {0, 0}, "cume_dist": {0, 0},
		"ntile": {1, 1}, "lag": {1, 3}, "lead": {1, 3}, "first_value": {1, 1}, "last_value": {1, 1}, "nth_value": {2, 2}}[name]
	if len(args) < want[0] || len(args) > want[1] {
		switch name {
		case "rank", "dense_rank", "percent_rank", "cume_dist":
			// With arguments these name the hypothetical-set aggregates.
			return b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "WITHIN GROUP is required for ordered-set aggregate %s", name))
		}
		return noFunc()
	}
	var err error
	switch name {
	case "ntile":
		if args[0], err = b.coerceTo(args[0], pgtype.Int4, "", fc.Location); err != nil {
			return noFunc()
		}
	case "nth_value":
		if args[1], err = b.coerceTo(args[1], pgtype.Int4, "", fc.Location); err != nil {
			return noFunc()
		}
	case "lag", "lead":
		if len(args) > 1 {
			if args[1], err = b.coerceTo(args[1], pgtype.Int4, "", fc.Location); err != nil {
				return noFunc()
			}
		}
		if len(args) > 2 {
			// lag(anycompatible, int, anycompatible): value and default
			// meet at their common type.
			t := args[0].Type()
			switch {
			case isUnknown(args[0]) && isUnknown(args[2]):
				t = pgtype.Text
			case isUnknown(args[0]):
				t = args[2].Type()
			case !isUnknown(args[2]):
				ct, ok := selectCommonType(args[0].Type(), args[2].Type())
				if !ok {
					return noFunc()
				}
				t = ct
				if args[0].Type() != args[2].Type() {
					t.Typmod = -1
				}
			}
			if args[0], err = b.coerceTo(args[0], t, "", fc.Location); err == nil {
				args[0], err = b.widen(args[0], t)
			}
			if err != nil {
				return err
			}
			if args[2], err = b.coerceTo(args[2], t, "", fc.Location); err == nil {
				args[2], err = b.widen(args[2], t)
			}
			if err != nil {
				return err
			}
		}
	}
	if len(args) > 0 && isUnknown(args[0]) && name != "ntile" {
		// anyelement cannot be resolved from an unknown literal.
		return b.errAt(fc.Location, pgerr.New(pgerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown"))
	}
	call.Func, call.Args = name, args
	if t := windowFuncs[name]; t != "" {
		call.Typ = sigType(t)
	} else {
		call.Typ = args[0].Type()
	}
	return nil
}

// windowFrame binds the frame offsets: int8 for ROWS and GROUPS; for
// RANGE, of the one ORDER BY key's type (interval for dates and times).
func (b *binder) windowFrame(call *plan.WindowCall, over *pg_query.WindowDef, sc *scope) error {
	opts := call.FrameOptions
	if opts&plan.FrameGroups != 0 && len(call.OrderBy) == 0 {
		return b.errAt(over.Location, pgerr.New(windowingError, "GROUPS mode requires an ORDER BY clause"))
	}
	offsets := plan.FrameStartOffsetPrec | plan.FrameStartOffsetFoll | plan.FrameEndOffsetPrec | plan.FrameEndOffsetFoll
	if opts&offsets == 0 {
		return nil
	}
	// PostgreSQL drops a repeated sort key before it counts them.
	keys := map[string]bool{}
	for _, k := range call.OrderBy {
		keys[k.Expr.String()] = true
	}
	if opts&plan.FrameRange != 0 && len(keys) != 1 {
		return b.errAt(over.Location, pgerr.New(windowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column"))
	}
	bind := func(n *pg_query.Node, what string) (plan.Expr, error) {
		if containsColumnRef(n) {
			return nil, b.errAt(nodeLocation(n), pgerr.New(pgerr.InvalidColumnReference, "argument of %s must not contain variables", what))
		}
		e, err := b.exprNoAgg(n, &scope{})
		if err != nil {
			return nil, err
		}
		if opts&plan.FrameRange == 0 {
			return b.coerceTo(e, pgtype.Int8, "argument of "+what, nodeLocation(n))
		}
		kt := call.OrderBy[0].Expr.Type()
		want := kt
		switch {
		case kt.OID == pgtype.DateOID || kt.OID == pgtype.TimestampOID || kt.OID == pgtype.TimestamptzOID || kt.OID == pgtype.IntervalOID:
			want = pgtype.Interval
		case numRank(kt) > 0:
			if numRank(e.Type()) > numRank(kt) || isUnknown(e) {
				want = e.Type()
				if isUnknown(e) {
					want = kt
				}
			}
			want.Typmod = -1
		default:
			return nil, b.errAt(over.Location, pgerr.New(pgerr.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", kt))
		}
		if e.Type().OID != want.OID && !isUnknown(e) && !implicitCast(e.Type(), want) {
			return nil, b.errAt(over.Location, pgerr.New(pgerr.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", kt, e.Type()))
		}
		if e, err = b.coerceTo(e, want, "", nodeLocation(n)); err != nil {
			return nil, err
		}
		return b.widen(e, want)
	}
	var err error
	if opts&(plan.FrameStartOffsetPrec|plan.FrameStartOffsetFoll) != 0 {
		if call.StartOffset, err = bind(over.StartOffset, frameWhat(opts)); err != nil {
			return err
		}
	}
	if opts&(plan.FrameEndOffsetPrec|plan.FrameEndOffsetFoll) != 0 {
		if call.EndOffset, err = bind(over.EndOffset, frameWhat(opts)); err != nil {
			return err
		}
	}
	return nil
}

func frameWhat(opts int) string {
	switch {
	case opts&plan.FrameRows != 0:
		return "ROWS"
	case opts&plan.FrameGroups != 0:
		return "GROUPS"
	}
	return "RANGE"
}

// buildWindow puts the window calls below the projection: a Window over
// input, and each winRef (in targets, sort keys and set-returning
// function arguments) becomes its column.
func (b *binder) buildWindow(wc *windowContext, input plan.Node, targets []target, sortExprs []plan.Expr, srf *srfContext) plan.Node {
	if wc == nil || len(wc.calls) == 0 {
		return input
	}
	in := input.Columns()
	cols := append([]plan.Column(nil), in...)
	for _, c := range wc.calls {
		cols = append(cols, plan.Column{Name: c.Func, Type: c.Typ})
	}
	resolve := func(e plan.Expr) plan.Expr {
		return plan.Map(e, func(x plan.Expr) plan.Expr {
			if r, ok := x.(*winRef); ok {
				return &plan.ColumnRef{Index: len(in) + r.k, Name: wc.calls[r.k].Func, Typ: r.typ}
			}
			return x
		})
	}
	for i := range targets {
		targets[i].expr = resolve(targets[i].expr)
	}
	for i, e := range sortExprs {
		sortExprs[i] = resolve(e)
	}
	if srf != nil {
		for _, f := range srf.funcs {
			for i, a := range f.Args {
				f.Args[i] = resolve(a)
			}
		}
	}
	return &plan.Window{Input: input, Calls: wc.calls, Cols: cols}
}

// containsWindow reports a window function call outside subqueries.
func containsWindow(n *pg_query.Node) bool {
	found := false
	var walk func(any)
	walk = func(m any) {
		x := m.(*pg_query.Node)
		if found || x == nil || x.GetSelectStmt() != nil || x.GetSubLink() != nil {
			return
		}
		if fc := x.GetFuncCall(); fc != nil && fc.Over != nil {
			found = true
			return
		}
		walkChildren(x, walk)
	}
	walk(n)
	return found
}

// pruneBelowExtended narrows the input of a Window/ProjectSet chain to the
// columns read above it and by it, and optimizes that input: the
// optimizer's rules stop at these nodes, so without this a window over a
// wide table would read every Parquet column. targets and sortExprs,
// bound over the chain's output, are remapped.
func pruneBelowExtended(top plan.Node, targets []target, sortExprs []plan.Expr) plan.Node {
	var chain []plan.Node
	n := top
	for {
		switch x := n.(type) {
		case *plan.Window:
			chain = append(chain, n)
			n = x.Input
			continue
		case *plan.ProjectSet:
			chain = append(chain, n)
			n = x.Input
			continue
		}
		break
	}
	if len(chain) == 0 {
		return top
	}
	base := n
	nb := len(base.Columns())
	need := make([]bool, nb)
	mark := func(e plan.Expr) {
		plan.Walk(e, func(x plan.Expr) bool {
			if c, ok := x.(*plan.ColumnRef); ok && c.Index < nb {
				need[c.Index] = true
			}
			return true
		})
	}
	for _, t := range targets {
		mark(t.expr)
	}
	for _, e := range sortExprs {
		mark(e)
	}
	for _, c := range chain {
		for _, e := range plan.Exprs(c) {
			mark(e)
		}
	}
	remap := make([]int, nb)
	var exprs []plan.Expr
	var cols []plan.Column
	bcols := base.Columns()
	for i, k := range need {
		remap[i] = -1
		if k {
			remap[i] = len(exprs)
			exprs = append(exprs, &plan.ColumnRef{Index: i, Name: bcols[i].Name, Typ: bcols[i].Type})
			cols = append(cols, bcols[i])
		}
	}
	shift := nb - len(exprs)
	// remapRef is applied node by node: MapNode already walks each
	// expression (handing it a Map over the whole of one would remap a
	// column under an operator once per level above it).
	remapRef := func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColumnRef); ok {
			if c.Index < nb {
				c.Index = remap[c.Index] // Map handed us a copy
			} else {
				c.Index -= shift
			}
		}
		return x
	}
	rewrite := func(e plan.Expr) plan.Expr { return plan.Map(e, remapRef) }
	var in plan.Node = optimize(&plan.Project{Input: base, Exprs: exprs, Cols: cols})
	for i := len(chain) - 1; i >= 0; i-- {
		switch x := chain[i].(type) {
		case *plan.Window:
			w := plan.MapNode(&plan.Window{Input: &plan.Values{}, Calls: x.Calls}, remapRef).(*plan.Window)
			w.Input = in
			w.Cols = append(append([]plan.Column(nil), in.Columns()...), x.Cols[len(x.Input.Columns()):]...)
			in = w
		case *plan.ProjectSet:
			p := plan.MapNode(&plan.ProjectSet{Input: &plan.Values{}, Funcs: x.Funcs, Ordinality: x.Ordinality, Outer: x.Outer}, remapRef).(*plan.ProjectSet)
			p.Input = in
			p.Cols = append(append([]plan.Column(nil), in.Columns()...), x.Cols[len(x.Input.Columns()):]...)
			in = p
		}
	}
	for i := range targets {
		targets[i].expr = rewrite(targets[i].expr)
	}
	for i, e := range sortExprs {
		sortExprs[i] = rewrite(e)
	}
	return in
}
