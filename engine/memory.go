package engine

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// MemoryLimits bounds what the engine's queries hold: PerQuery for each
// query, Total for all running queries together. Zero is no bound.
type MemoryLimits struct {
	PerQuery int64
	Total    int64
}

// WithMemoryLimits sets the engine's memory budgets; call it before the
// engine runs queries.
func (e *Engine) WithMemoryLimits(l MemoryLimits) *Engine {
	e.limits = l
	return e
}

// InUse is the memory the running queries hold by the engine's account.
func (e *Engine) InUse() int64 { return e.inUse.Load() }

// budget is one query's memory account. It is the query's Arrow allocator,
// so every buffer the query's operators and readers allocate counts while
// it lives, and operators add what they hold on the Go heap outside Arrow
// (hash tables, Datum keys) with reserve. Operators that hold their input
// (hash join build sides, hash aggregates, sorts) call check after each
// batch: past a budget the query fails with 53200 naming the budget, long
// before the process itself runs out. Buffers released after the query
// ended (result batches still with the client) leave the server's account
// when they are freed.
type budget struct {
	alloc    memory.Allocator
	limits   MemoryLimits
	server   *atomic.Int64
	used     atomic.Int64 // Arrow bytes live plus reservations
	reserved atomic.Int64 // the reservations alone, returned at close
	peak     atomic.Int64
	// analysis is the query's EXPLAIN ANALYZE figures, set by
	// WithAnalysis: options see only the Env, whose allocator this is.
	analysis *Analysis
}

func newBudget(alloc memory.Allocator, limits MemoryLimits, server *atomic.Int64) *budget {
	return &budget{alloc: alloc, limits: limits, server: server}
}

func (b *budget) add(n int64) {
	u := b.used.Add(n)
	b.server.Add(n)
	for {
		p := b.peak.Load()
		if u <= p || b.peak.CompareAndSwap(p, u) {
			break
		}
	}
}

func (b *budget) Allocate(size int) []byte {
	b.add(int64(size))
	return b.alloc.Allocate(size)
}

// AllocateUnzeroed is Allocate without zeroing (parquet.Take's output),
// where the query's allocator can skip it (the engine's pool).
func (b *budget) AllocateUnzeroed(size int) []byte {
	p, ok := b.alloc.(parquet.UnzeroedAllocator)
	if !ok {
		return b.Allocate(size)
	}
	b.add(int64(size))
	return p.AllocateUnzeroed(size)
}

func (b *budget) Reallocate(size int, old []byte) []byte {
	b.add(int64(size - len(old)))
	return b.alloc.Reallocate(size, old)
}

func (b *budget) Free(buf []byte) {
	b.add(-int64(len(buf)))
	b.alloc.Free(buf)
}

// reserve accounts n bytes an operator holds outside Arrow buffers until
// the query ends.
func (b *budget) reserve(n int64) {
	b.reserved.Add(n)
	b.add(n)
}

// check fails when the query or the server is past its budget; doing
// says what the query was doing, for the message.
func (b *budget) check(doing string) error {
	if l := b.limits.PerQuery; l > 0 && b.used.Load() > l {
		return pgerr.New(pgerr.OutOfMemory, "out of memory: the query needs more than its memory budget of %s (engine.memory_per_query) while %s", formatBytes(l), doing).
			WithHint("Raise engine.memory_per_query, or narrow the query so that less is held at once.")
	}
	if l := b.limits.Total; l > 0 && b.server.Load() > l {
		return pgerr.New(pgerr.OutOfMemory, "out of memory: the running queries together need more than the server's memory budget of %s (engine.memory_total) while %s", formatBytes(l), doing).
			WithHint("Retry when fewer queries run, or raise engine.memory_total.")
	}
	return nil
}

// close returns the query's reservations to the server's account.
func (b *budget) close() {
	n := b.reserved.Swap(0)
	b.used.Add(-n)
	b.server.Add(-n)
}

// budgetOf finds the query's budget through its allocator (nil: none, as
// when an operator runs outside Execute).
func budgetOf(env *expr.Env) *budget {
	b, _ := env.Mem.(*budget)
	return b
}

// checkMemory reserves n bytes on env's query and checks its budgets.
func checkMemory(env *expr.Env, n int64, doing string) error {
	b := budgetOf(env)
	if b == nil {
		return nil
	}
	if n != 0 {
		b.reserve(n)
	}
	return b.check(doing)
}

// formatBytes prints a size as pg_size_pretty would, in 1024s.
func formatBytes(n int64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB"}
	v, u := float64(n), 0
	for v >= 1024 && u < len(units)-1 {
		v /= 1024
		u++
	}
	if v == math.Trunc(v) {
		return fmt.Sprintf("%d %s", int64(v), units[u])
	}
	return fmt.Sprintf("%.1f %s", v, units[u])
}
