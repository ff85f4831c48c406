package parquet

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestTakeArrayMatchesCompute checks the typed gather against arrow's own
// Take on every type it covers, over sliced arrays (non-zero offsets) with
// NULLs, and with -1 indices (NULL rows of an outer join).
func TestTakeArrayMatchesCompute(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 300
	valid := make([]bool, n)
	for i := range valid {
		valid[i] = r.IntN(5) != 0
	}
	builders := []array.Builder{
		array.NewInt64Builder(mem), array.NewInt32Builder(mem), array.NewInt16Builder(mem),
		array.NewFloat64Builder(mem), array.NewDate32Builder(mem),
		array.NewDecimal128Builder(mem, &arrow.Decimal128Type{Precision: 15, Scale: 2}),
		array.NewStringBuilder(mem), array.NewBooleanBuilder(mem),
	}
	for _, bld := range builders {
		for i := range n {
			if !valid[i] {
				bld.AppendNull()
				continue
			}
			v := r.Int64N(1 << 40)
			switch b := bld.(type) {
			case *array.Int64Builder:
				b.Append(v)
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Int16Builder:
				b.Append(int16(v))
			case *array.Float64Builder:
				b.Append(float64(v) / 7)
			case *array.Date32Builder:
				b.Append(arrow.Date32(v % 100000))
			case *array.Decimal128Builder:
				b.Append(decimal128.FromI64(v - 1<<39))
			case *array.StringBuilder:
				b.Append(string(rune('a'+v%26)) + "xyz"[:v%4])
			case *array.BooleanBuilder:
				b.Append(v%2 == 0)
			}
		}
		full := bld.NewArray()
		bld.Release()
		arr := array.NewSlice(full, 17, n-3)
		full.Release()
		for _, withNulls := range []bool{false, true} {
			idx := make([]int32, 500)
			for i := range idx {
				idx[i] = int32(r.IntN(arr.Len()))
				if withNulls && i%7 == 0 {
					idx[i] = -1
				}
			}
			got, err := Take(mem, arr, idx)
			if err != nil {
				t.Fatal(err)
			}
			ib := array.NewInt32Builder(mem)
			for _, i := range idx {
				if i < 0 {
					ib.AppendNull()
				} else {
					ib.Append(i)
				}
			}
			indices := ib.NewArray()
			ib.Release()
			want, err := compute.TakeArray(context.Background(), arr, indices)
			if err != nil {
				t.Fatal(err)
			}
			if !array.Equal(got, want) {
				t.Errorf("%s (NULL indices %v): take differs from compute.Take:\n got %v\nwant %v", arr.DataType(), withNulls, got, want)
			}
			got.Release()
			want.Release()
			indices.Release()
		}
		arr.Release()
	}
}
