package expr

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Columns of the generated batch the vector tests read.
var (
	dec122 = pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(12, 2)}
	vcols  = []pgtype.Type{pgtype.Int8, pgtype.Int4, dec122, pgtype.Date, pgtype.Timestamp, pgtype.Text, pgtype.Float8, pgtype.Bool, pgtype.Int2, dec122, pgtype.Date, pgtype.Timestamp, pgtype.OIDType, pgtype.OIDType}
)

func num(coef int64, scale int32) pgtype.NumericValue {
	return pgtype.NumericValue{Coef: big.NewInt(coef), Scale: scale}
}

// vectorBatch builds n rows with NULLs, negatives, infinities and NaNs in
// every column, through Build (the same path operators use).
func vectorBatch(t testing.TB, n int, seed uint64) arrow.RecordBatch {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	mem := memory.DefaultAllocator
	fields := make([]arrow.Field, len(vcols))
	arrs := make([]arrow.Array, len(vcols))
	for c, typ := range vcols {
		vals := make([]pgtype.Datum, n)
		for i := range vals {
			if r.IntN(8) == 0 {
				continue // NULL
			}
			switch c {
			case 0:
				vals[i] = int64(r.IntN(200) - 100)
			case 1:
				vals[i] = int64(r.IntN(200) - 100)
			case 2, 9:
				vals[i] = num(int64(r.IntN(20000)-10000), 2)
			case 3:
				switch r.IntN(20) {
				case 0:
					vals[i] = pgtype.DatePosInfinity
				case 1:
					vals[i] = pgtype.DateNegInfinity
				default:
					vals[i] = pgtype.DateValue(20000 + r.IntN(20))
				}
			case 4:
				vals[i] = pgtype.TimestampValue(int64(20000+r.IntN(20))*86400_000_000 + int64(r.IntN(3))*43200_000_000)
			case 5:
				vals[i] = []string{"", "a", "paid", "pa", "shipped", "zz"}[r.IntN(6)]
			case 6:
				switch r.IntN(10) {
				case 0:
					vals[i] = math.NaN()
				case 1:
					vals[i] = math.Inf(-1)
				default:
					vals[i] = float64(r.IntN(40)-20) / 4
				}
			case 7:
				vals[i] = r.IntN(2) == 0
			case 8:
				vals[i] = int64(r.IntN(20) - 10)
			case 10:
				vals[i] = pgtype.DateValue(20000 + r.IntN(20))
			case 11:
				vals[i] = pgtype.TimestampValue(int64(20000+r.IntN(20))*86400_000_000 + int64(r.IntN(3))*43200_000_000)
			case 12, 13:
				// Small catalog OIDs and lake OIDs past 2^31.
				if r.IntN(2) == 0 {
					vals[i] = int64(r.IntN(20))
				} else {
					vals[i] = int64(math.MaxUint32 - r.IntN(20))
				}
			}
		}
		a, err := Build(mem, typ, vals)
		if err != nil {
			t.Fatal(err)
		}
		arrs[c] = a
		fields[c] = arrow.Field{Name: "c", Type: typ.ArrowType(), Nullable: true}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n))
}

func tcol(i int) plan.Expr { return &plan.ColumnRef{Index: i, Name: "c", Typ: vcols[i]} }
func vconst(v pgtype.Datum, t pgtype.Type) plan.Expr {
	return &plan.Const{Value: v, Typ: t}
}
func vcall(fn string, t pgtype.Type, args ...plan.Expr) plan.Expr {
	return &plan.Call{Func: fn, Args: args, Typ: t}
}
func vcmp(fn string, l, r plan.Expr) plan.Expr { return vcall(fn, pgtype.Bool, l, r) }
func vcast(e plan.Expr, t pgtype.Type) plan.Expr {
	return &plan.Cast{Arg: e, Typ: t}
}
func vbool(op string, args ...plan.Expr) plan.Expr { return &plan.BoolOp{Op: op, Args: args} }

// vectorCases are predicates the vector path must compile; each is checked
// row by row against the Datum path.
func vectorCases() map[string]plan.Expr {
	ts := func(day, hours int64) plan.Expr {
		return vconst(pgtype.TimestampValue(day*86400_000_000+hours*3600_000_000), pgtype.Timestamp)
	}
	cases := map[string]plan.Expr{
		"int8 < const":              vcmp("lt", tcol(0), vconst(int64(3), pgtype.Int8)),
		"const <= int4::int8":       vcmp("le", vconst(int64(3), pgtype.Int8), vcast(tcol(1), pgtype.Int8)),
		"int2 = const":              vcmp("eq", tcol(8), vconst(int64(0), pgtype.Int2)),
		"int4::int8 <> int8":        vcmp("ne", vcast(tcol(1), pgtype.Int8), tcol(0)),
		"int8 > NULL":               vcmp("gt", tcol(0), vconst(nil, pgtype.Int8)),
		"int8 >= 2+3*4":             vcmp("ge", tcol(0), vcall("add", pgtype.Int8, vconst(int64(2), pgtype.Int8), vcall("mul", pgtype.Int8, vconst(int64(3), pgtype.Int8), vconst(int64(4), pgtype.Int8)))),
		"dec < 24 (scale 0)":        vcmp("lt", vcast(tcol(2), pgtype.Numeric), vcast(vconst(int64(24), pgtype.Int4), pgtype.Numeric)),
		"dec >= 0.05 (scale 2)":     vcmp("ge", tcol(2), vconst(num(5, 2), pgtype.Numeric)),
		"dec > 1.500 (scale 3)":     vcmp("gt", tcol(2), vconst(num(1500, 3), pgtype.Numeric)),
		"dec > 1.505 (inexact)":     vcmp("gt", tcol(2), vconst(num(1505, 3), pgtype.Numeric)),
		"dec = 1.505 (inexact)":     vcmp("eq", tcol(2), vconst(num(1505, 3), pgtype.Numeric)),
		"dec < NaN":                 vcmp("lt", tcol(2), vconst(pgtype.NumericValue{Special: pgtype.NumericNaN}, pgtype.Numeric)),
		"dec >= -Infinity":          vcmp("ge", tcol(2), vconst(pgtype.NumericValue{Special: pgtype.NumericNegInf}, pgtype.Numeric)),
		"dec = dec":                 vcmp("eq", tcol(2), tcol(9)),
		"dec < dec":                 vcmp("lt", tcol(9), tcol(2)),
		"date < date":               vcmp("lt", tcol(3), tcol(10)),
		"date >= date":              vcmp("ge", tcol(10), tcol(3)),
		"date = date":               vcmp("eq", tcol(3), tcol(10)),
		"date <> date":              vcmp("ne", tcol(3), tcol(10)),
		"date <= date":              vcmp("le", tcol(3), tcol(10)),
		"date > date":               vcmp("gt", tcol(3), tcol(10)),
		"ts <= ts":                  vcmp("le", tcol(4), tcol(11)),
		"ts > ts":                   vcmp("gt", tcol(11), tcol(4)),
		"dec <> dec":                vcmp("ne", tcol(9), tcol(2)),
		"dec >= dec":                vcmp("ge", tcol(9), tcol(2)),
		"date >= const":             vcmp("ge", tcol(3), vconst(pgtype.DateValue(20005), pgtype.Date)),
		"date < infinity":           vcmp("lt", tcol(3), vconst(pgtype.DatePosInfinity, pgtype.Date)),
		"date::ts < midnight":       vcmp("lt", vcast(tcol(3), pgtype.Timestamp), ts(20005, 0)),
		"date::ts < noon":           vcmp("lt", vcast(tcol(3), pgtype.Timestamp), ts(20005, 12)),
		"date::ts <= noon":          vcmp("le", vcast(tcol(3), pgtype.Timestamp), ts(20005, 12)),
		"date::ts > noon":           vcmp("gt", vcast(tcol(3), pgtype.Timestamp), ts(20005, 12)),
		"date::ts >= noon":          vcmp("ge", vcast(tcol(3), pgtype.Timestamp), ts(20005, 12)),
		"date::ts = noon":           vcmp("eq", vcast(tcol(3), pgtype.Timestamp), ts(20005, 12)),
		"date::ts <> noon":          vcmp("ne", vcast(tcol(3), pgtype.Timestamp), ts(20005, 12)),
		"date::ts = midnight":       vcmp("eq", vcast(tcol(3), pgtype.Timestamp), ts(20005, 0)),
		"date::ts >= neg day":       vcmp("ge", vcast(tcol(3), pgtype.Timestamp), ts(-3, 12)),
		"date::ts < ts infinity":    vcmp("lt", vcast(tcol(3), pgtype.Timestamp), vconst(pgtype.TimestampPosInfinity, pgtype.Timestamp)),
		"ts > const":                vcmp("gt", tcol(4), ts(20010, 12)),
		"text = 'paid'":             vcmp("eq", tcol(5), vconst("paid", pgtype.Text)),
		"text < 'paid'":             vcmp("lt", tcol(5), vconst("paid", pgtype.Text)),
		"'pa' >= text":              vcmp("ge", vconst("pa", pgtype.Text), tcol(5)),
		"text <> ''":                vcmp("ne", tcol(5), vconst("", pgtype.Text)),
		"float < 1.5":               vcmp("lt", tcol(6), vconst(1.5, pgtype.Float8)),
		"float >= NaN":              vcmp("ge", tcol(6), vconst(math.NaN(), pgtype.Float8)),
		"float < NaN":               vcmp("lt", tcol(6), vconst(math.NaN(), pgtype.Float8)),
		"float = float":             vcmp("eq", tcol(6), tcol(6)),
		"bool column":               tcol(7),
		"NOT bool":                  vbool("NOT", tcol(7)),
		"text IS NULL":              &plan.NullTest{Arg: tcol(5)},
		"dec IS NOT NULL":           &plan.NullTest{Arg: tcol(2), Not: true},
		"AND with NULLs":            vbool("AND", vcmp("lt", tcol(0), vconst(int64(10), pgtype.Int8)), vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), tcol(7)),
		"OR with NULLs":             vbool("OR", vcmp("lt", tcol(0), vconst(int64(-50), pgtype.Int8)), vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), tcol(7)),
		"NOT (a OR b)":              vbool("NOT", vbool("OR", tcol(7), vcmp("gt", tcol(2), tcol(9)))),
		"NOT (a AND NULL)":          vbool("NOT", vbool("AND", tcol(7), vcmp("gt", tcol(0), vconst(nil, pgtype.Int8)))),
		"Q6 shape":                  vbool("AND", vcmp("ge", tcol(3), vconst(pgtype.DateValue(20003), pgtype.Date)), vcmp("lt", vcast(tcol(3), pgtype.Timestamp), ts(20010, 0)), vcmp("ge", tcol(2), vconst(num(5, 2), pgtype.Numeric)), vcmp("le", tcol(2), vconst(num(7000, 2), pgtype.Numeric)), vcmp("lt", vcast(tcol(9), pgtype.Numeric), vcast(vconst(int64(24), pgtype.Int4), pgtype.Numeric))),
		"text IN list":              vbool("OR", vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), vcmp("eq", vconst("", pgtype.Text), tcol(5)), vcmp("eq", tcol(5), vconst("zz", pgtype.Text))),
		"NOT text IN list":          vbool("NOT", vbool("OR", vcmp("eq", tcol(5), vconst("pa", pgtype.Text)), vcmp("eq", tcol(5), vconst("a", pgtype.Text)))),
		"text IN list with NULL":    vbool("OR", vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), vcmp("eq", tcol(5), vconst(nil, pgtype.Text))),
		"oid = const":               vcmp("eq", tcol(12), vconst(int64(7), pgtype.OIDType)),
		"oid > big const":           vcmp("gt", tcol(12), vconst(int64(math.MaxUint32-10), pgtype.OIDType)),
		"oid <= oid":                vcmp("le", tcol(12), tcol(13)),
		"oid = oid":                 vcmp("eq", tcol(13), tcol(12)),
		"oid::regclass = const":     vcmp("eq", vcast(tcol(12), pgtype.Type{OID: pgtype.RegclassOID, Typmod: -1}), vconst(int64(3), pgtype.Type{OID: pgtype.RegclassOID, Typmod: -1})),
		"oid::int8 < const":         vcmp("lt", vcast(tcol(13), pgtype.Int8), vconst(int64(1)<<31, pgtype.Int8)),
		"psql's attribute filter":   vbool("AND", vcmp("eq", tcol(12), vconst(int64(5), pgtype.OIDType)), vcmp("gt", vcast(tcol(8), pgtype.Int4), vconst(int64(0), pgtype.Int4)), vbool("NOT", tcol(7))),
		"const OR col (true const)": vbool("OR", vcmp("lt", vconst(int64(1), pgtype.Int8), tcol(0)), vcmp("eq", tcol(5), vconst("a", pgtype.Text))),
	}
	// LIKE with a constant pattern (engine/expr/like.go): pieces and %,
	// overlapping prefix and suffix, _, escapes, ILIKE, NOT.
	for _, pat := range []string{"p%", "%d", "%a%", "pa%d", "p%a%d", "%a%a%", "pa%ai%d", "a%a", "%", "", "paid", "p_id", "_", `p\%`, `%\_%`, "%%i%%"} {
		for _, fn := range []string{"like", "not_like"} {
			cases[fn+" '"+pat+"'"] = vcmp(fn, tcol(5), vconst(pat, pgtype.Text))
		}
	}
	cases["ilike 'PA%'"] = vcmp("ilike", tcol(5), vconst("PA%", pgtype.Text))
	cases["not_ilike '%ID'"] = vcmp("not_ilike", tcol(5), vconst("%ID", pgtype.Text))
	// substring(text FROM 1 FOR k) IN (...): the first k characters.
	sub := func(k int64) plan.Expr {
		return vcall("substring", pgtype.Text, tcol(5), vconst(int64(1), pgtype.Int4), vconst(k, pgtype.Int4))
	}
	cases["substring 2 IN list"] = vbool("OR", vcmp("eq", sub(2), vconst("pa", pgtype.Text)), vcmp("eq", vconst("", pgtype.Text), sub(2)), vcmp("eq", sub(2), vconst("a", pgtype.Text)))
	cases["substring 0 IN list"] = vbool("OR", vcmp("eq", sub(0), vconst("", pgtype.Text)), vcmp("eq", sub(0), vconst("a", pgtype.Text)))
	cases["NOT substring 9 IN list"] = vbool("NOT", vbool("OR", vcmp("eq", sub(9), vconst("paid", pgtype.Text)), vcmp("eq", sub(9), vconst("shipped", pgtype.Text))))
	return cases
}

func TestVectorPredicateMatchesDatumPath(t *testing.T) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	for _, seed := range []uint64{1, 2, 3, 4} {
		b := vectorBatch(t, 3000, seed)
		if seed == 4 {
			// A slice (as operators hand on): values and validity bits
			// start at an offset that is no multiple of 8.
			whole := b
			b = whole.NewSlice(13, 2900)
			whole.Release()
		}
		for name, e := range vectorCases() {
			pred, ok := CompilePredicate(e, env)
			if !ok {
				t.Fatalf("%s: the vector path does not compile %s", name, e)
			}
			var m Mask
			ok, err := pred.Eval(b, &m)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ev, err := Compile(e, env)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ev.Datums(b)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				// Handed back to the Datum path: only for constants it
				// cannot decide exactly.
				switch name {
				case "dec > 1.505 (inexact)", "dec = 1.505 (inexact)", "dec < NaN", "dec >= -Infinity", "date::ts < ts infinity":
					continue
				}
				t.Fatalf("%s: the vector path handed the batch back", name)
			}
			for i, w := range want {
				if (w == nil) != m.Null[i] || (w == true) != m.True[i] {
					t.Fatalf("%s, seed %d, row %d: vector (true %v, null %v), Datum path %v", name, seed, i, m.True[i], m.Null[i], w)
				}
			}
		}
		b.Release()
	}
}

func TestVectorPredicateConstantErrors(t *testing.T) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	b := vectorBatch(t, 10, 4)
	defer b.Release()
	for name, c := range map[string]struct {
		e    plan.Expr
		code string
	}{
		"int8 < 1/0":   {vcmp("lt", tcol(0), vcall("div", pgtype.Int8, vconst(int64(1), pgtype.Int8), vconst(int64(0), pgtype.Int8))), pgerr.DivisionByZero},
		"int4 < max+1": {vcmp("lt", vcast(tcol(1), pgtype.Int8), vcast(vcall("add", pgtype.Int4, vconst(int64(math.MaxInt32), pgtype.Int4), vconst(int64(1), pgtype.Int4)), pgtype.Int8)), pgerr.NumericValueOutOfRange},
	} {
		pred, ok := CompilePredicate(c.e, env)
		if !ok {
			// A division is no constant shape the vector path folds; the
			// Datum path raises it.
			ev, err := Compile(c.e, env)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ev.Datums(b)
			if pe, _ := err.(*pgerr.Error); pe == nil || pe.Code != c.code {
				t.Fatalf("%s: Datum path error %v, want SQLSTATE %s", name, err, c.code)
			}
			continue
		}
		var m Mask
		_, err := pred.Eval(b, &m)
		if pe, _ := err.(*pgerr.Error); pe == nil || pe.Code != c.code {
			t.Fatalf("%s: error %v, want SQLSTATE %s", name, err, c.code)
		}
	}
}

// Shapes the vector path leaves to the Datum path.
func TestVectorPredicateDeclines(t *testing.T) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	for name, e := range map[string]plan.Expr{
		"oid::int4":     vcmp("lt", vcast(tcol(12), pgtype.Int4), vconst(int64(3), pgtype.Int4)),
		"int8::oid":     vcmp("lt", vcast(tcol(0), pgtype.OIDType), vconst(int64(3), pgtype.OIDType)),
		"int8 narrowed": vcmp("lt", vcast(tcol(0), pgtype.Int4), vconst(int64(3), pgtype.Int4)),
		"like column":   vcall("like", pgtype.Bool, tcol(5), tcol(5)),
		"like bad esc":  vcall("like", pgtype.Bool, tcol(5), vconst(`p\`, pgtype.Text)),
		"substring 2..": vbool("OR", vcmp("eq", vcall("substring", pgtype.Text, tcol(5), vconst(int64(2), pgtype.Int4), vconst(int64(1), pgtype.Int4)), vconst("a", pgtype.Text)), vcmp("eq", tcol(5), vconst("a", pgtype.Text))),
		"column arith":  vcmp("lt", vcall("add", pgtype.Int8, tcol(0), tcol(0)), vconst(int64(3), pgtype.Int8)),
		"random()":      vcmp("lt", tcol(6), vcall("random", pgtype.Float8)),
	} {
		if _, ok := CompilePredicate(e, env); ok {
			t.Fatalf("%s: compiled, want the Datum path", name)
		}
	}
}

func TestNumExprMatchesDatumPath(t *testing.T) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	b := vectorBatch(t, 3000, 5)
	defer b.Release()
	one := vcast(vconst(int64(1), pgtype.Int4), pgtype.Numeric)
	for name, e := range map[string]plan.Expr{
		"dec * (1 - dec) * (1 + dec)": vcall("mul", pgtype.Numeric, vcall("mul", pgtype.Numeric, tcol(2), vcall("sub", pgtype.Numeric, one, tcol(9))), vcall("add", pgtype.Numeric, one, tcol(9))),
		"dec + 0.005":                 vcall("add", pgtype.Numeric, tcol(2), vconst(num(5, 3), pgtype.Numeric)),
		"int8 * int4":                 vcall("mul", pgtype.Int8, tcol(0), vcast(tcol(1), pgtype.Int8)),
		"int2 - int8":                 vcall("sub", pgtype.Int8, vcast(tcol(8), pgtype.Int8), tcol(0)),
	} {
		n, ok := CompileNum(e, env)
		if !ok {
			t.Fatalf("%s: not compiled", name)
		}
		v, ok, err := n.Eval(b)
		if !ok || err != nil {
			t.Fatalf("%s: %v %v", name, ok, err)
		}
		ev, err := Compile(e, env)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ev.Datums(b)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want {
			null := v.Null != nil && v.Null[i]
			if (w == nil) != null {
				t.Fatalf("%s row %d: NULL %v, want %v", name, i, null, w)
			}
			if w == nil {
				continue
			}
			var got pgtype.Datum = v.Coef[i]
			if !n.Int {
				got = num(v.Coef[i], v.Scale)
			}
			if Compare(got, w) != 0 {
				t.Fatalf("%s row %d: %v, want %v", name, i, got, w)
			}
			if nv, ok := w.(pgtype.NumericValue); ok && nv.Scale != v.Scale {
				t.Fatalf("%s row %d: scale %d, want %d", name, i, v.Scale, nv.Scale)
			}
		}
	}
	// A product leaving int64 hands the batch back.
	huge := vcall("mul", pgtype.Int8, tcol(0), vconst(int64(1)<<62, pgtype.Int8))
	n, ok := CompileNum(huge, env)
	if !ok {
		t.Fatal("int8 * 2^62 not compiled")
	}
	if _, ok, err := n.Eval(b); ok || err != nil {
		t.Fatalf("int8 * 2^62: ok %v, err %v; want the batch handed back", ok, err)
	}
}

// col = 'a' OR col = 'b' compiles to the one-pass list test; a NULL in the
// list or a second column keeps the general OR.
func TestTextInCompiles(t *testing.T) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	for name, c := range map[string]struct {
		e    plan.Expr
		list bool
	}{
		"list":      {vbool("OR", vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), vcmp("eq", vconst("a", pgtype.Text), tcol(5))), true},
		"NULL":      {vbool("OR", vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), vcmp("eq", tcol(5), vconst(nil, pgtype.Text))), false},
		"other col": {vbool("OR", vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), vcmp("eq", tcol(0), vconst(int64(1), pgtype.Int8))), false},
		"AND":       {vbool("AND", vcmp("eq", tcol(5), vconst("paid", pgtype.Text)), vcmp("eq", tcol(5), vconst("a", pgtype.Text))), false},
	} {
		p, ok := CompilePredicate(c.e, env)
		if !ok {
			t.Fatalf("%s: not compiled", name)
		}
		if _, isList := p.root.(*vTextIn); isList != c.list {
			t.Errorf("%s: list test %v, want %v", name, isList, c.list)
		}
	}
}
