package gateway

// The result cache through the real server: pgx clients, the demo lake
// (a private copy where a test commits to it), real commits picked up by
// the catalog.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// countingEngine is the real engine, counting executions.
type countingEngine struct {
	*engine.Engine
	runs atomic.Int64
}

func (e *countingEngine) Execute(ctx context.Context, root plan.Node, params []pgtype.Datum, opts ...engine.Option) (engine.Stream, error) {
	e.runs.Add(1)
	return e.Engine.Execute(ctx, root, params, opts...)
}

// countingPlanner is the real planner, counting binds.
type countingPlanner struct {
	*planner.Planner
	binds atomic.Int64
}

func (p *countingPlanner) Bind(q *planner.Query, state *catalog.State, env planner.Env, paramTypes []pgtype.Type) (*planner.Bound, error) {
	p.binds.Add(1)
	return p.Planner.Bind(q, state, env, paramTypes)
}

type cacheServer struct {
	*testServer
	cache   *cache.Cache
	engine  *countingEngine
	planner *countingPlanner
}

// startCacheServer serves lakeDir with a result cache.
func startCacheServer(t testing.TB, lakeDir string, cfg cache.Config, cc CacheConfig) *cacheServer {
	t.Helper()
	return startCacheServerWith(t, lakeDir, cfg, cc, nil)
}

// startCacheServerWith is startCacheServer with the gateway's engine made
// by wrap from the counting engine (routing rules, say).
func startCacheServerWith(t testing.TB, lakeDir string, cfg cache.Config, cc CacheConfig, wrap func(Engine) Engine) *cacheServer {
	t.Helper()
	if cfg.Budget == 0 {
		cfg.Budget = 64 << 20
	}
	c := cache.New(cfg)
	t.Cleanup(c.Close)
	cc.Cache = c
	ce := &countingEngine{Engine: engine.New()}
	cp := &countingPlanner{Planner: planner.New()}
	var eng Engine = ce
	if wrap != nil {
		eng = wrap(ce)
	}
	ts := serveGateway(t, lakeDir, slog.LevelInfo, func(lake *catalog.Lake, reg *prometheus.Registry, logger *slog.Logger) (*Gateway, error) {
		return New(Config{Version: "test", Settings: map[string]string{"search_path": "gold"}, Cache: cc},
			lake, cp, eng, NewMetrics(reg), logger)
	})
	return &cacheServer{testServer: ts, cache: c, engine: ce, planner: cp}
}

// privateLake copies the package's demo lake, for tests that commit to it.
func privateLake(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	if err := os.CopyFS(dir, os.DirFS(testLake(t))); err != nil {
		t.Fatal(err)
	}
	return dir
}

// addPartition commits a new dt= partition to a Hive-style table by
// copying an existing one: its rows appear again under the new date.
func addPartition(t testing.TB, lake, table, from, to string) {
	t.Helper()
	src := filepath.Join(lake, table, "dt="+from)
	// Written beside, then renamed in, as an ingestion job would, so the
	// catalog never lists a half-copied partition.
	tmp := filepath.Join(lake, table, "_tmp-dt="+to)
	if err := os.CopyFS(tmp, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(lake, table, "dt="+to)); err != nil {
		t.Fatal(err)
	}
}

func connectX(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(testCtx(t), dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// rowsText runs a query and renders its rows.
func rowsText(t testing.TB, c *pgx.Conn, sql string, args ...any) string {
	t.Helper()
	rows, err := c.Query(testCtx(t), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	var sb strings.Builder
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%v;", vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return sb.String()
}

func explainText(t testing.TB, c *pgx.Conn, sql string) string {
	t.Helper()
	return rowsText(t, c, "EXPLAIN "+sql)
}

func cacheMetric(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
	}
	t.Fatalf("metric %s not exported", name)
	return 0
}

const dashboardQuery = `SELECT status, count(*) AS orders, sum(amount) AS revenue
FROM gold.orders WHERE created_at >= '2026-11-01' GROUP BY status ORDER BY status`

func TestCacheDashboardQuery(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	first := rowsText(t, c, dashboardQuery)
	if first == "" {
		t.Fatal("no rows")
	}
	runs := cs.engine.runs.Load()
	if !strings.Contains(explainText(t, c, dashboardQuery), "Cache: hit") {
		t.Fatalf("EXPLAIN after a run: %s", explainText(t, c, dashboardQuery))
	}
	// The same statement, differently spelt: a hit with the same rows.
	again := rowsText(t, c, "select STATUS, COUNT(*) as orders, SUM(amount) as revenue -- tile 1\n from GOLD.orders\n"+
		" where created_at >= '2026-11-01' group by status order by status")
	if again != first {
		t.Fatalf("cached %s, fresh %s", again, first)
	}
	if got := cs.engine.runs.Load(); got != runs {
		t.Fatalf("the engine ran %d more times for a cached query", got-runs)
	}
	// A different literal is a different result.
	rowsText(t, c, strings.Replace(dashboardQuery, "2026-11-01", "2026-11-02", 1))
	if got := cs.engine.runs.Load(); got != runs+1 {
		t.Fatalf("a different literal did not execute (%d runs)", got-runs)
	}
	// sluice.cache_entries lists both, with the table and its version.
	v := cs.lake.Current()
	orders, _ := v.Table("gold", "orders")
	entries := rowsText(t, c, "SELECT tables, hits, bytes > 0, rows FROM sluice.cache_entries ORDER BY hits DESC")
	want := fmt.Sprintf("[gold.orders@%s 1 true", orders.Version)
	if !strings.HasPrefix(entries, want) || strings.Count(entries, ";") != 2 {
		t.Fatalf("cache_entries: %s, want first %s", entries, want)
	}
	// The system table itself is never cached, and EXPLAIN says why.
	if e := explainText(t, c, "SELECT * FROM sluice.cache_entries"); !strings.Contains(e, "not cacheable: reads server state") {
		t.Fatalf("EXPLAIN of cache_entries: %s", e)
	}
	if h := cacheMetric(t, cs.reg, "sluice_cache_hits_total"); h < 1 {
		t.Fatalf("hits metric %v", h)
	}
	if b := cacheMetric(t, cs.reg, "sluice_cache_bytes"); b <= 0 {
		t.Fatalf("bytes metric %v", b)
	}
	// SET sluice.cache = off runs the engine; refresh runs it and replaces.
	if _, err := c.Exec(testCtx(t), "SET sluice.cache = off"); err != nil {
		t.Fatal(err)
	}
	if e := explainText(t, c, dashboardQuery); !strings.Contains(e, "Cache: off (sluice.cache = off)") {
		t.Fatalf("EXPLAIN with the cache off: %s", e)
	}
	runs = cs.engine.runs.Load()
	if got := rowsText(t, c, dashboardQuery); got != first {
		t.Fatalf("uncached %s, cached %s", got, first)
	}
	if _, err := c.Exec(testCtx(t), "SET sluice.cache = refresh"); err != nil {
		t.Fatal(err)
	}
	rowsText(t, c, dashboardQuery)
	if got := cs.engine.runs.Load(); got != runs+2 {
		t.Fatalf("off then refresh: %d executions, want 2", got-runs)
	}
	if _, err := c.Exec(testCtx(t), "SET sluice.cache = bogus"); err == nil || !strings.Contains(err.Error(), "22023") {
		t.Fatalf("SET sluice.cache = bogus: %v", err)
	}
}

// A new partition directory: once the catalog publishes the commit, the
// next run returns the new rows, never the cached ones.
func TestCacheNewPartition(t *testing.T) {
	lake := privateLake(t)
	cs := startCacheServer(t, lake, cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	const q = "SELECT count(*), count(DISTINCT dt) FROM gold.orders"
	before := rowsText(t, c, q)
	if rowsText(t, c, q) != before {
		t.Fatal("unstable")
	}
	addPartition(t, lake, "gold/orders", "2026-11-21", "2026-11-22")
	// Not yet published: the cached result is still the current one.
	if got := rowsText(t, c, q); got != before {
		t.Fatalf("before the refresh: %s, want %s", got, before)
	}
	changed, err := cs.lake.Refresh(testCtx(t))
	if err != nil || !changed {
		t.Fatalf("refresh: %v %v", changed, err)
	}
	if cs.cache.Stats().Entries != 0 {
		t.Fatalf("the commit left %d entries reading gold.orders", cs.cache.Stats().Entries)
	}
	if inv := cacheMetric(t, cs.reg, "sluice_cache_invalidations_total"); inv != 1 {
		t.Fatalf("invalidations metric %v, want 1", inv)
	}
	after := rowsText(t, c, q)
	if after == before {
		t.Fatalf("after the commit the query still returns %s", after)
	}

	// Through the catalog's poller: the first result after the commit is
	// published is new. Every result seen is one of the two snapshots.
	ctx, stop := context.WithCancel(testCtx(t))
	defer stop()
	published := make(chan struct{})
	var once sync.Once
	cancel := cs.lake.Subscribe(func(catalog.Commit) { once.Do(func() { close(published) }) })
	defer cancel()
	go cs.lake.Poll(ctx, 50*time.Millisecond)
	rowsText(t, c, q) // cached
	addPartition(t, lake, "gold/orders", "2026-11-21", "2026-11-23")
	// The state is visible to queries a moment before subscribers hear of
	// it, so until then a result may be either snapshot's, never another.
	deadline := time.After(30 * time.Second)
	seen := map[string]bool{}
	for done := false; !done; {
		select {
		case <-published:
			done = true
		case <-deadline:
			t.Fatal("the poller never published the commit")
		default:
			seen[rowsText(t, c, q)] = true
			time.Sleep(5 * time.Millisecond)
		}
	}
	final := rowsText(t, c, q)
	if final == after {
		t.Fatalf("after the poll published the commit the query still returns %s", final)
	}
	for r := range seen {
		if r != after && r != final {
			t.Fatalf("a result of neither snapshot: %s (before %s, after %s)", r, after, final)
		}
	}
}

func TestCacheCoalescing(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	const n = 50
	conns := make([]*pgx.Conn, n)
	for i := range conns {
		conns[i] = connectX(t, cs.dsn("sluice", "sluice"))
	}
	const q = `SELECT e.event_type, count(*), count(DISTINCT e.session_id) FROM raw.events e GROUP BY 1 ORDER BY 1`
	before := cs.engine.runs.Load()
	results := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = rowsText(t, conns[i], q)
		}()
	}
	close(start)
	wg.Wait()
	if got := cs.engine.runs.Load() - before; got != 1 {
		t.Fatalf("%d identical concurrent queries executed %d times, want 1", n, got)
	}
	for i := range results {
		if results[i] != results[0] || results[0] == "" {
			t.Fatalf("result %d differs: %s vs %s", i, results[i], results[0])
		}
	}
	st := cs.cache.Stats()
	if st.Misses != 1 || st.Hits+st.Coalesced != n-1 {
		t.Fatalf("stats %+v", st)
	}
	// The same counts through the metrics the gateway serves.
	if m, c := cacheMetric(t, cs.reg, "sluice_cache_misses_total"), cacheMetric(t, cs.reg, "sluice_cache_coalesced_total"); m != 1 || c != float64(st.Coalesced) {
		t.Fatalf("metrics: misses %v, coalesced %v; stats %+v", m, c, st)
	}
}

// Two users never share an entry; the key differs by scope, and a query
// naming the user (current_user) is keyed by it.
func TestCacheScope(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	alice := connectX(t, cs.dsn("alice", "sluice"))
	bob := connectX(t, cs.dsn("bob", "sluice"))
	alice2 := connectX(t, cs.dsn("alice", "sluice"))
	const q = "SELECT current_user, count(*) FROM gold.customers"
	a := rowsText(t, alice, q)
	runs := cs.engine.runs.Load()
	b := rowsText(t, bob, q)
	if cs.engine.runs.Load() != runs+1 {
		t.Fatal("bob was served alice's entry")
	}
	if !strings.Contains(a, "alice") || !strings.Contains(b, "bob") {
		t.Fatalf("alice %s, bob %s", a, b)
	}
	if got := rowsText(t, alice2, q); got != a || cs.engine.runs.Load() != runs+1 {
		t.Fatalf("alice's second session: %s (runs %d)", got, cs.engine.runs.Load()-runs)
	}
	// The key itself: same statement, settings and tables, other user.
	ctx := testCtx(t)
	sa := sessionFor(t, cs, "alice")
	sb := sessionFor(t, cs, "bob")
	stmt := "SELECT count(*) FROM gold.customers"
	ka, kb := planFor(ctx, t, sa, stmt), planFor(ctx, t, sb, stmt)
	if ka.reason != "" || ka.key.Digest() == kb.key.Digest() {
		t.Fatalf("alice %+v and bob %+v", ka, kb)
	}
	if planFor(ctx, t, sessionFor(t, cs, "alice"), stmt).key.Digest() != ka.key.Digest() {
		t.Fatal("the same user in two sessions keys differently")
	}
	// Settings that change results are in the key.
	sa2 := sessionFor(t, cs, "alice")
	sa2.vals = sa2.vals.with("timezone", "Europe/Paris")
	if planFor(ctx, t, sa2, stmt).key.Digest() == ka.key.Digest() {
		t.Fatal("TimeZone is not in the key")
	}
}

func sessionFor(t testing.TB, cs *cacheServer, user string) *Session {
	t.Helper()
	ws, _, err := cs.gw.NewSession(testCtx(t), wire.StartupInfo{User: user, Database: "sluice", Params: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	s := ws.(*Session)
	t.Cleanup(s.Close)
	return s
}

func planFor(ctx context.Context, t testing.TB, s *Session, sql string) cachePlan {
	t.Helper()
	stmts, err := s.g.planner.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.bind(stmts[0].(*planner.Query), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.planCache(b, nil)
}

func TestCacheVolatileNeverServed(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	for q, reason := range map[string]string{
		"SELECT random() FROM gold.products LIMIT 1":                           "calls random()",
		"SELECT now(), count(*) FROM gold.orders":                              "calls now()",
		"SELECT count(*) FROM gold.orders WHERE created_at > current_date - 3": "calls now()",
		"SELECT pg_backend_pid()":                                              "calls pg_backend_pid()",
		"SELECT clock_timestamp()":                                             "calls clock_timestamp()",
		"SELECT (SELECT max(amount) FROM gold.orders WHERE random() < 2)":      "calls random()",
		"SELECT current_setting('TimeZone'), count(*) FROM gold.products":      "calls current_setting()",
	} {
		if e := explainText(t, c, q); !strings.Contains(e, "Cache: not cacheable: "+reason) {
			t.Errorf("EXPLAIN %s: %s, want %q", q, e, reason)
			continue
		}
		runs := cs.engine.runs.Load()
		a := rowsText(t, c, q)
		b := rowsText(t, c, q)
		if cs.engine.runs.Load() != runs+2 {
			t.Errorf("%s was served from the cache", q)
		}
		if strings.HasPrefix(q, "SELECT random()") && a == b {
			t.Errorf("%s returned the same random value twice: %s", q, a)
		}
	}
	if cs.cache.Stats().Entries != 0 {
		t.Fatalf("volatile results kept: %+v", cs.cache.Entries())
	}
}

// A cached result reaches the client exactly as a fresh one: text and
// binary formats, Execute with max_rows, cursors.
func TestCacheReplayWire(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	ctx := testCtx(t)
	const q = `SELECT order_id, customer_id, status, amount, created_at, dt FROM gold.orders ORDER BY order_id LIMIT 200`
	run := func(c *pgconn.PgConn, formats int16, maxRows uint32) []string {
		return exchange(ctx, t, c,
			&pgproto3.Parse{Query: q},
			&pgproto3.Bind{ResultFormatCodes: []int16{formats}},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{MaxRows: maxRows},
			&pgproto3.Execute{MaxRows: maxRows},
			&pgproto3.Execute{},
			&pgproto3.Sync{})
	}
	for _, formats := range []int16{0, 1} {
		for _, maxRows := range []uint32{0, 7} {
			fresh := connectPG(t, cs.dsn("sluice", "sluice", "sluice.cache=off"))
			cached := connectPG(t, cs.dsn("sluice", "sluice"))
			want := run(fresh, formats, maxRows)
			run(cached, formats, maxRows) // fills the cache
			hits := cs.cache.Stats().Hits
			got := run(cached, formats, maxRows)
			if cs.cache.Stats().Hits != hits+1 {
				t.Fatalf("format %d max_rows %d: not a hit", formats, maxRows)
			}
			if n := strings.Count(strings.Join(want, "\n"), "DataRow"); n != 200 {
				t.Fatalf("format %d max_rows %d: %d rows, want 200", formats, maxRows, n)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("format %d max_rows %d: cached\n%s\nfresh\n%s", formats, maxRows,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
	// COPY TO STDOUT, text and CSV.
	for _, copySQL := range []string{"COPY (" + q + ") TO STDOUT", "COPY (" + q + ") TO STDOUT (FORMAT csv, HEADER)"} {
		var want, got strings.Builder
		fresh := connectPG(t, cs.dsn("sluice", "sluice", "sluice.cache=off"))
		cached := connectPG(t, cs.dsn("sluice", "sluice"))
		if _, err := fresh.CopyTo(ctx, &want, copySQL); err != nil {
			t.Fatal(err)
		}
		hits := cs.cache.Stats().Hits
		if _, err := cached.CopyTo(ctx, &got, copySQL); err != nil {
			t.Fatal(err)
		}
		if cs.cache.Stats().Hits != hits+1 || got.String() != want.String() || want.Len() == 0 {
			t.Fatalf("%s: hit %v, cached %d bytes, fresh %d bytes", copySQL, cs.cache.Stats().Hits != hits, got.Len(), want.Len())
		}
	}
	// Cursors: FETCH in steps, backwards on a SCROLL cursor.
	script := []string{"BEGIN", "DECLARE c SCROLL CURSOR FOR " + q, "FETCH 5 FROM c", "FETCH 50 FROM c",
		"FETCH BACKWARD 3 FROM c", "FETCH ALL FROM c", "CLOSE c",
		// A binary cursor: the rows in binary, from the same kept batches.
		"DECLARE b BINARY SCROLL CURSOR FOR " + q, "FETCH 7 FROM b", "MOVE 100 IN b", "FETCH BACKWARD 2 FROM b",
		"FETCH ALL FROM b", "CLOSE b", "COMMIT"}
	fresh := connectPG(t, cs.dsn("sluice", "sluice", "sluice.cache=off"))
	cached := connectPG(t, cs.dsn("sluice", "sluice"))
	hits := cs.cache.Stats().Hits
	for _, step := range script {
		want := render(ctx, fresh, step)
		if got := render(ctx, cached, step); got != want {
			t.Fatalf("%s: cached %s, fresh %s", step, got, want)
		}
	}
	if got := cs.cache.Stats().Hits - hits; got != 2 {
		t.Fatalf("the two cursors made %d hits, want 2", got)
	}
}

// Memory stays within the budget under a churn of distinct large results;
// results over the entry cap stream through whole.
func TestCacheBudgetUnderChurn(t *testing.T) {
	const budget, entryCap = 256 << 10, 96 << 10
	cs := startCacheServer(t, testLake(t), cache.Config{Budget: budget, EntryCap: entryCap}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	for i := 0; i < 40; i++ {
		// 600-1000 rows of orders each: tens of kB.
		q := fmt.Sprintf("SELECT order_id, customer_id, status, amount FROM gold.orders ORDER BY order_id LIMIT %d", 600+i*10)
		rowsText(t, c, q)
		if st := cs.cache.Stats(); st.Bytes > budget {
			t.Fatalf("after %d queries the cache holds %d bytes, over %d", i+1, st.Bytes, budget)
		}
	}
	st := cs.cache.Stats()
	if st.Evictions == 0 {
		t.Fatalf("no evictions: %+v", st)
	}
	if e, b := cacheMetric(t, cs.reg, "sluice_cache_evictions_total"), cacheMetric(t, cs.reg, "sluice_cache_bytes"); e != float64(st.Evictions) || b != float64(st.Bytes) || b > budget {
		t.Fatalf("metrics: evictions %v, bytes %v; stats %+v", e, b, st)
	}
	// A result over the cap: all its rows, nothing kept.
	const big = "SELECT * FROM raw.events"
	var n int
	if err := c.QueryRow(testCtx(t), "SELECT count(*) FROM ("+big+") x").Scan(&n); err != nil {
		t.Fatal(err)
	}
	rows, err := c.Query(testCtx(t), big)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for rows.Next() {
		got++
	}
	if rows.Err() != nil || got != n {
		t.Fatalf("over the cap: %d rows of %d (%v)", got, n, rows.Err())
	}
	if cs.cache.Stats().TooLarge == 0 || cacheMetric(t, cs.reg, "sluice_cache_too_large_total") == 0 {
		t.Fatal("the large result was not counted as too large")
	}
}

// A query racing commits never returns a result that mixes two snapshots:
// gold.orders and silver.orders gain a partition in the same commit, and
// every result sees both or neither.
func TestCacheRaceCommit(t *testing.T) {
	lake := privateLake(t)
	cs := startCacheServer(t, lake, cache.Config{}, CacheConfig{})
	const q = "SELECT (SELECT count(*) FROM gold.orders) AS g, (SELECT count(*) FROM silver.orders) AS s"
	c := connectX(t, cs.dsn("sluice", "sluice"))
	var g0, s0, gDay, sDay int64
	if err := c.QueryRow(testCtx(t), q).Scan(&g0, &s0); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(testCtx(t), "SELECT (SELECT count(*) FROM gold.orders WHERE dt = '2026-11-21'), "+
		"(SELECT count(*) FROM silver.orders WHERE dt = '2026-11-21')").Scan(&gDay, &sDay); err != nil {
		t.Fatal(err)
	}
	if gDay == 0 || sDay == 0 {
		t.Fatalf("no rows on 2026-11-21: %d %d", gDay, sDay)
	}
	ctx, stop := context.WithCancel(testCtx(t))
	var wg sync.WaitGroup
	var bad atomic.Value
	var seen sync.Map
	for w := 0; w < 4; w++ {
		conn := connectX(t, cs.dsn("sluice", "sluice"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				var g, s int64
				if err := conn.QueryRow(context.Background(), q).Scan(&g, &s); err != nil {
					bad.Store(err.Error())
					return
				}
				seen.Store([2]int64{g, s}, true)
			}
		}()
	}
	days := []string{"2026-11-22", "2026-11-23", "2026-11-24"}
	for _, d := range days {
		addPartition(t, lake, "gold/orders", "2026-11-21", d)
		addPartition(t, lake, "silver/orders", "2026-11-21", d)
		if _, err := cs.lake.Refresh(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	stop()
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
	// Every result is some number of whole commits: n new days in both.
	results := 0
	seen.Range(func(k, _ any) bool {
		results++
		p := k.([2]int64)
		n := (p[0] - g0) / gDay
		if (p[0]-g0)%gDay != 0 || n < 0 || n > int64(len(days)) || p[1] != s0+n*sDay {
			t.Errorf("a result mixes snapshots: gold %d, silver %d (start %d %d, +%d/+%d a commit)", p[0], p[1], g0, s0, gDay, sDay)
		}
		return true
	})
	if results < 2 {
		t.Fatalf("only %d distinct results seen", results)
	}
	// After the last commit, the current answer, not a cached one.
	var g, s int64
	if err := c.QueryRow(testCtx(t), q).Scan(&g, &s); err != nil {
		t.Fatal(err)
	}
	if n := int64(len(days)); g != g0+n*gDay || s != s0+n*sDay {
		t.Fatalf("after the commits: %d %d, want %d %d", g, s, g0+n*gDay, s0+n*sDay)
	}
}

// SET sluice.max_staleness: a commit marks the entry stale; a session that
// accepts staleness is served it while one background refresh recomputes.
func TestCacheStaleness(t *testing.T) {
	lake := privateLake(t)
	cs := startCacheServer(t, lake, cache.Config{KeepStale: time.Hour, MaxRefreshes: 1}, CacheConfig{})
	strict := connectX(t, cs.dsn("sluice", "sluice"))
	lax := connectX(t, cs.dsn("sluice", "sluice"))
	if _, err := lax.Exec(testCtx(t), "SET sluice.max_staleness = '15 min'"); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, lax, "SHOW sluice.max_staleness"); got != "[15min];" {
		t.Fatalf("SHOW: %s", got)
	}
	const q = "SELECT count(*) FROM gold.orders"
	before := rowsText(t, lax, q)
	addPartition(t, lake, "gold/orders", "2026-11-21", "2026-11-22")
	if _, err := cs.lake.Refresh(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, lax, q); got != before {
		t.Fatalf("with staleness accepted: %s, want the stale %s", got, before)
	}
	if st := cs.cache.Stats(); st.StaleHits != 1 {
		t.Fatalf("stats %+v", st)
	}
	// The strict session never sees it.
	after := rowsText(t, strict, q)
	if after == before {
		t.Fatal("a session without staleness got the stale result")
	}
	// Once refreshed (background or by the strict run), the lax session
	// sees the new rows too.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if got := rowsText(t, lax, q); got == after {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the refresh never landed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sluice.as_of: the setting is validated and keyed; a table without
// snapshot history is an error naming it, never a silent read of now.
func TestCacheAsOf(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	for _, bad := range []string{"yesterday-ish", "snapshot:x", "snapshot:-3"} {
		if _, err := c.Exec(testCtx(t), "SET sluice.as_of = '"+bad+"'"); err == nil || !strings.Contains(err.Error(), "22023") {
			t.Errorf("SET sluice.as_of = %q: %v", bad, err)
		}
	}
	if _, err := c.Exec(testCtx(t), "SET sluice.as_of = '2026-11-21 10:00:00+02'"); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, c, "SHOW sluice.as_of"); got != "[2026-11-21 08:00:00+00];" {
		t.Fatalf("SHOW sluice.as_of: %s", got)
	}
	_, err := c.Exec(testCtx(t), "SELECT count(*) FROM gold.orders")
	if err == nil || !strings.Contains(err.Error(), "gold.orders") || !strings.Contains(err.Error(), "0A000") {
		t.Fatalf("as_of on a Hive table: %v", err)
	}
	// Catalog queries still answer (they describe the catalog now).
	if got := rowsText(t, c, "SELECT count(*) > 0 FROM pg_catalog.pg_class"); got != "[true];" {
		t.Fatalf("catalog query under as_of: %s", got)
	}
	// The setting is part of the key.
	s1 := sessionFor(t, cs, "sluice")
	s2 := sessionFor(t, cs, "sluice")
	s2.vals = s2.vals.with(settingAsOf, "snapshot:42")
	ctx := testCtx(t)
	if planFor(ctx, t, s1, "SELECT 1").key.Digest() == planFor(ctx, t, s2, "SELECT 1").key.Digest() {
		t.Fatal("sluice.as_of is not in the key")
	}
}

// The server-state schema must not change what "$user" resolves to for
// the default role (current_schema() of a default session).
func TestCacheSchemaNotUserSchema(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice", "search_path=\"$user\",gold"))
	if got := rowsText(t, c, "SELECT current_schema()"); got != "[gold];" {
		t.Fatalf("current_schema() with the cache: %s", got)
	}
}

// cache.routes and cache.staleness from the configuration.
func TestCacheRoutesAndLayerStaleness(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{Routes: []string{routeCatalog}})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	if e := explainText(t, c, dashboardQuery); !strings.Contains(e, "Cache: off for route local") {
		t.Fatalf("EXPLAIN with only the catalog route cached: %s", e)
	}
	const catalogQuery = "SELECT count(*) FROM pg_catalog.pg_class WHERE relkind = 'r'"
	rowsText(t, c, catalogQuery)
	rowsText(t, c, catalogQuery)
	if st := cs.cache.Stats(); st.Hits != 1 || st.Entries != 1 {
		t.Fatalf("catalog route: %+v", st)
	}

	lake := privateLake(t)
	cs = startCacheServer(t, lake, cache.Config{KeepStale: time.Hour},
		CacheConfig{Staleness: map[string]time.Duration{"gold": 15 * time.Minute}})
	c = connectX(t, cs.dsn("sluice", "sluice"))
	const gold, raw = "SELECT count(*) FROM gold.orders", "SELECT count(*) FROM raw.events"
	goldBefore, rawBefore := rowsText(t, c, gold), rowsText(t, c, raw)
	addPartition(t, lake, "gold/orders", "2026-11-21", "2026-11-22")
	addPartition(t, lake, "raw/events", "2026-11-21", "2026-11-22")
	if _, err := cs.lake.Refresh(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	// gold allows 15 minutes: the stale entry answers (and a refresh
	// starts); raw allows none: the new rows.
	if got := rowsText(t, c, gold); got != goldBefore {
		t.Fatalf("gold, 15 min allowed: %s, want the stale %s", got, goldBefore)
	}
	if got := rowsText(t, c, raw); got == rawBefore {
		t.Fatalf("raw, no staleness allowed: still %s", got)
	}
	// sluice.max_staleness = 0 means "the layers'"; a session that wants
	// the current rows now sets sluice.cache = refresh.
	if _, err := c.Exec(testCtx(t), "SET sluice.cache = refresh"); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, c, gold); got == goldBefore {
		t.Fatalf("refresh under layer staleness: still %s", got)
	}
}

// A routing rule that denies a query by what the key does not hold
// (application_name) is never bypassed by a cache hit.
func TestCacheRespectsDenyRules(t *testing.T) {
	rules, err := router.NewRuleSet(router.Rules{{Name: "no-excel", Applications: []string{"excel"}, Deny: "not from excel"}}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := startCacheServerWith(t, testLake(t), cache.Config{}, CacheConfig{}, func(e Engine) Engine {
		return NewRoutes(e, nil, rules, "", nil)
	})
	ok := connectX(t, cs.dsn("sluice", "sluice", "application_name=psql"))
	rowsText(t, ok, dashboardQuery)
	rowsText(t, ok, dashboardQuery)
	if cs.cache.Stats().Hits != 1 {
		t.Fatalf("not cached for an allowed application: %+v", cs.cache.Stats())
	}
	excel := connectX(t, cs.dsn("sluice", "sluice", "application_name=excel"))
	_, err = excel.Exec(testCtx(t), dashboardQuery)
	if err == nil || !strings.Contains(err.Error(), "not from excel") {
		t.Fatalf("denied application: %v", err)
	}
	if e := explainText(t, ok, dashboardQuery); !strings.Contains(e, "Cache: hit") {
		t.Fatalf("EXPLAIN for the allowed application: %s", e)
	}
}
