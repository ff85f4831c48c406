package parquet

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// convert returns arr as an array of type target (a new reference the
// caller releases). Files differ from the catalog's types in encoding only
// (ms or ns timestamps, dictionaries, narrower decimals and integers,
// extension wrappers, JSON as binary), so a cast never changes a value
// except for sub-microsecond digits, which PostgreSQL does not keep either.
func convert(ctx context.Context, mem memory.Allocator, arr arrow.Array, target arrow.DataType) (arrow.Array, error) {
	if ext, ok := arr.(array.ExtensionArray); ok {
		arr = ext.Storage()
	}
	if arrow.TypeEqual(arr.DataType(), target) {
		arr.Retain()
		return arr, nil
	}
	if d, ok := arr.(*array.Dictionary); ok && target.ID() == arrow.STRING {
		if out, ok := expandDictionary(mem, d); ok {
			return out, nil
		}
	}
	if d64, ok := target.(*arrow.Decimal64Type); ok {
		// arrow's cast has no Decimal64 target: reach the scale in 128
		// bits, then narrow (every numeric(p ≤ 18) value fits int64).
		wide := &arrow.Decimal128Type{Precision: d64.Precision, Scale: d64.Scale}
		w, err := convert(ctx, mem, arr, wide)
		if err != nil {
			return nil, err
		}
		defer w.Release()
		return narrowDecimal(mem, w.(*array.Decimal128), d64)
	}
	opts := compute.SafeCastOptions(target)
	opts.AllowTimeTruncate = true
	out, err := compute.CastArray(compute.WithAllocator(ctx, mem), arr, opts)
	if err != nil {
		return nil, fmt.Errorf("converting %s to %s: %w", arr.DataType(), target, err)
	}
	return out, nil
}

// constantArray is n copies of one partition value (nil is NULL) of type t.
// Partition columns are int4, int8, date or text (see catalog).
func constantArray(mem memory.Allocator, t pgtype.Type, v pgtype.Datum, n int) (arrow.Array, error) {
	if v == nil {
		return array.MakeArrayOfNull(mem, t.ArrowType(), n), nil
	}
	switch t.OID {
	case pgtype.Int4OID:
		b := array.NewInt32Builder(mem)
		defer b.Release()
		i, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("value %v is not an integer", v)
		}
		x := int32(i)
		b.Reserve(n)
		for range n {
			b.UnsafeAppend(x)
		}
		return b.NewArray(), nil
	case pgtype.Int8OID:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		x, ok := v.(int64)
		if !ok {
			return nil, fmt.Errorf("value %v is not an integer", v)
		}
		b.Reserve(n)
		for range n {
			b.UnsafeAppend(x)
		}
		return b.NewArray(), nil
	case pgtype.DateOID:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		d, ok := v.(pgtype.DateValue)
		if !ok {
			return nil, fmt.Errorf("value %v is not a date", v)
		}
		x := arrow.Date32(d)
		b.Reserve(n)
		for range n {
			b.UnsafeAppend(x)
		}
		return b.NewArray(), nil
	case pgtype.TextOID, pgtype.VarcharOID:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		x, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("value %v is not text", v)
		}
		b.Reserve(n)
		b.ReserveData(n * len(x))
		for range n {
			b.Append(x)
		}
		return b.NewArray(), nil
	}
	return nil, fmt.Errorf("partition columns of type %s are not supported", t)
}

// narrowDecimal copies a Decimal128 array whose values fit int64 into a
// Decimal64 array of type t.
func narrowDecimal(mem memory.Allocator, a *array.Decimal128, t *arrow.Decimal64Type) (arrow.Array, error) {
	n := a.Len()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * 8)
	out := arrow.Int64Traits.CastFromBytes(buf.Bytes())
	for i, x := range a.Values() {
		lo, hi := x.LowBits(), x.HighBits()
		if hi != int64(lo)>>63 {
			if a.IsValid(i) {
				buf.Release()
				return nil, fmt.Errorf("value %s does not fit %s", x.ToString(t.Scale), t)
			}
			lo = 0
		}
		out[i] = int64(lo)
	}
	var valid *memory.Buffer
	if a.NullN() > 0 {
		valid = copyValidity(mem, a)
	}
	d := array.NewData(t, n, []*memory.Buffer{valid, buf}, nil, a.NullN(), 0)
	buf.Release()
	if valid != nil {
		valid.Release()
	}
	defer d.Release()
	return array.MakeFromData(d), nil
}

// copyValidity is a's validity bitmap starting at bit 0.
func copyValidity(mem memory.Allocator, a arrow.Array) *memory.Buffer {
	n := a.Len()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	bits := buf.Bytes()
	clear(bits)
	for i := range n {
		if a.IsValid(i) {
			bitutil.SetBit(bits, i)
		}
	}
	return buf
}
