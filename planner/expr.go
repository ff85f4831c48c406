package planner

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// unknownLiteral is a string constant whose type is not decided yet: its
// context decides, as in PostgreSQL.
type unknownLiteral struct {
	text string
	loc  int32
}

func (u *unknownLiteral) Type() pgtype.Type { return pgtype.Unknown }
func (u *unknownLiteral) String() string    { return "'" + strings.ReplaceAll(u.text, "'", "''") + "'" }

// expr binds a scalar expression in scope sc (and, while an aggregate is
// being planned, through the aggregate context).
func (b *binder) expr(n *pg_query.Node, sc *scope) (plan.Expr, error) {
	if b.agg != nil && !b.agg.inside {
		return b.aggExpr(n)
	}
	return b.exprNoAgg(n, sc)
}

func (b *binder) exprNoAgg(n *pg_query.Node, sc *scope) (plan.Expr, error) {
	if n == nil {
		return &plan.Const{Typ: pgtype.Unknown}, nil
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_AConst:
		return b.constExpr(x.AConst)
	case *pg_query.Node_ColumnRef:
		e, err := b.columnRef(x.ColumnRef, sc)
		if err != nil && pgerr.Convert(err).Code == pgerr.UndefinedColumn {
			if row, _, ok, werr := b.wholeRow(x.ColumnRef, sc); ok {
				return row, werr
			}
		}
		return e, err
	case *pg_query.Node_RowExpr:
		return b.rowExpr(x.RowExpr, sc)
	case *pg_query.Node_ParamRef:
		return b.param(int(x.ParamRef.Number), x.ParamRef.Location)
	case *pg_query.Node_TypeCast:
		t, err := resolveTypeName(x.TypeCast.TypeName)
		if err != nil {
			return nil, b.errAt(x.TypeCast.Location, pgerr.Convert(err))
		}
		if ae := x.TypeCast.Arg.GetAArrayExpr(); ae != nil && t.IsArray() {
			// ARRAY[...]::t[] types the elements, which also allows ARRAY[].
			return b.arrayExpr(ae, sc, t)
		}
		arg, err := b.expr(x.TypeCast.Arg, sc)
		if err != nil {
			return nil, err
		}
		return b.cast(arg, t, true, x.TypeCast.Location)
	case *pg_query.Node_AExpr:
		return b.aExpr(x.AExpr, sc)
	case *pg_query.Node_BoolExpr:
		op := map[pg_query.BoolExprType]string{pg_query.BoolExprType_AND_EXPR: "AND",
			pg_query.BoolExprType_OR_EXPR: "OR", pg_query.BoolExprType_NOT_EXPR: "NOT"}[x.BoolExpr.Boolop]
		args := make([]plan.Expr, len(x.BoolExpr.Args))
		for i, a := range x.BoolExpr.Args {
			e, err := b.expr(a, sc)
			if err != nil {
				return nil, err
			}
			if e, err = b.coerceTo(e, pgtype.Bool, "argument of "+op, nodeLocation(a)); err != nil {
				return nil, err
			}
			args[i] = e
		}
		return &plan.BoolOp{Op: op, Args: args}, nil
	case *pg_query.Node_NullTest:
		arg, err := b.expr(x.NullTest.Arg, sc)
		if err != nil {
			return nil, err
		}
		if arg.Type().OID == pgtype.UnknownOID {
			if arg, err = b.coerceTo(arg, pgtype.Text, "", -1); err != nil {
				return nil, err
			}
		}
		if e, ok := rowNullTest(arg, x.NullTest.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL); ok {
			return e, nil
		}
		return &plan.NullTest{Arg: arg, Not: x.NullTest.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}, nil
	case *pg_query.Node_BooleanTest:
		arg, err := b.expr(x.BooleanTest.Arg, sc)
		if err != nil {
			return nil, err
		}
		if arg, err = b.coerceTo(arg, pgtype.Bool, "argument of IS", x.BooleanTest.Location); err != nil {
			return nil, err
		}
		return booleanTest(arg, x.BooleanTest.Booltesttype), nil
	case *pg_query.Node_CaseExpr:
		return b.caseExpr(x.CaseExpr, sc)
	case *pg_query.Node_CoalesceExpr:
		args, typ, err := b.unify(x.CoalesceExpr.Args, sc, "COALESCE")
		if err != nil {
			return nil, err
		}
		return &plan.Coalesce{Args: args, Typ: typ}, nil
	case *pg_query.Node_FuncCall:
		if e, ok, err := b.rowToJSON(x.FuncCall, sc); ok {
			return e, err
		}
		return b.funcCall(x.FuncCall, sc)
	case *pg_query.Node_MinMaxExpr:
		fn, what := "greatest", "GREATEST"
		if x.MinMaxExpr.Op == pg_query.MinMaxOp_IS_LEAST {
			fn, what = "least", "LEAST"
		}
		args, typ, err := b.unify(x.MinMaxExpr.Args, sc, what)
		if err != nil {
			return nil, err
		}
		for _, a := range args {
			if a.Type().Typmod != typ.Typmod {
				// Values keep their own scale, as PostgreSQL's do.
				typ.Typmod = -1
			}
		}
		return &plan.Call{Func: fn, Op: fn, Args: args, Typ: typ}, nil
	case *pg_query.Node_SqlvalueFunction:
		return b.sqlValueFunction(x.SqlvalueFunction)
	case *pg_query.Node_CollateClause:
		// Sluice compares text by code point (C collation); COLLATE is accepted.
		return b.expr(x.CollateClause.Arg, sc)
	case *pg_query.Node_AArrayExpr:
		return b.arrayExpr(x.AArrayExpr, sc, pgtype.Unknown)
	case *pg_query.Node_SubLink:
		return b.subLink(x.SubLink, sc)
	case *pg_query.Node_AIndirection:
		return b.indirection(x.AIndirection, sc)
	case *pg_query.Node_GroupingFunc:
		return b.groupingFunc(x.GroupingFunc)
	}
	return nil, b.errAt(nodeLocation(n), pgerr.New(pgerr.FeatureNotSupported, "expression %s is not supported yet", nodeKind(n)))
}

func nodeKind(n *pg_query.Node) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", n.Node), "*pg_query.Node_")
}

func (b *binder) constExpr(c *pg_query.A_Const) (plan.Expr, error) {
	if c.Isnull {
		return &plan.Const{Typ: pgtype.Unknown}, nil
	}
	switch v := c.Val.(type) {
	case *pg_query.A_Const_Ival:
		return &plan.Const{Value: int64(v.Ival.Ival), Typ: pgtype.Int4}, nil
	case *pg_query.A_Const_Fval:
		s := v.Fval.Fval
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			// -2147483648 arrives folded as a float literal; like
			// PostgreSQL's make_const, an integer that fits is int4.
			if i >= math.MinInt32 && i <= math.MaxInt32 {
				return &plan.Const{Value: i, Typ: pgtype.Int4}, nil
			}
			return &plan.Const{Value: i, Typ: pgtype.Int8}, nil
		}
		d, err := pgtype.Decode(pgtype.Numeric, pgtype.TextFormat, []byte(s), b.settings)
		if err != nil {
			return nil, b.errAt(c.Location, pgerr.Convert(err))
		}
		return &plan.Const{Value: d, Typ: numericConstType(d)}, nil
	case *pg_query.A_Const_Sval:
		return &unknownLiteral{text: v.Sval.Sval, loc: c.Location}, nil
	case *pg_query.A_Const_Boolval:
		return &plan.Const{Value: v.Boolval.Boolval, Typ: pgtype.Bool}, nil
	case *pg_query.A_Const_Bsval:
		return nil, b.errAt(c.Location, pgerr.New(pgerr.FeatureNotSupported, "bit strings are not supported"))
	}
	return nil, pgerr.New(pgerr.InternalError, "unknown constant")
}

// numericConstType gives a numeric literal a typmod that keeps its own
// scale, so arithmetic on it keeps PostgreSQL's display scale.
func numericConstType(d pgtype.Datum) pgtype.Type {
	if n, ok := d.(pgtype.NumericValue); ok && n.Special == pgtype.NumericFinite &&
		n.Scale <= maxStaticScale && len(new(big.Int).Abs(n.Coef).String()) <= pgtype.MaxDecimalPrecision-maxStaticScale+int(n.Scale) {
		return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, int(n.Scale))}
	}
	return pgtype.Numeric
}

func (b *binder) param(n int, loc int32) (plan.Expr, error) {
	if n < 1 || n > 65535 {
		return nil, b.errAt(loc, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", n))
	}
	for len(b.params.types) < n {
		b.params.types = append(b.params.types, pgtype.Unknown)
	}
	p := &plan.Param{Index: n, Typ: b.params.types[n-1]}
	if p.Typ.OID == 0 {
		p.Typ = pgtype.Unknown
	}
	b.params.refs[n] = append(b.params.refs[n], p)
	return p, nil
}

// setParamType fixes the type of an as yet untyped parameter everywhere.
func (b *binder) setParamType(n int, t pgtype.Type) {
	b.params.types[n-1] = t
	for _, p := range b.params.refs[n] {
		p.Typ = t
	}
}

func isUnknown(e plan.Expr) bool { return e.Type().OID == pgtype.UnknownOID }

// coerceTo converts e to t as an implicit (assignment-context) coercion:
// unknown literals and parameters take the type; other types need an
// implicit cast.
func (b *binder) coerceTo(e plan.Expr, t pgtype.Type, what string, loc int32) (plan.Expr, error) {
	if e.Type().OID == t.OID {
		return e, nil
	}
	if isUnknown(e) || implicitCast(e.Type(), t) {
		return b.cast(e, t, false, loc)
	}
	msg := fmt.Sprintf("%s must be type %s, not type %s", what, t, e.Type())
	if what == "" {
		msg = fmt.Sprintf("cannot cast type %s to %s", e.Type(), t)
	}
	return nil, b.errAt(loc, pgerr.New(pgerr.DatatypeMismatch, "%s", msg))
}

// cast applies an explicit or implicit cast, folding literals now.
func (b *binder) cast(e plan.Expr, t pgtype.Type, explicit bool, loc int32) (plan.Expr, error) {
	switch x := e.(type) {
	case *unknownLiteral:
		if explicit && (t.OID == pgtype.VarcharOID || t.OID == pgtype.BPCharOID) && t.Typmod >= 0 {
			// An explicit cast truncates to the length where the input
			// function would fail (22001): read the text, then cast.
			return &plan.Cast{Arg: &plan.Const{Value: x.text, Typ: pgtype.Text}, Typ: t}, nil
		}
		if r, ok, err := b.regByName(t, x.text); ok {
			if err != nil {
				return nil, b.errAt(x.loc, pgerr.Convert(err))
			}
			return r, nil
		}
		d, err := pgtype.Decode(t, pgtype.TextFormat, []byte(x.text), b.settings)
		if err != nil {
			if loc < 0 {
				loc = x.loc
			}
			return nil, b.errAt(x.loc, pgerr.Convert(err))
		}
		if t.OID == pgtype.NumericOID && t.Typmod < 0 {
			t = numericConstType(d)
		}
		return &plan.Const{Value: d, Typ: t}, nil
	case *plan.Param:
		if x.Typ.OID == pgtype.UnknownOID {
			b.setParamType(x.Index, t)
			return x, nil
		}
	case *plan.Const:
		if x.Value == nil {
			return &plan.Const{Typ: t}, nil
		}
		if v, ok := foldWidening(x.Value, t); ok {
			return &plan.Const{Value: v, Typ: t}, nil
		}
	}
	if e.Type().OID == t.OID && e.Type().Typmod == t.Typmod {
		return e, nil
	}
	if !castExists(e.Type(), t) {
		return nil, b.errAt(loc, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", e.Type(), t))
	}
	return &plan.Cast{Arg: e, Typ: t}, nil
}

// foldWidening converts an integer constant to a wider numeric type at
// bind time, so the engine compares columns with a constant instead of
// casting the constant on every row. Only conversions that cannot fail or
// round are folded; the rest stay casts for the engine.
func foldWidening(v pgtype.Datum, t pgtype.Type) (pgtype.Datum, bool) {
	i, ok := v.(int64)
	if !ok {
		return nil, false
	}
	switch t.OID {
	case pgtype.Int8OID:
		return i, true
	case pgtype.Float8OID:
		if i > -1<<53 && i < 1<<53 {
			return float64(i), true
		}
	case pgtype.NumericOID:
		if t.Typmod < 0 || pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, 0) <= t.Typmod {
			if p, s, ok := pgtype.NumericPrecisionScale(t.Typmod); !ok || p-s >= 19 {
				return pgtype.NumericValue{Coef: big.NewInt(i)}, true
			}
		}
	}
	return nil, false
}

// numeric promotion rank; 0: not a number.
func numRank(t pgtype.Type) int {
	switch t.OID {
	case pgtype.Int2OID:
		return 1
	case pgtype.Int4OID:
		return 2
	case pgtype.Int8OID, pgtype.OIDOID:
		return 3
	case pgtype.NumericOID:
		return 4
	case pgtype.Float4OID:
		return 5
	case pgtype.Float8OID:
		return 6
	}
	return 0
}

func isString(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.CharOID:
		return true
	}
	return false
}

func dtRank(t pgtype.Type) int {
	switch t.OID {
	case pgtype.DateOID:
		return 1
	case pgtype.TimestampOID:
		return 2
	case pgtype.TimestamptzOID:
		return 3
	}
	return 0
}

// implicitCast reports whether PostgreSQL casts a to b implicitly.
func implicitCast(a, b pgtype.Type) bool {
	if ra, rb := numRank(a), numRank(b); ra > 0 && rb > 0 {
		return ra < rb
	}
	if isString(a) && b.OID == pgtype.TextOID {
		return true
	}
	if isString(a) && isString(b) {
		return true
	}
	if ra, rb := dtRank(a), dtRank(b); ra > 0 && rb > 0 {
		return ra < rb
	}
	return false
}

// castExists reports whether an explicit cast from a to b exists.
func castExists(a, b pgtype.Type) bool {
	if a.OID == b.OID || implicitCast(a, b) {
		return true
	}
	if isString(a) || isString(b) {
		return true // every type has text I/O casts
	}
	if numRank(a) > 0 && numRank(b) > 0 {
		return true
	}
	if dtRank(a) > 0 && dtRank(b) > 0 {
		return true
	}
	if (a.OID == pgtype.BoolOID && b.OID == pgtype.Int4OID) || (a.OID == pgtype.Int4OID && b.OID == pgtype.BoolOID) {
		return true
	}
	if a.OID == pgtype.TimestampOID && b.OID == pgtype.TimeOID || a.OID == pgtype.TimestamptzOID && b.OID == pgtype.TimeOID {
		return true
	}
	if (a.OID == pgtype.JSONOID && b.OID == pgtype.JSONBOID) || (a.OID == pgtype.JSONBOID && b.OID == pgtype.JSONOID) {
		return true
	}
	if numRank(a) > 0 && numRank(a) <= 3 && isOIDish(b) || isOIDish(a) && numRank(b) > 0 && numRank(b) <= 3 {
		return true
	}
	// An array converts element by element when its elements do
	// (PostgreSQL's array coercion). int2vector and oidvector are arrays of
	// int2 and oid as sources (psql's prattrs::int2[]), but no array
	// converts to them.
	if a.IsArray() && b.IsArray() && b.OID != pgtype.Int2VectorOID && b.OID != pgtype.OIDVectorOID {
		return castExists(a.Elem(), b.Elem())
	}
	return false
}

func isOIDish(t pgtype.Type) bool {
	switch t.OID {
	case pgtype.OIDOID, pgtype.RegclassOID, pgtype.RegtypeOID, pgtype.RegprocOID, pgtype.RegnamespaceOID, pgtype.RegroleOID:
		return true
	}
	return false
}

// selectCommonType is the type PostgreSQL's select_common_type gives two
// inputs that must share one type (VALUES rows, UNION arms, CASE,
// COALESCE, JOIN USING): the later numeric type in the chain of implicit
// casts (int2, int4, int8, numeric, real, double precision), so that real
// beside an integer or numeric stays real, where an operator over the two
// (commonType) runs in double precision.
func selectCommonType(a, b pgtype.Type) (pgtype.Type, bool) {
	if ra, rb := numRank(a), numRank(b); ra > 0 && rb > 0 && max(ra, rb) == numRank(pgtype.Float4) {
		return pgtype.Float4, true
	}
	return commonType(a, b)
}

// commonType is the type two values are compared or combined in.
func commonType(a, b pgtype.Type) (pgtype.Type, bool) {
	if a.OID == b.OID {
		if a.OID == pgtype.NumericOID {
			return numericResult(a, b, maxScale), true
		}
		return pgtype.Type{OID: a.OID, Typmod: -1}, true
	}
	ra, rb := numRank(a), numRank(b)
	if ra > 0 && rb > 0 {
		if (ra >= 5 || rb >= 5) && ra != rb {
			if ra == 5 && rb == 5 {
				return pgtype.Float4, true
			}
			return pgtype.Float8, true
		}
		if ra > rb {
			if a.OID == pgtype.NumericOID {
				return numericResult(a, b, maxScale), true
			}
			return pgtype.Type{OID: a.OID, Typmod: -1}, true
		}
		if b.OID == pgtype.NumericOID {
			return numericResult(a, b, maxScale), true
		}
		return pgtype.Type{OID: b.OID, Typmod: -1}, true
	}
	if isString(a) && isString(b) {
		return pgtype.Text, true
	}
	if da, db := dtRank(a), dtRank(b); da > 0 && db > 0 {
		if da > db {
			return a, true
		}
		return b, true
	}
	if isOIDish(a) && numRank(b) > 0 && numRank(b) <= 3 || isOIDish(b) && numRank(a) > 0 && numRank(a) <= 3 {
		return pgtype.Int8, true
	}
	return pgtype.Unknown, false
}

// scaleOf is the static scale values of t have as numerics: a typmod's
// scale, or 0 for integers. ok is false for an unconstrained numeric, whose
// values each have their own scale.
func scaleOf(t pgtype.Type) (scale int, ok bool) {
	if t.OID == pgtype.NumericOID {
		_, s, ok := pgtype.NumericPrecisionScale(t.Typmod)
		return s, ok
	}
	return 0, true
}

type scaleRule func(a, b int) int

func maxScale(a, b int) int { return max(a, b) }
func sumScale(a, b int) int { return a + b }

// maxStaticScale bounds the scale a result keeps in a Decimal128(38, s):
// beyond it too few integer digits remain, and the result is carried
// unconstrained instead.
const maxStaticScale = 20

// numericResult is the type of a numeric result. When both operands have
// static scales, PostgreSQL's result scale is static too (max for + - %,
// the sum for *), and the result is a Decimal128(38, s); otherwise it is an
// unconstrained numeric whose values carry their own scale.
func numericResult(a, b pgtype.Type, rule scaleRule) pgtype.Type {
	sa, oka := scaleOf(a)
	sb, okb := scaleOf(b)
	if !oka || !okb {
		return pgtype.Numeric
	}
	s := rule(sa, sb)
	if s > maxStaticScale {
		return pgtype.Numeric
	}
	return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, s)}
}

func opName(names []*pg_query.Node) string {
	var parts []string
	for _, n := range names {
		parts = append(parts, n.GetString_().GetSval())
	}
	if len(parts) == 2 && parts[0] == "pg_catalog" {
		return parts[1]
	}
	return strings.Join(parts, ".")
}

// operands binds both sides of a binary A_Expr.
func (b *binder) operands(a *pg_query.A_Expr, sc *scope) (l, r plan.Expr, err error) {
	if l, err = b.expr(a.Lexpr, sc); err != nil {
		return nil, nil, err
	}
	if r, err = b.expr(a.Rexpr, sc); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

func (b *binder) aExpr(a *pg_query.A_Expr, sc *scope) (plan.Expr, error) {
	if e, ok, err := b.rowAExpr(a, sc); ok {
		return e, err
	}
	op := opName(a.Name)
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		if a.Lexpr == nil {
			r, err := b.expr(a.Rexpr, sc)
			if err != nil {
				return nil, err
			}
			return b.unaryOp(op, r, a.Location)
		}
		l, r, err := b.operands(a, sc)
		if err != nil {
			return nil, err
		}
		return b.binaryOp(op, l, r, a.Location)
	case pg_query.A_Expr_Kind_AEXPR_IN:
		l, err := b.expr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		items := a.Rexpr.GetList().GetItems()
		if items == nil {
			return nil, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "IN with a subquery is not supported yet"))
		}
		// x IN (a, b) is x = a OR x = b; NOT IN is x <> a AND x <> b,
		// which gives PostgreSQL's NULL semantics.
		joiner := "OR"
		cmp := "="
		if op == "<>" {
			joiner, cmp = "AND", "<>"
		}
		var args []plan.Expr
		for _, it := range items {
			r, err := b.expr(it, sc)
			if err != nil {
				return nil, err
			}
			e, err := b.binaryOp(cmp, l, r, a.Location)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
		}
		if len(args) == 1 {
			return args[0], nil
		}
		return &plan.BoolOp{Op: joiner, Args: args}, nil
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		return b.arrayCompare(op, a, sc)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		bounds := a.Rexpr.GetList().GetItems()
		x, err := b.expr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		lo, err := b.expr(bounds[0], sc)
		if err != nil {
			return nil, err
		}
		hi, err := b.expr(bounds[1], sc)
		if err != nil {
			return nil, err
		}
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN {
			ge, err := b.binaryOp(">=", x, lo, a.Location)
			if err != nil {
				return nil, err
			}
			le, err := b.binaryOp("<=", x, hi, a.Location)
			if err != nil {
				return nil, err
			}
			return &plan.BoolOp{Op: "AND", Args: []plan.Expr{ge, le}}, nil
		}
		lt, err := b.binaryOp("<", x, lo, a.Location)
		if err != nil {
			return nil, err
		}
		gt, err := b.binaryOp(">", x, hi, a.Location)
		if err != nil {
			return nil, err
		}
		return &plan.BoolOp{Op: "OR", Args: []plan.Expr{lt, gt}}, nil
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		l, r, err := b.operands(a, sc)
		if err != nil {
			return nil, err
		}
		fn := map[string]string{"~~": "like", "!~~": "not_like", "~~*": "ilike", "!~~*": "not_ilike"}[op]
		if fn == "" {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "operator %s is not supported", op)
		}
		return b.stringPredicate(fn, op, l, r, a.Location)
	case pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		// The parser already wrapped the pattern in similar_to_escape.
		l, r, err := b.operands(a, sc)
		if err != nil {
			return nil, err
		}
		fn := map[string]string{"~": "regex_match", "!~": "regex_not_match"}[op]
		if fn == "" {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "operator %s is not supported", op)
		}
		return b.stringPredicate(fn, op, l, r, a.Location)
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		l, r, err := b.operands(a, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binaryOp("=", l, r, a.Location)
		if err != nil {
			return nil, err
		}
		c := eq.(*plan.Call)
		fn, sym := "is_distinct_from", "IS DISTINCT FROM"
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT {
			fn, sym = "is_not_distinct_from", "IS NOT DISTINCT FROM"
		}
		return &plan.Call{Func: fn, Op: sym, Args: c.Args, Typ: pgtype.Bool}, nil
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		l, r, err := b.operands(a, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binaryOp("=", l, r, a.Location)
		if err != nil {
			return nil, err
		}
		lv := eq.(*plan.Call).Args[0]
		if isUnknown(l) {
			l = lv
		}
		return &plan.Case{Whens: []plan.When{{Cond: eq, Result: &plan.Const{Typ: l.Type()}}}, Else: l, Typ: l.Type()}, nil
	}
	return nil, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "operator kind %s is not supported yet", strings.TrimPrefix(a.Kind.String(), "AEXPR_")))
}

func (b *binder) stringPredicate(fn, op string, l, r plan.Expr, loc int32) (plan.Expr, error) {
	var err error
	if l, err = b.toText(l, loc); err != nil {
		return nil, err
	}
	if r, err = b.toText(r, loc); err != nil {
		return nil, err
	}
	return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{l, r}, Typ: pgtype.Bool}, nil
}

func (b *binder) toText(e plan.Expr, loc int32) (plan.Expr, error) {
	if isString(e.Type()) {
		return e, nil
	}
	if isUnknown(e) {
		return b.cast(e, pgtype.Text, false, loc)
	}
	return nil, b.errAt(loc, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s ~~ text", e.Type()).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts."))
}

func (b *binder) unaryOp(op string, r plan.Expr, loc int32) (plan.Expr, error) {
	switch op {
	case "-":
		if c, ok := r.(*plan.Const); ok && c.Value != nil {
			switch v := c.Value.(type) {
			case int64:
				if v != math.MinInt64 {
					return &plan.Const{Value: -v, Typ: c.Typ}, nil
				}
			case float64:
				return &plan.Const{Value: -v, Typ: c.Typ}, nil
			case pgtype.NumericValue:
				if v.Special == pgtype.NumericFinite {
					return &plan.Const{Value: pgtype.NumericValue{Coef: new(big.Int).Neg(v.Coef), Scale: v.Scale}, Typ: c.Typ}, nil
				}
			}
		}
		if isUnknown(r) {
			var err error
			if r, err = b.cast(r, pgtype.Numeric, false, loc); err != nil {
				return nil, err
			}
		}
		if numRank(r.Type()) == 0 && r.Type().OID != pgtype.IntervalOID {
			return nil, b.errAt(loc, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: - %s", r.Type()).
				WithHint("No operator matches the given name and argument type. You might need to add an explicit type cast."))
		}
		return &plan.Call{Func: "neg", Op: "-", Args: []plan.Expr{r}, Typ: r.Type()}, nil
	case "+":
		return r, nil
	}
	return nil, b.errAt(loc, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s", op, r.Type()))
}

var comparisons = map[string]string{"=": "eq", "<>": "ne", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
var arithmetic = map[string]string{"+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod"}

// bitwise are the integer bit operators; pgjdbc's getIndexInfo reads
// pg_index.indoption with indoption[k] & 1::smallint.
var bitwise = map[string]string{"&": "bitand", "|": "bitor", "#": "bitxor", "<<": "shiftleft", ">>": "shiftright"}

// bitwiseOp binds & | # on two integers of their wider type, and << >>
// shifting an integer by an int4, of the left side's type.
func (b *binder) bitwiseOp(fn, op string, l, r plan.Expr, loc int32, noOp func() error) (plan.Expr, error) {
	isInt := func(e plan.Expr) bool {
		return isUnknown(e) || numRank(e.Type()) >= 1 && numRank(e.Type()) <= 3 && e.Type().OID != pgtype.OIDOID
	}
	if !isInt(l) || !isInt(r) || isUnknown(l) && isUnknown(r) {
		return nil, noOp()
	}
	var err error
	if isUnknown(l) {
		if l, err = b.cast(l, r.Type(), false, loc); err != nil {
			return nil, err
		}
	}
	shift := fn == "shiftleft" || fn == "shiftright"
	t := l.Type()
	if shift {
		if numRank(r.Type()) > 2 {
			return nil, noOp()
		}
		if r, err = b.coerceTo(r, pgtype.Int4, "", loc); err != nil {
			return nil, err
		}
	} else {
		if isUnknown(r) {
			if r, err = b.cast(r, t, false, loc); err != nil {
				return nil, err
			}
		}
		if numRank(r.Type()) > numRank(t) {
			t = r.Type()
		}
		if l, err = b.widen(l, t); err != nil {
			return nil, err
		}
		if r, err = b.widen(r, t); err != nil {
			return nil, err
		}
	}
	return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{l, r}, Typ: pgtype.Type{OID: t.OID, Typmod: -1}}, nil
}

// hasJSONField reports whether a record built in place (a row constructor,
// a whole-row reference) holds a json field, at any depth.
func hasJSONField(e plan.Expr) bool {
	c, ok := e.(*plan.Call)
	if !ok || c.Func != "row" && c.Func != "srf_record" {
		return false
	}
	for _, a := range c.Args {
		if a.Type().OID == pgtype.JSONOID || hasJSONField(a) {
			return true
		}
	}
	return false
}

func (b *binder) binaryOp(op string, l, r plan.Expr, loc int32) (plan.Expr, error) {
	noOp := func() error {
		return b.errAt(loc, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", l.Type(), op, r.Type()).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts."))
	}
	var err error
	switch {
	case op == "||":
		if l.Type().IsArray() || r.Type().IsArray() {
			return b.arrayConcat(l, r, loc, noOp)
		}
		if l, err = b.concatArg(l, loc); err != nil {
			return nil, err
		}
		if r, err = b.concatArg(r, loc); err != nil {
			return nil, err
		}
		return &plan.Call{Func: "concat_op", Op: "||", Args: []plan.Expr{l, r}, Typ: pgtype.Text}, nil
	case op == "~" || op == "!~" || op == "~*" || op == "!~*":
		fn := map[string]string{"~": "regex_match", "!~": "regex_not_match", "~*": "regex_imatch", "!~*": "regex_not_imatch"}[op]
		return b.stringPredicate(fn, op, l, r, loc)
	case op == "~~" || op == "!~~" || op == "~~*" || op == "!~~*":
		fn := map[string]string{"~~": "like", "!~~": "not_like", "~~*": "ilike", "!~~*": "not_ilike"}[op]
		return b.stringPredicate(fn, op, l, r, loc)
	}
	if fn, ok := comparisons[op]; ok {
		if isUnknown(l) && isUnknown(r) {
			if l, err = b.cast(l, pgtype.Text, false, loc); err != nil {
				return nil, err
			}
		}
		if isUnknown(l) {
			if l, err = b.cast(l, r.Type(), false, loc); err != nil {
				return nil, err
			}
		} else if isUnknown(r) {
			if r, err = b.cast(r, l.Type(), false, loc); err != nil {
				return nil, err
			}
		}
		ct, ok := commonType(l.Type(), r.Type())
		if !ok || ct.OID == pgtype.JSONOID {
			// json, unlike jsonb, has no comparison operators.
			return nil, noOp()
		}
		if ct.OID == pgtype.RecordOID && (hasJSONField(l) || hasJSONField(r)) {
			// record_eq and record_cmp find no operator for a json field.
			what := "a comparison function"
			if op == "=" || op == "<>" {
				what = "an equality operator"
			}
			return nil, b.errAt(loc, pgerr.New(pgerr.UndefinedFunction, "could not identify %s for type json", what))
		}
		if l, err = b.widen(l, ct); err != nil {
			return nil, err
		}
		if r, err = b.widen(r, ct); err != nil {
			return nil, err
		}
		return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{l, r}, Typ: pgtype.Bool}, nil
	}
	if op == "^" {
		// float8 ^ float8; numeric ^ numeric has its own scale rules, not
		// yet implemented.
		isFloat := func(t pgtype.Type) bool { return numRank(t) >= 5 }
		if (numRank(l.Type()) == 4 || numRank(r.Type()) == 4) && !isFloat(l.Type()) && !isFloat(r.Type()) {
			return nil, b.errAt(loc, pgerr.New(pgerr.FeatureNotSupported, "numeric ^ numeric is not supported yet").
				WithHint("Cast an operand to double precision."))
		}
		if l, err = b.coerceTo(l, pgtype.Float8, "", loc); err != nil {
			return nil, noOp()
		}
		if r, err = b.coerceTo(r, pgtype.Float8, "", loc); err != nil {
			return nil, noOp()
		}
		return &plan.Call{Func: "pow", Op: "^", Args: []plan.Expr{l, r}, Typ: pgtype.Float8}, nil
	}
	if fn, ok := bitwise[op]; ok {
		return b.bitwiseOp(fn, op, l, r, loc, noOp)
	}
	fn, ok := arithmetic[op]
	if !ok {
		return nil, noOp()
	}
	// Unknown literals take the other side's type, except next to a date or
	// time, where PostgreSQL reads them as intervals ('1 day').
	if isUnknown(l) && isUnknown(r) {
		return nil, b.errAt(loc, pgerr.New(pgerr.AmbiguousFunction, "operator is not unique: unknown %s unknown", op).
			WithHint("Could not choose a best candidate operator. You might need to add explicit type casts."))
	}
	if isUnknown(r) {
		// PostgreSQL first tries the operator with both sides of the known
		// type: date - date, timestamptz - timestamptz exist; a date or
		// time has no + of its own type, so '1 day' becomes an interval.
		t := l.Type()
		if (dtRank(t) > 0 || t.OID == pgtype.TimeOID) && op != "-" {
			t = pgtype.Interval
		}
		if r, err = b.cast(r, t, false, loc); err != nil {
			return nil, err
		}
	} else if isUnknown(l) {
		t := r.Type()
		if dtRank(t) > 0 && op == "+" {
			t = pgtype.Interval
		}
		if l, err = b.cast(l, t, false, loc); err != nil {
			return nil, err
		}
	}
	lt, rt := l.Type(), r.Type()
	mk := func(typ pgtype.Type) plan.Expr {
		return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{l, r}, Typ: typ}
	}
	if numRank(lt) > 0 && numRank(rt) > 0 {
		ct, _ := commonType(lt, rt)
		if ct.OID == pgtype.NumericOID {
			switch op {
			case "*":
				ct = numericResult(lt, rt, sumScale)
			case "/":
				// select_div_scale depends on the values: unconstrained.
				ct = pgtype.Numeric
			default:
				ct = numericResult(lt, rt, maxScale)
			}
			// Operands keep their own scale; the kernel rescales.
			if numRank(lt) < 4 {
				if l, err = b.widen(l, pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, 0)}); err != nil {
					return nil, err
				}
			}
			if numRank(rt) < 4 {
				if r, err = b.widen(r, pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, 0)}); err != nil {
					return nil, err
				}
			}
			return mk(ct), nil
		}
		if l, err = b.widen(l, ct); err != nil {
			return nil, err
		}
		if r, err = b.widen(r, ct); err != nil {
			return nil, err
		}
		return mk(ct), nil
	}
	// Date and time arithmetic, as PostgreSQL's operators define it.
	switch {
	case lt.OID == pgtype.DateOID && (rt.OID == pgtype.Int4OID || rt.OID == pgtype.Int2OID || rt.OID == pgtype.Int8OID) && (op == "+" || op == "-"):
		if r, err = b.widen(r, pgtype.Int4); err != nil {
			return nil, err
		}
		return mk(pgtype.Date), nil
	case rt.OID == pgtype.DateOID && numRank(lt) > 0 && numRank(lt) <= 2 && op == "+":
		return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{r, l}, Typ: pgtype.Date}, nil
	case lt.OID == pgtype.DateOID && rt.OID == pgtype.DateOID && op == "-":
		return mk(pgtype.Int4), nil
	case dtRank(lt) > 0 && rt.OID == pgtype.IntervalOID && (op == "+" || op == "-"):
		res := lt
		if lt.OID == pgtype.DateOID {
			res = pgtype.Timestamp
			if l, err = b.widen(l, res); err != nil {
				return nil, err
			}
		}
		return mk(pgtype.Type{OID: res.OID, Typmod: -1}), nil
	case lt.OID == pgtype.IntervalOID && dtRank(rt) > 0 && op == "+":
		res := rt
		if rt.OID == pgtype.DateOID {
			res = pgtype.Timestamp
			if r, err = b.widen(r, res); err != nil {
				return nil, err
			}
		}
		return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{r, l}, Typ: pgtype.Type{OID: res.OID, Typmod: -1}}, nil
	case dtRank(lt) >= 2 && dtRank(rt) >= 2 && op == "-":
		ct, _ := commonType(lt, rt)
		if l, err = b.widen(l, ct); err != nil {
			return nil, err
		}
		if r, err = b.widen(r, ct); err != nil {
			return nil, err
		}
		return mk(pgtype.Interval), nil
	case lt.OID == pgtype.IntervalOID && rt.OID == pgtype.IntervalOID && (op == "+" || op == "-"):
		return mk(pgtype.Interval), nil
	case lt.OID == pgtype.IntervalOID && numRank(rt) > 0 && (op == "*" || op == "/"):
		if r, err = b.widen(r, pgtype.Float8); err != nil {
			return nil, err
		}
		return mk(pgtype.Interval), nil
	case numRank(lt) > 0 && rt.OID == pgtype.IntervalOID && op == "*":
		if l, err = b.widen(l, pgtype.Float8); err != nil {
			return nil, err
		}
		return &plan.Call{Func: fn, Op: op, Args: []plan.Expr{r, l}, Typ: pgtype.Interval}, nil
	}
	return nil, noOp()
}

// widen casts e to t unless it already has t's OID.
func (b *binder) widen(e plan.Expr, t pgtype.Type) (plan.Expr, error) {
	if e.Type().OID == t.OID && (t.OID != pgtype.NumericOID || t.Typmod < 0 || e.Type().Typmod == t.Typmod) {
		return e, nil
	}
	if t.OID == pgtype.NumericOID && e.Type().OID == pgtype.NumericOID {
		return e, nil // numeric kernels rescale operands themselves
	}
	return b.cast(e, t, false, -1)
}

func (b *binder) concatArg(e plan.Expr, loc int32) (plan.Expr, error) {
	if isString(e.Type()) {
		return e, nil
	}
	return b.cast(e, pgtype.Text, false, loc)
}

func booleanTest(arg plan.Expr, kind pg_query.BoolTestType) plan.Expr {
	t := &plan.Const{Value: true, Typ: pgtype.Bool}
	f := &plan.Const{Value: false, Typ: pgtype.Bool}
	isNull := &plan.NullTest{Arg: arg}
	switch kind {
	case pg_query.BoolTestType_IS_TRUE:
		return &plan.Coalesce{Args: []plan.Expr{arg, f}, Typ: pgtype.Bool}
	case pg_query.BoolTestType_IS_NOT_TRUE:
		return &plan.BoolOp{Op: "NOT", Args: []plan.Expr{&plan.Coalesce{Args: []plan.Expr{arg, f}, Typ: pgtype.Bool}}}
	case pg_query.BoolTestType_IS_FALSE:
		return &plan.BoolOp{Op: "NOT", Args: []plan.Expr{&plan.Coalesce{Args: []plan.Expr{arg, t}, Typ: pgtype.Bool}}}
	case pg_query.BoolTestType_IS_NOT_FALSE:
		return &plan.Coalesce{Args: []plan.Expr{arg, t}, Typ: pgtype.Bool}
	case pg_query.BoolTestType_IS_UNKNOWN:
		return isNull
	}
	return &plan.NullTest{Arg: arg, Not: true}
}

func (b *binder) caseExpr(c *pg_query.CaseExpr, sc *scope) (plan.Expr, error) {
	var subject plan.Expr
	if c.Arg != nil {
		var err error
		if subject, err = b.expr(c.Arg, sc); err != nil {
			return nil, err
		}
	}
	var results []*pg_query.Node
	var conds []plan.Expr
	for _, w := range c.Args {
		cw := w.GetCaseWhen()
		cond, err := b.expr(cw.Expr, sc)
		if err != nil {
			return nil, err
		}
		if subject != nil {
			if cond, err = b.binaryOp("=", subject, cond, cw.Location); err != nil {
				return nil, err
			}
		} else if cond, err = b.coerceTo(cond, pgtype.Bool, "argument of CASE/WHEN", cw.Location); err != nil {
			return nil, err
		}
		conds = append(conds, cond)
		results = append(results, cw.Result)
	}
	if c.Defresult != nil {
		results = append(results, c.Defresult)
	}
	vals, typ, err := b.unify(results, sc, "CASE")
	if err != nil {
		return nil, err
	}
	out := &plan.Case{Typ: typ}
	for i, cond := range conds {
		out.Whens = append(out.Whens, plan.When{Cond: cond, Result: vals[i]})
	}
	if c.Defresult != nil {
		out.Else = vals[len(vals)-1]
	}
	return out, nil
}

// unify binds expressions that must share one type (CASE arms, COALESCE),
// resolving it as PostgreSQL's select_common_type does.
func (b *binder) unify(nodes []*pg_query.Node, sc *scope, what string) ([]plan.Expr, pgtype.Type, error) {
	vals := make([]plan.Expr, len(nodes))
	typ := pgtype.Unknown
	for i, n := range nodes {
		e, err := b.expr(n, sc)
		if err != nil {
			return nil, typ, err
		}
		vals[i] = e
		if isUnknown(e) {
			continue
		}
		if typ.OID == pgtype.UnknownOID {
			typ = e.Type()
			continue
		}
		ct, ok := selectCommonType(typ, e.Type())
		if !ok {
			return nil, typ, b.errAt(nodeLocation(n), pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", what, typ, e.Type()))
		}
		typ = ct
	}
	if typ.OID == pgtype.UnknownOID {
		typ = pgtype.Text
	}
	for i, e := range vals {
		var err error
		if vals[i], err = b.widen(e, typ); err != nil {
			return nil, typ, err
		}
	}
	return vals, typ, nil
}

// arrayExpr binds ARRAY[...]; want is the array type a cast asks for, or
// Unknown to resolve the element type from the elements.
func (b *binder) arrayExpr(a *pg_query.A_ArrayExpr, sc *scope, want pgtype.Type) (plan.Expr, error) {
	for _, e := range a.Elements {
		if e.GetAArrayExpr() != nil {
			return nil, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "multidimensional arrays are not supported"))
		}
	}
	if want.OID != pgtype.UnknownOID {
		elem := want.Elem()
		out := &plan.ArrayExpr{Typ: want}
		for _, n := range a.Elements {
			e, err := b.expr(n, sc)
			if err != nil {
				return nil, err
			}
			if e, err = b.cast(e, elem, true, nodeLocation(n)); err != nil {
				return nil, err
			}
			out.Elems = append(out.Elems, e)
		}
		return out, nil
	}
	if len(a.Elements) == 0 {
		return nil, b.errAt(a.Location, pgerr.New(pgerr.IndeterminateDatatype, "cannot determine type of empty array").
			WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[]."))
	}
	elems, typ, err := b.unify(a.Elements, sc, "ARRAY")
	if err != nil {
		return nil, err
	}
	at, ok := pgtype.ArrayOf(pgtype.Type{OID: typ.OID, Typmod: -1})
	if !ok {
		return nil, b.errAt(a.Location, pgerr.New(pgerr.UndefinedObject, "could not find array type for data type %s", typ))
	}
	return &plan.ArrayExpr{Elems: elems, Typ: at}, nil
}

func (b *binder) sqlValueFunction(f *pg_query.SQLValueFunction) (plan.Expr, error) {
	now := &plan.Call{Func: "now", Op: "now", Typ: pgtype.Timestamptz}
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		return &plan.Cast{Arg: now, Typ: pgtype.Date}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
		return now, nil
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		return &plan.Cast{Arg: now, Typ: pgtype.Timestamp}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N,
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:
		return &plan.Cast{Arg: &plan.Cast{Arg: now, Typ: pgtype.Timestamp}, Typ: pgtype.Time}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER,
		pg_query.SQLValueFunctionOp_SVFOP_USER, pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:
		return &plan.Const{Value: b.env.User(), Typ: pgtype.Name}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return &plan.Const{Value: b.env.Database(), Typ: pgtype.Name}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return b.currentSchema(), nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "%s is not supported", f.Op)
}

func (b *binder) currentSchema() plan.Expr {
	for _, s := range b.searchPath(false) {
		return &plan.Const{Value: s, Typ: pgtype.Name}
	}
	return &plan.Const{Typ: pgtype.Name}
}

func (b *binder) funcCall(fc *pg_query.FuncCall, sc *scope) (plan.Expr, error) {
	var parts []string
	for _, f := range fc.Funcname {
		parts = append(parts, f.GetString_().GetSval())
	}
	name := funcName(parts)
	if fc.Over != nil {
		if _, ok := windowFuncs[name]; !ok && !isAggregate(name) {
			if _, scalar := scalarFuncs[name]; scalar || isSetFunc(name) {
				return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "OVER specified, but %s is not a window function nor an aggregate function", name))
			}
			return nil, b.undefinedFunction(name, nil, fc.Location)
		}
		return b.windowCall(name, fc, sc)
	}
	if _, ok := windowFuncs[name]; ok {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "window function %s requires an OVER clause", name))
	}
	if isSetFunc(name) {
		return b.setFuncCall(name, fc, sc)
	}
	if isAggregate(name) {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed here"))
	}
	if fc.AggStar || fc.AggDistinct || fc.AggFilter != nil || len(fc.AggOrder) > 0 {
		return nil, b.errAt(fc.Location, pgerr.New(pgerr.WrongObjectType, "%s is not an aggregate function", name))
	}
	args, err := b.funcArgs(name, fc, sc)
	if err != nil {
		return nil, err
	}
	if sessionFuncs[name] {
		return b.sessionFunc(name, args, fc.Location)
	}
	overloads, ok := scalarFuncs[name]
	if !ok {
		if e, remote, err := b.trinoCall(name, args, fc.Location); remote {
			return e, err
		}
		return nil, b.undefinedFunction(name, args, fc.Location)
	}
	out, ret, err := b.resolveOverload(name, overloads, args, fc.Location)
	if err != nil {
		return nil, err
	}
	if (name == "round" || name == "trunc") && ret.OID == pgtype.NumericOID {
		ret = b.roundType(out)
	}
	impl := name
	if name == "div" {
		impl = "div_trunc" // "div" is the / operator's implementation
	}
	vol, _ := FuncVolatility(name)
	return &plan.Call{Func: impl, Op: name, Args: out, Typ: ret, Volatile: vol == Volatile}, nil
}

// resolveOverload picks the overload of a function that fits its bound
// arguments, coerces them to it and returns them with the result type.
func (b *binder) resolveOverload(name string, overloads []funcSig, args []plan.Expr, loc int32) ([]plan.Expr, pgtype.Type, error) {
	got := make([]pgtype.Type, len(args))
	for i, a := range args {
		got[i] = a.Type()
	}
	cand, found, ambiguous := selectFunc(overloads, got)
	if !found {
		return nil, pgtype.Unknown, b.undefinedFunction(name, args, loc)
	}
	if ambiguous {
		types := make([]string, len(args))
		for i, a := range args {
			types[i] = a.Type().String()
		}
		return nil, pgtype.Unknown, b.errAt(loc, pgerr.New(pgerr.AmbiguousFunction, "function %s(%s) is not unique", name, strings.Join(types, ", ")).
			WithHint("Could not choose a best candidate function. You might need to add explicit type casts."))
	}
	out := make([]plan.Expr, len(args))
	for i, a := range args {
		want := cand.args[i]
		if want.OID == pgtype.UnknownOID {
			if isUnknown(a) {
				want = pgtype.Text
			} else {
				out[i] = a
				continue
			}
		}
		if want.IsArray() && a.Type().IsArray() && a.Type().OID != want.OID {
			return nil, pgtype.Unknown, b.undefinedFunction(name, args, loc)
		}
		e, err := b.widen(a, want)
		if err != nil {
			return nil, pgtype.Unknown, err
		}
		out[i] = e
	}
	ret := cand.sig.Ret
	switch {
	case ret.OID == pgtype.UnknownOID && len(out) > 0:
		ret = out[0].Type()
	case ret.OID == anyElement.OID || ret.OID == anyArray.OID:
		ret = cand.elem
		if cand.sig.Ret.OID == anyArray.OID {
			ret, _ = pgtype.ArrayOf(cand.elem)
		}
	}
	return out, ret, nil
}

// funcArgs binds a call's arguments, placing named ones (make_interval(days
// => 3)) at their parameter's position; a skipped parameter with a default
// takes it.
func (b *binder) funcArgs(name string, fc *pg_query.FuncCall, sc *scope) ([]plan.Expr, error) {
	var args []plan.Expr
	named := false
	for _, a := range fc.Args {
		na := a.GetNamedArgExpr()
		if na == nil {
			if named {
				return nil, b.errAt(nodeLocation(a), pgerr.New(pgerr.SyntaxError, "positional argument cannot follow named argument"))
			}
			e, err := b.expr(a, sc)
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			continue
		}
		named = true
		params := paramNames[name]
		pos := -1
		for i, p := range params {
			if p == na.Name {
				pos = i
			}
		}
		if pos < 0 {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "function %s with argument %s does not exist", name, na.Name).
				WithHint("No function matches the given name and argument types. You might need to add explicit type casts."))
		}
		e, err := b.expr(na.Arg, sc)
		if err != nil {
			return nil, err
		}
		for len(args) <= pos {
			args = append(args, nil)
		}
		if args[pos] != nil {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.SyntaxError, "argument name \"%s\" used more than once", na.Name))
		}
		args[pos] = e
	}
	for i, a := range args {
		if a != nil {
			continue
		}
		d, ok := paramDefaults[name]
		if !ok || i >= len(d) {
			return nil, b.errAt(fc.Location, pgerr.New(pgerr.UndefinedFunction, "function %s does not exist", name).
				WithHint("No function matches the given name and argument types. You might need to add explicit type casts."))
		}
		args[i] = d[i]
	}
	return args, nil
}

// arrayCompare binds x op ANY (array) and x op ALL (array): the operator
// applied to each element, combined with OR (ANY) or AND (ALL) and their
// NULL semantics.
func (b *binder) arrayCompare(op string, a *pg_query.A_Expr, sc *scope) (plan.Expr, error) {
	if sl := a.Rexpr.GetSubLink(); sl != nil && sl.SubLinkType != pg_query.SubLinkType_ARRAY_SUBLINK && sl.SubLinkType != pg_query.SubLinkType_EXPR_SUBLINK {
		return nil, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "%s with a subquery is not supported here", op))
	}
	fn, ok := comparisons[op]
	if !ok {
		return nil, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "operator %s with ANY/ALL is not supported yet", op))
	}
	l, r, err := b.operands(a, sc)
	if err != nil {
		return nil, err
	}
	if isUnknown(r) {
		lt := l.Type()
		if isUnknown(l) {
			lt = pgtype.Text
		}
		at, ok := pgtype.ArrayOf(pgtype.Type{OID: lt.OID, Typmod: -1})
		if !ok {
			return nil, b.errAt(a.Location, pgerr.New(pgerr.UndefinedObject, "could not find array type for data type %s", lt))
		}
		if r, err = b.cast(r, at, false, a.Location); err != nil {
			return nil, err
		}
	}
	if !r.Type().IsArray() {
		return nil, b.errAt(a.Location, pgerr.New(pgerr.WrongObjectType, "op ANY/ALL (array) requires array on right side"))
	}
	elem := r.Type().Elem()
	// The operator resolves as it would between x and one element.
	cmp, err := b.binaryOp(op, l, &plan.Const{Typ: pgtype.Type{OID: elem.OID, Typmod: -1}}, a.Location)
	if err != nil {
		return nil, err
	}
	c := cmp.(*plan.Call)
	ct := c.Args[0].Type()
	if ct.OID != elem.OID && !(numRank(ct) > 0 && numRank(elem) > 0) && !(isString(ct) && isString(elem)) {
		return nil, b.errAt(a.Location, pgerr.New(pgerr.FeatureNotSupported, "%s %s ANY/ALL (%s) is not supported yet", l.Type(), op, r.Type()))
	}
	kind := "any_"
	if a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL {
		kind = "all_"
	}
	sym := op + " ANY"
	if kind == "all_" {
		sym = op + " ALL"
	}
	return &plan.Call{Func: kind + fn, Op: sym, Args: []plan.Expr{c.Args[0], r}, Typ: pgtype.Bool}, nil
}

// roundType is round(numeric[, n])'s type: scale n when n is a constant,
// else unconstrained.
func (b *binder) roundType(args []plan.Expr) pgtype.Type {
	s := 0
	if len(args) == 2 {
		c, ok := args[1].(*plan.Const)
		if !ok || c.Value == nil {
			return pgtype.Numeric
		}
		s = max(int(c.Value.(int64)), 0)
	}
	if s > maxStaticScale {
		return pgtype.Numeric
	}
	return pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(pgtype.MaxDecimalPrecision, s)}
}

func (b *binder) undefinedFunction(name string, args []plan.Expr, loc int32) error {
	types := make([]string, len(args))
	for i, a := range args {
		types[i] = a.Type().String()
	}
	return b.errAt(loc, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(types, ", ")).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts."))
}

func (b *binder) sessionFunc(name string, args []plan.Expr, loc int32) (plan.Expr, error) {
	text := func(v string) plan.Expr { return &plan.Const{Value: v, Typ: pgtype.Text} }
	constArg := func(i int) (string, bool, error) {
		switch x := args[i].(type) {
		case *unknownLiteral:
			return x.text, true, nil
		case *plan.Const:
			if x.Value == nil {
				return "", false, nil
			}
			if s, ok := x.Value.(string); ok {
				return s, true, nil
			}
			if v, ok := x.Value.(bool); ok {
				return strconv.FormatBool(v), true, nil
			}
		}
		return "", false, b.errAt(loc, pgerr.New(pgerr.FeatureNotSupported, "%s() needs constant arguments in Sluice", name))
	}
	switch name {
	case "version":
		if len(args) != 0 {
			return nil, b.undefinedFunction(name, args, loc)
		}
		v, _ := b.env.Setting("server_version")
		// server_version names Sluice already ("15.0 (Sluice x.y.z)"); drivers
		// parse the "PostgreSQL 15.0" prefix.
		return text(fmt.Sprintf("PostgreSQL %s on x86_64-pc-linux-gnu, compiled by Go, 64-bit", v)), nil
	case "current_setting":
		if len(args) < 1 || len(args) > 2 {
			return nil, b.undefinedFunction(name, args, loc)
		}
		setting, ok, err := constArg(0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return &plan.Const{Typ: pgtype.Text}, nil
		}
		missingOK := false
		if len(args) == 2 {
			v, _, err := constArg(1)
			if err != nil {
				return nil, err
			}
			missingOK = v == "true" || v == "t" || v == "on"
		}
		val, found := b.env.Setting(strings.ToLower(setting))
		if !found {
			val, found = b.env.Setting(setting)
		}
		if !found {
			if missingOK {
				return &plan.Const{Typ: pgtype.Text}, nil
			}
			return nil, b.errAt(loc, pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", setting))
		}
		return text(val), nil
	case "current_schema":
		return b.currentSchema(), nil
	case "current_schemas":
		if len(args) != 1 {
			return nil, b.undefinedFunction(name, args, loc)
		}
		v, _, err := constArg(0)
		if err != nil {
			return nil, err
		}
		implicit := v == "true" || v == "t" || v == "on"
		var elems []pgtype.Datum
		for _, s := range b.searchPath(implicit) {
			elems = append(elems, s)
		}
		return &plan.Const{Value: pgtype.Array{Elem: pgtype.Name, Elements: elems, Lower: 1}, Typ: pgtype.Type{OID: pgtype.NameArrayOID, Typmod: -1}}, nil
	case "pg_backend_pid":
		if len(args) != 0 {
			return nil, b.undefinedFunction(name, args, loc)
		}
		// The process ID of the connection's BackendKeyData; an Env that
		// is not a connection (tests, tools) has none and says 0.
		pid := int32(0)
		if e, ok := b.env.(interface{ BackendPID() int32 }); ok {
			pid = e.BackendPID()
		}
		return &plan.Const{Value: int64(pid), Typ: pgtype.Int4}, nil
	case "current_database", "current_catalog":
		return &plan.Const{Value: b.env.Database(), Typ: pgtype.Name}, nil
	case "current_user", "session_user", "user", "current_role":
		return &plan.Const{Value: b.env.User(), Typ: pgtype.Name}, nil
	}
	return nil, b.undefinedFunction(name, args, loc)
}
