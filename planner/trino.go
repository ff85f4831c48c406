package planner

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TrinoTarget is what rendering a plan for one Trino tier needs to know:
// where each lake layer lives in Trino and the session facts PostgreSQL's
// semantics depend on.
type TrinoTarget struct {
	// Layers maps a lake layer (a PostgreSQL schema such as gold) to the
	// Trino catalog holding it, "catalog" (the schema keeps the layer's
	// name) or "catalog.schema".
	Layers map[string]string
	// Catalog is the catalog of a layer Layers does not name; empty means
	// such a layer cannot be read on Trino.
	Catalog string
	// TimeZone is the session's TimeZone: timestamptz values are shown and
	// truncated in it, as PostgreSQL does. Empty is UTC.
	TimeZone string
	// Now is the statement's now() (the transaction start), so both engines
	// answer the same instant.
	Now time.Time
	// Snapshots reads each Iceberg table at the snapshot its bound Table
	// holds (FOR VERSION AS OF), as SET sluice.as_of binds older
	// snapshots; false reads Trino's current one. A time as_of is resolved
	// to a snapshot id by the catalog first, by the same rule the local
	// engine reads, so both engines read the same snapshot.
	Snapshots bool
}

// TrinoSQL renders a bound query as one Trino statement whose result has
// the bound query's columns in order. Parameters are rendered as typed
// literals (escaped, never spliced as text). A plan using something Trino
// cannot do as PostgreSQL does fails with FeatureNotSupported naming it.
func TrinoSQL(b *Bound, params []pgtype.Datum, t TrinoTarget) (string, error) {
	r := &trinoRenderer{t: t, params: params, zone: t.TimeZone}
	if r.zone == "" {
		r.zone = "UTC"
	}
	rel, err := r.node(b.Root)
	if err != nil {
		return "", err
	}
	cols := make([]string, len(b.Columns))
	for i := range b.Columns {
		cols[i] = fmt.Sprintf("q.c%d AS %s", i, trinoIdent(b.Columns[i].Name))
	}
	if len(cols) == 0 {
		cols = []string{"1"}
	}
	out := "SELECT " + strings.Join(cols, ", ") + " FROM (" + rel.sql + ") q"
	if len(rel.order) > 0 {
		out += " ORDER BY " + orderList("q", rel.order)
	}
	return out, nil
}

// notTrino is the error for what cannot be rendered.
func notTrino(format string, args ...any) error {
	return pgerr.New(pgerr.FeatureNotSupported, "cannot run on Trino: "+format, args...)
}

type trinoRenderer struct {
	t      TrinoTarget
	params []pgtype.Datum
	zone   string
	alias  int
}

// orderCol is a hidden column carrying one sort key above a Sort, so that
// the order survives the subqueries every node becomes (Trino ignores ORDER
// BY in a subquery without LIMIT).
type orderCol struct {
	name       string
	desc       bool
	nullsFirst bool
}

// rel is one rendered node: a SELECT whose columns are c0..c(n-1) and then
// the hidden order columns.
type rel struct {
	sql   string
	n     int
	order []orderCol
}

func orderList(alias string, order []orderCol) string {
	parts := make([]string, len(order))
	for i, o := range order {
		s := alias + "." + o.name
		if o.desc {
			s += " DESC"
		} else {
			s += " ASC"
		}
		if o.nullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

func (r *trinoRenderer) next(prefix string) string {
	r.alias++
	return fmt.Sprintf("%s%d", prefix, r.alias)
}

// visible lists alias.c0 .. alias.c(n-1), each under its own name.
func visible(alias string, n, from int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s.c%d AS c%d", alias, i, from+i)
	}
	return out
}

func hidden(alias string, order []orderCol) []string {
	out := make([]string, len(order))
	for i, o := range order {
		out[i] = alias + "." + o.name
	}
	return out
}

func selectList(items []string) string {
	if len(items) == 0 {
		return "1 AS c_"
	}
	return strings.Join(items, ", ")
}

func (r *trinoRenderer) node(n plan.Node) (rel, error) {
	switch x := n.(type) {
	case *plan.Scan:
		return r.scan(x)
	case *plan.Values:
		return r.values(x)
	case *plan.Filter:
		in, err := r.node(x.Input)
		if err != nil {
			return rel{}, err
		}
		a := r.next("t")
		pred, err := r.expr(x.Predicate, aliasRefs(a))
		if err != nil {
			return rel{}, err
		}
		return rel{sql: fmt.Sprintf("SELECT * FROM (%s) %s WHERE %s", in.sql, a, pred), n: in.n, order: in.order}, nil
	case *plan.Project:
		in, err := r.node(x.Input)
		if err != nil {
			return rel{}, err
		}
		a := r.next("t")
		items := make([]string, 0, len(x.Exprs)+len(in.order))
		for i, e := range x.Exprs {
			s, err := r.expr(e, aliasRefs(a))
			if err != nil {
				return rel{}, err
			}
			items = append(items, fmt.Sprintf("%s AS c%d", s, i))
		}
		items = append(items, hidden(a, in.order)...)
		return rel{sql: fmt.Sprintf("SELECT %s FROM (%s) %s", selectList(items), in.sql, a), n: len(x.Exprs), order: in.order}, nil
	case *plan.Aggregate:
		return r.aggregate(x)
	case *plan.Sort:
		in, err := r.node(x.Input)
		if err != nil {
			return rel{}, err
		}
		a := r.next("t")
		items := visible(a, in.n, 0)
		var order []orderCol
		for i, k := range x.Keys {
			s, err := r.expr(k.Expr, aliasRefs(a))
			if err != nil {
				return rel{}, err
			}
			name := fmt.Sprintf("o%d", i)
			items = append(items, s+" AS "+name)
			order = append(order, orderCol{name: name, desc: k.Desc, nullsFirst: k.NullsFirst})
		}
		return rel{sql: fmt.Sprintf("SELECT %s FROM (%s) %s", selectList(items), in.sql, a), n: in.n, order: order}, nil
	case *plan.Limit:
		in, err := r.node(x.Input)
		if err != nil {
			return rel{}, err
		}
		a := r.next("t")
		out := fmt.Sprintf("SELECT * FROM (%s) %s", in.sql, a)
		if len(in.order) > 0 {
			out += " ORDER BY " + orderList(a, in.order)
		}
		if x.Offset != nil {
			v, err := r.count(x.Offset, "OFFSET")
			if err != nil {
				return rel{}, err
			}
			if v > 0 {
				out += fmt.Sprintf(" OFFSET %d ROWS", v)
			}
		}
		if x.Count != nil {
			v, err := r.count(x.Count, "LIMIT")
			if err != nil {
				return rel{}, err
			}
			if v >= 0 {
				out += fmt.Sprintf(" LIMIT %d", v)
			}
		}
		return rel{sql: out, n: in.n, order: in.order}, nil
	case *plan.Join:
		return r.join(x)
	case *plan.SetOp:
		return r.setOp(x)
	}
	return rel{}, notTrino("%T is not translatable", n)
}

// count evaluates a LIMIT or OFFSET operand, which Trino takes only as a
// literal: a constant or a bound parameter. -1 means none (LIMIT NULL/ALL).
func (r *trinoRenderer) count(e plan.Expr, what string) (int64, error) {
	var v pgtype.Datum
	switch x := e.(type) {
	case *plan.Const:
		v = x.Value
	case *plan.Param:
		if x.Index < 1 || x.Index > len(r.params) {
			return 0, notTrino("parameter $%d of %s is not bound", x.Index, what)
		}
		v = r.params[x.Index-1]
	case *plan.Cast:
		return r.count(x.Arg, what)
	default:
		return 0, notTrino("%s must be a constant", what)
	}
	switch n := v.(type) {
	case nil:
		return -1, nil
	case int64:
		if n < 0 {
			return 0, pgerr.New(pgerr.InvalidRowCountInLimit, "%s must not be negative", what)
		}
		return n, nil
	case pgtype.NumericValue:
		if n.Special == pgtype.NumericFinite && n.Scale == 0 && n.Coef.IsInt64() && n.Coef.Sign() >= 0 {
			return n.Coef.Int64(), nil
		}
	case float64:
		if n >= 0 && n < math.MaxInt64 {
			return int64(math.RoundToEven(n)), nil
		}
	}
	return 0, notTrino("%s value %v", what, v)
}

// trinoTable is a lake table's Trino name, and whether Trino reads its
// timestamptz columns with their zone: Iceberg has timestamp with time
// zone; Hive tables hold a UTC timestamp without one.
func (r *trinoRenderer) trinoTable(t *catalog.Table) (string, bool, error) {
	if t.Format == catalog.FormatSystem {
		return "", false, notTrino("%s is a catalog table of Sluice", t.QualifiedName())
	}
	target, ok := r.t.Layers[t.Schema]
	if !ok {
		if r.t.Catalog == "" {
			return "", false, notTrino("layer %s has no Trino catalog", t.Schema)
		}
		target = r.t.Catalog
	}
	cat, schema, found := strings.Cut(target, ".")
	if !found {
		schema = t.Schema
	}
	name := trinoIdent(cat) + "." + trinoIdent(schema) + "." + trinoIdent(t.Name)
	if r.t.Snapshots && t.Format == catalog.FormatIceberg {
		if t.SnapshotID == 0 {
			return "", false, notTrino("%s has no snapshot at that time", t.QualifiedName())
		}
		name += " FOR VERSION AS OF " + strconv.FormatInt(t.SnapshotID, 10)
	}
	return name, t.Format != catalog.FormatHiveParquet, nil
}

func (r *trinoRenderer) scan(x *plan.Scan) (rel, error) {
	name, iceberg, err := r.trinoTable(x.Table)
	if err != nil {
		return rel{}, err
	}
	a := r.next("s")
	colExprs := make([]string, len(x.Projection))
	items := make([]string, len(x.Projection))
	for i, p := range x.Projection {
		c := x.Table.Columns[p]
		e := a + "." + trinoIdent(c.Name)
		if c.Type.OID == pgtype.TimestamptzOID {
			if !iceberg {
				e = "with_timezone(" + e + ", 'UTC')"
			}
			e = r.inZone(e)
		}
		colExprs[i] = e
		items[i] = fmt.Sprintf("%s AS c%d", e, i)
	}
	out := fmt.Sprintf("SELECT %s FROM %s %s", selectList(items), name, a)
	if x.Filter != nil {
		pred, err := r.expr(x.Filter, func(i int) string { return colExprs[i] })
		if err != nil {
			return rel{}, err
		}
		out += " WHERE " + pred
	}
	return rel{sql: out, n: len(x.Projection)}, nil
}

// inZone shows a timestamp with time zone in the session's zone, where
// PostgreSQL computes its fields.
func (r *trinoRenderer) inZone(e string) string {
	return "(" + e + " AT TIME ZONE " + trinoString(r.zone) + ")"
}

func (r *trinoRenderer) values(x *plan.Values) (rel, error) {
	if len(x.Cols) == 0 {
		if len(x.Rows) == 1 {
			return rel{sql: "SELECT 1 AS c_", n: 0}, nil
		}
		return rel{}, notTrino("VALUES without columns")
	}
	rows := make([]string, len(x.Rows))
	for i, row := range x.Rows {
		vals := make([]string, len(row))
		for j, e := range row {
			s, err := r.expr(e, noRefs)
			if err != nil {
				return rel{}, err
			}
			if j < len(x.Cols) {
				if tt, err := trinoType(x.Cols[j].Type); err == nil {
					s = "CAST(" + s + " AS " + tt + ")"
				}
			}
			vals[j] = s
		}
		rows[i] = "(" + strings.Join(vals, ", ") + ")"
	}
	names := make([]string, len(x.Cols))
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	a := r.next("v")
	if len(rows) == 0 {
		items := make([]string, len(x.Cols))
		for i, c := range x.Cols {
			tt, err := trinoType(c.Type)
			if err != nil {
				return rel{}, err
			}
			items[i] = fmt.Sprintf("CAST(NULL AS %s) AS c%d", tt, i)
		}
		return rel{sql: "SELECT " + strings.Join(items, ", ") + " WHERE false", n: len(x.Cols)}, nil
	}
	return rel{sql: fmt.Sprintf("SELECT * FROM (VALUES %s) AS %s(%s)", strings.Join(rows, ", "), a, strings.Join(names, ", ")), n: len(x.Cols)}, nil
}

func (r *trinoRenderer) aggregate(x *plan.Aggregate) (rel, error) {
	in, err := r.node(x.Input)
	if err != nil {
		return rel{}, err
	}
	a := r.next("t")
	refs := aliasRefs(a)
	var items, keys []string
	for i, k := range x.GroupBy {
		s, err := r.expr(k, refs)
		if err != nil {
			return rel{}, err
		}
		if _, ok := k.(*plan.Const); ok {
			// A bare integer in GROUP BY would be an ordinal.
			s = "(" + s + ")"
		}
		items = append(items, fmt.Sprintf("%s AS c%d", s, i))
		keys = append(keys, s)
	}
	for i, c := range x.Aggs {
		s, err := r.aggCall(c, refs)
		if err != nil {
			return rel{}, err
		}
		items = append(items, fmt.Sprintf("%s AS c%d", s, len(x.GroupBy)+i))
	}
	out := fmt.Sprintf("SELECT %s FROM (%s) %s", selectList(items), in.sql, a)
	if len(keys) > 0 {
		out += " GROUP BY " + strings.Join(keys, ", ")
	}
	return rel{sql: out, n: len(x.GroupBy) + len(x.Aggs)}, nil
}

func (r *trinoRenderer) aggCall(c *plan.AggCall, refs func(int) string) (string, error) {
	var args, order []string
	for _, e := range c.Args {
		if k, ok := e.(*plan.Call); ok && k.Func == "order_key" {
			s, err := r.expr(k.Args[0], refs)
			if err != nil {
				return "", err
			}
			dir := strings.ToUpper(strings.ReplaceAll(k.Op, "_", " "))
			order = append(order, s+" "+dir)
			continue
		}
		s, err := r.expr(e, refs)
		if err != nil {
			return "", err
		}
		args = append(args, s)
	}
	distinct := ""
	if c.Distinct {
		distinct = "DISTINCT "
	}
	var argType pgtype.Type
	if len(c.Args) > 0 {
		argType = c.Args[0].Type()
	}
	if c.Remote {
		filter := ""
		if c.Filter != nil {
			f, err := r.expr(c.Filter, refs)
			if err != nil {
				return "", err
			}
			filter = f
		}
		call, err := r.remoteAgg(c, args[0], args[1], filter)
		if err != nil {
			return "", err
		}
		return r.castTo(call, c.Type)
	}
	var call string
	switch c.Func {
	case "count":
		if len(args) == 0 {
			call = "count(*)"
		} else {
			call = "count(" + distinct + args[0] + ")"
		}
	case "sum":
		arg := args[0]
		if argType.OID == pgtype.Int8OID {
			// PostgreSQL sums bigints into numeric: no overflow at 2^63.
			arg = "CAST(" + arg + " AS decimal(38, 0))"
		}
		call = "sum(" + distinct + arg + ")"
	case "avg":
		arg := args[0]
		switch argType.OID {
		case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID:
			// Trino's avg keeps the argument's scale; PostgreSQL's has
			// at least 16 significant digits.
			scale := 10
			if _, s, ok := pgtype.NumericPrecisionScale(argType.Typmod); ok && s > scale {
				scale = s
			}
			arg = fmt.Sprintf("CAST(%s AS decimal(38, %d))", arg, scale)
		}
		call = "avg(" + distinct + arg + ")"
	case "min", "max", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop",
		"bool_and", "bool_or", "every":
		call = c.Func + "(" + distinct + args[0] + ")"
	case "bit_and", "bit_or":
		call = fmt.Sprintf("bitwise_%s_agg(%sCAST(%s AS bigint))", strings.TrimPrefix(c.Func, "bit_"), distinct, args[0])
	case "array_agg":
		call = "array_agg(" + distinct + args[0]
		if len(order) > 0 {
			call += " ORDER BY " + strings.Join(order, ", ")
		}
		call += ")"
	case "string_agg":
		if len(c.Args) < 2 {
			return "", notTrino("string_agg without a delimiter")
		}
		if _, ok := c.Args[1].(*plan.Const); !ok {
			return "", notTrino("string_agg with a delimiter that is not a constant")
		}
		if len(order) == 0 {
			order = []string{args[0]}
		}
		call = fmt.Sprintf("listagg(%s%s, %s) WITHIN GROUP (ORDER BY %s)", distinct, args[0], args[1], strings.Join(order, ", "))
	default:
		return "", notTrino("aggregate %s", c.Func)
	}
	if c.Filter != nil {
		f, err := r.expr(c.Filter, refs)
		if err != nil {
			return "", err
		}
		call += " FILTER (WHERE " + f + ")"
	}
	return r.castTo(call, c.Type)
}

func (r *trinoRenderer) join(x *plan.Join) (rel, error) {
	l, err := r.node(x.Left)
	if err != nil {
		return rel{}, err
	}
	rt, err := r.node(x.Right)
	if err != nil {
		return rel{}, err
	}
	la, ra := r.next("l"), r.next("r")
	nl := l.n
	refs := func(i int) string {
		if i < nl {
			return fmt.Sprintf("%s.c%d", la, i)
		}
		return fmt.Sprintf("%s.c%d", ra, i-nl)
	}
	if xe, se, ok := x.NotIn(); ok {
		// NOT IN itself, which Trino runs as a semi join with the same
		// NULL rules; NOT EXISTS over COALESCE(x = s, true) would be a
		// nested loop there.
		xs, err := r.expr(xe, aliasRefs(la))
		if err != nil {
			return rel{}, err
		}
		ss, err := r.expr(se, aliasRefs(ra))
		if err != nil {
			return rel{}, err
		}
		return rel{sql: fmt.Sprintf("SELECT %s FROM (%s) %s WHERE NOT (%s IN (SELECT %s FROM (%s) %s))",
			selectList(visible(la, nl, 0)), l.sql, la, xs, ss, rt.sql, ra), n: nl}, nil
	}
	var conds []string
	for i := range x.LeftKeys {
		lk, err := r.expr(x.LeftKeys[i], aliasRefs(la))
		if err != nil {
			return rel{}, err
		}
		rk, err := r.expr(x.RightKeys[i], aliasRefs(ra))
		if err != nil {
			return rel{}, err
		}
		conds = append(conds, "("+lk+" = "+rk+")")
	}
	if x.On != nil {
		on, err := r.expr(x.On, refs)
		if err != nil {
			return rel{}, err
		}
		conds = append(conds, on)
	}
	cond := strings.Join(conds, " AND ")
	if cond == "" {
		cond = "true"
	}
	left := fmt.Sprintf("(%s) %s", l.sql, la)
	right := fmt.Sprintf("(%s) %s", rt.sql, ra)
	switch x.Kind {
	case plan.JoinSemi, plan.JoinAnti:
		not := ""
		if x.Kind == plan.JoinAnti {
			not = "NOT "
		}
		return rel{sql: fmt.Sprintf("SELECT %s FROM %s WHERE %sEXISTS (SELECT 1 FROM %s WHERE %s)",
			selectList(visible(la, nl, 0)), left, not, right, cond), n: nl}, nil
	case plan.JoinMark:
		items := append(visible(la, nl, 0), fmt.Sprintf("EXISTS (SELECT 1 FROM %s WHERE %s) AS c%d", right, cond, nl))
		return rel{sql: fmt.Sprintf("SELECT %s FROM %s", strings.Join(items, ", "), left), n: nl + 1}, nil
	}
	kw := map[plan.JoinKind]string{plan.JoinInner: "JOIN", plan.JoinLeft: "LEFT JOIN", plan.JoinRight: "RIGHT JOIN", plan.JoinFull: "FULL JOIN"}[x.Kind]
	items := append(visible(la, nl, 0), visible(ra, rt.n, nl)...)
	var out string
	if x.Kind == plan.JoinInner && len(conds) == 0 {
		out = fmt.Sprintf("SELECT %s FROM %s CROSS JOIN %s", selectList(items), left, right)
	} else {
		out = fmt.Sprintf("SELECT %s FROM %s %s %s ON %s", selectList(items), left, kw, right, cond)
	}
	return rel{sql: out, n: nl + rt.n}, nil
}

func (r *trinoRenderer) setOp(x *plan.SetOp) (rel, error) {
	l, err := r.node(x.Left)
	if err != nil {
		return rel{}, err
	}
	rt, err := r.node(x.Right)
	if err != nil {
		return rel{}, err
	}
	side := func(in rel) (string, error) {
		a := r.next("u")
		items := make([]string, in.n)
		for i := range items {
			s := fmt.Sprintf("%s.c%d", a, i)
			if i < len(x.Cols) {
				var err error
				if s, err = r.castTo(s, x.Cols[i].Type); err != nil {
					return "", err
				}
			}
			items[i] = fmt.Sprintf("%s AS c%d", s, i)
		}
		return fmt.Sprintf("SELECT %s FROM (%s) %s", selectList(items), in.sql, a), nil
	}
	ls, err := side(l)
	if err != nil {
		return rel{}, err
	}
	rs, err := side(rt)
	if err != nil {
		return rel{}, err
	}
	op := strings.ToUpper(x.Kind.String())
	if x.All {
		op += " ALL"
	} else {
		op += " DISTINCT"
	}
	return rel{sql: fmt.Sprintf("%s %s %s", ls, op, rs), n: len(x.Cols)}, nil
}

func aliasRefs(alias string) func(int) string {
	return func(i int) string { return fmt.Sprintf("%s.c%d", alias, i) }
}

func noRefs(i int) string { return fmt.Sprintf("c%d", i) }

// trinoIdent quotes an identifier for Trino: always, so that case and
// keywords survive.
func trinoIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// trinoString is a Trino string literal. Trino's literals have no
// backslash escapes: doubling the quote is the only escape needed.
func trinoString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// trinoType names a PostgreSQL type in Trino.
func trinoType(t pgtype.Type) (string, error) {
	if t.IsArray() {
		e, err := trinoType(t.Elem())
		if err != nil {
			return "", err
		}
		return "array(" + e + ")", nil
	}
	switch t.OID {
	case pgtype.BoolOID:
		return "boolean", nil
	case pgtype.Int2OID:
		return "smallint", nil
	case pgtype.Int4OID:
		return "integer", nil
	case pgtype.Int8OID, pgtype.OIDOID:
		return "bigint", nil
	case pgtype.Float4OID:
		return "real", nil
	case pgtype.Float8OID:
		return "double", nil
	case pgtype.NumericOID:
		if p, s, ok := pgtype.NumericPrecisionScale(t.Typmod); ok {
			return fmt.Sprintf("decimal(%d, %d)", p, s), nil
		}
		return "decimal(38, 10)", nil
	case pgtype.TextOID, pgtype.NameOID, pgtype.UnknownOID, pgtype.CharOID:
		return "varchar", nil
	case pgtype.VarcharOID:
		if t.Typmod > 4 {
			return fmt.Sprintf("varchar(%d)", t.Typmod-4), nil
		}
		return "varchar", nil
	case pgtype.BPCharOID:
		if t.Typmod > 4 {
			return fmt.Sprintf("char(%d)", t.Typmod-4), nil
		}
		return "char(1)", nil
	case pgtype.DateOID:
		return "date", nil
	case pgtype.TimeOID:
		return "time(6)", nil
	case pgtype.TimestampOID:
		return "timestamp(6)", nil
	case pgtype.TimestamptzOID:
		return "timestamp(6) with time zone", nil
	case pgtype.ByteaOID:
		return "varbinary", nil
	case pgtype.UUIDOID:
		return "uuid", nil
	case pgtype.JSONOID, pgtype.JSONBOID:
		return "json", nil
	}
	return "", notTrino("type %s has no Trino counterpart", t)
}

// castTo casts a rendered expression to the Trino form of t, where the two
// engines' result types differ (lengths are bigint in Trino, integer in
// PostgreSQL). Types without a counterpart are left as they are.
func (r *trinoRenderer) castTo(s string, t pgtype.Type) (string, error) {
	tt, err := trinoType(t)
	if err != nil || t.OID == pgtype.IntervalOID {
		return s, nil
	}
	return "CAST(" + s + " AS " + tt + ")", nil
}

// literal renders a constant or a bound parameter as a typed Trino literal.
func (r *trinoRenderer) literal(v pgtype.Datum, t pgtype.Type) (string, error) {
	if v == nil {
		if t.OID == pgtype.IntervalOID {
			return "CAST(NULL AS interval day to second)", nil
		}
		tt, err := trinoType(t)
		if err != nil {
			return "", err
		}
		return "CAST(NULL AS " + tt + ")", nil
	}
	if t.IsArray() {
		arr, ok := v.(pgtype.Array)
		if !ok {
			return "", notTrino("array value %T", v)
		}
		elems := make([]string, len(arr.Elements))
		for i, e := range arr.Elements {
			s, err := r.literal(e, t.Elem())
			if err != nil {
				return "", err
			}
			elems[i] = s
		}
		tt, err := trinoType(t)
		if err != nil {
			return "", err
		}
		return "CAST(ARRAY[" + strings.Join(elems, ", ") + "] AS " + tt + ")", nil
	}
	switch t.OID {
	case pgtype.BoolOID:
		if b, ok := v.(bool); ok {
			if b {
				return "true", nil
			}
			return "false", nil
		}
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID:
		if n, ok := v.(int64); ok {
			tt, _ := trinoType(t)
			return fmt.Sprintf("%s '%d'", strings.ToUpper(tt), n), nil
		}
	case pgtype.Float4OID, pgtype.Float8OID:
		if f, ok := v.(float64); ok {
			tt, _ := trinoType(t)
			switch {
			case math.IsNaN(f):
				return "CAST(nan() AS " + tt + ")", nil
			case math.IsInf(f, 1):
				return "CAST(infinity() AS " + tt + ")", nil
			case math.IsInf(f, -1):
				return "CAST(-infinity() AS " + tt + ")", nil
			}
			return fmt.Sprintf("%s '%s'", strings.ToUpper(tt), strconv.FormatFloat(f, 'g', -1, 64)), nil
		}
	case pgtype.NumericOID:
		if n, ok := v.(pgtype.NumericValue); ok {
			if n.Special != pgtype.NumericFinite {
				return "", notTrino("numeric NaN or infinity")
			}
			s := numericText(n)
			if digits := len(strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(s), "0")); digits > 38 || n.Scale > 38 {
				// Trino's decimals hold 38 digits; a longer literal
				// would fail to parse there.
				return "", notTrino("numeric value %s has more than 38 digits", s)
			}
			if _, _, ok := pgtype.NumericPrecisionScale(t.Typmod); ok {
				tt, _ := trinoType(t)
				return "CAST(DECIMAL '" + s + "' AS " + tt + ")", nil
			}
			return "DECIMAL '" + s + "'", nil
		}
	case pgtype.DateOID:
		if d, ok := v.(pgtype.DateValue); ok {
			if d == pgtype.DateNegInfinity || d == pgtype.DatePosInfinity {
				return "", notTrino("infinite dates")
			}
			tm := time.Unix(int64(d)*86400, 0).UTC()
			if tm.Year() < 1 {
				return "", notTrino("dates before year 1")
			}
			return "DATE '" + tm.Format("2006-01-02") + "'", nil
		}
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		if ts, ok := v.(pgtype.TimestampValue); ok {
			if ts == pgtype.TimestampNegInfinity || ts == pgtype.TimestampPosInfinity {
				return "", notTrino("infinite timestamps")
			}
			tm := time.UnixMicro(int64(ts)).UTC()
			if tm.Year() < 1 {
				return "", notTrino("timestamps before year 1")
			}
			s := tm.Format("2006-01-02 15:04:05.000000")
			if t.OID == pgtype.TimestamptzOID {
				return r.inZone("TIMESTAMP '" + s + " UTC'"), nil
			}
			return "TIMESTAMP '" + s + "'", nil
		}
	case pgtype.TimeOID:
		if tv, ok := v.(pgtype.TimeValue); ok {
			us := int64(tv)
			return fmt.Sprintf("TIME '%02d:%02d:%02d.%06d'", us/3600e6, us/60e6%60, us/1e6%60, us%1e6), nil
		}
	case pgtype.IntervalOID:
		if iv, ok := v.(pgtype.IntervalValue); ok {
			return intervalLiteral(iv)
		}
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.UnknownOID, pgtype.CharOID:
		if s, ok := v.(string); ok {
			return trinoString(s), nil
		}
	case pgtype.ByteaOID:
		if b, ok := v.([]byte); ok {
			return fmt.Sprintf("X'%x'", b), nil
		}
	case pgtype.JSONOID, pgtype.JSONBOID:
		if s, ok := v.(string); ok {
			return "JSON " + trinoString(s), nil
		}
	case pgtype.UUIDOID:
		txt, err := pgtype.AppendText(nil, t, v, pgtype.DefaultSettings())
		if err == nil {
			return "UUID '" + string(txt) + "'", nil
		}
	}
	return "", notTrino("a %s value", t)
}

func numericText(n pgtype.NumericValue) string {
	s := new(big.Int).Abs(n.Coef).String()
	neg := n.Coef.Sign() < 0
	if n.Scale > 0 {
		for len(s) <= int(n.Scale) {
			s = "0" + s
		}
		s = s[:len(s)-int(n.Scale)] + "." + s[len(s)-int(n.Scale):]
	} else if n.Scale < 0 {
		s += strings.Repeat("0", int(-n.Scale))
	}
	if neg {
		s = "-" + s
	}
	return s
}

// intervalLiteral renders an interval with one of Trino's two interval
// types: year to month or day to second. PostgreSQL's mixed intervals
// (months and days) have no single Trino value.
func intervalLiteral(iv pgtype.IntervalValue) (string, error) {
	if iv.Months != 0 {
		if iv.Days != 0 || iv.Micros != 0 {
			return "", notTrino("an interval of months and days together outside date arithmetic")
		}
		return fmt.Sprintf("INTERVAL '%d' MONTH", iv.Months), nil
	}
	return daySecond(int64(iv.Days), iv.Micros), nil
}

func daySecond(days, micros int64) string {
	// Trino's day-to-second intervals count milliseconds.
	total := (days*86400e6 + micros) / 1000
	neg := total < 0
	if neg {
		total = -total
	}
	d := total / 86400e3
	rest := total % 86400e3
	s := fmt.Sprintf("INTERVAL '%d %02d:%02d:%02d.%03d' DAY TO SECOND", d, rest/3600e3, rest/60e3%60, rest/1e3%60, rest%1e3)
	if neg {
		return "(-" + s + ")"
	}
	return s
}
