package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/router"
)

// progressNotices are the progress notices render shows of a query that
// happened to run longer than the tier's progress interval.
var progressNotices = regexp.MustCompile(` \[NOTICE 00000 Trino query [^\]]*\]`)

// runTag tells this run's queries from those an external Trino
// (SLUICE_TRINO_URL) remembers of earlier runs.
var runTag = strconv.FormatInt(time.Now().UnixNano(), 36)

// endless is a query Trino works on for hours (27 billion pairs): the
// tests below stop it and check that Trino stopped it too.
const endless = "SELECT count(*) FROM gold.orders a, gold.orders b, gold.orders c WHERE a.amount + b.amount > c.amount"

// opsServer is a gateway whose queries reach the real Trino at url when
// the session says SET sluice.route = 'etl', on a tier of maxConc slots.
func opsServer(t *testing.T, url, dir string, maxConc int) *testServer {
	t.Helper()
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, ProgressInterval: time.Second,
		Tiers: []router.TierConfig{{Name: "etl", MaxConcurrency: maxConc, QueueLength: 10, QueueTimeout: 2 * time.Minute,
			Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
				Catalogs: map[string]string{"gold": "hive.gold", "silver": "hive.silver"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(engine.New(), rt, nil, "", reg)
	})
}

// trinoQuery is what Trino's /v1/query says of a query.
type trinoQuery struct {
	QueryID string `json:"queryId"`
	State   string `json:"state"`
	Query   string `json:"query"`
	// Scheduled: planned and its tasks placed (a cancel during planning
	// takes effect only when the planner yields, seconds later on a busy
	// machine).
	Scheduled  bool `json:"scheduled"`
	QueryStats struct {
		EndTime time.Time `json:"endTime"`
	} `json:"queryStats"`
	Session struct {
		User   string `json:"user"`
		Source string `json:"source"`
	} `json:"session"`
	ErrorCode *struct {
		Name string `json:"name"`
	} `json:"errorCode"`
}

func (q trinoQuery) errorName() string {
	if q.ErrorCode == nil {
		return ""
	}
	return q.ErrorCode.Name
}

// trinoQueries lists the queries Trino knows of user from source.
func trinoQueries(t *testing.T, url, user, source string) []trinoQuery {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/v1/query", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Trino-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/query: %v", err)
	}
	defer resp.Body.Close()
	var all []trinoQuery
	if err := json.NewDecoder(resp.Body).Decode(&all); err != nil {
		t.Fatalf("GET /v1/query: %v", err)
	}
	var out []trinoQuery
	for _, q := range all {
		if q.Session.User == user && q.Session.Source == source {
			out = append(out, q)
		}
	}
	return out
}

// trinoQueryState is Trino's /v1/query/{id} of one query.
func trinoQueryState(t *testing.T, url, user, id string) trinoQuery {
	t.Helper()
	req, err := http.NewRequest("GET", url+"/v1/query/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Trino-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/query/%s: %v", id, err)
	}
	defer resp.Body.Close()
	var q trinoQuery
	if err := json.NewDecoder(resp.Body).Decode(&q); err != nil {
		t.Fatalf("GET /v1/query/%s: %v", id, err)
	}
	return q
}

// runningOnTrino waits until Trino runs the one query of user from
// source, and returns its id.
func runningOnTrino(t *testing.T, url, user, source string) string {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		for _, q := range trinoQueries(t, url, user, source) {
			if q.State == "RUNNING" && q.Scheduled {
				return q.QueryID
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no query of %s from %s ran on Trino: %+v", user, source, trinoQueries(t, url, user, source))
	return ""
}

// killedOnTrino checks that Trino ended query id as cancelled within a
// second of since, by the end time Trino recorded (when our poll sees it
// does not matter).
func killedOnTrino(t *testing.T, url, user, id string, since time.Time) {
	t.Helper()
	var q trinoQuery
	for {
		q = trinoQueryState(t, url, user, id)
		if q.State == "FAILED" || q.State == "FINISHED" {
			break
		}
		if time.Since(since) > 5*time.Second {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := q.QueryStats.EndTime.Sub(since)
	t.Logf("Trino query %s: %s %s, %v after the client's cancel", id, q.State, q.errorName(), took.Round(time.Millisecond))
	if q.State != "FAILED" || q.errorName() != "USER_CANCELED" {
		t.Fatalf("Trino query %s is %s (%s), want FAILED with USER_CANCELED", id, q.State, q.errorName())
	}
	if took > time.Second {
		t.Errorf("Trino query %s was killed %v after the client's cancel, want within 1s", id, took)
	}
}

// notices collects a connection's notices while a test waits for one.
type notices struct {
	c   *pgconn.PgConn
	all []string
}

func (n *notices) waitFor(t *testing.T, what string, limit time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		n.all = append(n.all, takeNotices(n.c)...)
		for _, m := range n.all {
			if strings.Contains(m, what) {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notice with %q within %v; got %q", what, limit, n.all)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func execAsync(ctx context.Context, c *pgconn.PgConn, sql string) chan error {
	done := make(chan error, 1)
	go func() {
		_, err := c.Exec(ctx, sql).ReadAll()
		done <- err
	}()
	return done
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("got %v, want SQLSTATE %s", err, code)
	}
}

// testRouteNotices checks what a client of a Trino route is told while it
// waits: its place in the tier's queue, and the progress of a long query,
// as PostgreSQL NoticeResponses a real client (pgx's OnNotice) receives
// while the statement runs.
func testRouteNotices(t *testing.T, url, dir string) {
	ts := opsServer(t, url, dir, 1)
	ctx := testCtx(t)
	long := connectPG(t, ts.dsn("alice", "sluice", "application_name=notices-long-"+runTag))
	short := connectPG(t, ts.dsn("alice", "sluice", "application_name=notices-short-"+runTag))
	want := render(ctx, short, "SELECT count(*) FROM gold.customers")
	for _, c := range []*pgconn.PgConn{long, short} {
		render(ctx, c, "SET sluice.route = 'etl'")
	}

	longDone := execAsync(ctx, long, endless)
	id := runningOnTrino(t, url, "alice", "notices-long-"+runTag)
	ln := &notices{c: long}
	progress := ln.waitFor(t, "Trino query "+id, time.Minute)
	if !strings.HasPrefix(progress, "NOTICE 00000 ") || !strings.Contains(progress, "% done") {
		t.Errorf("progress notice: %q", progress)
	}

	// The tier's one slot is taken: the next query waits first in line.
	var shortRes atomic.Value
	shortDone := make(chan struct{})
	go func() {
		defer close(shortDone)
		shortRes.Store(render(ctx, short, "SELECT count(*) FROM gold.customers"))
	}()
	sn := &notices{c: short}
	queued := sn.waitFor(t, `queued for Trino tier "etl"`, 30*time.Second)
	if queued != `NOTICE 00000 queued for Trino tier "etl": position 1 of 1` {
		t.Errorf("queue notice: %q", queued)
	}

	if err := long.CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	wantCode(t, <-longDone, "57014")
	<-shortDone
	// Its own progress may show as a notice on a busy machine: compare
	// the rows.
	if got := progressNotices.ReplaceAllString(shortRes.Load().(string), ""); got != want {
		t.Errorf("after waiting in the queue: %s, want %s", got, want)
	}
	for _, m := range ln.all {
		if strings.Contains(m, "queued") {
			t.Errorf("the first query had a free slot, yet: %q", m)
		}
	}

	// Forwarded statements count under route="trino".
	var m dto.Metric
	if err := ts.gw.metrics.counters[[2]string{routeTrino, "ok"}].Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.GetCounter().GetValue() < 1 {
		t.Errorf("sluice_queries_total{route=trino,status=ok} = %v", m.GetCounter().GetValue())
	}
}

// testTrinoCancel stops a query running on Trino from the client's side in
// each way a PostgreSQL client has: a CancelRequest, statement_timeout and
// a connection gone without a word. Each time Trino's own /v1/query/{id}
// must say the query was cancelled, within a second.
func testTrinoCancel(t *testing.T, url, dir string) {
	ts := opsServer(t, url, dir, 4)
	ctx := testCtx(t)

	t.Run("CancelRequest", func(t *testing.T) {
		c := connectPG(t, ts.dsn("alice", "sluice", "application_name=cancel-request-"+runTag))
		render(ctx, c, "SET sluice.route = 'etl'")
		done := execAsync(ctx, c, endless)
		id := runningOnTrino(t, url, "alice", "cancel-request-"+runTag)
		since := time.Now()
		if err := c.CancelRequest(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("CancelRequest sent in %v", time.Since(since).Round(time.Millisecond))
		wantCode(t, <-done, "57014")
		t.Logf("57014 after %v", time.Since(since).Round(time.Millisecond))
		killedOnTrino(t, url, "alice", id, since)
		if got := render(ctx, c, "SELECT count(*) FROM gold.products"); strings.Contains(got, "ERROR") {
			t.Errorf("the session after the cancel: %s", got)
		}
	})

	t.Run("statement_timeout", func(t *testing.T) {
		c := connectPG(t, ts.dsn("alice", "sluice", "application_name=cancel-timeout-"+runTag))
		render(ctx, c, "SET sluice.route = 'etl'")
		render(ctx, c, "SET statement_timeout = '3s'")
		start := time.Now()
		_, err := c.Exec(ctx, endless).ReadAll()
		wantCode(t, err, "57014")
		if !strings.Contains(err.Error(), "statement timeout") {
			t.Errorf("timeout error: %v", err)
		}
		qs := trinoQueries(t, url, "alice", "cancel-timeout-"+runTag)
		if len(qs) != 1 {
			t.Fatalf("Trino saw %d queries from cancel-timeout, want 1: %+v", len(qs), qs)
		}
		t.Logf("timed out after %v", time.Since(start).Round(time.Millisecond))
		killedOnTrino(t, url, "alice", qs[0].QueryID, start.Add(3*time.Second))
	})

	t.Run("client gone", func(t *testing.T) {
		c := connectPG(t, ts.dsn("alice", "sluice", "application_name=cancel-gone-"+runTag))
		render(ctx, c, "SET sluice.route = 'etl'")
		_ = execAsync(ctx, c, endless)
		id := runningOnTrino(t, url, "alice", "cancel-gone-"+runTag)
		since := time.Now()
		c.Conn().Close() // no Terminate: the client died
		killedOnTrino(t, url, "alice", id, since)
	})
}

// testTrinoStreamMemory streams results of a quarter and one million rows from Trino
// through the gateway to a client that reads them one by one, sampling
// the process's Go heap meanwhile: what the gateway holds must not grow
// with the row count (Trino's pages come as the client reads, Arrow
// batches of bounded size sit between them).
func testTrinoStreamMemory(t *testing.T, url, dir string) {
	ts := opsServer(t, url, dir, 1)
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=stream"))
	render(ctx, c, "SET sluice.route = 'etl'")
	peak := map[int]uint64{}
	// The sizes keep the race-enabled suite within go test's default
	// timeout on a busy machine (Trino's JSON pages come at 10-100k rows/s
	// here, slower under -race); bench/trino/run.sh streams 1M and 4M rows
	// through the sluice binary and reports its RSS.
	small, big := 250_000, 1_000_000
	// Collect often while measuring, so the heap in use is what is live
	// (batches in flight) rather than garbage that GOGC=100 lets pile up
	// to twice the live heap, depending on when the collector ran.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, n := range []int{small, big} {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var high uint64
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
				}
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > high {
					high = ms.HeapInuse
				}
			}
		}()
		start := time.Now()
		sql := fmt.Sprintf("SELECT a.order_id, b.order_id, a.status FROM gold.orders a CROSS JOIN gold.orders b LIMIT %d", n)
		rr := c.ExecParams(sctx, sql, nil, nil, nil, nil)
		rows := 0
		for rr.NextRow() {
			rows++
		}
		_, err := rr.Close()
		close(stop)
		wg.Wait()
		if err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		if rows != n {
			t.Fatalf("streamed %d rows, want %d", rows, n)
		}
		grew := uint64(0)
		if high > base {
			grew = high - base
		}
		peak[n] = grew
		t.Logf("%d rows from Trino in %v: Go heap in use grew by at most %.1f MB (base %.1f MB)",
			n, time.Since(start).Round(time.Millisecond), float64(grew)/(1<<20), float64(base)/(1<<20))
	}
	// Four times the rows (1M rows of these three columns are ~25 MB as
	// Arrow) may not take more than a few batches' worth of extra memory.
	if peak[big] > peak[small]+8<<20 || peak[big] > 64<<20 {
		t.Errorf("heap growth %d B for %d rows vs %d B for %d rows: memory grows with the result", peak[big], big, peak[small], small)
	}
}

// cutProxy stands in front of a real Trino whose statements fail before
// any row: health and load polls pass through, but the connection that
// posts a statement is closed without an answer (a proxy cut mid-request).
func cutProxy(t *testing.T, trinoURL string) string {
	t.Helper()
	target, err := neturl.Parse(trinoURL)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/statement") {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		pass.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// testRetryNotice: a tier of two clusters, the one tried first cut before
// any row; the client is told of the retry on the other cluster, as a
// NOTICE before the rows, and the rows are the local engine's.
func testRetryNotice(t *testing.T, url, dir string) {
	catalogs := map[string]string{"gold": "hive.gold", "silver": "hive.silver"}
	// Idle clusters are taken in turn, from index 1 for the first query:
	// the cut one. Its health polls pass; only the statement fails.
	rt, err := router.New(router.Config{HealthInterval: time.Hour, ProgressInterval: time.Hour, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{
			{Name: "trino-live", URL: url, Catalogs: catalogs},
			{Name: "trino-cut", URL: cutProxy(t, url), Catalogs: catalogs},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	ts := startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(engine.New(), rt, nil, "", reg)
	})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=retry-"+runTag))
	const q = "SELECT segment, count(*) FROM gold.customers GROUP BY segment ORDER BY segment"
	want := render(ctx, c, q)
	render(ctx, c, "SET sluice.route = 'etl'")
	got := render(ctx, c, q)
	notice := regexp.MustCompile(` \[NOTICE 00000 Trino cluster "trino-cut" failed before returning rows \([^\]]*\); retrying on cluster "trino-live"\]`)
	if !notice.MatchString(got) || notice.ReplaceAllString(got, "") != want {
		t.Errorf("retry on the other cluster:\n got %s\nwant %s with the retry notice", got, want)
	}
	for _, ts := range rt.Tiers() {
		if ts.Name == "etl" && ts.Retries != 1 {
			t.Errorf("retries counted: %d, want 1", ts.Retries)
		}
	}
}
