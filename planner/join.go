package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// bindFromList binds a FROM clause: its items are cross-joined, left to
// right, and the WHERE clause later turns the cross joins into keyed joins
// (pushFilters).
func (b *binder) bindFromList(items []*pg_query.Node) (plan.Node, *scope, error) {
	var input plan.Node
	var sc *scope
	for _, item := range items {
		n, s, err := b.bindFromItem(item)
		if err != nil {
			return nil, nil, err
		}
		if input == nil {
			input, sc = n, s
			continue
		}
		if err := b.checkDuplicateNames(sc, s, nodeLocation(item)); err != nil {
			return nil, nil, err
		}
		input = &plan.Join{Left: input, Right: n, Kind: plan.JoinInner}
		sc = &scope{cols: append(append([]scopeCol(nil), sc.cols...), s.cols...)}
	}
	sc.parent = b.outer
	return input, sc, nil
}

// checkDuplicateNames rejects a FROM clause naming one table twice, as
// PostgreSQL does (42712).
func (b *binder) checkDuplicateNames(l, r *scope, loc int32) error {
	seen := map[string]bool{}
	for _, c := range l.cols {
		if c.qual != "" {
			seen[c.qual] = true
		}
	}
	for _, c := range r.cols {
		if c.qual != "" && seen[c.qual] {
			return b.errAt(loc, pgerr.New(pgerr.DuplicateAlias, "table name \"%s\" specified more than once", c.qual))
		}
	}
	return nil
}

var joinKinds = map[pg_query.JoinType]plan.JoinKind{
	pg_query.JoinType_JOIN_INNER: plan.JoinInner,
	pg_query.JoinType_JOIN_LEFT:  plan.JoinLeft,
	pg_query.JoinType_JOIN_RIGHT: plan.JoinRight,
	pg_query.JoinType_JOIN_FULL:  plan.JoinFull,
}

// bindJoin binds a JOIN expression: the two sides, then USING/NATURAL
// (merged columns first, as PostgreSQL's * shows them) or ON.
func (b *binder) bindJoin(j *pg_query.JoinExpr) (plan.Node, *scope, error) {
	left, lsc, err := b.bindFromItem(j.Larg)
	if err != nil {
		return nil, nil, err
	}
	if n, sc, ok, err := b.lateralJoin(j, left, lsc); ok || err != nil {
		return n, sc, err
	}
	right, rsc, err := b.bindFromItem(j.Rarg)
	if err != nil {
		return nil, nil, err
	}
	if err := b.checkDuplicateNames(lsc, rsc, nodeLocation(j.Rarg)); err != nil {
		return nil, nil, err
	}
	kind, ok := joinKinds[j.Jointype]
	if !ok {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "join type %s is not supported", j.Jointype)
	}
	nl := len(lsc.cols)
	sc := &scope{cols: append(append([]scopeCol(nil), lsc.cols...), rsc.cols...), parent: b.outer}
	join := &plan.Join{Left: left, Right: right, Kind: kind}

	var using []string
	if j.IsNatural {
		for _, lc := range lsc.cols {
			if lc.usingHidden {
				continue
			}
			for _, rc := range rsc.cols {
				if !rc.usingHidden && rc.name == lc.name {
					using = append(using, lc.name)
					break
				}
			}
		}
	}
	for _, u := range j.UsingClause {
		using = append(using, u.GetString_().GetSval())
	}
	if j.Quals != nil {
		if containsAggregate(j.Quals) {
			return nil, nil, b.errAt(nodeLocation(j.Quals), pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in JOIN conditions"))
		}
		on, err := b.exprNoAgg(j.Quals, sc)
		if err != nil {
			return nil, nil, err
		}
		if on, err = b.coerceTo(on, pgtype.Bool, "argument of JOIN/ON", nodeLocation(j.Quals)); err != nil {
			return nil, nil, err
		}
		join.On = on
	}

	var merged []plan.Expr
	var mergedCols []scopeCol
	var conds []plan.Expr
	if j.IsNatural || len(j.UsingClause) > 0 {
		seen := map[string]bool{}
		for _, name := range using {
			if seen[name] {
				return nil, nil, pgerr.New("42701", "column name \"%s\" appears more than once in USING clause", name)
			}
			seen[name] = true
			li, err := usingColumn(lsc, name, "left")
			if err != nil {
				return nil, nil, err
			}
			ri, err := usingColumn(rsc, name, "right")
			if err != nil {
				return nil, nil, err
			}
			lc, rc := lsc.cols[li], rsc.cols[ri]
			lref := plan.Expr(&plan.ColumnRef{Index: li, Name: lc.name, Typ: lc.typ})
			rref := plan.Expr(&plan.ColumnRef{Index: nl + ri, Name: rc.name, Typ: rc.typ})
			eq, err := b.binaryOp("=", lref, rref, -1)
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, eq)
			typ := lc.typ
			if lc.typ.OID != rc.typ.OID || lc.typ.Typmod != rc.typ.Typmod {
				ct, ok := selectCommonType(lc.typ, rc.typ)
				if !ok {
					return nil, nil, pgerr.New(pgerr.DatatypeMismatch, "JOIN/USING types %s and %s cannot be matched", lc.typ, rc.typ)
				}
				if lc.typ.OID != rc.typ.OID {
					typ = pgtype.Type{OID: ct.OID, Typmod: -1}
				} else {
					typ = pgtype.Type{OID: lc.typ.OID, Typmod: -1}
				}
				if lref, err = b.widenExact(lref, typ); err != nil {
					return nil, nil, err
				}
				if rref, err = b.widenExact(rref, typ); err != nil {
					return nil, nil, err
				}
			}
			var m plan.Expr
			switch kind {
			case plan.JoinRight:
				m = rref
			case plan.JoinFull:
				m = &plan.Coalesce{Args: []plan.Expr{lref, rref}, Typ: typ}
			default:
				m = lref
			}
			merged = append(merged, m)
			mc := scopeCol{name: name, typ: typ}
			if kind != plan.JoinFull && typ == lc.typ {
				src := lc
				if kind == plan.JoinRight {
					src = rc
				}
				mc.declared, mc.tableOID, mc.attNum = src.declared, src.tableOID, src.attNum
			}
			mergedCols = append(mergedCols, mc)
			sc.cols[li].usingHidden = true
			sc.cols[nl+ri].usingHidden = true
		}
	}
	if join.On != nil {
		conds = append(conds, join.On)
	}
	if kind == plan.JoinFull && len(conds) > 0 {
		if lk, _, _ := splitJoinCondition(andAll(conds), nl); len(lk) == 0 {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "FULL JOIN is only supported with merge-joinable or hash-joinable join conditions")
		}
	}
	join.On = andAll(conds)
	var node plan.Node = join
	if len(merged) > 0 {
		// Merged USING columns first, then every column of both sides (the
		// hidden ones stay reachable by qualified name).
		exprs := append([]plan.Expr(nil), merged...)
		var cols []plan.Column
		for _, m := range mergedCols {
			cols = append(cols, plan.Column{Name: m.name, Type: m.typ, TableOID: m.tableOID, AttNum: m.attNum})
		}
		for i, c := range join.Columns() {
			exprs = append(exprs, &plan.ColumnRef{Index: i, Name: c.Name, Typ: c.Type})
			cols = append(cols, c)
		}
		node = &plan.Project{Input: join, Exprs: exprs, Cols: cols}
		sc.cols = append(mergedCols, sc.cols...)
	}
	if j.Alias != nil {
		// An alias hides the inner table names; its column names rename
		// the visible columns in order.
		var aliases []string
		for _, c := range j.Alias.Colnames {
			aliases = append(aliases, c.GetString_().GetSval())
		}
		k := 0
		for i := range sc.cols {
			c := &sc.cols[i]
			if c.usingHidden {
				c.qual = ""
				continue
			}
			c.qual = j.Alias.Aliasname
			if k < len(aliases) {
				c.name = aliases[k]
			}
			k++
		}
		if len(aliases) > k {
			return nil, nil, pgerr.New(pgerr.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", j.Alias.Aliasname, k, len(aliases))
		}
	}
	return node, sc, nil
}

// lateralJoin binds [INNER | LEFT] JOIN LATERAL: a function or LATERAL
// subquery on the right that reads the left input's columns runs per left
// row (ProjectSet, Apply). An inner join filters its rows by ON; a left
// one keeps a left row whose right side is empty with NULLs, which is ON
// TRUE's meaning only: other conditions would need the right rows that
// fail them dropped before the NULL row is decided. ok is false when the
// right side does not read the left one (an ordinary join then).
func (b *binder) lateralJoin(j *pg_query.JoinExpr, left plan.Node, lsc *scope) (plan.Node, *scope, bool, error) {
	rf, rs := j.Rarg.GetRangeFunction(), j.Rarg.GetRangeSubselect()
	if rf == nil && (rs == nil || !rs.Lateral) {
		return nil, nil, false, nil
	}
	kind, ok := joinKinds[j.Jointype]
	if !ok || j.IsNatural || len(j.UsingClause) > 0 {
		if rs != nil {
			return nil, nil, false, pgerr.New(pgerr.FeatureNotSupported, "only INNER and LEFT JOIN LATERAL ... ON are supported")
		}
		return nil, nil, false, nil
	}
	var n plan.Node
	var sc *scope
	var joined bool
	var err error
	if rf != nil {
		n, sc, joined, err = b.rangeFunction(rf, left, lsc)
	} else {
		n, sc, joined, err = b.lateralSubquery(rs, left, lsc)
	}
	if err == nil && joined && kind != plan.JoinInner && kind != plan.JoinLeft {
		// The left rows a right or full join adds have no right row to
		// have computed the function or subquery from.
		qual := ""
		var refs []plan.Expr
		switch x := n.(type) {
		case *plan.ProjectSet:
			for _, f := range x.Funcs {
				refs = append(refs, f.Args...)
			}
		case *plan.Apply:
			refs = x.Outer
		}
		for _, e := range refs {
			plan.Walk(e, func(y plan.Expr) bool {
				if r, ok := y.(*plan.ColumnRef); ok && qual == "" && r.Index < len(lsc.cols) {
					qual = lsc.cols[r.Index].qual
				}
				return qual == ""
			})
		}
		return nil, nil, false, b.errAt(nodeLocation(j.Rarg), pgerr.New("42P10", "invalid reference to FROM-clause entry for table \"%s\"", qual).
			WithHint("The combined JOIN type must be INNER or LEFT for a LATERAL reference."))
	}
	if err != nil || !joined {
		if err == nil && rs != nil && kind != plan.JoinInner && kind != plan.JoinLeft {
			return nil, nil, false, nil // an ordinary outer join of the subquery
		}
		if err == nil && rs != nil {
			// Not correlated: an ordinary join of the subquery.
			return b.joinBound(j, kind, left, lsc, n, sc)
		}
		return nil, nil, false, err
	}
	if err := b.checkDuplicateNames(lsc, &scope{cols: sc.cols[len(lsc.cols):]}, nodeLocation(j.Rarg)); err != nil {
		return nil, nil, false, err
	}
	sc.parent = b.outer
	var on plan.Expr
	if j.Quals != nil {
		if containsAggregate(j.Quals) {
			return nil, nil, false, b.errAt(nodeLocation(j.Quals), pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in JOIN conditions"))
		}
		if on, err = b.exprNoAgg(j.Quals, sc); err != nil {
			return nil, nil, false, err
		}
		if on, err = b.coerceTo(on, pgtype.Bool, "argument of JOIN/ON", nodeLocation(j.Quals)); err != nil {
			return nil, nil, false, err
		}
	}
	if kind == plan.JoinLeft {
		if c, ok := plan.Map(on, foldExpr).(*plan.Const); on != nil && (!ok || c.Value != true) {
			// ON decides which right rows count before the NULL row is:
			// the right side runs per left row with ON as its filter.
			return lateralLeftOn(n, len(lsc.cols), on), sc, true, nil
		}
		switch x := n.(type) {
		case *plan.ProjectSet:
			c := *x
			c.Outer = true
			n = &c
		case *plan.Apply:
			c := *x
			c.LeftOuter = true
			n = &c
		}
		return n, sc, true, nil
	}
	if on != nil {
		n = &plan.Filter{Input: n, Predicate: on}
	}
	return n, sc, true, nil
}

// lateralLeftOn is a LEFT JOIN LATERAL ... ON cond: an Apply whose right
// side (the subquery, or the functions over one row) keeps the rows cond
// holds for, with the left row's columns as correlated values; a left
// row none are left for gets NULLs.
func lateralLeftOn(n plan.Node, nl int, on plan.Expr) plan.Node {
	var left, right plan.Node
	var outer []plan.Expr
	switch x := n.(type) {
	case *plan.Apply:
		left, right, outer = x.Left, x.Right, x.Outer
	case *plan.ProjectSet:
		left = x.Input
		// The functions' arguments read the left row through slots.
		slots := map[int]int{}
		toSlot := func(e plan.Expr) plan.Expr {
			return plan.Map(e, func(y plan.Expr) plan.Expr {
				r, ok := y.(*plan.ColumnRef)
				if !ok {
					return y
				}
				s, seen := slots[r.Index]
				if !seen {
					s = len(outer)
					slots[r.Index] = s
					outer = append(outer, &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ})
				}
				return &plan.CorrelatedRef{Slot: s, Name: r.Name, Typ: r.Typ}
			})
		}
		funcs := make([]*plan.SetFunc, len(x.Funcs))
		for i, f := range x.Funcs {
			c := *f
			c.Args = make([]plan.Expr, len(f.Args))
			for k, a := range f.Args {
				c.Args[k] = toSlot(a)
			}
			funcs[i] = &c
		}
		right = &plan.ProjectSet{Input: &plan.Values{Rows: [][]plan.Expr{{}}}, Funcs: funcs, Ordinality: x.Ordinality, Cols: x.Cols[nl:]}
	}
	// ON reads left columns (through new slots) and right ones.
	base := len(outer)
	slots := map[int]int{}
	cond := plan.Map(on, func(y plan.Expr) plan.Expr {
		r, ok := y.(*plan.ColumnRef)
		if !ok {
			return y
		}
		if r.Index >= nl {
			r.Index -= nl
			return r
		}
		s, seen := slots[r.Index]
		if !seen {
			s = base + len(slots)
			slots[r.Index] = s
			outer = append(outer, &plan.ColumnRef{Index: r.Index, Name: r.Name, Typ: r.Typ})
		}
		return &plan.CorrelatedRef{Slot: s, Name: r.Name, Typ: r.Typ}
	})
	return &plan.Apply{Left: left, Right: &plan.Filter{Input: right, Predicate: cond}, Outer: outer, LeftOuter: true}
}

// joinBound is bindJoin's ON join of two bound inputs (an uncorrelated
// LATERAL subquery).
func (b *binder) joinBound(j *pg_query.JoinExpr, kind plan.JoinKind, left plan.Node, lsc *scope, right plan.Node, rsc *scope) (plan.Node, *scope, bool, error) {
	if err := b.checkDuplicateNames(lsc, rsc, nodeLocation(j.Rarg)); err != nil {
		return nil, nil, false, err
	}
	sc := &scope{cols: append(append([]scopeCol(nil), lsc.cols...), rsc.cols...), parent: b.outer}
	join := &plan.Join{Left: left, Right: right, Kind: kind}
	if j.Quals != nil {
		on, err := b.exprNoAgg(j.Quals, sc)
		if err != nil {
			return nil, nil, false, err
		}
		if on, err = b.coerceTo(on, pgtype.Bool, "argument of JOIN/ON", nodeLocation(j.Quals)); err != nil {
			return nil, nil, false, err
		}
		join.On = on
	}
	return join, sc, true, nil
}

// usingColumn finds a USING column on one side of a join.
func usingColumn(sc *scope, name, side string) (int, error) {
	found := -1
	for i, c := range sc.cols {
		if c.usingHidden || c.name != name {
			continue
		}
		if found >= 0 {
			return -1, pgerr.New(pgerr.AmbiguousColumn, "common column name \"%s\" appears more than once in %s table", name, side)
		}
		found = i
	}
	if found < 0 {
		return -1, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" specified in USING clause does not exist in %s table", name, side)
	}
	return found, nil
}

// widenExact casts e to exactly t (OID and typmod).
func (b *binder) widenExact(e plan.Expr, t pgtype.Type) (plan.Expr, error) {
	if e.Type() == t {
		return e, nil
	}
	return b.cast(e, t, false, -1)
}

// andAll joins predicates with AND; nil for none.
func andAll(es []plan.Expr) plan.Expr {
	var flat []plan.Expr
	for _, e := range es {
		flat = append(flat, conjuncts(e)...)
	}
	switch len(flat) {
	case 0:
		return nil
	case 1:
		return flat[0]
	}
	return &plan.BoolOp{Op: "AND", Args: flat}
}

// conjuncts splits a predicate at its top-level ANDs.
func conjuncts(e plan.Expr) []plan.Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*plan.BoolOp); ok && b.Op == "AND" {
		var out []plan.Expr
		for _, a := range b.Args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []plan.Expr{e}
}

// splitJoinCondition takes the equalities between one left and one right
// expression out of a join condition as hash keys; the rest is residual.
// Right keys are re-indexed over the right input's columns.
func splitJoinCondition(on plan.Expr, nLeft int) (lk, rk []plan.Expr, residual plan.Expr) {
	var rest []plan.Expr
	for _, c := range conjuncts(on) {
		if call, ok := c.(*plan.Call); ok && call.Func == "eq" && len(call.Args) == 2 && !volatile(call) {
			a, bb := call.Args[0], call.Args[1]
			sa, sb := plan.Sides(a, nLeft), plan.Sides(bb, nLeft)
			if sa == 2 && sb == 1 {
				a, bb, sa, sb = bb, a, sb, sa
			}
			if sa == 1 && sb == 2 {
				lk = append(lk, a)
				rk = append(rk, shiftRefs(bb, -nLeft))
				continue
			}
		}
		rest = append(rest, c)
	}
	return lk, rk, andAll(rest)
}

// shiftRefs returns e with every column index moved by d.
func shiftRefs(e plan.Expr, d int) plan.Expr {
	return plan.Map(e, func(x plan.Expr) plan.Expr {
		if c, ok := x.(*plan.ColumnRef); ok {
			c.Index += d
		}
		return x
	})
}

// volatile reports whether e calls a function whose value changes per
// call (random()): such predicates stay where they were written.
func volatile(e plan.Expr) bool {
	v := false
	plan.Walk(e, func(x plan.Expr) bool {
		if c, ok := x.(*plan.Call); ok && c.Volatile {
			v = true
		}
		return !v
	})
	return v
}
