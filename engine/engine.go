// Package engine executes plans over Apache Arrow: scans of Parquet files and
// system tables, filters, projections, aggregates, sorts and limits, with
// PostgreSQL's semantics. It takes plans (package plan), never sessions, and
// produces a stream of record batches.
package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine/expr"
	"github.com/sluicesql/sluice/engine/parquet"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Stream yields a result batch by batch. Next returns (nil, nil) at the end;
// the caller releases each batch it receives. Close may be called at any
// time and releases everything the stream holds.
type Stream interface {
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close()
}

// Engine runs plans in-process.
type Engine struct {
	mem     memory.Allocator
	started time.Time // what pg_postmaster_start_time() reports
	limits  MemoryLimits
	inUse   atomic.Int64 // bytes the running queries hold (memory.go)
	workers int          // per parallel pipeline; 0: GOMAXPROCS (parallel.go)
}

// New returns an engine.
func New() *Engine { return &Engine{mem: newBufferPool(), started: time.Now()} }

// Option adjusts one execution.
type Option func(*expr.Env)

// WithSettings gives the session settings that change results (TimeZone
// for timestamptz arithmetic and casts, DateStyle for text input).
func WithSettings(s *pgtype.Settings) Option {
	return func(e *expr.Env) { e.Settings = s }
}

// WithNow fixes the statement start time that now() returns.
func WithNow(t time.Time) Option {
	return func(e *expr.Env) { e.Now = t }
}

// WithCatalog gives the catalog state the query was bound against, the
// session's search_path and its user: the catalog functions clients call
// on catalog rows (pg_get_userbyid, pg_table_is_visible, obj_description,
// has_table_privilege, ...) answer from them at execution.
func WithCatalog(state *catalog.State, searchPath []string, user string) Option {
	return func(e *expr.Env) { e.Catalog = &expr.CatalogEnv{State: state, SearchPath: searchPath, User: user} }
}

// WithSessionView gives the session's view of the server (its settings,
// the live sessions) that pg_settings and pg_stat_activity show.
func WithSessionView(v catalog.SessionView) Option {
	return func(e *expr.Env) { e.Session = v }
}

// Execute starts running root with the given parameter values ($1 is
// params[0]); rows come from the returned stream.
func (e *Engine) Execute(ctx context.Context, root plan.Node, params []pgtype.Datum, opts ...Option) (Stream, error) {
	return e.execute(ctx, root, params, nil, opts)
}

// execute builds and starts root's operators; with an analysis, each is
// measured (analyze.go).
func (e *Engine) execute(ctx context.Context, root plan.Node, params []pgtype.Datum, analysis *Analysis, opts []Option) (Stream, error) {
	if name := plan.RemoteOnly(root); name != "" {
		// Bound only when a Trino tier is configured: 0A000 is what the
		// gateway moves to the fallback tier.
		return nil, pgerr.New(pgerr.FeatureNotSupported, "function %s runs only on Trino", name).
			WithHint("The local engine does not implement %s: route the query to a Trino tier (routing.fallback, a routing rule or SET sluice.route).", name)
	}
	// The query's allocator is its memory account (memory.go).
	mem := newBudget(e.mem, e.limits, &e.inUse)
	env := &expr.Env{Params: params, Settings: pgtype.DefaultSettings(), Now: time.Now(), Started: e.started,
		Rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)), Mem: mem}
	for _, o := range opts {
		o(env)
	}
	if analysis == nil {
		analysis = mem.analysis // WithAnalysis
	}
	b := &builder{env: env, mem: mem, work: map[int][]arrow.RecordBatch{}, analysis: analysis, workers: e.workers}
	subs := &subqueries{b: b, ctx: ctx, rows: map[plan.Node][][]pgtype.Datum{}}
	env.Subquery = subs.run
	op, err := b.build(root)
	if err != nil {
		mem.close()
		return nil, err
	}
	return &stream{op: op, subs: subs, mem: mem}, nil
}

// operator is one physical operator: a pull-based stream of batches whose
// columns follow its plan node's Columns().
type operator interface {
	next(ctx context.Context) (arrow.RecordBatch, error)
	close()
}

type stream struct {
	op     operator
	subs   *subqueries
	mem    *budget
	closed bool
}

func (s *stream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.closed {
		return nil, nil
	}
	s.subs.ctx = ctx // subqueries run under the call that needs them
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		b, err := s.op.next(ctx)
		if err != nil || b == nil {
			return b, err
		}
		if b.NumRows() > 0 {
			return b, nil
		}
		b.Release() // empty batches are an operator's business, not the client's
	}
}

func (s *stream) Close() {
	if !s.closed {
		s.closed = true
		s.op.close()
		s.mem.close()
	}
}

type builder struct {
	env *expr.Env
	mem memory.Allocator
	// work holds each running recursive union's previous step, read by
	// its work table.
	work map[int][]arrow.RecordBatch
	// analysis, if set, gets every node's figures; unwrapped is the node
	// whose measuring wrapper is being built around it.
	analysis  *Analysis
	unwrapped plan.Node
	// pruneWith is the filter right above the scan being built: its
	// conjuncts may rule out row groups by their statistics.
	pruneWith plan.Expr
	// par, while one worker's copy of a parallel pipeline is built, holds
	// what the copies share (parallel.go).
	par     *parallelBuild
	workers int
	// sortLimits holds, for a sort under a LIMIT, how many of its first
	// rows the LIMIT takes (sort.go: a top-N).
	sortLimits map[*plan.Sort]int
	// shared holds the query's aggregates computed once for all equal
	// ones (aggregate.go shareAggregate).
	shared []*sharedAgg
}

func (b *builder) build(n plan.Node) (operator, error) {
	if b.analysis != nil && b.unwrapped != n {
		return b.profiled(n)
	}
	b.unwrapped = nil
	switch x := n.(type) {
	case *plan.Scan:
		return b.scan(x)
	case *plan.Values:
		return newValues(x, b.env)
	case *plan.Filter:
		pred := x.Predicate
		if s, ok := x.Input.(*plan.Scan); ok {
			b.pruneWith = x.Predicate
			_, pred = splitScanFilter(s, pred) // the scan applies the rest (scan_filter.go)
		}
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		if pred == nil {
			return in, nil
		}
		ev, err := expr.Compile(pred, b.env)
		if err != nil {
			in.close()
			return nil, err
		}
		return &filterOp{input: in, pred: ev, mem: b.mem}, nil
	case *plan.Project:
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		evs := make([]*expr.Evaluator, len(x.Exprs))
		for i, e := range x.Exprs {
			if evs[i], err = expr.Compile(e, b.env); err != nil {
				in.close()
				return nil, err
			}
		}
		return &projectOp{input: in, exprs: evs, schema: arrowSchema(x.Cols)}, nil
	case *plan.Aggregate:
		orig := x
		if b.analysis == nil {
			// (EXPLAIN ANALYZE reports the projection as its own node.)
			x = fuseProject(x, b.env)
		}
		if op, ok, err := b.parallelAggregate(x); ok {
			if err != nil {
				return nil, err
			}
			return b.shareAggregate(orig, op), nil
		}
		in, err := b.build(x.Input)
		if err != nil {
			return nil, err
		}
		op, err := newAggregate(x, in, b.env)
		if err != nil {
			return nil, err
		}
		return b.shareAggregate(orig, op), nil
	case *plan.Sort:
		return b.sort(x)
	case *plan.Limit:
		return b.limit(x)
	case *plan.Join:
		return b.join(x)
	case *plan.SetOp:
		return b.setOp(x)
	case *plan.RecursiveUnion:
		return b.recursiveUnion(x)
	case *plan.WorkTable:
		return b.workTable(x)
	}
	return b.buildExtended(n)
}

func (b *builder) scan(s *plan.Scan) (operator, error) {
	var op operator
	switch s.Table.Format {
	case catalog.FormatSystem:
		op = &systemScan{table: s.Table, proj: s.Projection, schema: arrowSchema(s.Columns()), session: b.env.Session}
	default:
		if b.par != nil {
			if src := b.par.scans[s]; src != nil {
				op = sourceHandle{src}
				break
			}
		}
		opts := parquet.Options{Allocator: b.mem}
		pushed, _ := splitScanFilter(s, b.pruneWith)
		own, _ := splitScanFilter(s, s.Filter)
		for col, tests := range own {
			if pushed == nil {
				pushed = map[int][]plan.Expr{}
			}
			pushed[col] = append(pushed[col], tests...)
		}
		opts.Filters = scanFilters(s, pushed, b.env)
		pr := &rowGroupPruner{table: s.Table, tests: pruneTests(s, b.pruneWith)}
		pr.tests = append(pr.tests, pruneTests(s, s.Filter)...)
		if b.analysis != nil {
			pr.stats = b.analysis.stats(s)
			pr.stats.Scan = true
			opts.FilterStats = &pr.stats.ScanFilter
		}
		if len(pr.tests) > 0 || pr.stats != nil {
			opts.KeepRowGroup = pr.keep
		}
		sc, err := parquet.NewScanner(s.Table, s.Projection, opts)
		if err != nil {
			return nil, err
		}
		pr.finishFile()
		op = &lakeScan{sc: sc}
		if b.par != nil {
			src := &sharedSource{op: op}
			b.par.scans[s] = src
			b.par.closers = append(b.par.closers, op.close)
			op = sourceHandle{src}
		}
	}
	b.pruneWith = nil
	if _, rest := splitScanFilter(s, s.Filter); rest != nil {
		ev, err := expr.Compile(rest, b.env)
		if err != nil {
			op.close()
			return nil, err
		}
		op = &filterOp{input: op, pred: ev, mem: b.mem}
	}
	return op, nil
}

func (b *builder) limit(l *plan.Limit) (operator, error) {
	count, offset := int64(-1), int64(0)
	if l.Count != nil {
		v, err := expr.Const(l.Count, b.env)
		if err != nil {
			return nil, err
		}
		if v != nil {
			count = v.(int64)
			if count < 0 {
				return nil, pgerr.New(pgerr.InvalidRowCountInLimit, "LIMIT must not be negative")
			}
		}
	}
	if l.Offset != nil {
		v, err := expr.Const(l.Offset, b.env)
		if err != nil {
			return nil, err
		}
		if v != nil {
			offset = v.(int64)
			if offset < 0 {
				return nil, pgerr.New(pgerr.InvalidRowCountInResultOffset, "OFFSET must not be negative")
			}
		}
	}
	if s, ok := l.Input.(*plan.Sort); ok && count > 0 && count <= math.MaxInt32-offset {
		if b.sortLimits == nil {
			b.sortLimits = map[*plan.Sort]int{}
		}
		b.sortLimits[s] = int(count + offset)
	}
	in, err := b.build(l.Input)
	if err != nil {
		return nil, err
	}
	return &limitOp{input: in, remaining: count, skip: offset}, nil
}

func arrowSchema(cols []plan.Column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Finish computes exprs over each batch of in (whose columns they refer
// to) and streams the results as batches of cols: the last projection of
// a query whose other work ran elsewhere (a Trino tier), so that what it
// shows (a numeric quotient's scale) is PostgreSQL's. It reads no tables.
func Finish(in Stream, exprs []plan.Expr, cols []plan.Column, params []pgtype.Datum, opts ...Option) (Stream, error) {
	env := &expr.Env{Params: params, Settings: pgtype.DefaultSettings(), Now: time.Now(),
		Rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed)), Mem: memory.DefaultAllocator}
	for _, o := range opts {
		o(env)
	}
	evs := make([]*expr.Evaluator, len(exprs))
	for i, x := range exprs {
		ev, err := expr.Compile(x, env)
		if err != nil {
			return nil, err
		}
		evs[i] = ev
	}
	return &finishStream{in: in, evs: evs, cols: cols, schema: arrowSchema(cols), mem: env.Mem}, nil
}

type finishStream struct {
	in     Stream
	evs    []*expr.Evaluator
	cols   []plan.Column
	schema *arrow.Schema
	mem    memory.Allocator
}

func (f *finishStream) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := f.in.Next(ctx)
	if err != nil || b == nil {
		return nil, err
	}
	defer b.Release()
	cols := make([]arrow.Array, len(f.evs))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, ev := range f.evs {
		if arrow.TypeEqual(ev.Type().ArrowType(), f.schema.Field(i).Type) {
			if cols[i], err = ev.Eval(b); err != nil {
				return nil, err
			}
			continue
		}
		// The column's type, not the expression's (round(x, 3) is
		// numeric(38,3), the column it fills an unconstrained numeric).
		vals, err := ev.Datums(b)
		if err != nil {
			return nil, err
		}
		if cols[i], err = expr.Build(f.mem, f.cols[i].Type, vals); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(f.schema, cols, b.NumRows()), nil
}

func (f *finishStream) Close() { f.in.Close() }
