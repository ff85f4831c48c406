package parquet

import (
	"context"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

// numeric(p ≤ 18, s) is read as Arrow Decimal64 (pgtype.Type.ArrowType),
// which arrow's filter and take kernels do not cover. The reader (deletes)
// and the engine's operators filter and gather through these two
// functions, which hand such columns to arrow as the Int64 arrays they are
// laid out as and relabel the results.

// FilterRecordBatch is compute.FilterRecordBatch for any batch the reader
// produces.
func FilterRecordBatch(ctx context.Context, b arrow.RecordBatch, mask arrow.Array) (arrow.RecordBatch, error) {
	cols := b.Columns()
	var views []arrow.Array
	for i, c := range cols {
		if c.DataType().ID() != arrow.DECIMAL64 {
			continue
		}
		if views == nil {
			views = slices.Clone(cols)
		}
		views[i] = relabel(c, arrow.PrimitiveTypes.Int64)
		defer views[i].Release()
	}
	if views == nil {
		return compute.FilterRecordBatch(ctx, b, mask, compute.DefaultFilterOptions())
	}
	fields := slices.Clone(b.Schema().Fields())
	for i, v := range views {
		fields[i].Type = v.DataType()
	}
	vb := array.NewRecordBatch(arrow.NewSchema(fields, nil), views, b.NumRows())
	defer vb.Release()
	out, err := compute.FilterRecordBatch(ctx, vb, mask, compute.DefaultFilterOptions())
	if err != nil {
		return nil, err
	}
	defer out.Release()
	res := make([]arrow.Array, len(cols))
	for i, c := range out.Columns() {
		res[i] = relabel(c, cols[i].DataType())
		defer res[i].Release()
	}
	return array.NewRecordBatch(b.Schema(), res, out.NumRows()), nil
}

// TakeArray is compute.TakeArray for any column the reader produces.
func TakeArray(ctx context.Context, arr, indices arrow.Array) (arrow.Array, error) {
	if arr.DataType().ID() != arrow.DECIMAL64 {
		return compute.TakeArray(ctx, arr, indices)
	}
	v := relabel(arr, arrow.PrimitiveTypes.Int64)
	defer v.Release()
	out, err := compute.TakeArray(ctx, v, indices)
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return relabel(out, arr.DataType()), nil
}

// relabel is a new reference to arr's buffers as an array of type t of the
// same layout.
func relabel(arr arrow.Array, t arrow.DataType) arrow.Array {
	d := arr.Data()
	nd := array.NewData(t, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}
