package engine

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
)

// NodeStats is what EXPLAIN ANALYZE reports of one plan node: the rows it
// produced, the time spent in it and below it until its first batch
// (Startup) and until its end (Total), and for lake scans the files and
// row groups read and skipped by pruning.
type NodeStats struct {
	Rows    int64
	Batches int64
	Startup time.Duration
	Total   time.Duration
	// Loops is how many times the node ran: 1, or 0 when it never ran
	// (the inner side of a join whose outer side was empty).
	Loops int

	Scan                        bool
	Files, FilesSkipped         int
	RowGroups, RowGroupsSkipped int
	firstSeen                   bool

	// ScanFilter counts what the scan's own text filters did
	// (scan_filter.go).
	ScanFilter parquet.FilterStats
}

// Analysis collects NodeStats per plan node while a query runs.
type Analysis struct {
	mu    sync.Mutex
	nodes map[plan.Node]*NodeStats
}

// Stats is node's figures; nil for a node that was never built (an
// uncorrelated subquery that did not run).
func (a *Analysis) Stats(n plan.Node) *NodeStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.nodes[n]
}

func (a *Analysis) stats(n plan.Node) *NodeStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.nodes[n]
	if s == nil {
		s = &NodeStats{}
		a.nodes[n] = s
	}
	return s
}

// NewAnalysis returns an empty analysis for WithAnalysis.
func NewAnalysis() *Analysis { return &Analysis{nodes: map[plan.Node]*NodeStats{}} }

// WithAnalysis measures every operator of the execution into a (EXPLAIN
// ANALYZE); the figures are complete once the stream was read to its end.
// An execution that never reaches the engine (a cached result, a Trino
// route) leaves it empty.
func WithAnalysis(a *Analysis) Option {
	return func(e *expr.Env) {
		if b, ok := e.Mem.(*budget); ok {
			b.analysis = a
		}
	}
}

// profiled builds n's operator and wraps it to count its rows and time.
func (b *builder) profiled(n plan.Node) (operator, error) {
	b.unwrapped = n
	op, err := b.build(n)
	if err != nil {
		return nil, err
	}
	return &profiledOp{input: op, stats: b.analysis.stats(n)}, nil
}

// profiledOp measures one operator. Times include the operators below it,
// as PostgreSQL's actual times do.
type profiledOp struct {
	input operator
	stats *NodeStats
}

func (p *profiledOp) next(ctx context.Context) (arrow.RecordBatch, error) {
	start := time.Now()
	b, err := p.input.next(ctx)
	d := time.Since(start)
	s := p.stats
	s.Loops = 1
	s.Total += d
	if !s.firstSeen {
		s.Startup += d
	}
	if b != nil {
		s.Rows += b.NumRows()
		s.Batches++
		if b.NumRows() > 0 {
			s.firstSeen = true
		}
	} else {
		s.firstSeen = true
	}
	return b, err
}

func (p *profiledOp) close() { p.input.close() }
