package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// indirection binds subscripts and field selections after an expression:
// arr[i] (NULL when out of range), as psql's catalog queries use it
// (prattrs[s]), and (rec).field on a record whose columns are known, as
// pgjdbc reads (information_schema._pg_expandarray(i.indkey)).n.
func (b *binder) indirection(ind *pg_query.A_Indirection, sc *scope) (plan.Expr, error) {
	arg, err := b.expr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	loc := nodeLocation(ind.Arg)
	fields := b.recordFields(ind.Arg, arg, sc)
	subscripts := 0
	for _, step := range ind.Indirection {
		switch {
		case step.GetString_() != nil:
			if arg, fields, err = b.fieldSelect(arg, fields, step.GetString_().GetSval(), loc); err != nil {
				return nil, err
			}
		case step.GetAIndices() != nil:
			if subscripts++; subscripts > 1 {
				return nil, b.errAt(loc, pgerr.New(pgerr.FeatureNotSupported, "only one array subscript is supported"))
			}
			if arg, err = b.subscript(arg, step.GetAIndices(), sc, loc); err != nil {
				return nil, err
			}
			fields = nil
		default:
			return nil, b.errAt(loc, pgerr.New(pgerr.FeatureNotSupported, "row expansion via \"*\" is not supported here"))
		}
	}
	return arg, nil
}

// subscript binds arr[i].
func (b *binder) subscript(arg plan.Expr, idx *pg_query.A_Indices, sc *scope, loc int32) (plan.Expr, error) {
	if idx.IsSlice {
		return nil, b.errAt(loc, pgerr.New(pgerr.FeatureNotSupported, "array slices are not supported"))
	}
	t := arg.Type()
	if !t.IsArray() {
		return nil, b.errAt(loc, pgerr.New(pgerr.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", t))
	}
	i, err := b.expr(idx.Uidx, sc)
	if err != nil {
		return nil, err
	}
	// The subscript is converted as an assignment would (1.6 rounds to 2).
	if !isUnknown(i) && numRank(i.Type()) == 0 {
		return nil, b.errAt(nodeLocation(idx.Uidx), pgerr.New(pgerr.DatatypeMismatch, "array subscript must have type integer"))
	}
	if i, err = b.cast(i, pgtype.Int4, true, nodeLocation(idx.Uidx)); err != nil {
		return nil, err
	}
	elem := t.Elem()
	return &plan.Call{Func: "array_subscript", Op: "array_subscript", Args: []plan.Expr{arg, i}, Typ: elem}, nil
}

// recordFields are the columns of a record-valued expression when the
// binder knows them: a record-returning set-returning function called in
// place, or a column holding one from a subquery. nil otherwise.
func (b *binder) recordFields(n *pg_query.Node, e plan.Expr, sc *scope) []plan.Column {
	if e.Type().OID != pgtype.RecordOID {
		return nil
	}
	if fc := n.GetFuncCall(); fc != nil {
		if cols, ok := b.records[fc]; ok {
			return cols
		}
	}
	if cr := n.GetColumnRef(); cr != nil {
		for s := sc; s != nil; s = s.parent {
			if i, err := b.lookupColumn(cr, s); err == nil {
				return s.cols[i].fields
			}
		}
	}
	return nil
}

// fieldSelect binds (arg).name. A record built in place gives the field's
// own expression; a stored record is taken apart at run time by position.
func (b *binder) fieldSelect(arg plan.Expr, fields []plan.Column, name string, loc int32) (plan.Expr, []plan.Column, error) {
	if t := arg.Type(); t.OID != pgtype.RecordOID {
		return nil, nil, b.errAt(loc, pgerr.New(pgerr.WrongObjectType, "column notation .%s applied to type %s, which is not a composite type", name, t))
	}
	for i, f := range fields {
		if f.Name != name {
			continue
		}
		if c, ok := arg.(*plan.Call); ok && c.Func == "srf_record" && len(c.Args) == len(fields) {
			return c.Args[i], nil, nil
		}
		return &plan.Call{Func: "record_field", Args: []plan.Expr{arg, &plan.Const{Value: int64(i), Typ: pgtype.Int4}}, Typ: f.Type}, nil, nil
	}
	return nil, nil, b.errAt(loc, pgerr.New(pgerr.UndefinedColumn, "could not identify column \"%s\" in record data type", name))
}

// expandRecordStar expands (rec).* in a select list into one target per
// field, each (rec).field (a set-returning function is then called once
// per field, the calls running in lockstep, as in PostgreSQL). ok is false
// for other targets.
func (b *binder) expandRecordStar(rt *pg_query.ResTarget, sc *scope) ([]target, bool, error) {
	ind := rt.Val.GetAIndirection()
	if ind == nil || len(ind.Indirection) == 0 || ind.Indirection[len(ind.Indirection)-1].GetAStar() == nil {
		return nil, false, nil
	}
	var names []string
	if fc := ind.Arg.GetFuncCall(); fc != nil && len(ind.Indirection) == 1 {
		var parts []string
		for _, f := range fc.Funcname {
			parts = append(parts, f.GetString_().GetSval())
		}
		if name := funcName(parts); returnsRecord(name) {
			for _, c := range setFuncColumns[name] {
				names = append(names, c.Name)
			}
		}
	}
	if cr := ind.Arg.GetColumnRef(); cr != nil && len(ind.Indirection) == 1 {
		for s := sc; s != nil; s = s.parent {
			if i, err := b.lookupColumn(cr, s); err == nil {
				if t := s.cols[i].typ; t.OID != pgtype.RecordOID {
					return nil, true, b.errAt(nodeLocation(ind.Arg), pgerr.New(pgerr.WrongObjectType, "type %s is not composite", t))
				}
				for _, c := range s.cols[i].fields {
					names = append(names, c.Name)
				}
				break
			}
		}
	}
	if names == nil {
		return nil, true, b.errAt(nodeLocation(ind.Arg), pgerr.New(pgerr.FeatureNotSupported, "row expansion via \"*\" is supported only for record-returning functions and their columns"))
	}
	var out []target
	for _, name := range names {
		steps := append(append([]*pg_query.Node(nil), ind.Indirection[:len(ind.Indirection)-1]...), pg_query.MakeStrNode(name))
		n := &pg_query.Node{Node: &pg_query.Node_AIndirection{AIndirection: &pg_query.A_Indirection{Arg: ind.Arg, Indirection: steps}}}
		out = append(out, target{name: name, node: n})
	}
	return out, true, nil
}

// noteRecordColumns gives the record columns of a subquery in FROM,
// bound by this binder, their fields: a select-list item that is a
// record-returning call, by position (so not past a *).
func (b *binder) noteRecordColumns(sub *pg_query.Node, sc *scope) {
	sel := sub.GetSelectStmt()
	for sel != nil && sel.Op != pg_query.SetOperation_SET_OPERATION_UNDEFINED && sel.Op != pg_query.SetOperation_SETOP_NONE {
		sel = sel.Larg // a set operation's columns are its first query's
	}
	if sel == nil || len(b.records) == 0 {
		return
	}
	for i, item := range sel.TargetList {
		rt := item.GetResTarget()
		if rt == nil || i >= len(sc.cols) {
			return
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			return
		}
		if rt.Val.GetAIndirection() != nil && rt.Val.GetAIndirection().Indirection[len(rt.Val.GetAIndirection().Indirection)-1].GetAStar() != nil {
			return
		}
		if fc := rt.Val.GetFuncCall(); fc != nil {
			sc.cols[i].fields = b.records[fc]
		}
	}
}

// arrayConcat binds || with an array operand: array || array
// (array_cat), array || element (array_append), element || array
// (array_prepend). An unknown literal takes the other side's type.
func (b *binder) arrayConcat(l, r plan.Expr, loc int32, noOp func() error) (plan.Expr, error) {
	var err error
	lt, rt := l.Type(), r.Type()
	switch {
	case lt.IsArray() && (rt.OID == lt.OID || isUnknown(r)):
		if r, err = b.coerceTo(r, lt, "", loc); err != nil {
			return nil, err
		}
		return &plan.Call{Func: "array_cat", Op: "||", Args: []plan.Expr{l, r}, Typ: pgtype.Type{OID: lt.OID, Typmod: -1}}, nil
	case rt.IsArray() && isUnknown(l):
		if l, err = b.coerceTo(l, rt, "", loc); err != nil {
			return nil, err
		}
		return &plan.Call{Func: "array_cat", Op: "||", Args: []plan.Expr{l, r}, Typ: pgtype.Type{OID: rt.OID, Typmod: -1}}, nil
	case lt.IsArray() && !rt.IsArray():
		elem := lt.Elem()
		if r, err = b.coerceTo(r, elem, "", loc); err != nil {
			return nil, noOp()
		}
		return &plan.Call{Func: "array_append", Op: "||", Args: []plan.Expr{l, r}, Typ: pgtype.Type{OID: lt.OID, Typmod: -1}}, nil
	case rt.IsArray() && !lt.IsArray():
		elem := rt.Elem()
		if l, err = b.coerceTo(l, elem, "", loc); err != nil {
			return nil, noOp()
		}
		return &plan.Call{Func: "array_prepend", Op: "||", Args: []plan.Expr{l, r}, Typ: pgtype.Type{OID: rt.OID, Typmod: -1}}, nil
	}
	return nil, noOp()
}
