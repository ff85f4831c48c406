package parquet

import (
	"context"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// gather is a new array of rows sel (ascending, in range) of arr: the
// scan's columns are compacted to the rows its filters keep. The fixed
// widths and text it reads most go by one typed loop; the rest through
// arrow's take kernel.
func gather(ctx context.Context, mem memory.Allocator, arr arrow.Array, sel []int32) (arrow.Array, error) {
	switch arr.DataType().ID() {
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION, arrow.DATE64, arrow.DECIMAL64:
		return gatherFixed[uint64](mem, arr, sel), nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		return gatherFixed[uint32](mem, arr, sel), nil
	case arrow.INT16, arrow.UINT16:
		return gatherFixed[uint16](mem, arr, sel), nil
	case arrow.INT8, arrow.UINT8:
		return gatherFixed[uint8](mem, arr, sel), nil
	case arrow.DECIMAL128:
		return gatherFixed[[2]uint64](mem, arr, sel), nil
	case arrow.STRING, arrow.BINARY:
		return gatherBinary(mem, arr, sel), nil
	}
	b := array.NewInt32Builder(mem)
	b.AppendValues(sel, nil)
	indices := b.NewArray()
	b.Release()
	defer indices.Release()
	return TakeArray(ctx, arr, indices)
}

// gatherValidity is the validity bitmap of rows sel of arr; nil when none
// of them is NULL.
func gatherValidity(mem memory.Allocator, arr arrow.Array, sel []int32) (*memory.Buffer, int) {
	if arr.NullN() == 0 {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(sel)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for k, i := range sel {
		if arr.IsValid(int(i)) {
			bitutil.SetBit(bits, k)
		} else {
			nulls++
		}
	}
	if nulls == 0 {
		buf.Release()
		return nil, 0
	}
	return buf, nulls
}

func gatherFixed[T uint8 | uint16 | uint32 | uint64 | [2]uint64](mem memory.Allocator, arr arrow.Array, sel []int32) arrow.Array {
	data := arr.Data()
	var zero T
	width := int(unsafe.Sizeof(zero))
	raw := data.Buffers()[1].Bytes()
	src := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/width)[data.Offset():]
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(len(sel) * width)
	defer buf.Release()
	dst := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf.Bytes()))), len(sel))
	for k, i := range sel {
		dst[k] = src[i]
	}
	valid, nulls := gatherValidity(mem, arr, sel)
	if valid != nil {
		defer valid.Release()
	}
	out := array.NewData(arr.DataType(), len(sel), []*memory.Buffer{valid, buf}, nil, nulls, 0)
	defer out.Release()
	return array.MakeFromData(out)
}

func gatherBinary(mem memory.Allocator, arr arrow.Array, sel []int32) arrow.Array {
	data := arr.Data()
	offRaw := data.Buffers()[1].Bytes()
	offs := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(offRaw))), len(offRaw)/4)[data.Offset():]
	var vals []byte
	if b := data.Buffers()[2]; b != nil {
		vals = b.Bytes()
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize((len(sel) + 1) * 4)
	defer offBuf.Release()
	off := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())[:len(sel)+1]
	total := int32(0)
	off[0] = 0
	for k, i := range sel {
		total += offs[i+1] - offs[i]
		off[k+1] = total
	}
	valBuf := memory.NewResizableBuffer(mem)
	valBuf.Resize(int(total))
	defer valBuf.Release()
	dst := valBuf.Bytes()
	for k, i := range sel {
		copy(dst[off[k]:off[k+1]], vals[offs[i]:offs[i+1]])
	}
	valid, nulls := gatherValidity(mem, arr, sel)
	if valid != nil {
		defer valid.Release()
	}
	out := array.NewData(arr.DataType(), len(sel), []*memory.Buffer{valid, offBuf, valBuf}, nil, nulls, 0)
	defer out.Release()
	return array.MakeFromData(out)
}
