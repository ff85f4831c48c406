package engine

import (
	"context"
	"math"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
)

// A sort over a pipeline the morsel workers can run (pipelineParallel)
// sorts on every worker: each runs its copy of the pipeline, keeps what it
// read with its keys (a top-N keeps only its best limit rows), and orders
// its run; a k-way merge of the runs then gives the final order.
//
// Ties: one core's sort is stable, so rows with equal keys come in input
// order, which is scan-batch order. Each worker notes, per batch it
// receives, the number of the scan batch it came from (seqSlot, set by the
// shared scan), and the merge orders ties by that number and then by
// arrival within the worker; the result is the one-core result row for
// row, whatever the ORDER BY.

// seqSlot is where a shared scan writes the number of the batch it just
// handed to a worker (math.MaxInt64 once it has none left: rows a join
// emits after its probe, such as an outer join's unmatched build rows,
// come after every scanned one, as on one core). It travels in the
// worker's context.
type seqSlotKey struct{}

// noteSeq records seq in ctx's slot, if the worker reading has one.
func noteSeq(ctx context.Context, seq int64) {
	if slot, ok := ctx.Value(seqSlotKey{}).(*int64); ok {
		*slot = seq
	}
}

// parallelSort builds n to sort on workers when its input allows; ok
// false leaves it to the serial sort.
func (b *builder) parallelSort(n *plan.Sort, limit int) (op operator, ok bool, err error) {
	if !b.canRunOnWorkers(n, n.Input) {
		return nil, false, nil
	}
	p := &parallelSortOp{par: newParallelBuild()}
	err = b.buildOnWorkers(p.par, n.Input, func(in operator) error {
		rows, err := newSortRows(n, b.env, limit, true)
		if err != nil {
			in.close()
			return err
		}
		p.workers = append(p.workers, &sortWorker{input: in, rows: rows})
		return nil
	})
	if err != nil {
		p.close()
		return nil, true, err
	}
	return p, true, nil
}

// sortWorker is one worker's pipeline and the rows it sorts.
type sortWorker struct {
	input operator
	rows  *sortRows
	seq   int64 // seqSlot of this worker
	run   []int32
}

// read runs the worker's pipeline to its end and orders what it kept.
func (w *sortWorker) read(ctx context.Context) error {
	ctx = context.WithValue(ctx, seqSlotKey{}, &w.seq)
	for {
		b, err := w.input.next(ctx)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		if err := w.rows.add(ctx, b, w.seq); err != nil {
			return err
		}
	}
	w.run = w.rows.sorted()
	return ctx.Err()
}

// parallelSortOp runs its workers' sorts at once and merges their runs.
type parallelSortOp struct {
	par     *parallelBuild
	workers []*sortWorker
	materialized
}

func (p *parallelSortOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	return p.emit(ctx, p.materialize)
}

func (p *parallelSortOp) materialize(ctx context.Context) error {
	if err := runWorkers(ctx, len(p.workers), func(ctx context.Context, i int) error {
		return p.workers[i].read(ctx)
	}); err != nil {
		return err
	}
	idx, err := p.merge(ctx)
	if err != nil || len(idx) == 0 {
		return err
	}
	var parts [][]arrow.RecordBatch
	var schema *arrow.Schema
	for _, w := range p.workers {
		parts = append(parts, w.rows.batches)
		if w.rows.schema != nil {
			schema = w.rows.schema
		}
	}
	out, err := gatherRows(ctx, p.workers[0].rows.env, schema, parts, idx)
	for _, w := range p.workers {
		w.rows.release()
	}
	p.out = out
	return err
}

// merge interleaves the workers' sorted runs into one order, as row
// numbers of the concatenation of all workers' batches (worker by worker);
// a top-N stops at its limit.
func (p *parallelSortOp) merge(ctx context.Context) ([]int32, error) {
	total, limit := 0, p.workers[0].rows.limit
	base := make([]int, len(p.workers))
	for i, w := range p.workers {
		base[i] = total
		total += w.rows.n
	}
	if total > math.MaxInt32 {
		return nil, pgerr.New(pgerr.ProgramLimitExceeded, "cannot sort more than %d rows", math.MaxInt32)
	}
	want := 0
	for _, w := range p.workers {
		want += len(w.run)
	}
	if limit >= 0 {
		want = min(want, limit)
	}
	out := make([]int32, 0, want)
	pos := make([]int, len(p.workers))
	for len(out) < want {
		if len(out)%(64*1024) == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		best := -1
		for i, w := range p.workers {
			if pos[i] < len(w.run) && (best < 0 || p.before(w, w.run[pos[i]], p.workers[best], p.workers[best].run[pos[best]])) {
				best = i
			}
		}
		out = append(out, int32(base[best])+p.workers[best].run[pos[best]])
		pos[best]++
	}
	return out, nil
}

// before reports whether row a of worker x sorts before row b of worker y:
// by the keys, then by the scan batch each came from (distinct workers
// never share one), then by arrival.
func (p *parallelSortOp) before(x *sortWorker, a int32, y *sortWorker, b int32) bool {
	if x == y {
		return x.rows.order(a, b) < 0
	}
	for i := range x.rows.keys {
		if c := x.rows.keys[i].compareWith(int(a), &y.rows.keys[i], int(b)); c != 0 {
			return c < 0
		}
	}
	return x.rows.seqs[a] < y.rows.seqs[b]
}

func (p *parallelSortOp) close() {
	p.release()
	for _, w := range p.workers {
		w.input.close()
		w.rows.release()
	}
	p.par.close()
}
