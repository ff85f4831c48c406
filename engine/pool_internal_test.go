package engine

import (
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// TestPoolClasses checks the size classes: the class of n holds n with at
// most a quarter wasted, a class size is its own class, indexes grow with
// sizes and stay in the table.
func TestPoolClasses(t *testing.T) {
	sizes := []int{64, 65, 100, 4095, 4096, 4097, 5119, 5120, 5121, 1 << 20, 1<<20 + 1, 3 << 20, poolMax - 1, poolMax}
	for n := 64; n < 70000; n += 7 {
		sizes = append(sizes, n)
	}
	lastI, lastN := -1, 0
	for _, n := range sizes {
		i, size := poolClass(n)
		if size < n || (size-n)*4 > size || i < 0 || i >= poolClasses {
			t.Fatalf("poolClass(%d) = %d, %d", n, i, size)
		}
		if j, s := poolClass(size); j != i || s != size {
			t.Fatalf("poolClass(%d) = %d, %d but poolClass(%d) = %d, %d", n, i, size, size, j, s)
		}
		if n > lastN && i < lastI {
			t.Fatalf("poolClass(%d) = %d after poolClass(%d) = %d", n, i, lastN, lastI)
		}
		lastI, lastN = i, n
	}
}

// TestPoolNeverHandsOutLive builds arrays through a poisoning pool, keeps
// half of them, releases the rest and allocates again: no new buffer may
// overlap a kept array, whose values stay intact; the released buffers
// are poisoned and new ones come back zeroed.
func TestPoolNeverHandsOutLive(t *testing.T) {
	p := &bufferPool{min: 64, poison: true}
	type kept struct {
		arr  *array.Int64
		want []int64
	}
	var live []kept
	for round := range 40 {
		n := 100 + round*37
		b := array.NewInt64Builder(p)
		want := make([]int64, n)
		for i := range want {
			want[i] = int64(round*100000 + i)
			b.Append(want[i])
		}
		arr := b.NewInt64Array()
		b.Release()
		if round%2 == 0 {
			live = append(live, kept{arr, want})
			continue
		}
		raw := arr.Data().Buffers()[1].Buf()
		arr.Release()
		for j, c := range raw[:cap(raw)] {
			if c != poisonByte {
				t.Fatalf("released buffer byte %d is %#x, not poisoned", j, c)
			}
		}
	}
	for range 200 {
		for _, n := range []int{800, 1600, 3000, 6000} {
			buf := p.Allocate(n)
			for j, c := range buf {
				if c != 0 {
					t.Fatalf("Allocate(%d) byte %d is %#x", n, j, c)
				}
			}
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
			hi := lo + uintptr(cap(buf))
			for _, k := range live {
				raw := k.arr.Data().Buffers()[1].Buf()
				klo := uintptr(unsafe.Pointer(unsafe.SliceData(raw)))
				if klo < hi && lo < klo+uintptr(cap(raw)) {
					t.Fatalf("Allocate(%d) handed out memory of a live array", n)
				}
			}
			for j := range buf {
				buf[j] = 0xFF
			}
			p.Free(buf)
		}
	}
	for _, k := range live {
		for i, v := range k.arr.Int64Values() {
			if v != k.want[i] {
				t.Fatalf("live array value %d is %d, want %d", i, v, k.want[i])
			}
		}
		k.arr.Release()
	}
}
