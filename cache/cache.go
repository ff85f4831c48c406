package cache

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// Stream yields a result batch by batch, as engine.Stream does: Next
// returns (nil, nil) at the end, the caller releases each batch, Close may
// come at any time.
type Stream interface {
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close()
}

// Config bounds the cache.
type Config struct {
	// Budget is the total bytes of results kept.
	Budget int64
	// EntryCap is the largest result kept; a larger one streams through
	// uncached.
	EntryCap int64
	// MaxRefreshes is how many background refreshes of stale entries run
	// at once, overall.
	MaxRefreshes int
	// KeepStale is how long an entry a commit invalidated is kept for
	// requests that accept staleness; 0 drops it at the commit.
	KeepStale time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Outcome is what Open did.
type Outcome int

// Outcomes of Open.
const (
	// Miss: the query ran and its result was offered to the cache.
	Miss Outcome = iota
	// Hit: the result came from the cache.
	Hit
	// StaleHit: an entry older than the request's snapshot, within the
	// staleness the request accepts; a background refresh was started.
	StaleHit
	// Coalesced: an identical query was running; this one waited for its
	// result.
	Coalesced
	// TooLarge: the query ran; its result was over the entry cap.
	TooLarge
)

func (o Outcome) String() string {
	switch o {
	case Hit:
		return "hit"
	case StaleHit:
		return "stale hit"
	case Coalesced:
		return "coalesced"
	case TooLarge:
		return "too large"
	}
	return "miss"
}

// Request is one query offered to the cache.
type Request struct {
	Key Key
	// Refresh skips the lookup: the query runs and its result replaces
	// the entry (SET sluice.cache = refresh).
	Refresh bool
	// MaxStaleness is how long after a commit invalidated it an entry may
	// still answer this request (0: never).
	MaxStaleness time.Duration
	// Exec runs the query.
	Exec func(ctx context.Context) (Stream, error)
	// Background runs it for a background refresh of a stale entry, with a
	// context of the cache's, after the request has returned: it must not
	// depend on the requester (its session). Nil: stale entries are served
	// but not refreshed in the background.
	Background func(ctx context.Context) (Stream, error)
}

// Stats are the cache's counters since it was made.
type Stats struct {
	Hits, StaleHits, Misses, Coalesced, TooLarge, Evictions, Invalidations, Refreshes int64
	// Entries and Bytes are the current contents.
	Entries, Bytes int64
}

// EntryInfo describes one entry, for sluice.cache_entries and EXPLAIN.
type EntryInfo struct {
	Digest  string
	Tables  []TableVersion
	Bytes   int64
	Rows    int64
	Hits    int64
	Created time.Time
	// StaleSince is when a commit invalidated it (zero: current).
	StaleSince time.Time
}

// Cache keeps results in a byte-bounded LRU. It is safe for concurrent use.
type Cache struct {
	cfg Config

	mu      sync.Mutex
	lru     *simplelru.LRU[[32]byte, *entry] // by Key.Base
	bytes   int64
	flights map[[32]byte]*flight // by Key.Digest
	// gens counts the commits of each table ("" the catalog's): a result
	// whose tables committed while it ran is handed to its waiters but
	// not kept, since it is already stale.
	gens       map[string]uint64
	refreshing map[[32]byte]bool
	refreshes  int

	base   context.Context // background refreshes run under it
	cancel context.CancelFunc
	wg     sync.WaitGroup

	hits, staleHits, misses, coalesced, tooLarge, evictions, invalidations, refreshed atomic.Int64
}

// New makes a cache.
func New(cfg Config) *Cache {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxRefreshes <= 0 {
		cfg.MaxRefreshes = 1
	}
	if cfg.EntryCap <= 0 || cfg.EntryCap > cfg.Budget {
		cfg.EntryCap = cfg.Budget
	}
	// The LRU's own bound is a count; bytes are bounded here.
	l, _ := simplelru.NewLRU[[32]byte, *entry](math.MaxInt32, nil)
	ctx, cancel := context.WithCancel(context.Background())
	return &Cache{cfg: cfg, lru: l, flights: map[[32]byte]*flight{}, gens: map[string]uint64{},
		refreshing: map[[32]byte]bool{}, base: ctx, cancel: cancel}
}

// Close stops background refreshes, waits for them and drops every entry.
func (c *Cache) Close() {
	c.cancel()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		_, e, ok := c.lru.RemoveOldest()
		if !ok {
			break
		}
		c.drop(e)
	}
}

// entry is one kept result. batches are released when it leaves the
// cache; streams replaying it hold their own references.
type entry struct {
	key      Key
	digest   [32]byte
	batches  []arrow.RecordBatch
	bytes    int64
	rows     int64
	created  time.Time
	stale    time.Time
	hits     atomic.Int64
	kept     bool // counted in Cache.bytes; under Cache.mu
	released bool // under Cache.mu
}

// flight is a query running for a key others may wait on.
type flight struct {
	done  chan struct{}
	entry *entry // nil: no shareable result (error, too large)
}

// Open answers req from the cache, from an identical query in flight, or
// by running it.
func (c *Cache) Open(ctx context.Context, req Request) (Stream, Outcome, error) {
	digest := req.Key.Digest()
	c.mu.Lock()
	if !req.Refresh {
		if e, ok := c.lru.Get(req.Key.Base); ok {
			switch {
			case e.digest == digest && e.stale.IsZero():
				s := c.replayLocked(e)
				c.mu.Unlock()
				e.hits.Add(1)
				c.hits.Add(1)
				return s, Hit, nil
			case c.servesStale(e, req):
				s := c.replayLocked(e)
				c.startRefreshLocked(req, digest)
				c.mu.Unlock()
				e.hits.Add(1)
				c.staleHits.Add(1)
				return s, StaleHit, nil
			}
		}
	}
	if f, ok := c.flights[digest]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, Coalesced, ctx.Err()
		}
		c.mu.Lock()
		if f.entry != nil && !f.entry.released {
			s := c.replayLocked(f.entry)
			c.mu.Unlock()
			c.coalesced.Add(1)
			return s, Coalesced, nil
		}
		c.mu.Unlock()
		// The leader failed, was cancelled or its result was too large:
		// run alone rather than wait again.
		c.misses.Add(1)
		s, err := req.Exec(ctx)
		return s, Miss, err
	}
	f := &flight{done: make(chan struct{})}
	c.flights[digest] = f
	gens := c.gensLocked(req.Key)
	c.mu.Unlock()
	return c.lead(ctx, req, digest, f, gens)
}

// servesStale reports whether a stale entry may answer req: a commit
// invalidated it no longer ago than the request accepts.
func (c *Cache) servesStale(e *entry, req Request) bool {
	if req.MaxStaleness <= 0 || e.stale.IsZero() {
		return false
	}
	return c.cfg.Now().Sub(e.stale) <= req.MaxStaleness
}

// lead runs the query for everyone waiting on f: it reads the whole
// result while it fits the entry cap, then keeps it and replays it. Past
// the cap it stops keeping and streams the rest through.
func (c *Cache) lead(ctx context.Context, req Request, digest [32]byte, f *flight, gens []uint64) (Stream, Outcome, error) {
	c.misses.Add(1)
	s, err := req.Exec(ctx)
	if err != nil {
		c.finish(f, digest, nil, nil)
		return nil, Miss, err
	}
	var batches []arrow.RecordBatch
	var size, rows int64
	for {
		rec, err := s.Next(ctx)
		if err != nil {
			releaseAll(batches)
			s.Close()
			c.finish(f, digest, nil, nil)
			return nil, Miss, err
		}
		if rec == nil {
			break
		}
		rec = compact(rec)
		size += recordBytes(rec)
		rows += rec.NumRows()
		batches = append(batches, rec)
		if size > c.cfg.EntryCap {
			c.tooLarge.Add(1)
			c.finish(f, digest, nil, nil)
			return &prefixStream{batches: batches, rest: s}, TooLarge, nil
		}
	}
	s.Close()
	e := &entry{key: req.Key, digest: digest, batches: batches, bytes: size, rows: rows, created: c.cfg.Now()}
	out := c.finish(f, digest, e, gens)
	return out, Miss, nil
}

// finish ends a flight: e (nil when there is no result to share) is kept
// unless one of its tables committed since the flight began, and handed to
// the waiters either way. It returns a replay of e for the leader.
func (c *Cache) finish(f *flight, digest [32]byte, e *entry, gens []uint64) Stream {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.flights, digest)
	f.entry = e
	close(f.done)
	if e == nil {
		return nil
	}
	s := c.replayLocked(e)
	// A result whose tables committed while it ran is stale already: its
	// waiters (same key, same snapshot) still get it, but it is not kept;
	// its batches go with the last replay (the Go allocator frees on GC).
	if slices.Equal(gens, c.gensLocked(e.key)) {
		c.insertLocked(e)
	}
	return s
}

func (c *Cache) insertLocked(e *entry) {
	if old, ok := c.lru.Peek(e.key.Base); ok {
		c.lru.Remove(e.key.Base)
		c.drop(old)
	}
	c.lru.Add(e.key.Base, e)
	e.kept = true
	c.bytes += e.bytes
	for c.bytes > c.cfg.Budget {
		_, old, ok := c.lru.RemoveOldest()
		if !ok {
			break
		}
		c.drop(old)
		c.evictions.Add(1)
	}
}

// drop releases an entry that has left the LRU.
func (c *Cache) drop(e *entry) {
	if e.released {
		return
	}
	e.released = true
	if e.kept {
		c.bytes -= e.bytes
	}
	releaseAll(e.batches)
	e.batches = nil
}

func (c *Cache) gensLocked(k Key) []uint64 {
	out := make([]uint64, len(k.Tables))
	for i, t := range k.Tables {
		out[i] = c.gens[t.Table]
	}
	return out
}

// replayLocked is a stream over e's batches; it holds its own references,
// so e may leave the cache while it is read.
func (c *Cache) replayLocked(e *entry) Stream {
	bs := slices.Clone(e.batches)
	for _, b := range bs {
		b.Retain()
	}
	return &replayStream{batches: bs}
}

// startRefreshLocked recomputes a stale entry in the background, unless
// one refresh of it runs already or MaxRefreshes do.
func (c *Cache) startRefreshLocked(req Request, digest [32]byte) {
	if req.Background == nil || c.refreshing[req.Key.Base] || c.refreshes >= c.cfg.MaxRefreshes {
		return
	}
	if _, ok := c.flights[digest]; ok {
		return
	}
	c.refreshing[req.Key.Base] = true
	c.refreshes++
	f := &flight{done: make(chan struct{})}
	c.flights[digest] = f
	gens := c.gensLocked(req.Key)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer func() {
			c.mu.Lock()
			delete(c.refreshing, req.Key.Base)
			c.refreshes--
			c.mu.Unlock()
		}()
		c.refreshed.Add(1)
		run := req
		run.Exec = req.Background
		s, _, err := c.lead(c.base, run, digest, f, gens)
		if err == nil && s != nil {
			s.Close()
		}
	}()
}

// Invalidate is a commit: tables (schema.name) changed. Entries reading
// one of them, and entries depending on the whole catalog, are dropped,
// or marked stale while KeepStale allows requests that accept staleness.
func (c *Cache) Invalidate(tables []string) {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	changed := make(map[string]bool, len(tables))
	for _, t := range tables {
		changed[t] = true
		c.gens[t]++
	}
	c.gens[""]++
	for _, e := range c.lru.Values() {
		hit := e.key.Catalog
		for _, t := range e.key.Tables {
			hit = hit || changed[t.Table]
		}
		switch {
		case !e.stale.IsZero() && now.Sub(e.stale) > c.cfg.KeepStale:
			c.lru.Remove(e.key.Base)
			c.drop(e)
		case !hit:
		case c.cfg.KeepStale > 0:
			if e.stale.IsZero() {
				e.stale = now
				c.invalidations.Add(1)
			}
		default:
			c.lru.Remove(e.key.Base)
			c.drop(e)
			c.invalidations.Add(1)
		}
	}
}

// Peek says what Open would do for k now, without counting or running
// anything (EXPLAIN).
func (c *Cache) Peek(k Key, maxStaleness time.Duration) (Outcome, *EntryInfo) {
	digest := k.Digest()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.lru.Peek(k.Base); ok {
		info := c.infoLocked(e)
		if e.digest == digest && e.stale.IsZero() {
			return Hit, &info
		}
		if c.servesStale(e, Request{Key: k, MaxStaleness: maxStaleness}) {
			return StaleHit, &info
		}
	}
	if _, ok := c.flights[digest]; ok {
		return Coalesced, nil
	}
	return Miss, nil
}

// Entries lists the entries, most recently used first.
func (c *Cache) Entries() []EntryInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	es := c.lru.Values() // oldest first
	out := make([]EntryInfo, 0, len(es))
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, c.infoLocked(es[i]))
	}
	return out
}

func (c *Cache) infoLocked(e *entry) EntryInfo {
	return EntryInfo{Digest: e.key.String(), Tables: e.key.Tables, Bytes: e.bytes, Rows: e.rows,
		Hits: e.hits.Load(), Created: e.created, StaleSince: e.stale}
}

// Stats returns the counters and the current contents.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	entries, bytes := int64(c.lru.Len()), c.bytes
	c.mu.Unlock()
	return Stats{Hits: c.hits.Load(), StaleHits: c.staleHits.Load(), Misses: c.misses.Load(),
		Coalesced: c.coalesced.Load(), TooLarge: c.tooLarge.Load(), Evictions: c.evictions.Load(),
		Invalidations: c.invalidations.Load(), Refreshes: c.refreshed.Load(), Entries: entries, Bytes: bytes}
}

func releaseAll(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// replayStream yields kept batches.
type replayStream struct{ batches []arrow.RecordBatch }

func (r *replayStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(r.batches) == 0 {
		return nil, nil
	}
	b := r.batches[0]
	r.batches = r.batches[1:]
	return b, nil
}

func (r *replayStream) Close() {
	releaseAll(r.batches)
	r.batches = nil
}

// prefixStream yields the batches read while measuring, then the rest of
// the stream they came from.
type prefixStream struct {
	batches []arrow.RecordBatch
	rest    Stream
}

func (p *prefixStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if len(p.batches) > 0 {
		b := p.batches[0]
		p.batches = p.batches[1:]
		return b, nil
	}
	return p.rest.Next(ctx)
}

func (p *prefixStream) Close() {
	releaseAll(p.batches)
	p.batches = nil
	p.rest.Close()
}

// compact copies a batch into buffers of its own size. Operators hand on
// slices of larger batches (a LIMIT 10 over a sorted 3,000 rows keeps all
// 3,000 alive); a kept result should hold only its rows. A batch that
// cannot be copied is kept as it is (and counted whole).
func compact(rec arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, rec.NumCols())
	for i, c := range rec.Columns() {
		cc, err := array.Concatenate([]arrow.Array{c}, memory.DefaultAllocator)
		if err != nil {
			for _, done := range cols[:i] {
				done.Release()
			}
			return rec
		}
		cols[i] = cc
	}
	out := array.NewRecordBatch(rec.Schema(), cols, rec.NumRows())
	for _, c := range cols {
		c.Release()
	}
	rec.Release()
	return out
}

// recordBytes is the memory a batch holds: every buffer of every column,
// children and dictionaries included. A sliced column counts its whole
// buffers, which is what keeping it keeps alive.
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, col := range rec.Columns() {
		n += dataBytes(col.Data())
	}
	return n
}

func dataBytes(d arrow.ArrayData) int64 {
	var n int64
	for _, b := range d.Buffers() {
		if b != nil {
			n += int64(b.Len())
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	// Dictionary returns a typed nil through the interface when there is
	// none.
	if dict, ok := d.Dictionary().(*array.Data); ok && dict != nil {
		n += dataBytes(dict)
	}
	return n
}
