package planner

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// binder resolves names and types of one statement against one catalog
// state. Parameters are shared with nested queries.
type binder struct {
	source   string
	state    *catalog.State
	env      Env
	settings *pgtype.Settings
	params   *paramSet
	tables   []*catalog.Table
	agg      *aggContext
	// outer is the scope of the query this one is a subquery of: its
	// columns are outer references (correlation).
	outer *scope
	ctes  *cteScope
	// cur is the input of the SELECT being bound, which decorrelation
	// extends with joins.
	cur *plan.Node
	// srf collects the set-returning functions of the select list being
	// bound; nil where they are not allowed.
	srf *srfContext
	// win collects the window calls of the SELECT being bound; nil where
	// they are not allowed.
	win *windowContext
	// records names the columns of the record-returning set-returning
	// calls of this binder's select lists, for (x).field on a subquery's
	// record column.
	records map[*pg_query.FuncCall][]plan.Column
}

// paramSet tracks $n types: declared by the client, or inferred from the
// first context that needs one.
type paramSet struct {
	types []pgtype.Type
	refs  map[int][]*plan.Param
	// workTables numbers the recursive WITH queries of the statement.
	workTables int
}

func newBinder(source string, state *catalog.State, env Env, declared []pgtype.Type) *binder {
	ps := &paramSet{refs: map[int][]*plan.Param{}}
	ps.types = append(ps.types, declared...)
	settings := env.ValueSettings()
	if settings == nil {
		settings = pgtype.DefaultSettings()
	}
	return &binder{source: source, state: state, env: env, settings: settings, params: ps}
}

func (b *binder) errAt(loc int32, e *pgerr.Error) *pgerr.Error {
	if e.Position == 0 && loc >= 0 {
		e.Position = charPosition(b.source, loc)
	}
	return e
}

// scopeCol is one column visible to expressions.
type scopeCol struct {
	qual     string // table name or alias
	name     string
	typ      pgtype.Type
	declared bool // typmod is the column's own, reported to clients
	tableOID uint32
	attNum   int16
	// usingHidden marks a column merged by JOIN USING/NATURAL: reachable
	// only by its qualified name, and not part of an unqualified *.
	usingHidden bool
	// fields are the columns of a record-typed column whose layout is
	// known (a subquery's record-returning function), for (x).field.
	fields []plan.Column
	// funcValue marks the one column of a scalar function in FROM: its
	// alias used as a value is this column (see wholeRow).
	funcValue bool
}

type scope struct {
	cols   []scopeCol
	parent *scope // the enclosing query's scope, for outer references
}

func (b *binder) bindQuery(q *Query) (*Bound, error) {
	node, cols, err := b.bindSelect(q.node)
	if err != nil {
		return nil, err
	}
	node = optimize(node)
	types := make([]pgtype.Type, len(b.params.types))
	for i, t := range b.params.types {
		if t.OID == pgtype.UnknownOID || t.OID == 0 {
			if len(b.params.refs[i+1]) > 0 || i >= q.ParamCount {
				return nil, pgerr.New(pgerr.IndeterminateDatatype, "could not determine data type of parameter $%d", i+1)
			}
			// Declared as unspecified and never used: PostgreSQL calls it text.
			t = pgtype.Text
		}
		types[i] = t
	}
	for i := len(types); i < q.ParamCount; i++ {
		return nil, pgerr.New(pgerr.IndeterminateDatatype, "could not determine data type of parameter $%d", i+1)
	}
	return &Bound{Root: node, Columns: cols, ParamTypes: types, Tables: b.tables}, nil
}

// bindSelect binds a SELECT and returns its plan and the columns as the
// client sees them.
func (b *binder) bindSelect(n *pg_query.Node) (plan.Node, []plan.Column, error) {
	sel := n.GetSelectStmt()
	if sel == nil {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "statement is not a query")
	}
	if sel.WithClause != nil {
		restore, err := b.withClause(sel.WithClause)
		if err != nil {
			return nil, nil, err
		}
		defer restore()
	}
	if sel.Op != pg_query.SetOperation_SETOP_NONE {
		return b.bindSetOp(sel)
	}
	if sel.IntoClause != nil {
		return nil, nil, pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute SELECT INTO in a read-only transaction")
	}
	if len(sel.LockingClause) > 0 {
		return nil, nil, pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute SELECT FOR UPDATE in a read-only transaction")
	}
	if len(sel.ValuesLists) > 0 {
		return b.bindValues(sel)
	}

	// FROM
	var input plan.Node
	sc := &scope{parent: b.outer}
	if len(sel.FromClause) == 0 {
		input = &plan.Values{Rows: [][]plan.Expr{{}}}
	} else {
		var err error
		if input, sc, err = b.bindFrom(sel.FromClause); err != nil {
			return nil, nil, err
		}
	}

	// Correlated scalar subqueries join onto the input as they are bound.
	savedCur := b.cur
	b.cur = &input
	defer func() { b.cur = savedCur }()

	// WHERE
	if sel.WhereClause != nil {
		if containsAggregate(sel.WhereClause) {
			return nil, nil, b.errAt(nodeLocation(sel.WhereClause), pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in WHERE"))
		}
		var err error
		if input, err = b.bindWhere(sel.WhereClause, input, sc); err != nil {
			return nil, nil, err
		}
	}

	// Target list, expanded.
	targets, err := b.expandTargets(sel.TargetList, sc)
	if err != nil {
		return nil, nil, err
	}
	wc, err := b.newWindowContext(sel, sc)
	if err != nil {
		return nil, nil, err
	}
	savedWin := b.win
	defer func() { b.win = savedWin }()

	// Aggregation.
	hasAgg := len(sel.GroupClause) > 0 || sel.HavingClause != nil
	for _, t := range targets {
		if t.node != nil && containsAggregate(t.node) {
			hasAgg = true
		}
	}
	for _, s := range sel.SortClause {
		if containsAggregate(s.GetSortBy().GetNode()) {
			hasAgg = true
		}
	}
	exprScope := sc
	if hasAgg {
		ac := &aggContext{input: sc}
		sets, err := b.groupClause(sel.GroupClause, sc, targets, ac)
		if err != nil {
			return nil, nil, err
		}
		b.agg = ac
		defer func() { b.agg = nil }()
		exprScope = nil // every expression now goes through the aggregate context
		// Bind targets and HAVING now so every aggregate call is known
		// before the Aggregate node is built.
		srf := &srfContext{}
		for i := range targets {
			if targets[i].expr == nil {
				if err := b.checkSRFPlacement(targets[i].node); err != nil {
					return nil, nil, err
				}
				b.srf, b.win = srf, wc
				e, err := b.expr(targets[i].node, sc)
				b.srf, b.win = nil, nil
				if err != nil {
					return nil, nil, err
				}
				targets[i].expr = e
			} else if _, err := b.regroup(targets[i].expr, targets[i].node); err != nil {
				return nil, nil, err
			}
		}
		var having plan.Expr
		if sel.HavingClause != nil {
			h, err := b.expr(sel.HavingClause, sc)
			if err != nil {
				return nil, nil, err
			}
			if h, err = b.coerceTo(h, pgtype.Bool, "argument of HAVING", nodeLocation(sel.HavingClause)); err != nil {
				return nil, nil, err
			}
			having = h
		}
		// Sort keys may add aggregate calls too; bind them before building.
		b.win = wc
		sortExprs, err := b.sortExprs(sel, targets, sc)
		b.win = nil
		if err != nil {
			return nil, nil, err
		}
		input = ac.buildGrouping(input, sets)
		if having != nil {
			input = &plan.Filter{Input: input, Predicate: having}
		}
		input = b.buildWindow(wc, input, targets, sortExprs, srf)
		input = b.projectSet(srf, input, targets, sortExprs)
		return b.finishSelect(sel, input, targets, sortExprs, sc)
	}
	srf := &srfContext{}
	for i := range targets {
		if targets[i].expr == nil {
			if err := b.checkSRFPlacement(targets[i].node); err != nil {
				return nil, nil, err
			}
			b.srf, b.win = srf, wc
			e, err := b.expr(targets[i].node, exprScope)
			b.srf, b.win = nil, nil
			if err != nil {
				return nil, nil, err
			}
			targets[i].expr = e
		}
	}
	b.win = wc
	sortExprs, err := b.sortExprs(sel, targets, sc)
	b.win = nil
	if err != nil {
		return nil, nil, err
	}
	input = b.buildWindow(wc, input, targets, sortExprs, srf)
	input = b.projectSet(srf, input, targets, sortExprs)
	if !isDistinctOn(sel) {
		// DISTINCT ON binds expressions over the input later.
		input = pruneBelowExtended(input, targets, sortExprs)
	}
	return b.finishSelect(sel, input, targets, sortExprs, sc)
}

// sortExprs binds the ORDER BY items that are not output columns (by name
// or ordinal) as expressions over the input; the others stay nil.
func (b *binder) sortExprs(sel *pg_query.SelectStmt, targets []target, sc *scope) ([]plan.Expr, error) {
	out := make([]plan.Expr, len(sel.SortClause))
	for i, s := range sel.SortClause {
		sb := s.GetSortBy()
		if outputRef(sb.Node, targets) != -1 {
			continue
		}
		e, err := b.expr(sb.Node, sc)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

// target is one output column being bound.
type target struct {
	name     string
	node     *pg_query.Node // nil when expr came from * expansion
	expr     plan.Expr
	declared bool
	tableOID uint32
	attNum   int16
}

// finishSelect adds projection, DISTINCT, ORDER BY and LIMIT.
func (b *binder) finishSelect(sel *pg_query.SelectStmt, input plan.Node, targets []target, sortExprs []plan.Expr, sc *scope) (plan.Node, []plan.Column, error) {
	exprs := make([]plan.Expr, len(targets))
	cols := make([]plan.Column, len(targets))
	for i, t := range targets {
		e := t.expr
		if e.Type().OID == pgtype.UnknownOID {
			// An unknown literal in the select list is text (PostgreSQL 10+).
			var err error
			if e, err = b.coerceTo(e, pgtype.Text, "", -1); err != nil {
				return nil, nil, err
			}
		}
		exprs[i] = e
		cols[i] = plan.Column{Name: t.name, Type: e.Type()}
		if t.declared {
			cols[i].TableOID, cols[i].AttNum = t.tableOID, t.attNum
		}
	}
	clientCols := make([]plan.Column, len(cols))
	for i, c := range cols {
		clientCols[i] = c
		if !targets[i].declared && (targets[i].node == nil || targets[i].node.GetTypeCast() == nil) {
			clientCols[i].Type.Typmod = -1
		}
	}

	// Sort keys: output columns by name or ordinal, else hidden columns.
	var keys []plan.SortKey
	hidden := 0
	for i, s := range sel.SortClause {
		sb := s.GetSortBy()
		idx := outputRef(sb.Node, targets)
		if idx == -2 {
			return nil, nil, b.errAt(nodeLocation(sb.Node), pgerr.New(pgerr.InvalidColumnReference, "ORDER BY position %s is not in select list", constOf(sb.Node)))
		}
		if idx == -3 {
			if idx = sameOutput(sb.Node, targets, exprs); idx < 0 {
				return nil, nil, b.errAt(nodeLocation(sb.Node), pgerr.New(pgerr.AmbiguousColumn, "ORDER BY \"%s\" is ambiguous", figureColname(sb.Node)))
			}
		}
		if idx < 0 {
			e := sortExprs[i]
			es := e.String()
			for j, x := range exprs {
				if x.String() == es {
					idx = j
					break
				}
			}
			if idx < 0 {
				if len(sel.DistinctClause) > 0 && !isDistinctOn(sel) {
					return nil, nil, b.errAt(nodeLocation(sb.Node), pgerr.New(pgerr.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list"))
				}
				exprs = append(exprs, e)
				cols = append(cols, plan.Column{Name: "?sort?", Type: e.Type()})
				idx = len(exprs) - 1
				hidden++
			}
		}
		desc := sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC
		if sb.SortbyDir == pg_query.SortByDir_SORTBY_USING {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "ORDER BY USING is not supported")
		}
		nullsFirst := desc // PostgreSQL: NULLs sort as larger than any value
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			nullsFirst = true
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			nullsFirst = false
		}
		keys = append(keys, plan.SortKey{Expr: &plan.ColumnRef{Index: idx, Name: cols[idx].Name, Typ: cols[idx].Type}, Desc: desc, NullsFirst: nullsFirst})
	}

	var distinctCols []int
	if isDistinctOn(sel) {
		n := len(exprs)
		var err error
		if distinctCols, keys, err = b.distinctOn(sel, targets, &exprs, &cols, keys, sc); err != nil {
			return nil, nil, err
		}
		hidden += len(exprs) - n
	}
	var out plan.Node = &plan.Project{Input: input, Exprs: exprs, Cols: cols}
	if len(sel.DistinctClause) > 0 && !isDistinctOn(sel) {
		keysE := make([]plan.Expr, len(cols))
		for i, c := range cols {
			keysE[i] = &plan.ColumnRef{Index: i, Name: c.Name, Typ: c.Type}
		}
		out = &plan.Aggregate{Input: out, GroupBy: keysE, Cols: cols}
	}
	if len(keys) > 0 {
		out = &plan.Sort{Input: out, Keys: keys}
	}
	if distinctCols != nil {
		u := &plan.Unique{Input: out}
		for _, i := range distinctCols {
			u.Keys = append(u.Keys, &plan.ColumnRef{Index: i, Name: cols[i].Name, Typ: cols[i].Type})
		}
		out = u
	}
	if hidden > 0 {
		n := len(targets)
		vis := make([]plan.Expr, n)
		for i := 0; i < n; i++ {
			vis[i] = &plan.ColumnRef{Index: i, Name: cols[i].Name, Typ: cols[i].Type}
		}
		out = &plan.Project{Input: out, Exprs: vis, Cols: cols[:n]}
	}
	if sel.LimitCount != nil || sel.LimitOffset != nil {
		if sel.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "FETCH ... WITH TIES is not supported yet")
		}
		lim := &plan.Limit{Input: out}
		var err error
		if sel.LimitCount != nil && !isNullConst(sel.LimitCount) {
			if lim.Count, err = b.limitExpr(sel.LimitCount); err != nil {
				return nil, nil, err
			}
		}
		if sel.LimitOffset != nil && !isNullConst(sel.LimitOffset) {
			if lim.Offset, err = b.limitExpr(sel.LimitOffset); err != nil {
				return nil, nil, err
			}
		}
		out = lim
	}
	return out, clientCols, nil
}

func (b *binder) limitExpr(n *pg_query.Node) (plan.Expr, error) {
	if containsColumnRef(n) {
		return nil, b.errAt(nodeLocation(n), pgerr.New(pgerr.InvalidColumnReference, "argument of LIMIT must not contain variables"))
	}
	e, err := b.expr(n, &scope{})
	if err != nil {
		return nil, err
	}
	return b.coerceTo(e, pgtype.Int8, "argument of LIMIT", nodeLocation(n))
}

// outputRef finds an ORDER BY/GROUP BY item that names an output column
// (a bare name matching an output alias) or is an ordinal. -1: neither;
// -2: an ordinal out of range; -3: a name several output columns have.
func outputRef(n *pg_query.Node, targets []target) int {
	if c := n.GetAConst(); c != nil {
		if iv, ok := c.Val.(*pg_query.A_Const_Ival); ok {
			i := int(iv.Ival.Ival)
			if i < 1 || i > len(targets) {
				return -2
			}
			return i - 1
		}
		return -1
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
		if s := cr.Fields[0].GetString_(); s != nil {
			found := -1
			for i, t := range targets {
				if t.name == s.Sval {
					if found >= 0 {
						return -3 // several output columns have this name
					}
					found = i
				}
			}
			return found
		}
	}
	return -1
}

// sameOutput resolves a name that several output columns share: allowed
// when they all compute the same thing, as PostgreSQL allows.
func sameOutput(n *pg_query.Node, targets []target, exprs []plan.Expr) int {
	name := figureColname(n)
	found := -1
	for i, t := range targets {
		if t.name != name {
			continue
		}
		if found >= 0 && exprs[i].String() != exprs[found].String() {
			return -1
		}
		if found < 0 {
			found = i
		}
	}
	return found
}

func constOf(n *pg_query.Node) string {
	v, _, _ := constText(n)
	return v
}

func isNullConst(n *pg_query.Node) bool {
	c := n.GetAConst()
	return c != nil && c.Isnull
}

// groupKey binds one GROUP BY item: an ordinal, an output alias, or an
// expression over the input.
func (b *binder) groupKey(g *pg_query.Node, sc *scope, targets []target) (plan.Expr, error) {
	switch idx := outputRef(g, targets); {
	case idx == -2:
		return nil, b.errAt(nodeLocation(g), pgerr.New(pgerr.InvalidColumnReference, "GROUP BY position %s is not in select list", constOf(g)))
	case idx >= 0:
		// An alias names an output column only when no input column has
		// that name (PostgreSQL prefers the input column in GROUP BY).
		if cr := g.GetColumnRef(); cr != nil && g.GetAConst() == nil {
			if _, err := b.expr(g, sc); err == nil {
				return b.expr(g, sc)
			}
		}
		if targets[idx].expr != nil {
			return targets[idx].expr, nil
		}
		if containsAggregate(targets[idx].node) {
			return nil, b.errAt(nodeLocation(g), pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in GROUP BY"))
		}
		return b.expr(targets[idx].node, sc)
	}
	if containsAggregate(g) {
		return nil, b.errAt(nodeLocation(g), pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in GROUP BY"))
	}
	if g.GetGroupingSet() != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "ROLLUP, CUBE and GROUPING SETS are not supported yet")
	}
	return b.expr(g, sc)
}

// regroup re-checks an already bound target (from * expansion) under the
// aggregate context: it must be a group key.
func (b *binder) regroup(e plan.Expr, n *pg_query.Node) (plan.Expr, error) {
	if idx := b.agg.keyIndex(e); idx >= 0 {
		return e, nil
	}
	name := e.String()
	if cr, ok := e.(*plan.ColumnRef); ok {
		name = cr.Name
	}
	return nil, pgerr.New(pgerr.GroupingError, "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", name)
}

// expandTargets expands * and t.* and names every output column.
func (b *binder) expandTargets(list []*pg_query.Node, sc *scope) ([]target, error) {
	var out []target
	for _, item := range list {
		rt := item.GetResTarget()
		if rt == nil {
			continue
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			qual := ""
			if len(cr.Fields) > 1 {
				qual = cr.Fields[len(cr.Fields)-2].GetString_().GetSval()
			}
			if len(sc.cols) == 0 && qual == "" {
				return nil, b.errAt(cr.Location, pgerr.New(pgerr.SyntaxError, "SELECT * with no tables specified is not valid"))
			}
			found := false
			for i, c := range sc.cols {
				if qual != "" && c.qual != qual || qual == "" && c.usingHidden {
					continue
				}
				found = true
				ref := &plan.ColumnRef{Index: i, Name: c.name, Typ: c.typ}
				out = append(out, target{name: c.name, expr: ref, declared: c.declared, tableOID: c.tableOID, attNum: c.attNum})
			}
			if !found {
				return nil, b.errAt(cr.Location, pgerr.New(pgerr.UndefinedTable, "missing FROM-clause entry for table \"%s\"", qual))
			}
			continue
		}
		if ts, ok, err := b.expandRecordStar(rt, sc); ok || err != nil {
			if err != nil {
				return nil, err
			}
			out = append(out, ts...)
			continue
		}
		t := target{name: rt.Name, node: rt.Val}
		if t.name == "" {
			t.name = figureColname(rt.Val)
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && b.agg == nil {
			if i, err := b.lookupColumn(cr, sc); err == nil {
				c := sc.cols[i]
				t.declared, t.tableOID, t.attNum = c.declared, c.tableOID, c.attNum
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// figureColname names an output column as PostgreSQL's FigureColname does.
func figureColname(n *pg_query.Node) string {
	name, _ := colnameStrength(n)
	return name
}

// colnameStrength is PostgreSQL's FigureColnameInternal: a name and how
// strongly it names the column (2: a column or function; 1: a type name or
// "case"; 0: nothing better than "?column?"). A cast's own type name wins
// over what its argument offers only when that is weaker than 2.
func colnameStrength(n *pg_query.Node) (string, int) {
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if s := f[len(f)-1].GetString_(); s != nil {
			return s.Sval, 2
		}
	case *pg_query.Node_FuncCall:
		f := x.FuncCall.Funcname
		return f[len(f)-1].GetString_().GetSval(), 2
	case *pg_query.Node_TypeCast:
		name, strength := colnameStrength(x.TypeCast.Arg)
		if strength <= 1 {
			names := x.TypeCast.TypeName.Names
			return names[len(names)-1].GetString_().GetSval(), 1
		}
		return name, strength
	case *pg_query.Node_CollateClause:
		return colnameStrength(x.CollateClause.Arg)
	case *pg_query.Node_AIndirection:
		ind := x.AIndirection.Indirection
		if s := ind[len(ind)-1].GetString_(); s != nil {
			return s.Sval, 2
		}
		return colnameStrength(x.AIndirection.Arg)
	case *pg_query.Node_CaseExpr:
		if x.CaseExpr.Defresult != nil {
			if name, strength := colnameStrength(x.CaseExpr.Defresult); strength == 2 {
				return name, 2
			}
		}
		return "case", 1
	case *pg_query.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg_query.Node_GroupingFunc:
		return "grouping", 2
	case *pg_query.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg_query.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg_query.Node_SqlvalueFunction:
		return strings.ToLower(strings.TrimPrefix(strings.TrimSuffix(x.SqlvalueFunction.Op.String(), "_N"), "SVFOP_")), 2
	case *pg_query.Node_AArrayExpr:
		return "array", 2
	case *pg_query.Node_RowExpr:
		return "row", 2
	case *pg_query.Node_SubLink:
		if name := subLinkColname(x.SubLink); name != "?column?" {
			return name, 2
		}
	case *pg_query.Node_AExpr:
		if x.AExpr.Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	}
	return "?column?", 0
}

func (b *binder) bindFromItem(n *pg_query.Node) (plan.Node, *scope, error) {
	switch x := n.Node.(type) {
	case *pg_query.Node_RangeVar:
		rv := x.RangeVar
		if rv.Schemaname == "" {
			if c := b.ctes.lookup(rv.Relname); c != nil {
				return b.bindCTE(c, rv)
			}
		}
		t, err := b.lookupTable(rv)
		if err != nil {
			return nil, nil, err
		}
		b.tables = append(b.tables, t)
		proj := make([]int, len(t.Columns))
		for i := range proj {
			proj[i] = i
		}
		qual := t.Name
		var colAliases []string
		if rv.Alias != nil {
			qual = rv.Alias.Aliasname
			for _, c := range rv.Alias.Colnames {
				colAliases = append(colAliases, c.GetString_().GetSval())
			}
		}
		if len(colAliases) > len(t.Columns) {
			return nil, nil, pgerr.New(pgerr.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", qual, len(t.Columns), len(colAliases))
		}
		sc := &scope{cols: make([]scopeCol, 0, len(t.Columns))}
		for i, c := range t.Columns {
			name := c.Name
			if i < len(colAliases) {
				name = colAliases[i]
			}
			sc.cols = append(sc.cols, scopeCol{qual: qual, name: name, typ: c.Type, declared: true, tableOID: t.OID, attNum: int16(i + 1)})
		}
		return plan.NewScan(t, proj), sc, nil
	case *pg_query.Node_RangeSubselect:
		rs := x.RangeSubselect
		if rs.Lateral {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "LATERAL is not supported yet")
		}
		return b.subqueryInFrom(rs, b.outer)
	case *pg_query.Node_JoinExpr:
		return b.bindJoin(x.JoinExpr)
	case *pg_query.Node_RangeFunction:
		node, sc, _, err := b.rangeFunction(x.RangeFunction, nil, nil)
		return node, sc, err
	}
	return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "unsupported FROM item")
}

// lookupTable resolves a relation name: pg_catalog first (implicitly, as
// PostgreSQL does), then the search path.
func (b *binder) lookupTable(rv *pg_query.RangeVar) (*catalog.Table, error) {
	t, err := b.findTable(rv)
	if err == nil && t.IsIndex() {
		return nil, b.errAt(rv.Location, pgerr.New(pgerr.WrongObjectType, "\"%s\" is an index", rv.Relname))
	}
	return t, err
}

// findTable finds the relation a name means, of any kind.
func (b *binder) findTable(rv *pg_query.RangeVar) (*catalog.Table, error) {
	if rv.Catalogname != "" && rv.Catalogname != b.env.Database() {
		return nil, b.errAt(rv.Location, pgerr.New(pgerr.FeatureNotSupported, "cross-database references are not implemented: \"%s.%s.%s\"", rv.Catalogname, rv.Schemaname, rv.Relname))
	}
	if rv.Schemaname != "" {
		t, err := b.state.Table(rv.Schemaname, rv.Relname)
		if err != nil {
			return nil, b.errAt(rv.Location, pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", rv.Schemaname, rv.Relname))
		}
		return t, nil
	}
	// The session's temporary tables come first, before pg_catalog, as
	// PostgreSQL searches pg_temp first for relations (ddl.go), unless the
	// path places pg_temp itself (searchPath).
	for _, s := range b.searchPath(true) {
		if t, err := b.state.Table(s, rv.Relname); err == nil {
			return t, nil
		}
	}
	return nil, b.errAt(rv.Location, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", rv.Relname))
}

// searchPath is the effective path: "$user" resolved, schemas that do not
// exist dropped, pg_catalog first unless listed (withImplicit).
func (b *binder) searchPath(withImplicit bool) []string {
	var out []string
	listed, tempListed := false, false
	for _, s := range b.env.SearchPath() {
		if s == "$user" {
			// A schema named like the user, unless it is one of the
			// server's own (the default role is called sluice, like the
			// sluice schema).
			s = b.env.User()
			if catalog.IsSystemSchema(s) {
				continue
			}
		}
		if s == "pg_catalog" {
			listed = true
		}
		if sc := b.state.Schema(s); sc != nil {
			if sc.Temp {
				tempListed = true
				s = sc.Name // pg_temp is the session's pg_temp_N
			}
			out = append(out, s)
		}
	}
	if withImplicit && !listed && b.state.Schema("pg_catalog") != nil {
		out = append([]string{"pg_catalog"}, out...)
	}
	// The session's temporary schema, once it exists, is searched before
	// everything unless the path names pg_temp (PostgreSQL's
	// recomputeNamespacePath); current_schemas(true) lists it.
	if withImplicit && !tempListed {
		if sc := b.state.Schema(catalog.TempSchemaAlias); sc != nil {
			out = append([]string{sc.Name}, out...)
		}
	}
	return out
}

func (b *binder) lookupColumn(cr *pg_query.ColumnRef, sc *scope) (int, error) {
	var parts []string
	for _, f := range cr.Fields {
		s := f.GetString_()
		if s == nil {
			return -1, b.errAt(cr.Location, pgerr.New(pgerr.FeatureNotSupported, "unsupported column reference"))
		}
		parts = append(parts, s.Sval)
	}
	name := parts[len(parts)-1]
	qual := ""
	if len(parts) >= 2 {
		qual = parts[len(parts)-2]
	}
	if len(parts) > 3 {
		return -1, b.errAt(cr.Location, pgerr.New(pgerr.SyntaxError, "improper qualified name (too many dotted names): %s", strings.Join(parts, ".")))
	}
	found := -1
	qualSeen := false
	if sc != nil {
		for i, c := range sc.cols {
			if qual != "" && c.qual != qual || qual == "" && c.usingHidden {
				continue
			}
			qualSeen = true
			if c.name == name {
				if found >= 0 {
					return -1, b.errAt(cr.Location, pgerr.New(pgerr.AmbiguousColumn, "column reference \"%s\" is ambiguous", name))
				}
				found = i
			}
		}
	}
	if found < 0 {
		if qual != "" && !qualSeen {
			return -1, b.errAt(cr.Location, pgerr.New(pgerr.UndefinedTable, "missing FROM-clause entry for table \"%s\"", qual))
		}
		if qual != "" {
			return -1, b.errAt(cr.Location, pgerr.New(pgerr.UndefinedColumn, "column %s.%s does not exist", qual, name))
		}
		return -1, b.errAt(cr.Location, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" does not exist", name))
	}
	return found, nil
}

func (b *binder) bindValues(sel *pg_query.SelectStmt) (plan.Node, []plan.Column, error) {
	var rows [][]plan.Expr
	width := -1
	for _, l := range sel.ValuesLists {
		items := l.GetList().GetItems()
		if width >= 0 && len(items) != width {
			return nil, nil, b.errAt(nodeLocation(l), pgerr.New(pgerr.SyntaxError, "VALUES lists must all be the same length"))
		}
		width = len(items)
		row := make([]plan.Expr, len(items))
		for i, it := range items {
			e, err := b.expr(it, &scope{})
			if err != nil {
				return nil, nil, err
			}
			row[i] = e
		}
		rows = append(rows, row)
	}
	cols := make([]plan.Column, width)
	for i := 0; i < width; i++ {
		typ := pgtype.Unknown
		for _, r := range rows {
			if t := r[i].Type(); t.OID != pgtype.UnknownOID {
				if typ.OID == pgtype.UnknownOID {
					typ = t
				} else if t != typ {
					// Mixed inputs keep no typmod (select_common_type).
					ct, ok := selectCommonType(typ, t)
					if !ok {
						return nil, nil, pgerr.New(pgerr.DatatypeMismatch, "VALUES types %s and %s cannot be matched", typ, t)
					}
					typ = pgtype.Type{OID: ct.OID, Typmod: -1}
				}
			}
		}
		if typ.OID == pgtype.UnknownOID {
			typ = pgtype.Text
		}
		for _, r := range rows {
			e, err := b.coerceTo(r[i], typ, "VALUES", -1)
			if err == nil && !isUnknown(r[i]) {
				e, err = b.widenExact(r[i], typ)
			}
			if err != nil {
				return nil, nil, err
			}
			r[i] = e
		}
		cols[i] = plan.Column{Name: fmt.Sprintf("column%d", i+1), Type: typ}
	}
	node := plan.Node(&plan.Values{Rows: rows, Cols: cols})
	targets := make([]target, width)
	for i, c := range cols {
		targets[i] = target{name: c.Name, expr: &plan.ColumnRef{Index: i, Name: c.Name, Typ: c.Type}}
	}
	// ORDER BY over VALUES sees its columns (column1, column2, ...).
	sc := &scope{}
	for _, c := range cols {
		sc.cols = append(sc.cols, scopeCol{name: c.Name, typ: c.Type})
	}
	sortExprs, err := b.sortExprs(sel, targets, sc)
	if err != nil {
		return nil, nil, err
	}
	return b.finishSelect(sel, node, targets, sortExprs, sc)
}

func containsAggregate(n *pg_query.Node) bool {
	found := false
	var walk func(any)
	walk = func(m any) {
		x := m.(*pg_query.Node)
		if found || x == nil {
			return
		}
		if x.GetGroupingFunc() != nil {
			found = true // GROUPING() makes a query grouped, as aggregates do
			return
		}
		if fc := x.GetFuncCall(); fc != nil && fc.Over == nil {
			var parts []string
			for _, f := range fc.Funcname {
				parts = append(parts, f.GetString_().GetSval())
			}
			if isAggregate(funcName(parts)) {
				found = true
				return
			}
		}
		if x.GetSelectStmt() != nil || x.GetSubLink() != nil {
			return // aggregates of a subquery belong to it
		}
		walkChildren(x, walk)
	}
	walk(n)
	return found
}

func containsColumnRef(n *pg_query.Node) bool {
	found := false
	var walk func(any)
	walk = func(m any) {
		x := m.(*pg_query.Node)
		if found || x == nil {
			return
		}
		if x.GetColumnRef() != nil {
			found = true
			return
		}
		walkChildren(x, walk)
	}
	walk(n)
	return found
}

// subqueryInFrom binds a subquery in FROM, seeing outer as its enclosing
// scope (the query's own for a plain subquery, the FROM items to its left
// for LATERAL), and names its columns by the alias's column list.
func (b *binder) subqueryInFrom(rs *pg_query.RangeSubselect, outer *scope) (plan.Node, *scope, error) {
	inner := &binder{source: b.source, state: b.state, env: b.env, settings: b.settings, params: b.params, outer: outer, ctes: b.ctes}
	node, cols, err := inner.bindSelect(rs.Subquery)
	if err != nil {
		return nil, nil, err
	}
	b.tables = append(b.tables, inner.tables...)
	qual := ""
	var colAliases []string
	if rs.Alias != nil {
		qual = rs.Alias.Aliasname
		for _, c := range rs.Alias.Colnames {
			colAliases = append(colAliases, c.GetString_().GetSval())
		}
	}
	sc := &scope{}
	for i, c := range node.Columns() {
		if i >= len(cols) {
			break
		}
		name := cols[i].Name
		if i < len(colAliases) {
			name = colAliases[i]
		}
		sc.cols = append(sc.cols, scopeCol{qual: qual, name: name, typ: c.Type, declared: cols[i].TableOID != 0, tableOID: cols[i].TableOID, attNum: cols[i].AttNum})
	}
	inner.noteRecordColumns(rs.Subquery, sc)
	return node, sc, nil
}
