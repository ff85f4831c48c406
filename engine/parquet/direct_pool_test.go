package parquet

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The pool hands a freed buffer to the next request it fits (the
// smallest that does), keeps the scan's allocator's account of what it
// holds, passes through buffers it did not hand out, and gives everything
// back at close, also what is freed after.
func TestPagePool(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	p := newPagePool(mem)
	a := p.Allocate(1000)
	b := p.Allocate(4000)
	if mem.CurrentAlloc() != 5000 {
		t.Fatalf("allocated %d bytes, want 5000", mem.CurrentAlloc())
	}
	a[0], b[0] = 1, 2
	p.Free(b)
	p.Free(a)
	c := p.Allocate(900) // the 1000-byte buffer, not the 4000
	if len(c) != 900 || cap(c) != 900 || &c[0] != &a[0] {
		t.Fatalf("Allocate(900) did not reuse the smallest fitting buffer")
	}
	d := p.Allocate(3000) // the 4000-byte one
	if &d[0] != &b[:1][0] {
		t.Fatalf("Allocate(3000) did not reuse the 4000-byte buffer")
	}
	e := p.Allocate(5000) // nothing free fits
	if mem.CurrentAlloc() != 10000 {
		t.Fatalf("allocated %d bytes, want 10000", mem.CurrentAlloc())
	}
	e = p.Reallocate(6000, e) // grows: a new buffer, the old one pooled
	if len(e) != 6000 || mem.CurrentAlloc() != 16000 {
		t.Fatalf("after Reallocate: len %d, allocated %d", len(e), mem.CurrentAlloc())
	}
	foreign := mem.Allocate(10)
	p.Free(foreign) // not the pool's: back to the allocator at once
	p.Free(c)
	p.close()
	if mem.CurrentAlloc() != 10000 { // d (4000) and e (6000) are still out
		t.Fatalf("after close %d bytes allocated, want 10000", mem.CurrentAlloc())
	}
	p.Free(d)
	p.Free(e)
}
