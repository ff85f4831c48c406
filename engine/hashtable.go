package engine

// intTable maps an int64 join key to the build rows holding it, in row
// order: an open-addressing table of distinct keys, each with the first and
// last row of its chain, and one next link per build row. Unlike a Go map
// of slices it allocates nothing per key, and a probe is a multiply, a mask
// and (usually) one comparison. A slot holds its key beside its chain's
// ends, so a probe of a table larger than the caches misses once, not once
// per array.
type intTable struct {
	slots []intSlot
	next  []int32 // per build row: the next row with the same key, -1 at the end
	used  int
	shift uint
}

type intSlot struct {
	key  int64
	head int32 // first row of the key's chain; -1: empty slot
	tail int32
}

func newIntTable() *intTable {
	t := &intTable{}
	t.alloc(1 << 10)
	return t
}

func (t *intTable) alloc(n int) {
	t.slots = make([]intSlot, n)
	for i := range t.slots {
		t.slots[i].head = -1
	}
	bits := uint(0)
	for 1<<bits < n {
		bits++
	}
	t.shift = 64 - bits
}

func (t *intTable) slot(k int64) int {
	return int((uint64(k) * 0x9E3779B97F4A7C15) >> t.shift)
}

// reserve makes room for n more keys and rows up to row last, so a
// batch's inserts do not grow the table one step at a time.
func (t *intTable) reserve(n int, last int) {
	if last >= len(t.next) {
		t.next = append(t.next, make([]int32, last+1-len(t.next))...)
	}
	size := len(t.slots)
	for (t.used+n)*2 > size {
		size *= 2
	}
	if size > len(t.slots) {
		t.resize(size)
	}
}

// insert adds build row r (rows arrive in increasing order) with key k.
func (t *intTable) insert(k int64, r int32) {
	for int(r) >= len(t.next) {
		t.next = append(t.next, -1)
	}
	t.next[r] = -1
	if (t.used+1)*2 > len(t.slots) {
		t.grow()
	}
	mask := len(t.slots) - 1
	for s := t.slot(k); ; s = (s + 1) & mask {
		sl := &t.slots[s]
		switch {
		case sl.head < 0:
			*sl = intSlot{key: k, head: r, tail: r}
			t.used++
			return
		case sl.key == k:
			t.next[sl.tail] = r
			sl.tail = r
			return
		}
	}
}

func (t *intTable) grow() { t.resize(len(t.slots) * 2) }

func (t *intTable) resize(size int) {
	old := t.slots
	t.alloc(size)
	mask := len(t.slots) - 1
	for _, o := range old {
		if o.head < 0 {
			continue
		}
		s := t.slot(o.key)
		for t.slots[s].head >= 0 {
			s = (s + 1) & mask
		}
		t.slots[s] = o
	}
}

// first is the first build row with key k, or -1; next(r) follows it.
func (t *intTable) first(k int64) int32 {
	mask := len(t.slots) - 1
	for s := t.slot(k); ; s = (s + 1) & mask {
		sl := &t.slots[s]
		if sl.head < 0 || sl.key == k {
			return sl.head
		}
	}
}

// bytes is the table's memory, for the query's memory budget.
func (t *intTable) bytes() int64 {
	return int64(len(t.slots))*16 + int64(cap(t.next))*4
}

// wordsTable is intTable for keys of several words: the integer columns
// of a multi-column join or group key, each value widened to int64. A
// probe hashes and compares the words in place, with no key bytes built
// per row.
type wordsTable struct {
	width int
	keys  []int64 // width words per slot
	heads []int32 // first row of the key's chain; -1: empty slot
	tails []int32
	next  []int32 // per build row: the next row with the same key, -1 at the end
	used  int
	shift uint
}

func newWordsTable(width int) *wordsTable {
	t := &wordsTable{width: width}
	t.alloc(1 << 10)
	return t
}

func (t *wordsTable) alloc(n int) {
	t.keys = make([]int64, n*t.width)
	t.heads = make([]int32, n)
	t.tails = make([]int32, n)
	for i := range t.heads {
		t.heads[i] = -1
	}
	bits := uint(0)
	for 1<<bits < n {
		bits++
	}
	t.shift = 64 - bits
}

func (t *wordsTable) slot(key []int64) int {
	h := uint64(len(key))
	for _, w := range key {
		h = (h ^ uint64(w)) * 0x9E3779B97F4A7C15
		h ^= h >> 32
	}
	return int((h * 0x9E3779B97F4A7C15) >> t.shift)
}

func (t *wordsTable) equal(s int, key []int64) bool {
	k := t.keys[s*t.width : (s+1)*t.width]
	for i, w := range key {
		if k[i] != w {
			return false
		}
	}
	return true
}

// insert adds row r (rows arrive in increasing order) with key.
func (t *wordsTable) insert(key []int64, r int32) {
	for int(r) >= len(t.next) {
		t.next = append(t.next, -1)
	}
	t.next[r] = -1
	if (t.used+1)*2 > len(t.heads) {
		t.resize(len(t.heads) * 2)
	}
	mask := len(t.heads) - 1
	for s := t.slot(key); ; s = (s + 1) & mask {
		switch {
		case t.heads[s] < 0:
			copy(t.keys[s*t.width:], key)
			t.heads[s], t.tails[s] = r, r
			t.used++
			return
		case t.equal(s, key):
			t.next[t.tails[s]] = r
			t.tails[s] = r
			return
		}
	}
}

func (t *wordsTable) resize(size int) {
	keys, heads, tails := t.keys, t.heads, t.tails
	t.alloc(size)
	mask := len(t.heads) - 1
	for i, h := range heads {
		if h < 0 {
			continue
		}
		key := keys[i*t.width : (i+1)*t.width]
		s := t.slot(key)
		for t.heads[s] >= 0 {
			s = (s + 1) & mask
		}
		copy(t.keys[s*t.width:], key)
		t.heads[s], t.tails[s] = h, tails[i]
	}
}

// first is the first row with key, or -1; next[r] follows it.
func (t *wordsTable) first(key []int64) int32 {
	mask := len(t.heads) - 1
	for s := t.slot(key); ; s = (s + 1) & mask {
		h := t.heads[s]
		if h < 0 || t.equal(s, key) {
			return h
		}
	}
}

// bytes is the table's memory, for the query's memory budget.
func (t *wordsTable) bytes() int64 {
	return int64(len(t.keys))*8 + int64(len(t.heads))*8 + int64(cap(t.next))*4
}

// pairSet is a set of (group, value) pairs: the values count(DISTINCT x)
// has seen, for every group in one open-addressing table instead of a set
// per group, so a row costs a multiply and (usually) one comparison.
type pairSet struct {
	slots []pairSlot
	used  int
	shift uint
}

type pairSlot struct {
	v int64
	g int32 // the group's id (from 1); 0: empty slot
}

func (s *pairSet) slot(g int32, v int64) int {
	h := (uint64(v) ^ uint64(g)*0xC2B2AE3D27D4EB4F) * 0x9E3779B97F4A7C15
	return int(h >> s.shift)
}

// add puts (g, v) in the set; false when it was there already.
func (s *pairSet) add(g int32, v int64) bool {
	if (s.used+1)*2 > len(s.slots) {
		s.resize(max(len(s.slots)*2, 1<<10))
	}
	mask := len(s.slots) - 1
	for i := s.slot(g, v); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		switch {
		case sl.g == 0:
			*sl = pairSlot{v: v, g: g}
			s.used++
			return true
		case sl.g == g && sl.v == v:
			return false
		}
	}
}

func (s *pairSet) resize(size int) {
	old := s.slots
	s.slots = make([]pairSlot, size)
	bits := uint(0)
	for 1<<bits < size {
		bits++
	}
	s.shift = 64 - bits
	mask := size - 1
	for _, o := range old {
		if o.g == 0 {
			continue
		}
		i := s.slot(o.g, o.v)
		for s.slots[i].g != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = o
	}
}

// each calls f with every pair in the set.
func (s *pairSet) each(f func(g int32, v int64) error) error {
	for _, sl := range s.slots {
		if sl.g != 0 {
			if err := f(sl.g, sl.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// bytes is the set's memory, for the query's memory budget.
func (s *pairSet) bytes() int64 { return int64(len(s.slots)) * 16 }
