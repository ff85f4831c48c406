package expr

import (
	"math"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The int64 kernels near the edges of int64: a batch they compute must be
// exact, and a batch whose operands are well inside the range must not be
// handed back to the Datum path. Columns: int8 x, int8 y, numeric(18,0) x,
// numeric(18,2) y, so + and - also scale x by 100.
func TestNumArithAtInt64Edges(t *testing.T) {
	edges := []int64{0, 1, -1, 7, 1<<31 - 1, 1 << 31, -1 << 31, -1<<31 - 1, 3037000499, -3037000500,
		math.MaxInt64 / 100, math.MaxInt64/100 + 1, -math.MaxInt64 / 100, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 1 << 62}
	dec0 := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(18, 0)}
	dec2 := pgtype.Type{OID: pgtype.NumericOID, Typmod: pgtype.NumericTypmod(18, 2)}
	types := []pgtype.Type{pgtype.Int8, pgtype.Int8, dec0, dec2}
	mem := memory.DefaultAllocator
	for _, x := range edges {
		for _, y := range edges {
			arrs := make([]arrow.Array, 4)
			fields := make([]arrow.Field, 4)
			for c, typ := range types {
				v := x
				if c%2 == 1 {
					v = y
				}
				var d pgtype.Datum = v
				if c >= 2 {
					d = pgtype.NumericValue{Coef: big.NewInt(v), Scale: int32(c-2) * 2}
				}
				bld := array.NewBuilder(mem, typ.ArrowType())
				// Decimal64 holds any int64 coefficient; numeric(18,s)'s
				// precision limit is the planner's business, not the kernel's.
				if db, ok := bld.(*array.Decimal64Builder); ok {
					db.Append(decimal.Decimal64(v))
				} else if err := pgtype.AppendDatum(bld, typ, d); err != nil {
					t.Fatal(err)
				}
				arrs[c] = bld.NewArray()
				bld.Release()
				fields[c] = arrow.Field{Name: "c", Type: typ.ArrowType(), Nullable: true}
			}
			b := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, 1)
			for _, a := range arrs {
				a.Release()
			}
			for _, op := range []string{"add", "sub", "mul"} {
				for _, dec := range []bool{false, true} {
					l, r, typ := plan.Expr(col(0, types[0])), plan.Expr(col(1, types[1])), pgtype.Int8
					scale := int32(0)
					if dec {
						l, r, typ = col(2, dec0), col(3, dec2), pgtype.Numeric
					}
					want := new(big.Int)
					bx, by := big.NewInt(x), big.NewInt(y)
					switch op {
					case "add", "sub":
						if dec {
							bx.Mul(bx, big.NewInt(100))
							scale = 2
						}
						if op == "add" {
							want.Add(bx, by)
						} else {
							want.Sub(bx, by)
						}
					case "mul":
						want.Mul(bx, by)
						if dec {
							scale = 2
						}
					}
					n, ok := CompileNum(&plan.Call{Func: op, Args: []plan.Expr{l, r}, Typ: typ}, &Env{Settings: pgtype.DefaultSettings(), Mem: mem})
					if !ok {
						t.Fatalf("%s not compiled", op)
					}
					v, ok, err := n.Eval(b)
					if err != nil {
						t.Fatal(err)
					}
					if ok {
						if v.Scale != scale || !want.IsInt64() || v.Coef[0] != want.Int64() {
							t.Fatalf("%d %s %d (dec %v): %d scale %d, want %s scale %d", x, op, y, dec, v.Coef[0], v.Scale, want, scale)
						}
						continue
					}
					// Handing back is only allowed near the edges.
					const safe = 1 << 55
					small := func(v int64) bool { return v > -safe/100 && v < safe/100 }
					if want.IsInt64() && small(x) && small(y) && (op != "mul" || want.CmpAbs(big.NewInt(safe)) < 0) {
						t.Fatalf("%d %s %d (dec %v): handed back though %s fits", x, op, y, dec, want)
					}
				}
			}
			b.Release()
		}
	}
}

func col(i int, t pgtype.Type) *plan.ColumnRef { return &plan.ColumnRef{Index: i, Name: "c", Typ: t} }
