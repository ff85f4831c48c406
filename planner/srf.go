package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// setFuncs lists the set-returning functions the engine implements, each
// yielding one column of the overload's result type.
var setFuncs = map[string][]funcSig{
	"generate_series": sigs(Immutable, "int4,int4,int4?->int4", "int8,int8,int8?->int8", "numeric,numeric,numeric?->numeric",
		"timestamp,timestamp,interval->timestamp", "timestamptz,timestamptz,interval->timestamptz"),
	"unnest":              sigs(Immutable, "anyarray->anyelement"),
	"generate_subscripts": sigs(Immutable, "anyarray,int4,bool?->int4"),
	"pg_get_keywords":     sigs(Stable, "->text"),
	// Sluice's tables are never partitions nor partitioned in PostgreSQL's
	// sense, so a relation has no ancestors: the set is empty.
	"pg_partition_ancestors":    sigs(Stable, "regclass->regclass"),
	"json_each":                 sigs(Immutable, "json->text"),
	"json_each_text":            sigs(Immutable, "json->text"),
	"jsonb_each":                sigs(Immutable, "jsonb->text"),
	"jsonb_each_text":           sigs(Immutable, "jsonb->text"),
	"json_array_elements":       sigs(Immutable, "json->json"),
	"json_array_elements_text":  sigs(Immutable, "json->text"),
	"jsonb_array_elements":      sigs(Immutable, "jsonb->jsonb"),
	"jsonb_array_elements_text": sigs(Immutable, "jsonb->text"),
	"json_object_keys":          sigs(Immutable, "json->text"),
	"jsonb_object_keys":         sigs(Immutable, "jsonb->text"),
	// PostgreSQL defines it in SQL (information_schema.sql) with OUT x
	// anyelement, OUT n int; pgjdbc reads primary and index keys with it.
	"information_schema._pg_expandarray": sigs(Immutable, "anyarray->anyelement"),
}

// setFuncColumns are the columns of the set-returning functions that
// return several (OUT parameters), usable in FROM only.
var setFuncColumns = map[string][]plan.Column{
	"pg_get_keywords": {{Name: "word", Type: pgtype.Text}, {Name: "catcode", Type: pgtype.Type{OID: pgtype.CharOID, Typmod: -1}},
		{Name: "barelabel", Type: pgtype.Bool}, {Name: "catdesc", Type: pgtype.Text}, {Name: "baredesc", Type: pgtype.Text}},
	"pg_partition_ancestors": {{Name: "relid", Type: pgtype.Type{OID: pgtype.RegclassOID, Typmod: -1}}},
	"json_each":              {{Name: "key", Type: pgtype.Text}, {Name: "value", Type: pgtype.JSON}},
	"json_each_text":         {{Name: "key", Type: pgtype.Text}, {Name: "value", Type: pgtype.Text}},
	"jsonb_each":             {{Name: "key", Type: pgtype.Text}, {Name: "value", Type: pgtype.JSONB}},
	"jsonb_each_text":        {{Name: "key", Type: pgtype.Text}, {Name: "value", Type: pgtype.Text}},
	// One OUT parameter: the column is named value, whatever the alias.
	"json_array_elements":       {{Name: "value", Type: pgtype.JSON}},
	"json_array_elements_text":  {{Name: "value", Type: pgtype.Text}},
	"jsonb_array_elements":      {{Name: "value", Type: pgtype.JSONB}},
	"jsonb_array_elements_text": {{Name: "value", Type: pgtype.Text}},
	// x is the array's element type, set when the call is bound.
	"information_schema._pg_expandarray": {{Name: "x", Type: pgtype.Unknown}, {Name: "n", Type: pgtype.Int4}},
}

// recordType is the anonymous row type a set-returning function with
// several OUT parameters returns in a select list.
var recordType = pgtype.Type{OID: pgtype.RecordOID, Typmod: -1}

// returnsRecord reports a set-returning function whose rows have several
// columns: in a select list it yields one record per row.
func returnsRecord(name string) bool { return len(setFuncColumns[name]) > 1 }

func isSetFunc(name string) bool {
	_, ok := setFuncs[name]
	return ok
}

// srfRef stands, while a select list is bound, for the column a
// set-returning function will produce in the ProjectSet built below the
// projection.
type srfRef struct {
	k   int // the function
	col int // its column
	typ pgtype.Type
}

func (s *srfRef) Type() pgtype.Type { return s.typ }
func (s *srfRef) String() string    { return "srf" }

// srfContext collects the set-returning functions of a select list.
type srfContext struct {
	funcs []*plan.SetFunc
}

// bindSetFunc binds a set-returning function call's arguments and
// resolves its overload.
func (b *binder) bindSetFunc(name string, fc *pg_query.FuncCall, sc *scope) (*plan.SetFunc, error) {
	if fc.Over != nil || fc.AggStar || fc.AggDistinct || fc.AggFilter != nil || len(fc.AggOrder) > 0 {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "%s is not an aggregate function", name))
	}
	args, err := b.funcArgs(name, fc, sc)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if name == "pg_partition_ancestors" && a.Type().OID == pgtype.OIDOID {
			// oid to regclass is binary coercible, an implicit cast in
			// PostgreSQL (psql passes pg_trigger.tgrelid).
			args[i] = &plan.Cast{Arg: a, Typ: pgtype.Regclass}
		}
	}
	out, ret, err := b.resolveOverload(name, setFuncs[name], args, fc.Location)
	if err != nil {
		return nil, err
	}
	if ret.OID == pgtype.UnknownOID {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.IndeterminateDatatype, "could not determine polymorphic type because input has type unknown"))
	}
	f := &plan.SetFunc{Func: name, Args: out, Types: []pgtype.Type{ret}}
	if cols, ok := setFuncColumns[name]; ok {
		f.Types = nil
		for _, c := range cols {
			f.Types = append(f.Types, c.Type)
		}
		if name == "information_schema._pg_expandarray" {
			f.Types[0] = ret
		}
	}
	return f, nil
}

// setFuncCall binds a set-returning function in an expression: allowed in
// a select list (srf set), where it becomes a ProjectSet column.
func (b *binder) setFuncCall(name string, fc *pg_query.FuncCall, sc *scope) (plan.Expr, error) {
	if b.srf == nil {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "set-returning functions are not allowed in this context"))
	}
	srf := b.srf
	b.srf = nil // arguments hold no set-returning functions
	f, err := b.bindSetFunc(name, fc, sc)
	b.srf = srf
	if err != nil {
		return nil, err
	}
	srf.funcs = append(srf.funcs, f)
	k := len(srf.funcs) - 1
	if !returnsRecord(name) {
		return &srfRef{k: k, typ: f.Types[0]}, nil
	}
	// A function of several columns yields a record per row (PostgreSQL
	// 10+): its columns gathered into one value, which (f(x)).field takes
	// apart again at bind time.
	rec := &plan.Call{Func: "srf_record", Typ: recordType}
	for j, t := range f.Types {
		rec.Args = append(rec.Args, &srfRef{k: k, col: j, typ: t})
	}
	if b.records == nil {
		b.records = map[*pg_query.FuncCall][]plan.Column{}
	}
	b.records[fc] = recordColumns(name, f.Types)
	return rec, nil
}

// recordColumns names the columns of a record-returning function's rows.
func recordColumns(name string, types []pgtype.Type) []plan.Column {
	named := setFuncColumns[name]
	cols := make([]plan.Column, len(types))
	for j, t := range types {
		cols[j] = plan.Column{Name: named[j].Name, Type: t}
	}
	return cols
}

// checkSRFPlacement rejects set-returning functions where PostgreSQL does
// in a select list: inside CASE, COALESCE and aggregate or window calls.
func (b *binder) checkSRFPlacement(n *pg_query.Node) error {
	var err error
	var walk func(m any, where string)
	walk = func(m any, where string) {
		x := m.(*pg_query.Node)
		if err != nil || x == nil {
			return
		}
		if x.GetSelectStmt() != nil || x.GetSubLink() != nil {
			return
		}
		inner := where
		switch {
		case x.GetCaseExpr() != nil:
			inner = "CASE"
		case x.GetCoalesceExpr() != nil:
			inner = "COALESCE"
		case x.GetFuncCall() != nil:
			fc := x.GetFuncCall()
			var parts []string
			for _, f := range fc.Funcname {
				parts = append(parts, f.GetString_().GetSval())
			}
			name := funcName(parts)
			if isSetFunc(name) && where != "" {
				switch where {
				case "aggregate":
					err = b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "aggregate function calls cannot contain set-returning function calls"))
				case "window":
					err = b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "window function calls cannot contain set-returning function calls"))
				default:
					err = b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "set-returning functions are not allowed in %s", where))
				}
				return
			}
			if fc.Over != nil {
				inner = "window"
			} else if isAggregate(name) {
				inner = "aggregate"
			}
		}
		walkChildren(x, func(c any) { walk(c, inner) })
	}
	walk(n, "")
	return err
}

// containsSetFunc reports a set-returning function call outside
// subqueries.
func containsSetFunc(n *pg_query.Node) bool {
	found := false
	var walk func(any)
	walk = func(m any) {
		x := m.(*pg_query.Node)
		if found || x == nil || x.GetSelectStmt() != nil || x.GetSubLink() != nil {
			return
		}
		if fc := x.GetFuncCall(); fc != nil {
			var parts []string
			for _, f := range fc.Funcname {
				parts = append(parts, f.GetString_().GetSval())
			}
			if isSetFunc(funcName(parts)) {
				found = true
				return
			}
		}
		walkChildren(x, walk)
	}
	walk(n)
	return found
}

// projectSet puts the select list's set-returning functions below the
// projection: a ProjectSet over input, and each srfRef becomes its column.
func (b *binder) projectSet(srf *srfContext, input plan.Node, targets []target, sortExprs []plan.Expr) plan.Node {
	if srf == nil || len(srf.funcs) == 0 {
		return input
	}
	in := input.Columns()
	cols := append([]plan.Column(nil), in...)
	first := make([]int, len(srf.funcs)) // each function's first column
	for k, f := range srf.funcs {
		first[k] = len(cols)
		for _, t := range f.Types {
			cols = append(cols, plan.Column{Name: f.Func, Type: t})
		}
	}
	resolve := func(e plan.Expr) plan.Expr {
		return plan.Map(e, func(x plan.Expr) plan.Expr {
			if r, ok := x.(*srfRef); ok {
				return &plan.ColumnRef{Index: first[r.k] + r.col, Name: srf.funcs[r.k].Func, Typ: r.typ}
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
	return &plan.ProjectSet{Input: input, Funcs: srf.funcs, Cols: cols}
}

// rangeFunction binds a function in FROM: set-returning functions (in
// lockstep for ROWS FROM and multi-argument unnest) or a scalar function
// (one row), optionally WITH ORDINALITY. lateral is the scope of the FROM
// items to its left: when the arguments read it, the result is a
// ProjectSet over left (LATERAL), else over one empty row.
func (b *binder) rangeFunction(rf *pg_query.RangeFunction, left plan.Node, lateral *scope) (plan.Node, *scope, bool, error) {
	argScope := &scope{parent: b.outer}
	if lateral != nil {
		argScope.cols = lateral.cols
	}
	if len(rf.Coldeflist) > 0 {
		// Every function Sluice has declares its result: none returns a
		// bare record to be described by the query.
		msg := "a column definition list is only allowed for functions returning \"record\""
		if fc := rf.Functions[0].GetList().GetItems()[0].GetFuncCall(); len(rf.Functions) == 1 && fc != nil {
			var parts []string
			for _, f := range fc.Funcname {
				parts = append(parts, f.GetString_().GetSval())
			}
			if _, ok := setFuncColumns[funcName(parts)]; ok {
				msg = "a column definition list is redundant for a function with OUT parameters"
			}
		}
		return nil, nil, false, b.errAt(nodeLocation(rf.Coldeflist[0]), pgerr.New(pgerr.SyntaxError, "%s", msg))
	}
	var funcs []*plan.SetFunc
	var names []string
	for _, item := range rf.Functions {
		l := item.GetList()
		if l == nil || len(l.Items) == 0 {
			return nil, nil, false, pgerr.New(pgerr.FeatureNotSupported, "unsupported function in FROM")
		}
		if len(l.Items) > 1 && l.Items[1] != nil && len(l.Items[1].GetList().GetItems()) > 0 {
			return nil, nil, false, pgerr.New(pgerr.FeatureNotSupported, "column definition lists are not supported")
		}
		fn := l.Items[0]
		fc := fn.GetFuncCall()
		if fc != nil {
			var parts []string
			for _, f := range fc.Funcname {
				parts = append(parts, f.GetString_().GetSval())
			}
			name := funcName(parts)
			if name == "unnest" && len(fc.Args) > 1 && len(rf.Functions) == 1 {
				// unnest(a, b, ...) in FROM is ROWS FROM (unnest(a), unnest(b), ...).
				for _, a := range fc.Args {
					one := &pg_query.FuncCall{Funcname: fc.Funcname, Args: []*pg_query.Node{a}, Location: fc.Location}
					f, err := b.bindSetFunc(name, one, argScope)
					if err != nil {
						return nil, nil, false, err
					}
					funcs = append(funcs, f)
					names = append(names, name)
				}
				continue
			}
			if isSetFunc(name) {
				f, err := b.bindSetFunc(name, fc, argScope)
				if err != nil {
					return nil, nil, false, err
				}
				funcs = append(funcs, f)
				names = append(names, name)
				continue
			}
		}
		// A scalar function in FROM yields one row.
		e, err := b.exprNoAgg(fn, argScope)
		if err != nil {
			return nil, nil, false, err
		}
		if isUnknown(e) {
			if e, err = b.coerceTo(e, pgtype.Text, "", -1); err != nil {
				return nil, nil, false, err
			}
		}
		funcs = append(funcs, &plan.SetFunc{Func: "scalar_row", Args: []plan.Expr{e}, Types: []pgtype.Type{e.Type()}})
		names = append(names, figureColname(fn))
	}
	usesLeft := false
	for _, f := range funcs {
		for _, a := range f.Args {
			if hasInnerRef(a) {
				usesLeft = true
			}
		}
	}
	qual := names[0]
	var colAliases []string
	if rf.Alias != nil {
		qual = rf.Alias.Aliasname
		for _, c := range rf.Alias.Colnames {
			colAliases = append(colAliases, c.GetString_().GetSval())
		}
	}
	var cols []plan.Column
	for i, f := range funcs {
		if named, ok := setFuncColumns[f.Func]; ok {
			for j, c := range named {
				cols = append(cols, plan.Column{Name: c.Name, Type: f.Types[j]})
			}
			continue
		}
		name := names[i]
		if len(funcs) == 1 && rf.Alias != nil {
			name = rf.Alias.Aliasname // a one-column function's column takes the alias
		}
		cols = append(cols, plan.Column{Name: name, Type: f.Types[0]})
	}
	if rf.Ordinality {
		cols = append(cols, plan.Column{Name: "ordinality", Type: pgtype.Int8})
	}
	if len(colAliases) > len(cols) {
		if len(funcs) == 1 && returnsRecord(funcs[0].Func) && !rf.Ordinality {
			return nil, nil, false, pgerr.New(pgerr.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", qual, len(cols), len(colAliases))
		}
		return nil, nil, false, pgerr.New(pgerr.InvalidColumnReference, "too many column aliases specified for function %s", names[0])
	}
	for i, a := range colAliases {
		cols[i].Name = a
	}
	var input plan.Node = &plan.Values{Rows: [][]plan.Expr{{}}}
	sc := &scope{}
	if usesLeft {
		input = left
		sc.cols = append(sc.cols, lateral.cols...)
	}
	// A function of one scalar result is that value when its alias is
	// used as a value (SELECT t FROM generate_series(1, 2) t), not a record.
	funcValue := len(funcs) == 1 && len(cols) == 1 && !returnsRecord(funcs[0].Func)
	for _, c := range cols {
		sc.cols = append(sc.cols, scopeCol{qual: qual, name: c.Name, typ: c.Type, funcValue: funcValue})
	}
	all := append(append([]plan.Column(nil), input.Columns()...), cols...)
	return &plan.ProjectSet{Input: input, Funcs: funcs, Ordinality: rf.Ordinality, Cols: all}, sc, usesLeft, nil
}

// bindFrom binds a FROM list. Functions and LATERAL subqueries may read
// the items to their left; the other lists go to bindFromList.
func (b *binder) bindFrom(items []*pg_query.Node) (plan.Node, *scope, error) {
	lateral := false
	for _, it := range items {
		if it.GetRangeFunction() != nil || it.GetRangeSubselect().GetLateral() {
			lateral = true
		}
	}
	if !lateral {
		return b.bindFromList(items)
	}
	var input plan.Node
	var sc *scope
	for _, item := range items {
		var n plan.Node
		var s *scope
		var err error
		switch {
		case item.GetRangeFunction() != nil && input != nil:
			var joined bool
			n, s, joined, err = b.rangeFunction(item.GetRangeFunction(), input, sc)
			if err != nil {
				return nil, nil, err
			}
			if joined {
				if err := b.checkDuplicateNames(sc, &scope{cols: s.cols[len(sc.cols):]}, nodeLocation(item)); err != nil {
					return nil, nil, err
				}
				input, sc = n, s
				continue
			}
		case item.GetRangeSubselect().GetLateral() && input != nil:
			var joined bool
			n, s, joined, err = b.lateralSubquery(item.GetRangeSubselect(), input, sc)
			if err != nil {
				return nil, nil, err
			}
			if joined {
				input, sc = n, s
				continue
			}
		default:
			n, s, err = b.bindFromItem(item)
		}
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

// lateralSubquery binds LATERAL (SELECT ...) after the FROM items of
// scope left: correlated with them, it becomes an Apply that runs it per
// left row; otherwise it is an ordinary subquery in FROM.
func (b *binder) lateralSubquery(rs *pg_query.RangeSubselect, left plan.Node, lsc *scope) (plan.Node, *scope, bool, error) {
	node, rsc, err := b.subqueryInFrom(rs, &scope{cols: lsc.cols})
	if err != nil {
		return nil, nil, false, err
	}
	if !correlated(node) {
		return node, rsc, false, nil
	}
	saved := b.agg
	b.agg = nil
	node, outer, err := b.bindOuterRefs(node, -1)
	b.agg = saved
	if err != nil {
		return nil, nil, false, err
	}
	sc := &scope{cols: append(append([]scopeCol(nil), lsc.cols...), rsc.cols...)}
	return &plan.Apply{Left: left, Right: optimize(node), Outer: outer}, sc, true, nil
}
