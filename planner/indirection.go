package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// indirection binds an array subscript, arr[i] (NULL when out of range),
// as psql's catalog queries use it (prattrs[s]).
func (b *binder) indirection(ind *pg_query.A_Indirection, sc *scope) (plan.Expr, error) {
	arg, err := b.expr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	loc := nodeLocation(ind.Arg)
	if len(ind.Indirection) != 1 || ind.Indirection[0].GetAIndices() == nil {
		return nil, b.errAt(loc, pgerr.New(pgerr.FeatureNotSupported, "only one array subscript is supported"))
	}
	idx := ind.Indirection[0].GetAIndices()
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
