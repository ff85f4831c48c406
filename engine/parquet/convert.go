package parquet

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
