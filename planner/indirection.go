package planner

import (
	"fmt"
	"slices"

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
	if n.GetRowExpr() != nil {
		return rowFields(e, nil)
	}
	if cr := n.GetColumnRef(); cr != nil {
		for s := sc; s != nil; s = s.parent {
			if i, err := b.lookupColumn(cr, s); err == nil {
				return s.cols[i].fields
			}
		}
		if _, names, ok, err := b.wholeRow(cr, sc); ok && err == nil {
			return rowFields(e, names)
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
		if c, ok := arg.(*plan.Call); ok && (c.Func == "srf_record" || c.Func == "row") && len(c.Args) == len(fields) {
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
		found := false
		for s := sc; s != nil && !found; s = s.parent {
			if i, err := b.lookupColumn(cr, s); err == nil {
				found = true
				if t := s.cols[i].typ; t.OID != pgtype.RecordOID {
					return nil, true, b.errAt(nodeLocation(ind.Arg), pgerr.New(pgerr.WrongObjectType, "type %s is not composite", t))
				}
				for _, c := range s.cols[i].fields {
					names = append(names, c.Name)
				}
			}
		}
		if row, rowNames, ok, err := b.wholeRow(cr, sc); err != nil {
			return nil, true, err
		} else if ok && !found {
			for _, c := range rowFields(row, rowNames) {
				names = append(names, c.Name)
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

// rowExpr binds ROW(a, b, ...) and (a, b, ...) as an anonymous record
// whose fields are f1, f2, ... An untyped literal stays a field of type
// unknown holding its text, as PostgreSQL's record_send names it.
func (b *binder) rowExpr(r *pg_query.RowExpr, sc *scope) (plan.Expr, error) {
	args := make([]plan.Expr, len(r.Args))
	for i, a := range r.Args {
		e, err := b.expr(a, sc)
		if err != nil {
			return nil, err
		}
		if u, ok := e.(*unknownLiteral); ok {
			e = &plan.Const{Value: u.text, Typ: pgtype.Unknown}
		}
		args[i] = e
	}
	return &plan.Call{Func: "row", Args: args, Typ: recordType}, nil
}

// rowFields are the fields of a row built in place: f1, f2, ... for a
// ROW constructor, the columns for a whole-row reference.
func rowFields(e plan.Expr, names []string) []plan.Column {
	c, ok := e.(*plan.Call)
	if !ok || c.Func != "row" {
		return nil
	}
	cols := make([]plan.Column, len(c.Args))
	for i, a := range c.Args {
		name := fmt.Sprintf("f%d", i+1)
		if names != nil {
			name = names[i]
		}
		cols[i] = plan.Column{Name: name, Type: a.Type()}
	}
	return cols
}

// wholeRow binds a reference to a FROM item's alias as a value (SELECT t
// FROM orders t): a record of the item's columns in order, read from the
// enclosing query's row in a subquery one level in. ok is false when no
// FROM item has that name; a column of that name wins, so this is tried
// only after the column lookup failed. An item two or more levels out is
// 0A000, as a column reference there is (columnRef).
func (b *binder) wholeRow(cr *pg_query.ColumnRef, sc *scope) (plan.Expr, []string, bool, error) {
	if sc == nil || len(cr.Fields) != 1 || cr.Fields[0].GetString_() == nil {
		return nil, nil, false, nil
	}
	qual := cr.Fields[0].GetString_().GetSval()
	for depth, s := 0, sc; s != nil; depth, s = depth+1, s.parent {
		if depth > 1 {
			if slices.ContainsFunc(s.cols, func(c scopeCol) bool { return c.qual == qual }) {
				return nil, nil, true, b.errAt(cr.Location, pgerr.New(pgerr.FeatureNotSupported, "subqueries correlated with a query more than one level out are not supported"))
			}
			continue
		}
		var args []plan.Expr
		var names []string
		funcValue := false
		for i, c := range s.cols {
			if c.qual != qual {
				continue
			}
			if depth == 0 {
				args = append(args, &plan.ColumnRef{Index: i, Name: c.name, Typ: c.typ})
			} else {
				args = append(args, &plan.OuterRef{Index: i, Name: c.name, Typ: c.typ})
			}
			names = append(names, c.name)
			funcValue = c.funcValue
		}
		if args == nil {
			continue
		}
		if len(args) == 1 && funcValue {
			return args[0], nil, true, nil
		}
		return &plan.Call{Func: "row", Args: args, Typ: recordType}, names, true, nil
	}
	return nil, nil, false, nil
}

// rowAExpr binds comparisons between row constructors as PostgreSQL
// expands them (make_row_comparison_op): = is every pair equal, <> any
// pair unequal, IS [NOT] DISTINCT FROM pair by pair, and < <= > >= order
// by the first pair that is not equal (NULL if that pair holds a NULL);
// (a, b) IN ((1, 2), (3, 4)) is (a, b) = (1, 2) OR (a, b) = (3, 4). The
// expansion is written as syntax and bound again, so each pair resolves
// its operator as a scalar comparison would. ok is false for other
// expressions.
func (b *binder) rowAExpr(a *pg_query.A_Expr, sc *scope) (plan.Expr, bool, error) {
	lrow := a.Lexpr.GetRowExpr()
	if lrow == nil {
		return nil, false, nil
	}
	op := opName(a.Name)
	mk := func(kind pg_query.A_Expr_Kind, op string, l, r *pg_query.Node) *pg_query.Node {
		return &pg_query.Node{Node: &pg_query.Node_AExpr{AExpr: &pg_query.A_Expr{Kind: kind, Name: []*pg_query.Node{pg_query.MakeStrNode(op)}, Lexpr: l, Rexpr: r, Location: a.Location}}}
	}
	bool_ := func(t pg_query.BoolExprType, args ...*pg_query.Node) *pg_query.Node {
		return &pg_query.Node{Node: &pg_query.Node_BoolExpr{BoolExpr: &pg_query.BoolExpr{Boolop: t, Args: args, Location: a.Location}}}
	}
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_IN:
		items := a.Rexpr.GetList().GetItems()
		if items == nil {
			return nil, false, nil
		}
		cmp, joiner := "=", pg_query.BoolExprType_OR_EXPR
		if op == "<>" {
			cmp, joiner = "<>", pg_query.BoolExprType_AND_EXPR
		}
		var ors []*pg_query.Node
		for _, it := range items {
			ors = append(ors, mk(pg_query.A_Expr_Kind_AEXPR_OP, cmp, a.Lexpr, it))
		}
		if len(ors) == 1 {
			e, err := b.expr(ors[0], sc)
			return e, true, err
		}
		e, err := b.expr(bool_(joiner, ors...), sc)
		return e, true, err
	case pg_query.A_Expr_Kind_AEXPR_OP, pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
	default:
		return nil, false, nil
	}
	rrow := a.Rexpr.GetRowExpr()
	if rrow == nil || a.Kind == pg_query.A_Expr_Kind_AEXPR_OP && !slices.Contains([]string{"=", "<>", "<", "<=", ">", ">="}, op) {
		return nil, false, nil
	}
	if len(lrow.Args) != len(rrow.Args) {
		return nil, true, b.errAt(a.Location, pgerr.New(pgerr.SyntaxError, "unequal number of entries in row expressions"))
	}
	if len(lrow.Args) == 0 {
		return nil, true, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "cannot compare rows of zero length"))
	}
	n := len(lrow.Args)
	pairs := func(kind pg_query.A_Expr_Kind, op string) []*pg_query.Node {
		out := make([]*pg_query.Node, n)
		for i := range out {
			out[i] = mk(kind, op, lrow.Args[i], rrow.Args[i])
		}
		return out
	}
	var tree *pg_query.Node
	switch {
	case a.Kind == pg_query.A_Expr_Kind_AEXPR_DISTINCT:
		tree = bool_(pg_query.BoolExprType_OR_EXPR, pairs(a.Kind, "=")...)
	case a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		tree = bool_(pg_query.BoolExprType_AND_EXPR, pairs(a.Kind, "=")...)
	case op == "=":
		tree = bool_(pg_query.BoolExprType_AND_EXPR, pairs(a.Kind, "=")...)
	case op == "<>":
		tree = bool_(pg_query.BoolExprType_OR_EXPR, pairs(a.Kind, "<>")...)
	default:
		// (a1, a2) < (b1, b2) is a1 < b1 OR (a1 = b1 AND a2 < b2): the
		// first unequal pair decides, a NULL there makes it NULL.
		strict := op[:1]
		tree = mk(a.Kind, op, lrow.Args[n-1], rrow.Args[n-1])
		for i := n - 2; i >= 0; i-- {
			tree = bool_(pg_query.BoolExprType_OR_EXPR,
				mk(a.Kind, strict, lrow.Args[i], rrow.Args[i]),
				bool_(pg_query.BoolExprType_AND_EXPR, mk(a.Kind, "=", lrow.Args[i], rrow.Args[i]), tree))
		}
	}
	if n == 1 && tree.GetBoolExpr() != nil {
		tree = tree.GetBoolExpr().Args[0]
	}
	e, err := b.expr(tree, sc)
	return e, true, err
}

// rowToJSON binds row_to_json(r) on a record whose fields the binder
// knows (a row constructor, a FROM item's alias, a record-returning
// function): the field names travel as a text[] constant, since a
// record's value holds only types. ok is false for other calls, which
// bind as functions do.
func (b *binder) rowToJSON(fc *pg_query.FuncCall, sc *scope) (plan.Expr, bool, error) {
	var parts []string
	for _, f := range fc.Funcname {
		parts = append(parts, f.GetString_().GetSval())
	}
	if funcName(parts) != "row_to_json" || len(fc.Args) != 1 && len(fc.Args) != 2 || fc.AggStar || fc.Over != nil || fc.AggFilter != nil || len(fc.AggOrder) > 0 || fc.AggDistinct || fc.FuncVariadic {
		return nil, false, nil
	}
	arg, err := b.expr(fc.Args[0], sc)
	if err != nil {
		return nil, true, err
	}
	if arg.Type().OID != pgtype.RecordOID {
		return nil, false, nil
	}
	fields := b.recordFields(fc.Args[0], arg, sc)
	if fields == nil {
		return nil, true, b.errAt(fc.Location, pgerr.New(pgerr.FeatureNotSupported, "row_to_json of a record whose fields are not known here is not supported"))
	}
	names := pgtype.Array{Elem: pgtype.Text, Lower: 1}
	for _, f := range fields {
		names.Elements = append(names.Elements, f.Name)
	}
	args := []plan.Expr{arg, &plan.Const{Value: names, Typ: pgtype.Type{OID: pgtype.TextArrayOID, Typmod: -1}}}
	if len(fc.Args) == 2 {
		// row_to_json(r, pretty): a line feed after each top-level field.
		pretty, err := b.expr(fc.Args[1], sc)
		if err != nil {
			return nil, true, err
		}
		if t := pretty.Type(); t.OID != pgtype.BoolOID && !isUnknown(pretty) {
			return nil, true, b.undefinedFunction("row_to_json", []plan.Expr{arg, pretty}, fc.Location)
		}
		if pretty, err = b.coerceTo(pretty, pgtype.Bool, "argument of row_to_json", nodeLocation(fc.Args[1])); err != nil {
			return nil, true, err
		}
		args = append(args, pretty)
	}
	return &plan.Call{Func: "row_to_json", Args: args, Typ: pgtype.JSON}, true, nil
}

// rowNullTest is IS [NOT] NULL on a row built in place, as PostgreSQL
// tests a row: IS NULL when every field is NULL, IS NOT NULL when none
// is (so a row with some NULL fields is neither). A field that is itself
// a row counts by its own nullness only, not its fields'. ok is false for
// other expressions.
func rowNullTest(arg plan.Expr, not bool) (plan.Expr, bool) {
	if arg.Type().OID != pgtype.RecordOID {
		return nil, false
	}
	c, ok := arg.(*plan.Call)
	if !ok || c.Func != "row" || len(c.Args) == 0 {
		// A stored record (a column, a function's result) is tested
		// field by field when it is run.
		return &plan.Call{Func: "record_nulltest", Args: []plan.Expr{arg, &plan.Const{Value: not, Typ: pgtype.Bool}}, Typ: pgtype.Bool}, true
	}
	tests := make([]plan.Expr, len(c.Args))
	for i, a := range c.Args {
		tests[i] = &plan.NullTest{Arg: a, Not: not}
	}
	if len(tests) == 1 {
		return tests[0], true
	}
	return &plan.BoolOp{Op: "AND", Args: tests}, true
}
