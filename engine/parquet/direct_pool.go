package parquet

import (
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// pagePool is the allocator of the direct readers' column chunk readers:
// their page buffers (compressed page, decompressed page, dictionary
// page) are freed when a row group's reader closes, and the next row
// group's reader takes them again instead of a fresh zeroed allocation of
// the same size (for DuckDB's files, one 1 MB page per column and row
// group). Nothing it hands out outlives the readers: the values are
// copied out of the pages into the output arrays.
//
// Buffers come from and finally go back to the scan's allocator, so a
// query's memory budget counts them while the pool holds them.
type pagePool struct {
	mem    memory.Allocator
	mu     sync.Mutex
	out    map[*byte][]byte // handed out, by first byte: the whole buffer
	free   [][]byte         // whole buffers ready to reuse
	closed bool
}

// maxPooled bounds the free buffers kept (a few per column and reader).
const maxPooled = 64

func newPagePool(mem memory.Allocator) *pagePool {
	return &pagePool{mem: mem, out: map[*byte][]byte{}}
}

func (p *pagePool) Allocate(size int) []byte {
	if size == 0 {
		return p.mem.Allocate(0)
	}
	p.mu.Lock()
	best := -1
	for i, b := range p.free {
		if len(b) >= size && (best < 0 || len(b) < len(p.free[best])) {
			best = i
		}
	}
	var whole []byte
	if best >= 0 {
		whole = p.free[best]
		p.free[best] = p.free[len(p.free)-1]
		p.free = p.free[:len(p.free)-1]
	}
	p.mu.Unlock()
	if whole == nil {
		whole = p.mem.Allocate(size)
	}
	p.mu.Lock()
	p.out[&whole[0]] = whole
	p.mu.Unlock()
	return whole[:size:size]
}

func (p *pagePool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

func (p *pagePool) Free(b []byte) {
	if cap(b) == 0 {
		p.mem.Free(b)
		return
	}
	key := &b[:1][0]
	p.mu.Lock()
	whole, ok := p.out[key]
	if !ok {
		p.mu.Unlock()
		p.mem.Free(b)
		return
	}
	delete(p.out, key)
	if p.closed || len(p.free) >= maxPooled {
		p.mu.Unlock()
		p.mem.Free(whole)
		return
	}
	p.free = append(p.free, whole)
	p.mu.Unlock()
}

// close gives the free buffers back to the scan's allocator; buffers freed
// later go straight back too.
func (p *pagePool) close() {
	p.mu.Lock()
	free := p.free
	p.free, p.closed = nil, true
	p.mu.Unlock()
	for _, b := range free {
		p.mem.Free(b)
	}
}

// directRowGroup opens row group rowGroup of the file for the direct
// readers, their page buffers from the scan's pool.
func (s *Scanner) directRowGroup(f *os.File, fs *fileScan, rowGroup int) (*file.RowGroupReader, error) {
	props := pq.NewReaderProperties(s.pages)
	props.BufferedStreamEnabled = true
	pr, err := file.NewParquetReader(f, file.WithMetadata(fs.footer.Meta), file.WithReadProps(props))
	if err != nil {
		return nil, err
	}
	return pr.RowGroup(rowGroup), nil
}
