package expr

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// q6Predicate is TPC-H Q6's WHERE over the generated batch's columns: a
// date range (one side through date::timestamp), a decimal BETWEEN and a
// decimal < integer.
func q6Predicate() plan.Expr {
	return vectorCases()["Q6 shape"]
}

// BenchmarkQ6Predicate compares the vector predicate with the Datum path
// over one 64Ki-row batch.
func BenchmarkQ6Predicate(b *testing.B) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	batch := vectorBatch(b, 1<<16, 7)
	defer batch.Release()
	e := q6Predicate()
	b.Run("vector", func(b *testing.B) {
		p, ok := CompilePredicate(e, env)
		if !ok {
			b.Fatal("Q6 predicate not compiled")
		}
		var m Mask
		for b.Loop() {
			if ok, err := p.Eval(batch, &m); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("datum", func(b *testing.B) {
		ev, err := Compile(e, env)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := ev.Datums(batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQ1Product is Q1's extendedprice * (1 - discount) * (1 + tax)
// shape as int64 coefficients.
func BenchmarkQ1Product(b *testing.B) {
	env := &Env{Settings: pgtype.DefaultSettings(), Mem: memory.DefaultAllocator}
	batch := vectorBatch(b, 1<<16, 8)
	defer batch.Release()
	one := vcast(vconst(int64(1), pgtype.Int4), pgtype.Numeric)
	e := vcall("mul", pgtype.Numeric, vcall("mul", pgtype.Numeric, tcol(2), vcall("sub", pgtype.Numeric, one, tcol(9))), vcall("add", pgtype.Numeric, one, tcol(9)))
	b.Run("vector", func(b *testing.B) {
		n, ok := CompileNum(e, env)
		if !ok {
			b.Fatal("not compiled")
		}
		for b.Loop() {
			if _, ok, err := n.Eval(batch); !ok || err != nil {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("datum", func(b *testing.B) {
		ev, err := Compile(e, env)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := ev.Datums(batch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
