package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// Morsel parallelism. A hash aggregate over a pipeline of a lake scan,
// filters, projections and hash-join probes runs that pipeline on one
// worker per core: each worker has its own copy of the pipeline's
// operators and its own partial aggregate, all of them take batches
// (morsels) from one shared scan, join probes share the table their build
// side made once, and the partial aggregates merge at the end. Group order
// then depends on which worker took which batch, as an unordered result
// may; ORDER BY sorts above the aggregate.

// parallelBuild is one parallel pipeline while its copies are built: the
// scans and join tables its workers share, and how to release them.
type parallelBuild struct {
	scans   map[*plan.Scan]*sharedSource
	joins   map[*plan.Join]*joinTable
	closers []func()
}

func (p *parallelBuild) close() {
	for _, c := range p.closers {
		c()
	}
	p.closers = nil
}

// sharedSource hands one operator's batches to several workers, each
// batch to one of them. It numbers them in order, and tells the worker
// reading which one it got (noteSeq: a parallel sort orders ties by it).
type sharedSource struct {
	mu   sync.Mutex
	op   operator
	done bool
	seq  int64
}

func (s *sharedSource) next(ctx context.Context) (arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		noteSeq(ctx, math.MaxInt64)
		return nil, nil
	}
	b, err := s.op.next(ctx)
	if b == nil && err == nil {
		s.done = true
		noteSeq(ctx, math.MaxInt64)
	} else {
		s.seq++
		noteSeq(ctx, s.seq)
	}
	return b, err
}

// sourceHandle is one worker's end of a shared source; the parallel
// operator closes the source itself.
type sourceHandle struct{ src *sharedSource }

func (h sourceHandle) next(ctx context.Context) (arrow.RecordBatch, error) { return h.src.next(ctx) }
func (h sourceHandle) close()                                              {}

// WithWorkers sets how many workers a parallel pipeline gets; 1 runs
// every operator on one goroutine. The default (0) is one per core the
// process may use: GOMAXPROCS, which the server's thread count caps.
func (e *Engine) WithWorkers(n int) *Engine {
	e.workers = n
	return e
}

// Workers is how many workers a parallel pipeline gets.
func (e *Engine) Workers() int {
	if e.workers > 0 {
		return e.workers
	}
	return runtime.GOMAXPROCS(0)
}

func (b *builder) parallelWorkers() int {
	if b.workers > 0 {
		return b.workers
	}
	return runtime.GOMAXPROCS(0)
}

// parallelAggregate builds n as a parallel aggregate when its shape
// allows; ok false leaves it to the serial operator.
func (b *builder) parallelAggregate(n *plan.Aggregate) (op operator, ok bool, err error) {
	if !b.canRunOnWorkers(n, n.Input) {
		return nil, false, nil
	}
	for _, c := range n.Aggs {
		if !mergeableAgg(c) {
			return nil, false, nil
		}
	}
	p := &parallelAggOp{par: newParallelBuild()}
	err = b.buildOnWorkers(p.par, n.Input, func(in operator) error {
		a, err := newAggregate(n, in, b.env)
		if err != nil {
			return err
		}
		p.workers = append(p.workers, a.(*aggregateOp))
		return nil
	})
	if err != nil {
		p.close()
		return nil, true, err
	}
	return p, true, nil
}

// canRunOnWorkers reports whether n, reading input, may run on morsel
// workers: more than one worker, not inside another parallel build, not
// under EXPLAIN ANALYZE (its counters are per operator), and expressions
// and pipeline that are safe to share.
func (b *builder) canRunOnWorkers(n, input plan.Node) bool {
	return b.parallelWorkers() >= 2 && b.par == nil && b.analysis == nil && exprsParallelSafe(n) && pipelineParallel(input)
}

// runWorkers runs work(ctx, i) for i in [0, n) at once and returns the
// first error by firstError's rule. A worker that fails (or panics: that
// must fail the query, not the server) cancels the others.
func runWorkers(ctx context.Context, n int, work func(ctx context.Context, i int) error) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					errs[i] = pgerr.New(pgerr.InternalError, "%s", fmt.Sprint(r))
					cancel()
				}
			}()
			if errs[i] = work(wctx, i); errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	return firstError(ctx, errs)
}

func newParallelBuild() *parallelBuild {
	return &parallelBuild{scans: map[*plan.Scan]*sharedSource{}, joins: map[*plan.Join]*joinTable{}}
}

// buildOnWorkers builds input once per worker, every copy sharing par's
// scans and join tables, and hands each pipeline to add, which owns it
// from then on (and closes it if add itself fails).
func (b *builder) buildOnWorkers(par *parallelBuild, input plan.Node, add func(in operator) error) error {
	b.par = par
	defer func() { b.par = nil }()
	for range b.parallelWorkers() {
		in, err := b.build(input)
		if err != nil {
			return err
		}
		if err := add(in); err != nil {
			return err
		}
	}
	return nil
}

// pipelineParallel reports whether n is a pipeline the workers can each
// run a copy of: filters and projections over a lake scan, through the
// probe sides of hash joins.
// Build sides run once, so they may hold anything serial; every
// expression anywhere below must be safe to evaluate concurrently.
func pipelineParallel(n plan.Node) bool {
	if !exprsParallelSafe(n) {
		return false
	}
	switch x := n.(type) {
	case *plan.Scan:
		return x.Table.Format != catalog.FormatSystem
	case *plan.Filter:
		return pipelineParallel(x.Input)
	case *plan.Project:
		return pipelineParallel(x.Input)
	case *plan.Join:
		probe, build := x.Left, x.Right
		if x.BuildLeft {
			probe, build = x.Right, x.Left
		}
		if x.Kind == plan.JoinMark && x.BuildLeft {
			return false
		}
		// Joins that emit build rows after the probe (an outer join's
		// unmatched ones, a semi or anti join's building its left input)
		// share the marks their probes set; the last worker to end its
		// probe emits those rows (joinOp.emitBuild).
		_, _, notIn := x.NotIn()
		return (len(x.LeftKeys) > 0 || notIn) && pipelineParallel(probe) && serialParallelSafe(build)
	}
	return false
}

// serialParallelSafe reports whether a build side may run once beside
// the workers: operators that touch nothing shared at run time.
func serialParallelSafe(n plan.Node) bool {
	switch n.(type) {
	case *plan.Scan, *plan.Filter, *plan.Project, *plan.Join, *plan.Aggregate, *plan.Sort, *plan.Limit, *plan.Values, *plan.Unique:
	default:
		return false
	}
	if !exprsParallelSafe(n) {
		return false
	}
	for _, c := range n.Children() {
		if !serialParallelSafe(c) {
			return false
		}
	}
	return true
}

// exprsParallelSafe reports whether n's own expressions may run in
// several workers at once: subqueries run through the execution's shared
// subquery cache and random() draws from its one generator.
func exprsParallelSafe(n plan.Node) bool {
	safe := true
	for _, e := range plan.Exprs(n) {
		plan.Walk(e, func(x plan.Expr) bool {
			switch c := x.(type) {
			case *plan.Subquery:
				safe = false
			case *plan.Call:
				if c.Volatile {
					safe = false
				}
			}
			return safe
		})
	}
	return safe
}

// parallelAggOp runs its workers' partial aggregates at once and merges
// their groups.
type parallelAggOp struct {
	par     *parallelBuild
	workers []*aggregateOp
	done    bool
}

func (p *parallelAggOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	if p.done {
		return nil, nil
	}
	p.done = true
	parts := make([]*partialAgg, len(p.workers))
	err := runWorkers(ctx, len(p.workers), func(ctx context.Context, i int) (err error) {
		parts[i], err = p.workers[i].accumulate(ctx, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	a := p.workers[0]
	// While no worker's Datum path ran, groups of integer keys are found
	// by their words in the first worker's tables; otherwise all groups
	// by key bytes.
	typed := a.fast != nil
	for _, w := range p.workers {
		typed = typed && !w.fast.mapped
	}
	if !typed {
		for i, w := range p.workers {
			if w.fast != nil {
				w.fast.mapAll(parts[i].groups)
			}
		}
	}
	base := parts[0]
	for _, part := range parts[1:] {
		for _, g := range part.order {
			var bg *group
			if g.words != nil && typed {
				if bg = a.fast.typedFind(g.words); bg == nil {
					a.fast.typedAdd(g)
					base.order = append(base.order, g)
					continue
				}
			} else {
				var ok bool
				if bg, ok = base.groups[g.key]; !ok {
					base.groups[g.key] = g
					base.order = append(base.order, g)
					continue
				}
			}
			if err := p.mergeGroup(bg, g); err != nil {
				return nil, err
			}
		}
	}
	if a.fast != nil {
		if err := a.fast.fold(a, base.order); err != nil {
			return nil, err
		}
	}
	return a.finish(base.order)
}

// mergeGroup adds group g of another worker to the first worker's bg.
func (p *parallelAggOp) mergeGroup(bg, g *group) error {
	a := p.workers[0]
	if a.fast != nil {
		if err := a.fast.merge(a, bg, g); err != nil {
			return err
		}
	}
	if g.states != nil {
		// Rows that went the Datum path, or a sum past int64.
		dst := a.statesOf(bg)
		for i := range g.states {
			if err := mergeState(dst[i], g.states[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstError picks the error that stopped the workers: a real failure
// over the cancellations it caused in the others.
func firstError(ctx context.Context, errs []error) error {
	var cancelled error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if errors.Is(err, context.Canceled) && ctx.Err() == nil {
			cancelled = err
			continue
		}
		return err
	}
	return cancelled
}

func (p *parallelAggOp) close() {
	for _, w := range p.workers {
		w.close()
	}
	p.par.close()
}
