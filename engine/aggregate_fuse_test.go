package engine

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestFuseProject checks which aggregates over a projection compute its
// expressions themselves: each computed expression used exactly once
// fuses (and the fused aggregate keeps the typed path), one used twice or
// not at all keeps the projection. testdata/sql/fusedagg.test checks the
// answers against PostgreSQL.
func TestFuseProject(t *testing.T) {
	i8 := pgtype.Type{OID: pgtype.Int8OID, Typmod: -1}
	num := pgtype.Type{OID: pgtype.NumericOID, Typmod: -1}
	date := pgtype.Type{OID: pgtype.DateOID, Typmod: -1}
	in := &plan.Values{Cols: []plan.Column{{Name: "a", Type: i8}, {Name: "d", Type: date}}}
	a, d := &plan.ColumnRef{Index: 0, Name: "a", Typ: i8}, &plan.ColumnRef{Index: 1, Name: "d", Typ: date}
	proj := &plan.Project{Input: in,
		Exprs: []plan.Expr{
			&plan.Call{Func: "mul", Op: "*", Args: []plan.Expr{a, &plan.Const{Value: int64(2), Typ: i8}}, Typ: i8},
			&plan.Call{Func: "extract", Op: "extract", Args: []plan.Expr{&plan.Const{Value: "year", Typ: pgtype.Type{OID: pgtype.TextOID, Typmod: -1}}, d}, Typ: num},
			a,
		},
		Cols: []plan.Column{{Name: "x", Type: i8}, {Name: "y", Type: num}, {Name: "a", Type: i8}},
	}
	x, y, pa := &plan.ColumnRef{Index: 0, Name: "x", Typ: i8}, &plan.ColumnRef{Index: 1, Name: "y", Typ: num}, &plan.ColumnRef{Index: 2, Name: "a", Typ: i8}
	env := &expr.Env{Settings: pgtype.DefaultSettings()}
	agg := func(keys []plan.Expr, aggs ...*plan.AggCall) *plan.Aggregate {
		return &plan.Aggregate{Input: proj, GroupBy: keys, Aggs: aggs}
	}
	sum := func(e plan.Expr) *plan.AggCall { return &plan.AggCall{Func: "sum", Args: []plan.Expr{e}, Type: num} }

	n := agg([]plan.Expr{y}, sum(x), sum(pa), sum(pa))
	f := fuseProject(n, env)
	if f == n || f.Input != in {
		t.Fatalf("once-used expressions: not fused (%v)", f)
	}
	if _, ok := f.GroupBy[0].(*plan.Call); !ok {
		t.Errorf("fused key is %v, want the extract call", f.GroupBy[0])
	}
	if newAggFast(f, env) == nil {
		t.Errorf("fused aggregate %v lost the typed path", f)
	}
	for name, n := range map[string]*plan.Aggregate{
		"used twice": agg([]plan.Expr{y}, sum(x), sum(x)),
		"unused":     agg([]plan.Expr{y}, sum(pa)),
		"subquery":   agg([]plan.Expr{y}, sum(x), &plan.AggCall{Func: "count", Args: []plan.Expr{&plan.Subquery{}}, Type: i8}),
	} {
		if f := fuseProject(n, env); f != n {
			t.Errorf("%s: fused into %v", name, f)
		}
	}
}

// TestShareAggregate checks that two aggregates of equal (not identical)
// plan in one query share one computation: the second replays the first
// one's batch, and the rows are released with the last user. An
// aggregate over a volatile function is not shared. sharedagg.test checks
// the answers of such queries against PostgreSQL.
func TestShareAggregate(t *testing.T) {
	i8 := pgtype.Type{OID: pgtype.Int8OID, Typmod: -1}
	f8 := pgtype.Type{OID: pgtype.Float8OID, Typmod: -1}
	mk := func(arg plan.Expr, typ pgtype.Type) *plan.Aggregate {
		var rows [][]plan.Expr
		for i := range 5 {
			rows = append(rows, []plan.Expr{&plan.Const{Value: int64(i % 2), Typ: i8}, &plan.Const{Value: int64(i), Typ: i8}})
		}
		in := &plan.Values{Rows: rows, Cols: []plan.Column{{Name: "k", Type: i8}, {Name: "v", Type: i8}}}
		if arg == nil {
			arg = &plan.ColumnRef{Index: 1, Name: "v", Typ: i8}
		}
		return &plan.Aggregate{Input: in, GroupBy: []plan.Expr{&plan.ColumnRef{Index: 0, Name: "k", Typ: i8}},
			Aggs: []*plan.AggCall{{Func: "sum", Args: []plan.Expr{arg}, Type: typ}},
			Cols: []plan.Column{{Name: "k", Type: i8}, {Name: "sum", Type: typ}}}
	}
	env := &expr.Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	b := &builder{env: env, mem: memory.DefaultAllocator, work: map[int][]arrow.RecordBatch{}, workers: 1}
	ctx := context.Background()
	op1, err := b.build(mk(nil, numericType))
	if err != nil {
		t.Fatal(err)
	}
	op2, err := b.build(mk(nil, numericType))
	if err != nil {
		t.Fatal(err)
	}
	s1, ok1 := op1.(*sharedAggOp)
	s2, ok2 := op2.(*sharedAggOp)
	if !ok1 || !ok2 || s1.s != s2.s {
		t.Fatalf("equal aggregates not shared: %T %T", op1, op2)
	}
	b2, err := op2.next(ctx)
	if err != nil || b2 == nil {
		t.Fatalf("second aggregate: %v %v", b2, err)
	}
	b1, err := op1.next(ctx)
	if err != nil || b1 == nil {
		t.Fatalf("first aggregate: %v %v", b1, err)
	}
	if b1 != b2 || b1.NumRows() != 2 {
		t.Errorf("the first aggregate computed again (or wrong rows: %d)", b1.NumRows())
	}
	b1.Release()
	b2.Release()
	if end, err := op1.next(ctx); end != nil || err != nil {
		t.Errorf("after the replayed rows: %v %v", end, err)
	}
	op1.close()
	if s1.s.out == nil || s1.s.refs != 1 {
		t.Errorf("rows released while a user remains (refs %d)", s1.s.refs)
	}
	op2.close()
	if s1.s.out != nil || s1.s.done || s1.s.refs != 0 {
		t.Errorf("rows kept after the last user closed (refs %d)", s1.s.refs)
	}

	random := func() plan.Expr { return &plan.Call{Func: "random", Op: "random", Typ: f8, Volatile: true} }
	op3, err := b.build(mk(random(), f8))
	if err != nil {
		t.Fatal(err)
	}
	defer op3.close()
	if _, ok := op3.(*sharedAggOp); ok {
		t.Errorf("an aggregate of random() is shared")
	}
}

var numericType = pgtype.Type{OID: pgtype.NumericOID, Typmod: -1}
