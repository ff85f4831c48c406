package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// batch makes a batch of n int64 values starting at first (8n bytes of
// values).
func batch(first, n int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := 0; i < n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(first + i))
	}
	return b.NewRecordBatch()
}

// source is a query: it counts executions and yields batches of rows.
type source struct {
	runs  atomic.Int64
	gate  chan struct{} // if set, Exec waits on it
	sizes []int         // rows per batch
	err   error
}

func (s *source) exec(ctx context.Context) (Stream, error) {
	s.runs.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	var bs []arrow.RecordBatch
	first := 0
	for _, n := range s.sizes {
		bs = append(bs, batch(first, n))
		first += n
	}
	return &replayStream{batches: bs}, nil
}

func key(stmt string, tables ...string) Key {
	b := NewKey().Field("statement", stmt)
	for i := 0; i+1 < len(tables); i += 2 {
		b.Table(tables[i], tables[i+1])
	}
	return b.Key()
}

// drain reads a stream to its end: the values, in order.
func drain(t *testing.T, s Stream) []int64 {
	t.Helper()
	defer s.Close()
	var out []int64
	for {
		rec, err := s.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			return out
		}
		out = append(out, rec.Column(0).(*array.Int64).Int64Values()...)
		rec.Release()
	}
}

func open(t *testing.T, c *Cache, req Request) ([]int64, Outcome) {
	t.Helper()
	s, o, err := c.Open(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return drain(t, s), o
}

func TestHitMissAndVersions(t *testing.T) {
	c := New(Config{Budget: 1 << 20})
	defer c.Close()
	src := &source{sizes: []int{3, 2}}
	k1 := key("select", "gold.orders", "v1")
	rows, o := open(t, c, Request{Key: k1, Exec: src.exec})
	if o != Miss || len(rows) != 5 {
		t.Fatalf("first: %v %v", o, rows)
	}
	rows2, o := open(t, c, Request{Key: k1, Exec: src.exec})
	if o != Hit || fmt.Sprint(rows2) != fmt.Sprint(rows) {
		t.Fatalf("second: %v %v, want hit %v", o, rows2, rows)
	}
	// The same statement over a newer version of the table is a miss.
	if _, o := open(t, c, Request{Key: key("select", "gold.orders", "v2"), Exec: src.exec}); o != Miss {
		t.Fatalf("new version: %v, want miss", o)
	}
	if src.runs.Load() != 2 {
		t.Fatalf("executions %d, want 2", src.runs.Load())
	}
	st := c.Stats()
	if st.Hits != 1 || st.Misses != 2 || st.Entries != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestKeyFields(t *testing.T) {
	base := func(user string) Key {
		return NewKey().Field("statement", "SELECT 1").Field("user", user).Table("gold.a", "1").Key()
	}
	if base("alice").Digest() == base("bob").Digest() {
		t.Fatal("two users share a key")
	}
	// Field boundaries are part of the key: ("ab","c") is not ("a","bc").
	a := NewKey().Field("ab", "c").Key()
	b := NewKey().Field("a", "bc").Key()
	if a.Base == b.Base {
		t.Fatal("field boundaries lost")
	}
	// Table order does not matter; a table read twice counts once.
	x := NewKey().Table("b", "1").Table("a", "2").Table("a", "2").Key()
	y := NewKey().Table("a", "2").Table("b", "1").Key()
	if x.Digest() != y.Digest() {
		t.Fatal("table order changes the key")
	}
}

func TestCoalescing(t *testing.T) {
	c := New(Config{Budget: 1 << 20})
	defer c.Close()
	src := &source{sizes: []int{10}, gate: make(chan struct{})}
	k := key("dashboard tile", "gold.orders", "v1")
	const n = 50
	var wg sync.WaitGroup
	outcomes := make([]Outcome, n)
	results := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, o, err := c.Open(context.Background(), Request{Key: k, Exec: src.exec})
			if err != nil {
				t.Error(err)
				return
			}
			outcomes[i] = o
			results[i] = fmt.Sprint(drain(t, s))
		}()
	}
	// Let the waiters pile up on the one execution, then release it.
	for deadline := time.Now().Add(5 * time.Second); src.runs.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	close(src.gate)
	wg.Wait()
	if got := src.runs.Load(); got != 1 {
		t.Fatalf("%d executions for %d identical queries, want 1", got, n)
	}
	for i := range results {
		if results[i] != results[0] {
			t.Fatalf("result %d differs: %s vs %s", i, results[i], results[0])
		}
	}
	st := c.Stats()
	if st.Misses != 1 || st.Coalesced+st.Hits != n-1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLeaderErrorWaitersRunAlone(t *testing.T) {
	c := New(Config{Budget: 1 << 20})
	defer c.Close()
	boom := errors.New("boom")
	src := &source{sizes: []int{1}, gate: make(chan struct{}), err: boom}
	k := key("q")
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			s, _, err := c.Open(context.Background(), Request{Key: k, Exec: src.exec})
			if s != nil {
				s.Close()
			}
			errs <- err
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(src.gate)
	for i := 0; i < 3; i++ {
		if err := <-errs; !errors.Is(err, boom) {
			t.Fatalf("got %v, want the query's own error", err)
		}
	}
	if c.Stats().Entries != 0 {
		t.Fatal("a failed query was kept")
	}
}

func TestBudgetAndLRUOrder(t *testing.T) {
	// Each result is 1000 int64s: 8000 bytes of values plus a validity
	// bitmap at most; the budget holds three.
	c := New(Config{Budget: 3 * 8200, EntryCap: 8200})
	defer c.Close()
	src := &source{sizes: []int{1000}}
	for i := 0; i < 3; i++ {
		open(t, c, Request{Key: key(fmt.Sprint(i)), Exec: src.exec})
	}
	// Touch 0, so 1 is the least recently used.
	if _, o := open(t, c, Request{Key: key("0"), Exec: src.exec}); o != Hit {
		t.Fatalf("0: %v", o)
	}
	open(t, c, Request{Key: key("3"), Exec: src.exec})
	for q, want := range map[string]Outcome{"0": Hit, "2": Hit, "3": Hit} {
		if o, _ := c.Peek(key(q), 0); o != want {
			t.Fatalf("%s: %v, want %v", q, o, want)
		}
	}
	if o, _ := c.Peek(key("1"), 0); o != Miss {
		t.Fatalf("1 should be evicted first (LRU), got %v", o)
	}
	// Churn of distinct large results never exceeds the budget.
	for i := 0; i < 200; i++ {
		open(t, c, Request{Key: key(fmt.Sprint("churn", i)), Exec: src.exec})
		if st := c.Stats(); st.Bytes > 3*8200 {
			t.Fatalf("bytes %d over budget", st.Bytes)
		}
	}
	if st := c.Stats(); st.Evictions < 200 || st.Entries != 3 {
		t.Fatalf("stats %+v", st)
	}
}

func TestTooLargeStreamsThrough(t *testing.T) {
	c := New(Config{Budget: 1 << 20, EntryCap: 8200})
	defer c.Close()
	src := &source{sizes: []int{600, 600, 600}}
	rows, o := open(t, c, Request{Key: key("big"), Exec: src.exec})
	if o != TooLarge || len(rows) != 1800 || rows[1799] != 1799 {
		t.Fatalf("%v: %d rows", o, len(rows))
	}
	if _, o := open(t, c, Request{Key: key("big"), Exec: src.exec}); o != TooLarge {
		t.Fatalf("second: %v", o)
	}
	if c.Stats().Entries != 0 {
		t.Fatal("kept a result over the cap")
	}
}

func TestInvalidate(t *testing.T) {
	c := New(Config{Budget: 1 << 20})
	defer c.Close()
	src := &source{sizes: []int{1}}
	open(t, c, Request{Key: key("a", "gold.orders", "1"), Exec: src.exec})
	open(t, c, Request{Key: key("b", "gold.customers", "1"), Exec: src.exec})
	catalogKey := NewKey().Field("statement", "c").Catalog("7").Key()
	open(t, c, Request{Key: catalogKey, Exec: src.exec})
	c.Invalidate([]string{"gold.orders"})
	if o, _ := c.Peek(key("a", "gold.orders", "1"), 0); o != Miss {
		t.Fatalf("entry reading the committed table: %v", o)
	}
	if o, _ := c.Peek(key("b", "gold.customers", "1"), 0); o != Hit {
		t.Fatalf("entry of another table: %v", o)
	}
	if o, _ := c.Peek(catalogKey, 0); o != Miss {
		t.Fatalf("catalog entry: %v", o)
	}
}

// A result computed while one of its tables committed is handed to the
// query but not kept.
func TestCommitDuringExecutionNotKept(t *testing.T) {
	c := New(Config{Budget: 1 << 20})
	defer c.Close()
	src := &source{sizes: []int{1}, gate: make(chan struct{})}
	k := key("a", "gold.orders", "1")
	done := make(chan Outcome)
	go func() {
		s, o, err := c.Open(context.Background(), Request{Key: k, Exec: src.exec})
		if err == nil {
			s.Close()
		}
		done <- o
	}()
	for src.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	c.Invalidate([]string{"gold.orders"})
	close(src.gate)
	<-done
	if o, _ := c.Peek(k, 0); o != Miss {
		t.Fatalf("kept a result its table committed under: %v", o)
	}
}

func TestStaleServedWithOneRefresh(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	c := New(Config{Budget: 1 << 20, KeepStale: time.Hour, MaxRefreshes: 1, Now: clock})
	defer c.Close()
	old := &source{sizes: []int{1}}
	open(t, c, Request{Key: key("q", "gold.orders", "1"), Exec: old.exec})
	c.Invalidate([]string{"gold.orders"})
	advance(5 * time.Minute)

	fresh := &source{sizes: []int{2}, gate: make(chan struct{})}
	k2 := key("q", "gold.orders", "2")
	// Without staleness: a miss (runs; leave it to the gate below).
	if o, _ := c.Peek(k2, 0); o != Miss {
		t.Fatalf("no staleness accepted: %v", o)
	}
	// Accepting 15 minutes: the stale entry answers, 10 times, while one
	// refresh runs.
	for i := 0; i < 10; i++ {
		rows, o := open(t, c, Request{Key: k2, MaxStaleness: 15 * time.Minute, Exec: fresh.exec, Background: fresh.exec})
		if o != StaleHit || len(rows) != 1 {
			t.Fatalf("%d: %v %v", i, o, rows)
		}
	}
	// Accepting less than its age: not served.
	if o, _ := c.Peek(k2, time.Minute); o == StaleHit {
		t.Fatal("served older than accepted")
	}
	close(fresh.gate)
	c.wg.Wait()
	if fresh.runs.Load() != 1 {
		t.Fatalf("%d refreshes, want 1", fresh.runs.Load())
	}
	rows, o := open(t, c, Request{Key: k2, Exec: fresh.exec})
	if o != Hit || len(rows) != 2 {
		t.Fatalf("after refresh: %v %v", o, rows)
	}
}

// Background refreshes are bounded overall, not per entry: with
// MaxRefreshes 2 and five stale dashboard tiles requested again and again,
// at most two refreshes run at once, and each tile is still served stale.
func TestRefreshesBoundedOverall(t *testing.T) {
	c := New(Config{Budget: 1 << 20, KeepStale: time.Hour, MaxRefreshes: 2})
	defer c.Close()
	const tiles = 5
	for i := 0; i < tiles; i++ {
		open(t, c, Request{Key: key(fmt.Sprint("tile ", i), "gold.orders", "1"), Exec: (&source{sizes: []int{1}}).exec})
	}
	c.Invalidate([]string{"gold.orders"})
	gate := make(chan struct{})
	var running, most atomic.Int64
	refresh := func(ctx context.Context) (Stream, error) {
		n := running.Add(1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		defer running.Add(-1)
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return &replayStream{batches: []arrow.RecordBatch{batch(0, 2)}}, nil
	}
	for round := 0; round < 3; round++ {
		for i := 0; i < tiles; i++ {
			rows, o := open(t, c, Request{Key: key(fmt.Sprint("tile ", i), "gold.orders", "2"), MaxStaleness: time.Hour,
				Exec: refresh, Background: refresh})
			if o != StaleHit || len(rows) != 1 {
				t.Fatalf("round %d tile %d: %v %v", round, i, o, rows)
			}
		}
	}
	for deadline := time.Now().Add(10 * time.Second); running.Load() < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d refreshes running, want 2 (the bound)", running.Load())
		}
	}
	close(gate)
	c.wg.Wait()
	if got := most.Load(); got != 2 {
		t.Fatalf("at most %d refreshes ran at once, want 2", got)
	}
	if st := c.Stats(); st.Refreshes != 2 {
		t.Fatalf("%d refreshes started, want 2 (one per free slot, never one per request)", st.Refreshes)
	}
}

func TestRefreshModeRecomputes(t *testing.T) {
	c := New(Config{Budget: 1 << 20})
	defer c.Close()
	src := &source{sizes: []int{1}}
	k := key("q")
	open(t, c, Request{Key: k, Exec: src.exec})
	if _, o := open(t, c, Request{Key: k, Refresh: true, Exec: src.exec}); o != Miss {
		t.Fatalf("refresh: %v", o)
	}
	if src.runs.Load() != 2 {
		t.Fatalf("runs %d", src.runs.Load())
	}
	if _, o := open(t, c, Request{Key: k, Exec: src.exec}); o != Hit {
		t.Fatalf("after refresh: %v", o)
	}
}

// An entry evicted while a replay of it is read stays readable.
func TestEvictionDuringReplay(t *testing.T) {
	c := New(Config{Budget: 8200, EntryCap: 8200})
	defer c.Close()
	src := &source{sizes: []int{500, 500}}
	open(t, c, Request{Key: key("a"), Exec: src.exec})
	s, o, err := c.Open(context.Background(), Request{Key: key("a"), Exec: src.exec})
	if err != nil || o != Hit {
		t.Fatal(o, err)
	}
	open(t, c, Request{Key: key("b"), Exec: src.exec}) // evicts a
	if rows := drain(t, s); len(rows) != 1000 || rows[999] != 999 {
		t.Fatalf("replay after eviction: %d rows", len(rows))
	}
}
