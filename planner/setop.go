package planner

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// cteScope is one WITH query and those visible before it: each query of a
// non-recursive WITH sees the ones listed before it.
type cteScope struct {
	name      string
	def       *pg_query.CommonTableExpr
	parent    *cteScope
	recursive bool
	// work is set inside a recursive query's recursive term: references
	// to the query read the previous step's rows.
	work *plan.WorkTable
}

func (c *cteScope) lookup(name string) *cteScope {
	for s := c; s != nil; s = s.parent {
		if s.name == name {
			return s
		}
	}
	return nil
}

// withClause makes a WITH clause's queries visible to the rest of the
// statement; the returned function restores the previous scope.
func (b *binder) withClause(w *pg_query.WithClause) (func(), error) {
	saved := b.ctes
	seen := map[string]bool{}
	for _, n := range w.Ctes {
		cte := n.GetCommonTableExpr()
		if seen[cte.Ctename] {
			b.ctes = saved
			return nil, b.errAt(cte.Location, pgerr.New(pgerr.DuplicateAlias, "WITH query name \"%s\" specified more than once", cte.Ctename))
		}
		seen[cte.Ctename] = true
		if cte.Ctequery.GetSelectStmt() == nil {
			b.ctes = saved
			return nil, b.errAt(cte.Location, pgerr.New(pgerr.FeatureNotSupported, "WITH queries that modify data are not supported"))
		}
		b.ctes = &cteScope{name: cte.Ctename, def: cte, parent: b.ctes, recursive: w.Recursive && referencesName(cte.Ctequery, cte.Ctename)}
	}
	return func() { b.ctes = saved }, nil
}

// referencesName reports whether a query reads a relation of that
// unqualified name.
func referencesName(n *pg_query.Node, name string) bool {
	found := false
	var walk func(any)
	walk = func(m any) {
		x := m.(*pg_query.Node)
		if found || x == nil {
			return
		}
		if rv := x.GetRangeVar(); rv != nil && rv.Schemaname == "" && rv.Relname == name {
			found = true
			return
		}
		walkChildren(x, walk)
	}
	walk(n)
	return found
}

// bindCTE binds a reference to a WITH query: its query is planned in
// place (inlined), seeing only the WITH queries before it.
func (b *binder) bindCTE(c *cteScope, rv *pg_query.RangeVar) (plan.Node, *scope, error) {
	var node plan.Node
	var cols []plan.Column
	var err error
	inner := &binder{source: b.source, state: b.state, env: b.env, settings: b.settings, params: b.params, ctes: c.parent}
	switch {
	case c.work != nil:
		node = c.work
		cols = c.work.Cols
	case c.recursive:
		node, cols, err = inner.bindRecursive(c)
	default:
		node, cols, err = inner.bindSelect(c.def.Ctequery)
	}
	if err != nil {
		return nil, nil, err
	}
	b.tables = append(b.tables, inner.tables...)
	var names []string
	for _, n := range c.def.Aliascolnames {
		names = append(names, n.GetString_().GetSval())
	}
	if len(names) > len(cols) {
		return nil, nil, b.errAt(c.def.Location, pgerr.New(pgerr.InvalidColumnReference, "WITH query \"%s\" has %d columns available but %d columns specified", c.name, len(cols), len(names)))
	}
	qual := c.name
	if rv.Alias != nil {
		qual = rv.Alias.Aliasname
		for i, n := range rv.Alias.Colnames {
			if i < len(names) {
				names[i] = n.GetString_().GetSval()
			} else {
				names = append(names, n.GetString_().GetSval())
			}
		}
		if len(names) > len(cols) {
			return nil, nil, b.errAt(rv.Location, pgerr.New(pgerr.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", qual, len(cols), len(names)))
		}
	}
	sc := &scope{}
	for i, c := range node.Columns() {
		if i >= len(cols) {
			break
		}
		name := cols[i].Name
		if i < len(names) {
			name = names[i]
		}
		sc.cols = append(sc.cols, scopeCol{qual: qual, name: name, typ: c.Type, declared: cols[i].TableOID != 0, tableOID: cols[i].TableOID, attNum: cols[i].AttNum})
	}
	if c.work == nil && !c.recursive {
		// (r).x on a WITH query's record column, as on a subquery's.
		inner.noteRecordColumns(c.def.Ctequery, sc)
	}
	return node, sc, nil
}

var setOpKinds = map[pg_query.SetOperation]plan.SetOpKind{
	pg_query.SetOperation_SETOP_UNION:     plan.SetUnion,
	pg_query.SetOperation_SETOP_INTERSECT: plan.SetIntersect,
	pg_query.SetOperation_SETOP_EXCEPT:    plan.SetExcept,
}

// bindSetOp binds UNION, INTERSECT and EXCEPT: each column takes the
// common type of its inputs (select_common_type), keeping a typmod only
// when every input has the same one; ORDER BY and LIMIT apply to the
// whole result.
func (b *binder) bindSetOp(sel *pg_query.SelectStmt) (plan.Node, []plan.Column, error) {
	kind := setOpKinds[sel.Op]
	what := strings.TrimPrefix(sel.Op.String(), "SETOP_")
	left, lcols, err := b.bindSelect(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel.Larg}})
	if err != nil {
		return nil, nil, err
	}
	right, rcols, err := b.bindSelect(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel.Rarg}})
	if err != nil {
		return nil, nil, err
	}
	if len(lcols) != len(rcols) {
		return nil, nil, b.errAt(nodeLocation(sel.Rarg.TargetList[0]), pgerr.New(pgerr.SyntaxError, "each %s query must have the same number of columns", what))
	}
	lnode, rnode := left.Columns(), right.Columns()
	cols := make([]plan.Column, len(lcols))
	lx := make([]plan.Expr, len(lcols))
	rx := make([]plan.Expr, len(lcols))
	castL, castR := false, false
	targets := make([]target, len(lcols))
	for i := range lcols {
		lt, rt := lnode[i].Type, rnode[i].Type
		lx[i] = &plan.ColumnRef{Index: i, Name: lnode[i].Name, Typ: lt}
		rx[i] = &plan.ColumnRef{Index: i, Name: rnode[i].Name, Typ: rt}
		client := lcols[i].Type
		typ := lt
		// An untyped literal ('x', NULL) in one input takes the other's
		// type, as PostgreSQL resolves unknowns after the known inputs.
		if lu, ru := untypedTarget(sel.Larg, i), untypedTarget(sel.Rarg, i); lu != ru && lt != rt {
			if lu {
				lt = pgtype.Type{OID: rt.OID, Typmod: -1}
			} else {
				rt = pgtype.Type{OID: lt.OID, Typmod: -1}
			}
		}
		if lt != rt || lnode[i].Type != rnode[i].Type {
			if lt.OID == rt.OID {
				client = pgtype.Type{OID: lt.OID, Typmod: -1}
				if lcols[i].Type.Typmod == rcols[i].Type.Typmod {
					client.Typmod = lcols[i].Type.Typmod
				}
			} else {
				ct, ok := selectCommonType(lt, rt)
				if !ok {
					return nil, nil, b.errAt(nodeLocation(sel.Rarg.TargetList[i]), pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", what, lt, rt))
				}
				client = pgtype.Type{OID: ct.OID, Typmod: -1}
			}
			typ = client
			if lnode[i].Type != typ {
				if lx[i], err = b.cast(lx[i], typ, false, -1); err != nil {
					return nil, nil, err
				}
				castL = true
			}
			if rnode[i].Type != typ {
				if rx[i], err = b.cast(rx[i], typ, false, -1); err != nil {
					return nil, nil, err
				}
				castR = true
			}
		} else if lcols[i].Type.Typmod != rcols[i].Type.Typmod {
			client = pgtype.Type{OID: lt.OID, Typmod: -1}
		}
		cols[i] = plan.Column{Name: lcols[i].Name, Type: typ}
		targets[i] = target{name: lcols[i].Name, expr: &plan.ColumnRef{Index: i, Name: lcols[i].Name, Typ: typ}, declared: client.Typmod == typ.Typmod}
	}
	project := func(n plan.Node, exprs []plan.Expr) plan.Node {
		pc := make([]plan.Column, len(exprs))
		for i, e := range exprs {
			pc[i] = plan.Column{Name: cols[i].Name, Type: e.Type()}
		}
		return &plan.Project{Input: n, Exprs: exprs, Cols: pc}
	}
	if castL {
		left = project(left, lx)
	}
	if castR {
		right = project(right, rx)
	}
	var node plan.Node = &plan.SetOp{Kind: kind, All: sel.All, Left: left, Right: right, Cols: cols}
	sc := &scope{parent: b.outer}
	for _, c := range cols {
		sc.cols = append(sc.cols, scopeCol{name: c.Name, typ: c.Type})
	}
	for _, s := range sel.SortClause {
		if outputRef(s.GetSortBy().Node, targets) == -1 {
			return nil, nil, b.errAt(nodeLocation(s.GetSortBy().Node), pgerr.New(pgerr.FeatureNotSupported, "invalid UNION/INTERSECT/EXCEPT ORDER BY clause").
				WithDetail("Only result column names can be used, not expressions or functions."))
		}
	}
	out, outCols, err := b.finishSelect(sel, node, targets, make([]plan.Expr, len(sel.SortClause)), sc)
	if err != nil {
		return nil, nil, err
	}
	for i := range outCols {
		outCols[i].TableOID, outCols[i].AttNum = 0, 0
	}
	return out, outCols, nil
}

// bindRecursive binds WITH RECURSIVE's query: a non-recursive term, UNION
// [ALL], and a recursive term whose references to the query read the rows
// of the previous step. The columns take the non-recursive term's types;
// the recursive term is cast to them.
func (b *binder) bindRecursive(c *cteScope) (plan.Node, []plan.Column, error) {
	sel := c.def.Ctequery.GetSelectStmt()
	if sel.Op != pg_query.SetOperation_SETOP_UNION || len(sel.SortClause) > 0 || sel.LimitCount != nil || sel.LimitOffset != nil {
		return nil, nil, b.errAt(c.def.Location, pgerr.New("42P19", "recursive query \"%s\" does not have the form non-recursive-term UNION [ALL] recursive-term", c.name))
	}
	if referencesName(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel.Larg}}, c.name) {
		return nil, nil, b.errAt(c.def.Location, pgerr.New("42P19", "recursive reference to query \"%s\" must not appear within its non-recursive term", c.name))
	}
	base, cols, err := b.bindSelect(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel.Larg}})
	if err != nil {
		return nil, nil, err
	}
	baseCols := base.Columns()
	b.params.workTables++
	work := &plan.WorkTable{ID: b.params.workTables}
	for i, bc := range baseCols {
		name := cols[i].Name
		if i < len(c.def.Aliascolnames) {
			name = c.def.Aliascolnames[i].GetString_().GetSval()
		}
		work.Cols = append(work.Cols, plan.Column{Name: name, Type: bc.Type})
	}
	b.ctes = &cteScope{name: c.name, def: c.def, parent: b.ctes, work: work}
	rec, rcols, err := b.bindSelect(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: sel.Rarg}})
	if err != nil {
		return nil, nil, err
	}
	if len(rcols) != len(cols) {
		return nil, nil, b.errAt(c.def.Location, pgerr.New(pgerr.SyntaxError, "each UNION query must have the same number of columns"))
	}
	exprs := make([]plan.Expr, len(rcols))
	cast := false
	for i, rc := range rec.Columns() {
		exprs[i] = &plan.ColumnRef{Index: i, Name: rc.Name, Typ: rc.Type}
		if want := baseCols[i].Type; rc.Type != want {
			if rc.Type.OID != want.OID && !implicitCast(rc.Type, want) {
				return nil, nil, b.errAt(c.def.Location, pgerr.New(pgerr.DatatypeMismatch, "recursive query \"%s\" column %d has type %s in non-recursive term but type %s overall", c.name, i+1, want, rc.Type).
					WithHint("Cast the output of the non-recursive term to the correct type."))
			}
			if exprs[i], err = b.cast(exprs[i], want, false, -1); err != nil {
				return nil, nil, err
			}
			cast = true
		}
	}
	if cast {
		rec = &plan.Project{Input: rec, Exprs: exprs, Cols: work.Cols}
	}
	out := make([]plan.Column, len(cols))
	for i := range cols {
		out[i] = plan.Column{Name: work.Cols[i].Name, Type: cols[i].Type}
	}
	return &plan.RecursiveUnion{ID: work.ID, Base: base, Recursive: rec, All: sel.All, Cols: work.Cols}, out, nil
}

// untypedTarget reports whether column i of a simple SELECT is a bare
// string literal or NULL, whose type PostgreSQL leaves to the other inputs
// of a set operation.
func untypedTarget(sel *pg_query.SelectStmt, i int) bool {
	if sel == nil || sel.Op != pg_query.SetOperation_SETOP_NONE {
		return false
	}
	var n *pg_query.Node
	if len(sel.ValuesLists) == 1 {
		items := sel.ValuesLists[0].GetList().GetItems()
		if i < len(items) {
			n = items[i]
		}
	} else if i < len(sel.TargetList) {
		n = sel.TargetList[i].GetResTarget().GetVal()
	}
	c := n.GetAConst()
	if c == nil {
		return false
	}
	_, isString := c.Val.(*pg_query.A_Const_Sval)
	return c.Isnull || isString
}
