package router

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// faultProxy is a TCP proxy in front of a real Trino that the test can cut
// (every connection dropped, new ones closed on accept) and restore.
type faultProxy struct {
	ln       net.Listener
	target   string
	mu       sync.Mutex
	cut      bool
	conns    map[net.Conn]struct{}
	accepted atomic.Int64
	wg       sync.WaitGroup
}

func newFaultProxy(t *testing.T, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

func (p *faultProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *faultProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		p.mu.Lock()
		if p.cut {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.mu.Unlock()
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		if p.cut { // cut while dialing
			p.mu.Unlock()
			c.Close()
			up.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		p.wg.Add(2)
		go pipe(up, c)
		go pipe(c, up)
	}
}

// Cut drops every connection and refuses new ones.
func (p *faultProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = true
	for c := range p.conns {
		c.Close()
	}
}

func (p *faultProxy) Restore() {
	p.mu.Lock()
	p.cut = false
	p.mu.Unlock()
}

func (p *faultProxy) close() {
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

// One real Trino behind two proxies is a tier of two clusters. Twenty
// clients query it; one proxy is cut and later restored. No query fails
// (each failed before any row reached its client, so it was retried on the
// other cluster), the cut cluster's breaker opens and traffic leaves it,
// and after the restore the breaker closes and traffic returns.
func TestFailoverUnderLoad(t *testing.T) {
	srv := trinoSrv.Get(t)
	pa, pb := newFaultProxy(t, srv.Addr()), newFaultProxy(t, srv.Addr())
	r, err := New(Config{
		Tiers: []TierConfig{{Name: "etl", Clusters: []ClusterConfig{
			{Name: "a", URL: pa.URL()}, {Name: "b", URL: pb.URL()},
		}}},
		HealthInterval: 200 * time.Millisecond,
		UnhealthyAfter: 2,
		Breaker:        BreakerConfig{Failures: 3, OpenFor: time.Second, Probes: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// Warm Trino first (a fresh JVM compiles as it goes): twenty clients
	// on a cold server on two busy cores would spend the test compiling.
	for i := 0; i < 10; i++ {
		res, err := r.Execute(context.Background(), "etl", Request{SQL: "SELECT CAST(5 AS bigint), 'ASIA'", User: "alice"})
		if err != nil {
			t.Fatalf("warm-up: %v", err)
		}
		res.Close()
	}

	type phase int
	const (
		before phase = iota
		cut
		restored
	)
	var cur atomic.Int32
	var served [3][2]atomic.Int64 // per phase, per cluster
	var failures, midStream atomic.Int64
	var failMsgs sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	types := []pgtype.Type{pgtype.Int8, pgtype.Text}
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// The phase when the query starts: one that started before
				// the cut may finish after it with rows it already had.
				ph := cur.Load()
				res, err := r.Execute(context.Background(), "etl", Request{
					// The cheapest statement Trino runs: the test is about
					// the router, and twenty clients on two shared cores
					// wait for Trino as it is.
					SQL:     "SELECT CAST(5 AS bigint), 'ASIA'",
					User:    []string{"alice", "bob"}[i%2],
					Columns: schemaOf(types...), Types: types,
				})
				if err != nil {
					failures.Add(1)
					failMsgs.Store(err.Error(), true)
					continue
				}
				rec, err := res.Next(context.Background())
				if err != nil {
					midStream.Add(1)
					res.Close()
					continue
				}
				if n := pgtype.DatumAt(pgtype.Int8, rec.Column(0), 0); n != int64(5) {
					t.Errorf("count %v", n)
				}
				rec.Release()
				res.Close()
				served[ph][map[string]int{"a": 0, "b": 1}[res.Cluster()]].Add(1)
			}
		}(i)
	}

	// states records every breaker state and health of cluster a seen.
	states := map[string]bool{}
	var unhealthySeen bool
	watch := func(d time.Duration, until func(ClusterStatus) bool) bool {
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			st := r.Clusters()[0]
			states[st.Breaker] = true
			if !st.Healthy {
				unhealthySeen = true
			}
			if until != nil && until(st) {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}

	// Phases end on counts, not times: the machine may be busy.
	if !watch(120*time.Second, func(ClusterStatus) bool { return served[before][0].Load() >= 3 && served[before][1].Load() >= 3 }) {
		t.Errorf("before the cut both clusters should serve: a=%d b=%d", served[before][0].Load(), served[before][1].Load())
	}
	pa.Cut()
	cur.Store(int32(cut))
	cutAt := pa.accepted.Load()
	if !watch(30*time.Second, func(st ClusterStatus) bool { return st.Breaker == "open" && !st.Healthy }) {
		t.Errorf("cluster a: breaker and health never open and unhealthy after the cut: %+v", r.Clusters()[0])
	}
	servedBefore := served[cut][1].Load()
	if !watch(120*time.Second, func(ClusterStatus) bool { return served[cut][1].Load()-servedBefore >= 10 }) {
		t.Errorf("b served only %d queries while a was cut", served[cut][1].Load()-servedBefore)
	}
	movedToB := served[cut][1].Load() - servedBefore
	connsWhileCut := pa.accepted.Load() - cutAt

	cur.Store(int32(restored))
	pa.Restore()
	if !watch(120*time.Second, func(st ClusterStatus) bool {
		return st.Breaker == "closed" && st.Healthy && served[restored][0].Load() >= 3
	}) {
		t.Errorf("cluster a did not recover after the restore: %+v, %d queries served there", r.Clusters()[0], served[restored][0].Load())
	}
	close(stop)
	wg.Wait()

	t.Logf("served before the cut a=%d b=%d; while cut a=%d b=%d (b took %d while a was open; %d connections reached a's proxy); after the restore a=%d b=%d; mid-stream failures %d",
		served[before][0].Load(), served[before][1].Load(), served[cut][0].Load(), served[cut][1].Load(),
		movedToB, connsWhileCut, served[restored][0].Load(), served[restored][1].Load(), midStream.Load())
	if failures.Load() != 0 {
		var msgs []string
		failMsgs.Range(func(k, _ any) bool { msgs = append(msgs, k.(string)); return true })
		t.Errorf("%d queries failed before streaming: %s", failures.Load(), strings.Join(msgs, "; "))
	}
	if served[cut][0].Load() != 0 {
		t.Errorf("%d queries served by the cut cluster", served[cut][0].Load())
	}
	if ts, cs := r.Tiers()[0], r.Clusters(); ts.Retries == 0 || cs[0].Failures == 0 || cs[1].Failures != 0 || cs[0].Attempts == 0 {
		t.Errorf("counters: tier %+v, clusters %+v", ts, cs)
	}
	if !states["open"] || !unhealthySeen {
		t.Errorf("breaker states seen %v, unhealthy seen %v", states, unhealthySeen)
	}
}

// A tier whose only cluster is down sends its queries to the fallback
// tier; without a fallback the client gets an error naming the tier.
func TestFallbackTier(t *testing.T) {
	srv := trinoSrv.Get(t)
	dead := newFaultProxy(t, srv.Addr())
	dead.Cut()
	r, err := New(Config{
		Tiers: []TierConfig{
			{Name: "fast", Clusters: []ClusterConfig{{Name: "dead", URL: dead.URL()}}, Fallback: "slow"},
			{Name: "slow", Clusters: []ClusterConfig{{Name: "live", URL: srv.URL}}},
			{Name: "alone", Clusters: []ClusterConfig{{Name: "dead2", URL: dead.URL()}}},
		},
		HealthInterval: time.Hour, // only the breaker and the attempt see the failure
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var notices []string
	res, err := r.Execute(context.Background(), "fast", Request{SQL: "SELECT 1", User: "alice",
		Notice: func(n Notice) { notices = append(notices, n.Message) }})
	if err != nil {
		t.Fatal(err)
	}
	rows := collect(t, res, []pgtype.Type{pgtype.Int4})
	if len(rows) != 1 || rows[0][0] != "1" || res.Tier() != "slow" || res.Cluster() != "live" {
		t.Errorf("rows %v on tier %q cluster %q", rows, res.Tier(), res.Cluster())
	}
	if len(notices) == 0 || !strings.Contains(notices[0], `trying tier "slow"`) {
		t.Errorf("notices %q", notices)
	}
	if ts := r.Tiers(); ts[1].Name != "fast" || ts[1].Failovers != 1 {
		t.Errorf("tiers %+v", ts)
	}

	_, err = r.Execute(context.Background(), "alone", Request{SQL: "SELECT 1", User: "alice"})
	if pe := pgerr.Convert(err); err == nil || pe.Code != codeSystemError || !strings.Contains(pe.Message, `tier "alone"`) {
		t.Errorf("a tier with no live cluster: %v", err)
	}
	_, err = r.Execute(context.Background(), "nosuch", Request{SQL: "SELECT 1"})
	if pgerr.Code(err) != pgerr.InvalidParameterValue {
		t.Errorf("unknown tier: %v", err)
	}
}

// A drained cluster gets no new queries; undrained, it gets them again.
func TestDrain(t *testing.T) {
	srv := trinoSrv.Get(t)
	r, err := New(Config{Tiers: []TierConfig{{Name: "etl", Clusters: []ClusterConfig{
		{Name: "a", URL: srv.URL, Drain: true}, {Name: "b", URL: srv.URL},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	run := func() string {
		res, err := r.Execute(context.Background(), "etl", Request{SQL: "SELECT 1", User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		res.Close()
		return res.Cluster()
	}
	for i := 0; i < 4; i++ {
		if c := run(); c != "b" {
			t.Fatalf("query ran on drained cluster %s", c)
		}
	}
	if err := r.Drain("a", false); err != nil {
		t.Fatal(err)
	}
	if err := r.Drain("b", true); err != nil {
		t.Fatal(err)
	}
	if c := run(); c != "a" {
		t.Fatalf("query ran on %s, b is drained", c)
	}
	if err := r.Drain("nosuch", true); err == nil {
		t.Error("draining an unknown cluster")
	}
	if st := r.Clusters(); !st[1].Draining || st[0].Draining {
		t.Errorf("status %+v", st)
	}
}

// The tier's limit holds through real queries: a second query waits (and is
// told its place), a third is refused with 53300, a waiter past the queue
// timeout gets 57014; all messages name the tier.
func TestQueueLimits(t *testing.T) {
	srv := trinoSrv.Get(t)
	r, err := New(Config{Tiers: []TierConfig{
		{Name: "etl", Clusters: []ClusterConfig{{Name: "a", URL: srv.URL}}, MaxConcurrency: 1, QueueLength: 1, QueueTimeout: time.Minute},
		{Name: "short", Clusters: []ClusterConfig{{Name: "b", URL: srv.URL}}, MaxConcurrency: 1, QueueLength: 1, QueueTimeout: 1500 * time.Millisecond},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	hold := func(tier string) *Result {
		res, err := r.Execute(context.Background(), tier, Request{SQL: "SELECT * FROM tpch.sf1.lineitem", User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	waitWaiting := func(n int) {
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if r.Tiers()[0].Waiting == n {
				return
			}
		}
		t.Fatalf("tier never had %d waiting: %+v", n, r.Tiers())
	}

	first := hold("etl")
	type outcome struct {
		res     *Result
		err     error
		notices []Notice
	}
	second := make(chan outcome, 1)
	go func() {
		var o outcome
		o.res, o.err = r.Execute(context.Background(), "etl", Request{SQL: "SELECT 42", User: "bob",
			Notice: func(n Notice) { o.notices = append(o.notices, n) }})
		second <- o
	}()
	waitWaiting(1)
	_, err = r.Execute(context.Background(), "etl", Request{SQL: "SELECT 1", User: "carol"})
	if pe := pgerr.Convert(err); pgerr.Code(err) != codeTooManyQueued || !strings.Contains(pe.Message, `"etl"`) {
		t.Errorf("third query: %v, want 53300 naming the tier", err)
	}
	first.Close()
	o := <-second
	if o.err != nil {
		t.Fatalf("queued query: %v", o.err)
	}
	if rows := collect(t, o.res, []pgtype.Type{pgtype.Int4}); len(rows) != 1 || rows[0][0] != "42" {
		t.Errorf("queued query's rows %v", rows)
	}
	if len(o.notices) == 0 || o.notices[0].Kind != NoticeQueued || o.notices[0].Position != 1 ||
		!strings.Contains(o.notices[0].Message, `"etl"`) {
		t.Errorf("queued query's notices %+v", o.notices)
	}

	if ts := r.Tiers()[0]; ts.Running != 0 || ts.Waiting != 0 || ts.Rejected != 1 {
		t.Errorf("after both ran: %+v", ts)
	}

	first = hold("short")
	start := time.Now()
	_, err = r.Execute(context.Background(), "short", Request{SQL: "SELECT 1", User: "bob"})
	if pe := pgerr.Convert(err); pgerr.Code(err) != pgerr.QueryCanceled || !strings.Contains(pe.Message, `"short"`) || time.Since(start) < 1400*time.Millisecond {
		t.Errorf("after %s in the queue: %v, want 57014 naming the tier after the 1.5 s timeout", time.Since(start), err)
	}
	// A caller that gives up while queued leaves the queue.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = r.Execute(ctx, "short", Request{SQL: "SELECT 1", User: "bob"})
	cancel()
	if pgerr.Code(err) != pgerr.QueryCanceled || !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("canceled while queued: %v", err)
	}
	if ts := r.Tiers()[1]; ts.Waiting != 0 || ts.Running != 1 {
		t.Errorf("tier %+v", ts)
	}
	first.Close()
	if ts := r.Tiers()[1]; ts.Running != 0 || ts.TimedOut != 1 {
		t.Errorf("after close: %+v", ts)
	}
}

// Idle clusters of a tier take queries in turn: four queries one after
// another, two on each.
func TestIdleClustersTakeTurns(t *testing.T) {
	srv := trinoSrv.Get(t)
	r, err := New(Config{
		Tiers:          []TierConfig{{Name: "adhoc", Clusters: []ClusterConfig{{Name: "a", URL: srv.URL}, {Name: "b", URL: srv.URL}}}},
		HealthInterval: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	seen := map[string]int{}
	for i := 0; i < 4; i++ {
		res, err := r.Execute(context.Background(), "adhoc", Request{SQL: "SELECT 1", User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		collect(t, res, []pgtype.Type{pgtype.Int4})
		seen[res.Cluster()]++
	}
	if seen["a"] != 2 || seen["b"] != 2 {
		t.Errorf("queries per cluster: %v, want 2 each", seen)
	}
}
