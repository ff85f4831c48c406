package parquet

import (
	"context"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Take returns the rows idx of arr (-1: NULL) as a new array. Fixed-width
// columns and strings are copied by typed loops straight between buffers: the
// joins gather every output column this way, and arrow's compute.Take spends
// most of its time in per-call dispatch, bounds checks and builders (and has
// no kernel for intervals). Other types go through compute.Take.
func Take(mem memory.Allocator, arr arrow.Array, idx []int32) (arrow.Array, error) {
	switch arr.DataType().ID() {
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION, arrow.DATE64, arrow.DECIMAL64:
		return takeFixed[uint64](mem, arr, idx), nil
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32:
		return takeFixed[uint32](mem, arr, idx), nil
	case arrow.INT16, arrow.UINT16:
		return takeFixed[uint16](mem, arr, idx), nil
	case arrow.INT8, arrow.UINT8:
		return takeFixed[uint8](mem, arr, idx), nil
	case arrow.DECIMAL128:
		return takeFixed[[2]uint64](mem, arr, idx), nil
	case arrow.STRING, arrow.BINARY:
		return takeBinary(mem, arr, idx), nil
	case arrow.INTERVAL_MONTH_DAY_NANO:
		// Arrow's take has no kernel for these 16-byte values.
		return takeFixed[[2]uint64](mem, arr, idx), nil
	case arrow.BOOL:
		return takeBool(mem, arr, idx), nil
	}
	if fb, ok := arr.DataType().(*arrow.FixedSizeBinaryType); ok && fb.ByteWidth == 16 {
		return takeFixed[[2]uint64](mem, arr, idx), nil // uuid
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
	defer indices.Release()
	return TakeArray(context.Background(), arr, indices)
}

// TakesTyped reports whether Take copies columns of type dt by its typed
// loops, where an index of -1 is NULL (the rest go through arrow's take).
func TakesTyped(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.TIMESTAMP, arrow.TIME64, arrow.DURATION, arrow.DATE64, arrow.DECIMAL64,
		arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.INT16, arrow.UINT16, arrow.INT8, arrow.UINT8,
		arrow.DECIMAL128, arrow.STRING, arrow.BINARY, arrow.INTERVAL_MONTH_DAY_NANO, arrow.BOOL:
		return true
	}
	fb, ok := dt.(*arrow.FixedSizeBinaryType)
	return ok && fb.ByteWidth == 16
}

// takeValidity builds the validity bitmap of the taken rows; nil when none
// is NULL.
func takeValidity(mem memory.Allocator, arr arrow.Array, idx []int32) (*memory.Buffer, int) {
	hasNulls := arr.NullN() > 0
	if !hasNulls {
		for _, i := range idx {
			if i < 0 {
				hasNulls = true
				break
			}
		}
	}
	if !hasNulls {
		return nil, 0
	}
	buf := writtenBuffer(mem, int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	nulls := 0
	for k, i := range idx {
		if i >= 0 && arr.IsValid(int(i)) {
			bitutil.SetBit(bits, k)
		} else {
			nulls++
		}
	}
	return buf, nulls
}

func takeFixed[T uint8 | uint16 | uint32 | uint64 | [2]uint64](mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	data := arr.Data()
	var zero T
	width := int(unsafe.Sizeof(zero))
	raw := data.Buffers()[1].Bytes()
	src := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/width)[data.Offset():]
	buf := writtenBuffer(mem, len(idx)*width)
	dst := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(buf.Bytes()))), len(idx))
	for k, i := range idx {
		if i >= 0 {
			dst[k] = src[i]
		} else {
			dst[k] = zero
		}
	}
	return takenArray(mem, arr, idx, buf)
}

// takeBool gathers a boolean array's bits; the catalog's many flag
// columns go through joins this way rather than arrow's take kernel,
// whose dispatch costs more than a dozen rows' copy.
func takeBool(mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	data := arr.Data()
	src, off := data.Buffers()[1].Bytes(), data.Offset()
	buf := writtenBuffer(mem, int(bitutil.BytesForBits(int64(len(idx)))))
	bits := buf.Bytes()
	clear(bits)
	for k, i := range idx {
		if i >= 0 && bitutil.BitIsSet(src, off+int(i)) {
			bitutil.SetBit(bits, k)
		}
	}
	return takenArray(mem, arr, idx, buf)
}

func takeBinary(mem memory.Allocator, arr arrow.Array, idx []int32) arrow.Array {
	data := arr.Data()
	offRaw := data.Buffers()[1].Bytes()
	offs := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(offRaw))), len(offRaw)/4)[data.Offset():]
	var vals []byte
	if b := data.Buffers()[2]; b != nil {
		vals = b.Bytes()
	}
	total := 0
	for _, i := range idx {
		if i >= 0 {
			total += int(offs[i+1] - offs[i])
		}
	}
	offBuf := writtenBuffer(mem, (len(idx)+1)*4)
	dstOffs := unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(offBuf.Bytes()))), len(idx)+1)
	valBuf := writtenBuffer(mem, total)
	dst := valBuf.Bytes()
	pos := int32(0)
	for k, i := range idx {
		dstOffs[k] = pos
		if i >= 0 {
			pos += int32(copy(dst[pos:], vals[offs[i]:offs[i+1]]))
		}
	}
	dstOffs[len(idx)] = pos
	return takenArray(mem, arr, idx, offBuf, valBuf)
}

// takenArray assembles the rows idx of arr from the value buffers a take
// wrote (the new array owns them) and the validity of those rows.
func takenArray(mem memory.Allocator, arr arrow.Array, idx []int32, bufs ...*memory.Buffer) arrow.Array {
	valid, nulls := takeValidity(mem, arr, idx)
	out := array.NewData(arr.DataType(), len(idx), append([]*memory.Buffer{valid}, bufs...), nil, nulls, 0)
	defer out.Release()
	for _, b := range bufs {
		b.Release()
	}
	if valid != nil {
		valid.Release()
	}
	return array.MakeFromData(out)
}

// UnzeroedAllocator is an allocator that can also hand out memory without
// zeroing it, for callers that write every byte (the engine's buffer pool
// and a query's budget over it).
type UnzeroedAllocator interface {
	memory.Allocator
	AllocateUnzeroed(n int) []byte
}

// writtenBuffer is a buffer of n bytes from mem for a caller that writes
// every byte: from an UnzeroedAllocator it comes without the zeroing pass
// Allocate makes.
func writtenBuffer(mem memory.Allocator, n int) *memory.Buffer {
	if d, ok := mem.(UnzeroedAllocator); ok {
		return memory.NewBufferWithAllocator(d.AllocateUnzeroed(n), mem)
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n)
	return buf
}
