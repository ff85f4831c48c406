package engine

import (
	"math/bits"
	"sync"
	"unsafe"
)

// bufferPool is the engine's Arrow allocator. Buffers of poolMin bytes and
// more come from free lists by size class and go back to them when their
// last reference is released, so the buffers a query allocates per batch
// (the Parquet reader's pages and values, filter and join outputs) are
// reused by the next batches and queries instead of being left to the
// garbage collector: fresh large buffers cost a zeroing pass, page faults
// and collections that grow with the bytes allocated. Smaller buffers are
// plain Go allocations, as are ones past poolMax.
//
// Reuse makes Release mean what it says: a buffer may be handed out again
// as soon as its reference count reaches zero, so nothing may read a
// buffer's bytes (Bytes(), Int64Values(), ValueOffsets() ...) after the
// array or batch holding it is released. Arrow-go itself keeps to this, as
// its C allocator frees memory on release. Free lists are sync.Pools, so
// what they hold is dropped over two garbage collections when unused.
type bufferPool struct {
	classes [poolClasses]sync.Pool
	// min is the smallest buffer pooled, poolMin but for tests.
	min int
	// poison overwrites every released buffer (tests: a reader of a
	// released buffer sees garbage rather than the old values).
	poison bool
}

const (
	// Below poolMin a Go allocation costs little next to the pool's.
	poolMin = 4 << 10
	poolMax = 256 << 20
	// Four classes per power of two (a buffer is at most 25% larger than
	// asked for) from 64 bytes, the least tests pool, to poolMax.
	poolClasses = (28-5)*4 + 4
	// poisonByte fills released buffers under bufferPool.poison.
	poisonByte = 0xA5
	alignment  = 64 // what Arrow expects of a buffer's start
)

func newBufferPool() *bufferPool { return &bufferPool{min: poolMin} }

// poolClass returns the free list index and size of the smallest class
// holding n bytes (64 <= n <= poolMax).
func poolClass(n int) (int, int) {
	e := bits.Len(uint(n-1)) - 1 // 2^e < n <= 2^(e+1)
	step := 1 << (e - 2)
	k := (n - 1 - 1<<e) / step
	return (e-5)*4 + k, 1<<e + (k+1)*step
}

// Allocate returns n zeroed bytes, 64-byte aligned, as Go's allocator does:
// Arrow's builders and the Parquet reader expect fresh buffers zeroed.
func (p *bufferPool) Allocate(n int) []byte {
	b := p.AllocateUnzeroed(n)
	clear(b)
	return b
}

// AllocateUnzeroed is Allocate without the zeroing, for callers that
// write every byte they are given (parquet.UnzeroedAllocator).
func (p *bufferPool) AllocateUnzeroed(n int) []byte {
	if n < p.min || n > poolMax {
		return alignedBytes(n, n)
	}
	i, size := poolClass(n)
	if v := p.classes[i].Get(); v != nil {
		return unsafe.Slice((*byte)(v.(unsafe.Pointer)), size)[:n]
	}
	return alignedBytes(n, size)
}

// alignedBytes is a new Go slice of length n and capacity c starting on a
// 64-byte boundary.
func alignedBytes(n, c int) []byte {
	raw := make([]byte, c+alignment)
	shift := int(-uintptr(unsafe.Pointer(unsafe.SliceData(raw))) & (alignment - 1))
	return raw[shift : shift+n : shift+c]
}

// Reallocate resizes b to n bytes, keeping its contents; bytes past the old
// length are zero.
func (p *bufferPool) Reallocate(n int, b []byte) []byte {
	if n <= cap(b) {
		if n > len(b) {
			clear(b[len(b):n])
		}
		return b[:n]
	}
	nb := p.AllocateUnzeroed(n)
	copy(nb, b)
	clear(nb[len(b):])
	p.Free(b)
	return nb
}

// Free takes back a buffer whose last reference was released. Only slices
// this pool handed out are recycled: their capacity is exactly a class
// size and their start aligned; anything else is left to the collector.
func (p *bufferPool) Free(b []byte) {
	c := cap(b)
	if c < p.min || c > poolMax {
		return
	}
	i, size := poolClass(c)
	ptr := unsafe.Pointer(unsafe.SliceData(b))
	if size != c || uintptr(ptr)&(alignment-1) != 0 {
		return
	}
	if p.poison {
		b = b[:c]
		for j := range b {
			b[j] = poisonByte
		}
	}
	p.classes[i].Put(ptr)
}
