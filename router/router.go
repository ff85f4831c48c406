package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Router sends statements to the Trino tiers. It is safe for concurrent use.
type Router struct {
	cfg      Config
	mem      memory.Allocator
	log      *slog.Logger
	tiers    map[string]*tier
	clusters map[string]*cluster
	order    []*cluster // config order, for Clusters()

	life context.Context // ends at Close: pollers and running queries stop
	stop context.CancelFunc
	wg   sync.WaitGroup // health pollers and reading goroutines
}

type tier struct {
	cfg      TierConfig
	clusters []*cluster
	adm      *admission
	fallback *tier
	rr       atomic.Uint64 // rotates the start among equally loaded clusters

	retries   atomic.Int64 // attempts after a cluster failed before the first row
	failovers atomic.Int64 // queries handed to the fallback tier
	rejected  atomic.Int64 // refused: queue full (53300)
	timedOut  atomic.Int64 // gave up in the queue (57014)
}

// Option configures a Router.
type Option func(*Router)

// WithAllocator sets the Arrow allocator of the result batches.
func WithAllocator(m memory.Allocator) Option { return func(r *Router) { r.mem = m } }

// WithLogger sets where the router logs cluster state changes.
func WithLogger(l *slog.Logger) Option { return func(r *Router) { r.log = l } }

// New checks the configuration and starts polling every cluster. Close
// stops it.
func New(cfg Config, opts ...Option) (*Router, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	r := &Router{cfg: cfg, mem: memory.DefaultAllocator, log: slog.New(slog.DiscardHandler),
		tiers: map[string]*tier{}, clusters: map[string]*cluster{}}
	for _, o := range opts {
		o(r)
	}
	for _, tc := range cfg.Tiers {
		t := &tier{cfg: tc, adm: newAdmission(tc.Name, tc.MaxConcurrency, tc.QueueLength, tc.QueueTimeout)}
		for _, cc := range tc.Clusters {
			c := newCluster(cc, tc.Name, cfg)
			t.clusters = append(t.clusters, c)
			r.clusters[cc.Name] = c
			r.order = append(r.order, c)
		}
		r.tiers[tc.Name] = t
	}
	for _, t := range r.tiers {
		if t.cfg.Fallback != "" {
			t.fallback = r.tiers[t.cfg.Fallback]
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.life, r.stop = ctx, cancel
	for _, c := range r.order {
		r.wg.Add(1)
		go r.watch(ctx, c)
	}
	return r, nil
}

// Close stops the health pollers, ends every running query (killing it on
// its cluster) and waits for them.
func (r *Router) Close() {
	r.stop()
	r.wg.Wait()
}

func (r *Router) watch(ctx context.Context, c *cluster) {
	defer r.wg.Done()
	tick := time.NewTicker(r.cfg.HealthInterval)
	defer tick.Stop()
	for {
		before := c.status()
		c.poll(ctx, r.cfg)
		if after := c.status(); after.Healthy != before.Healthy {
			r.log.Info("trino cluster health changed", "cluster", c.cfg.Name, "tier", c.tier, "healthy", after.Healthy, "error", after.LastErr)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Request is one statement for a tier.
type Request struct {
	// SQL is the Trino statement. Render, when set, is used instead: it gets
	// the chosen cluster's layer → catalog.schema mapping, since clusters
	// of a tier may name the lake differently.
	SQL    string
	Render func(catalogs map[string]string) (string, error)

	User       string            // X-Trino-User (the PostgreSQL user)
	Source     string            // X-Trino-Source (application_name)
	ClientTags []string          // X-Trino-Client-Tags
	Session    map[string]string // X-Trino-Session properties
	Catalog    string            // default catalog, optional
	Schema     string            // default schema, optional
	TimeZone   string            // X-Trino-Time-Zone; default UTC

	// Columns is the result's Arrow schema as the caller bound it (each
	// field's type is pgtype's Arrow type of the column's PostgreSQL type):
	// Trino's values are converted into these types. Types, when given,
	// names each column's PostgreSQL type (numeric without a typmod and
	// text share an Arrow type). With Columns nil the schema follows
	// Trino's types (Result.Schema tells it).
	Columns *arrow.Schema
	Types   []pgtype.Type

	// Notice receives queue positions, retries and progress of long
	// queries. It is called only from within Execute and Result.Next, on
	// the caller's goroutine.
	Notice func(Notice)
}

// NoticeKind says what a Notice reports.
type NoticeKind int

const (
	NoticeQueued   NoticeKind = iota // waiting for a slot of the tier
	NoticeRetry                      // the cluster failed before any row: trying another
	NoticeProgress                   // a long query's progress
	NoticeFallback                   // the local engine cannot run it: a tier takes it (sent by the gateway)
)

// Notice is something the client may want to know while it waits. Message
// is ready to send as a PostgreSQL NOTICE.
type Notice struct {
	Kind     NoticeKind
	Tier     string
	Cluster  string
	QueryID  string
	Position int // NoticeQueued: 1 = next to run
	Waiting  int // NoticeQueued: queries waiting in the tier
	State    string
	Percent  float64
	Rows     int64
	Bytes    int64
	Elapsed  time.Duration
	Message  string
}

// mailbox carries notices from other goroutines to the caller's.
type mailbox struct {
	mu       sync.Mutex
	pending  []Notice
	progress *Notice
	wake     chan struct{}
}

func newMailbox() *mailbox { return &mailbox{wake: make(chan struct{}, 1)} }

func (m *mailbox) post(n Notice) {
	m.mu.Lock()
	m.pending = append(m.pending, n)
	m.mu.Unlock()
	m.signal()
}

// setProgress keeps only the latest progress: a slow reader gets the news,
// not a backlog.
func (m *mailbox) setProgress(n Notice) {
	m.mu.Lock()
	m.progress = &n
	m.mu.Unlock()
	m.signal()
}

func (m *mailbox) signal() {
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

func (m *mailbox) deliver(f func(Notice)) {
	m.mu.Lock()
	ns := m.pending
	m.pending = nil
	if m.progress != nil {
		ns = append(ns, *m.progress)
		m.progress = nil
	}
	m.mu.Unlock()
	if f == nil {
		return
	}
	for _, n := range ns {
		f(n)
	}
}

// Execute runs a statement on a tier: it waits for a slot of the tier,
// picks the least loaded healthy cluster, and returns once the first batch
// (or the end, or the error) is known. A failure of the cluster before
// that is retried on another cluster of the tier, then on the fallback
// tiers, at most MaxAttempts times in all; the caller never sees rows of
// two attempts. The query lives until Result.Close or until ctx ends
// (either kills it on Trino).
func (r *Router) Execute(ctx context.Context, tierName string, req Request) (*Result, error) {
	t := r.tiers[tierName]
	if t == nil {
		return nil, pgerr.New(pgerr.InvalidParameterValue, "no Trino tier named %q", tierName)
	}
	notes := newMailbox()
	defer notes.deliver(req.Notice)
	attempts := 0
	var lastErr error
	for t != nil && attempts < r.cfg.MaxAttempts {
		res, n, err := r.executeOnTier(ctx, t, &req, notes, r.cfg.MaxAttempts-attempts)
		attempts += n
		if err == nil {
			return res, nil
		}
		if classify(err) != kindCluster {
			return nil, err
		}
		lastErr = err
		if t.fallback != nil {
			t.failovers.Add(1)
			notes.post(Notice{Kind: NoticeRetry, Tier: t.fallback.cfg.Name,
				Message: fmt.Sprintf("Trino tier %q could not run the query (%v); trying tier %q", t.cfg.Name, err, t.fallback.cfg.Name)})
		}
		t = t.fallback
	}
	if lastErr == nil {
		lastErr = errors.New("no attempts left")
	}
	return nil, pgerr.New(codeSystemError, "no Trino cluster could run the query on tier %q: %v", tierName, lastErr)
}

// breakerRefused is a cluster whose breaker let nothing through (open, or
// half-open with its probes out).
type breakerRefused struct{ state string }

func (e *breakerRefused) Error() string { return "circuit breaker " + e.state }

// errNoCluster is a tier with no cluster to offer: all unhealthy, drained,
// open or already tried.
type errNoCluster struct{ tier string }

func (e *errNoCluster) Error() string {
	return fmt.Sprintf("no healthy Trino cluster in tier %q", e.tier)
}

// executeOnTier tries the tier's clusters within one admission slot. It
// reports how many attempts it made.
func (r *Router) executeOnTier(ctx context.Context, t *tier, req *Request, notes *mailbox, budget int) (*Result, int, error) {
	if !t.available() {
		return nil, 0, &errNoCluster{t.cfg.Name}
	}
	release, err := t.adm.acquire(ctx, req.User, func(pos, waiting int) {
		notes.post(Notice{Kind: NoticeQueued, Tier: t.cfg.Name, Position: pos, Waiting: waiting,
			Message: fmt.Sprintf("queued for Trino tier %q: position %d of %d", t.cfg.Name, pos, waiting)})
		notes.deliver(req.Notice)
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, 0, pgerr.Convert(err)
		}
		switch pgerr.Code(err) {
		case codeTooManyQueued:
			t.rejected.Add(1)
		case pgerr.QueryCanceled:
			t.timedOut.Add(1)
		}
		return nil, 0, err
	}
	tried := map[*cluster]bool{}
	attempts := 0
	var lastErr error = &errNoCluster{t.cfg.Name}
	for attempts < budget {
		c := t.pick(tried)
		if c == nil {
			break
		}
		tried[c] = true
		res, err := r.attempt(ctx, t, c, req, notes, release)
		if err == nil {
			return res, attempts + 1, nil
		}
		var refused *breakerRefused
		if errors.As(err, &refused) {
			lastErr = err // not an attempt: nothing was sent
			continue
		}
		attempts++
		if classify(err) != kindCluster {
			release()
			return nil, attempts, toPG(err, c.cfg.Name)
		}
		lastErr = err
		r.log.Warn("trino attempt failed", "tier", t.cfg.Name, "cluster", c.cfg.Name, "error", err)
		if next := t.pick(tried); next != nil && attempts < budget {
			t.retries.Add(1)
			notes.post(Notice{Kind: NoticeRetry, Tier: t.cfg.Name, Cluster: next.cfg.Name,
				Message: fmt.Sprintf("Trino cluster %q failed before returning rows (%v); retrying on cluster %q", c.cfg.Name, err, next.cfg.Name)})
		}
	}
	release()
	return nil, attempts, lastErr
}

// available says whether any cluster of the tier may get a query. It is
// not a pick: a pick turns the round robin, and a check before each query
// would turn it once more, so that with two idle clusters every query
// started at the same one.
func (t *tier) available() bool {
	for _, c := range t.clusters {
		if c.eligible() {
			return true
		}
	}
	return false
}

// pick is the eligible cluster with the least load, not yet tried.
func (t *tier) pick(tried map[*cluster]bool) *cluster {
	n := len(t.clusters)
	start := int(t.rr.Add(1) % uint64(n))
	var best *cluster
	var bestLoad int64
	for i := 0; i < n; i++ {
		c := t.clusters[(start+i)%n]
		if tried[c] || !c.eligible() {
			continue
		}
		if l := c.load(); best == nil || l < bestLoad {
			best, bestLoad = c, l
		}
	}
	return best
}

// attempt runs the statement on one cluster until its first batch, end or
// error is known.
func (r *Router) attempt(ctx context.Context, t *tier, c *cluster, req *Request, notes *mailbox, release func()) (*Result, error) {
	sqlText := req.SQL
	if req.Render != nil {
		s, err := req.Render(c.cfg.Catalogs)
		if err != nil {
			return nil, pgerr.Convert(err) // the statement's problem, not the cluster's
		}
		sqlText = s
	}
	done, err := c.breaker.Allow()
	if err != nil {
		return nil, &clusterError{c.cfg.Name, &breakerRefused{c.breaker.State().String()}}
	}
	q := r.start(ctx, t, c, req, sqlText, notes)
	for {
		select {
		case <-notes.wake:
			notes.deliver(req.Notice)
			continue
		case it := <-q.out:
			if it.err != nil {
				kind := classify(it.err)
				switch kind {
				case kindCluster:
					c.failures.Add(1)
					done(it.err)
				case kindCanceled:
					done(context.Canceled) // excluded: says nothing of the cluster
				default:
					done(nil) // the cluster answered: the query's own error
				}
				q.finish()
				if ctx.Err() != nil {
					return nil, pgerr.Convert(ctx.Err())
				}
				return nil, it.err
			}
			done(nil)
			return &Result{q: q, first: it, release: release, tier: t.cfg.Name, cluster: c.cfg.Name}, nil
		case <-ctx.Done():
			done(context.Canceled)
			q.abort()
			return nil, pgerr.Convert(ctx.Err())
		}
	}
}

// finish ends an attempt and waits for its reader (which kills the Trino
// query if it had not ended).
func (q *query) finish() {
	q.cancel()
	q.unhook()
	for {
		select {
		case it := <-q.out:
			if it.rec != nil {
				it.rec.Release()
			}
		case <-q.done:
			for {
				select {
				case it := <-q.out:
					if it.rec != nil {
						it.rec.Release()
					}
				default:
					return
				}
			}
		}
	}
}

// Result is a running query's rows. It has engine.Stream's methods: Next
// returns batches of the requested schema and (nil, nil) at the end; the
// caller releases each batch. Close ends the query (killing it on Trino
// if rows remain) and may be called at any time, more than once, also
// while another goroutine waits in Next.
type Result struct {
	q       *query
	release func() // the tier's admission slot
	tier    string
	cluster string
	closed  atomic.Bool

	mu    sync.Mutex
	first item // the batch Execute waited for, until Next takes it
	used  bool
	end   bool
}

// Next returns the next batch, (nil, nil) at the end. A canceled ctx ends
// the query as Close does.
func (r *Result) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.closed.Load() {
		return nil, nil
	}
	r.mu.Lock()
	if r.end {
		r.mu.Unlock()
		return nil, nil
	}
	it, got := r.first, !r.used
	r.used, r.first = true, item{}
	r.mu.Unlock()
	for !got {
		select {
		case it = <-r.q.out:
			got = true
		case <-r.q.notes.wake:
			r.q.notes.deliver(r.q.req.Notice)
		case <-r.q.done:
			select {
			case it = <-r.q.out:
				got = true
			default:
				// The reader stopped without a last word: Close or a
				// cancel ended it.
				it, got = item{err: context.Canceled}, true
			}
		case <-ctx.Done():
			r.Close()
			return nil, pgerr.Convert(ctx.Err())
		}
	}
	r.q.notes.deliver(r.q.req.Notice)
	if it.err != nil || it.end {
		r.mu.Lock()
		r.end = true
		r.mu.Unlock()
		r.release()
		if it.err != nil {
			return nil, toPG(it.err, r.cluster)
		}
		return nil, nil
	}
	return it.rec, nil
}

// Close ends the query: a Trino query still running is killed at once, the
// tier's slot is free for the next query, and the reading goroutine
// finishes in the background (Router.Close waits for it).
func (r *Result) Close() {
	if r.closed.Swap(true) {
		return
	}
	r.mu.Lock()
	if !r.used && r.first.rec != nil {
		r.first.rec.Release()
	}
	r.used, r.first = true, item{}
	r.mu.Unlock()
	r.q.abort()
	r.release()
}

// Schema is the result's Arrow schema: Request.Columns, or the one derived
// from Trino's column types.
func (r *Result) Schema() *arrow.Schema {
	r.q.mu.Lock()
	defer r.q.mu.Unlock()
	return r.q.schema
}

// QueryID is Trino's id of the query ("" if Trino answered at once).
func (r *Result) QueryID() string { return r.q.sink.get() }

// Cluster names the cluster that runs the query.
func (r *Result) Cluster() string { return r.cluster }

// Tier names the tier whose cluster runs it (the fallback's, after a
// failover).
func (r *Result) Tier() string { return r.tier }

// Clusters reports every cluster, in configuration order.
func (r *Router) Clusters() []ClusterStatus {
	out := make([]ClusterStatus, 0, len(r.order))
	for _, c := range r.order {
		out = append(out, c.status())
	}
	return out
}

// TierStatus is a tier's admission state and counters since start.
type TierStatus struct {
	Name      string
	Running   int
	Waiting   int
	Clusters  []string
	Fallback  string
	Retries   int64 // attempts on another cluster after one failed before the first row
	Failovers int64 // queries handed to the fallback tier
	Rejected  int64 // refused with 53300: the queue was full
	TimedOut  int64 // failed with 57014 after queue_timeout
}

// Tiers reports every tier, by name.
func (r *Router) Tiers() []TierStatus {
	out := make([]TierStatus, 0, len(r.tiers))
	for _, t := range r.tiers {
		run, wait := t.adm.stats()
		ts := TierStatus{Name: t.cfg.Name, Running: run, Waiting: wait, Fallback: t.cfg.Fallback,
			Retries: t.retries.Load(), Failovers: t.failovers.Load(), Rejected: t.rejected.Load(), TimedOut: t.timedOut.Load()}
		for _, c := range t.clusters {
			ts.Clusters = append(ts.Clusters, c.cfg.Name)
		}
		out = append(out, ts)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// HasTier reports whether a tier of that name is configured.
func (r *Router) HasTier(name string) bool { return r.tiers[name] != nil }

// HasTiers says whether any tier is configured.
func (r *Router) HasTiers() bool { return len(r.tiers) > 0 }

// Catalogs returns a cluster's layer → catalog.schema mapping.
func (r *Router) Catalogs(cluster string) map[string]string {
	if c := r.clusters[cluster]; c != nil {
		return c.cfg.Catalogs
	}
	return nil
}

// Drain stops (on) or resumes (off) sending new queries to a cluster;
// queries running there finish.
func (r *Router) Drain(cluster string, on bool) error {
	c := r.clusters[cluster]
	if c == nil {
		return fmt.Errorf("no Trino cluster named %q", cluster)
	}
	c.mu.Lock()
	c.draining = on
	c.mu.Unlock()
	return nil
}
