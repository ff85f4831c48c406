package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire"
)

// testCacheTrino: a result a real Trino computed is cached like a local
// one: the first run goes to the tier, the next ones are hits that neither
// Trino nor the local engine runs, with the same rows as the local
// engine's. cache.routes leaves a tier out by its name. Under sluice.as_of
// the key holds the setting and the snapshot on a Trino route too: the old
// snapshot is read by Trino (FOR VERSION AS OF) once per key, then answered
// from the cache. It runs under TestTrinoThroughGateway, on the Trino (over
// dir, with ice's Iceberg catalog) the other tests share.
func testCacheTrino(t *testing.T, url, dir string, ice trinoIceberg) {
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
			Catalogs: map[string]string{"gold": "hive.gold", "silver": "hive.silver", "ice": "iceberg.ice_" + runTag}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	rules := rulesFor(t, `
- name: gold-on-trino
  layers: [gold]
  route: etl
`, "etl")
	routes := func(e Engine) Engine { return NewRoutes(e, rt, rules, "", nil) }
	cs := startCacheServerWith(t, dir, cache.Config{}, CacheConfig{}, routes)
	c := connectX(t, cs.dsn("alice", "sluice", simple))
	const q = "SELECT segment, count(*), count(DISTINCT country) FROM gold.customers GROUP BY segment ORDER BY segment"
	if e := explainText(t, c, q); !strings.Contains(e, "Route: trino tier etl") || !strings.Contains(e, "Cache: miss") {
		t.Fatalf("EXPLAIN before the first run: %s", e)
	}
	first := rowsText(t, c, q)
	if st := cs.cache.Stats(); st.Misses != 1 || st.Entries != 1 {
		t.Fatalf("after the first run through Trino: %+v", st)
	}
	for i := 0; i < 2; i++ {
		if got := rowsText(t, c, q); got != first {
			t.Fatalf("hit %d: %s, want %s", i, got, first)
		}
	}
	if st := cs.cache.Stats(); st.Hits != 2 || st.Misses != 1 {
		t.Fatalf("after two more runs: %+v", st)
	}
	if runs := cs.engine.runs.Load(); runs != 0 {
		t.Fatalf("the local engine ran %d times for a query the rules send to Trino", runs)
	}
	if e := explainText(t, c, q); !strings.Contains(e, "Cache: hit") {
		t.Fatalf("EXPLAIN after the runs: %s", e)
	}
	// The same rows as the local engine's (uncached, forced local).
	if _, err := c.Exec(testCtx(t), "SET sluice.cache = off"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(testCtx(t), "SET sluice.route = 'local'"); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, c, q); got != first || cs.engine.runs.Load() != 1 {
		t.Fatalf("locally: %s (%d local runs), through Trino %s", got, cs.engine.runs.Load(), first)
	}

	// cache.routes without the tier: Trino's results are not kept.
	cs2 := startCacheServerWith(t, dir, cache.Config{}, CacheConfig{Routes: []string{routeLocal}}, routes)
	c2 := connectX(t, cs2.dsn("alice", "sluice", simple))
	if e := explainText(t, c2, q); !strings.Contains(e, "Cache: off for route etl") {
		t.Fatalf("EXPLAIN with only the local route cached: %s", e)
	}
	for i := 0; i < 2; i++ {
		if got := rowsText(t, c2, q); got != first {
			t.Fatalf("uncached run %d: %s", i, got)
		}
	}
	if st := cs2.cache.Stats(); st.Hits != 0 || st.Entries != 0 {
		t.Fatalf("a route left out of cache.routes was cached: %+v", st)
	}
	const local = "SELECT count(*) FROM silver.orders"
	rowsText(t, c2, local)
	rowsText(t, c2, local)
	if st := cs2.cache.Stats(); st.Hits != 1 {
		t.Fatalf("the local route is still cached: %+v", st)
	}

	t.Run("as_of", func(t *testing.T) { testCacheTrinoAsOf(t, url, dir, ice, rt) })
}

// testCacheTrinoAsOf: a cached server whose lake also serves ice's Iceberg
// catalog, every query routed to Trino.
func testCacheTrinoAsOf(t *testing.T, url, dir string, ice trinoIceberg, rt *router.Router) {
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{ice.cfg}})
	if err != nil {
		t.Fatalf("opening the lake: %v", err)
	}
	t.Cleanup(func() { lake.Close() })
	c := cache.New(cache.Config{Budget: 64 << 20})
	t.Cleanup(c.Close)
	ce := &countingEngine{Engine: engine.New()}
	logger := slog.New(slog.DiscardHandler)
	gw, err := New(Config{Version: "test", Settings: map[string]string{"sluice.route": "etl"}, Cache: CacheConfig{Cache: c}},
		lake, planner.New(), NewRoutes(ce, rt, nil, "", nil), NewMetrics(prometheus.NewRegistry()), logger)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := wire.NewServer(wire.Config{Handler: gw, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	app := "cache-asof-" + runTag
	conn := connectX(t, fmt.Sprintf("postgres://alice@%s/sluice?sslmode=disable&application_name=%s&%s", ln.Addr(), app, simple))
	const q = "SELECT count(*), sum(amount)::int8, max(order_id) FROM ice.orders"
	// snapshotRuns counts the queries Trino ran for this test that read
	// the first snapshot.
	snapshotRuns := func() int {
		n := 0
		for _, tq := range trinoQueries(t, url, "alice", app) {
			if strings.Contains(tq.Query, fmt.Sprintf("FOR VERSION AS OF %d", ice.first)) {
				n++
			}
		}
		return n
	}
	if got := rowsText(t, conn, q); got != "[20 2100 20];" {
		t.Fatalf("current snapshot through Trino: %s", got)
	}
	lk, err := lake.Current().Table("ice", "orders")
	if err != nil {
		t.Fatal(err)
	}
	var at time.Time
	for _, sn := range lk.Snapshots() {
		if sn.ID == ice.first {
			at = sn.At.Add(time.Millisecond)
		}
	}
	for i, as := range []string{fmt.Sprintf("snapshot:%d", ice.first), at.UTC().Format("2006-01-02 15:04:05.000000+00")} {
		if _, err := conn.Exec(testCtx(t), "SET sluice.as_of = '"+as+"'"); err != nil {
			t.Fatal(err)
		}
		hits := c.Stats().Hits
		for j := 0; j < 3; j++ {
			if got := rowsText(t, conn, q); got != "[10 550 10];" {
				t.Fatalf("as of %s, run %d: %s", as, j, got)
			}
		}
		// Each spelling of the snapshot is its own key: Trino read it once
		// for each, the other runs were hits.
		if got := snapshotRuns(); got != i+1 {
			t.Fatalf("as of %s: Trino read the snapshot %d times in all, want %d", as, got, i+1)
		}
		if got := c.Stats().Hits - hits; got != 2 {
			t.Fatalf("as of %s: %d hits, want 2", as, got)
		}
		if e := explainText(t, conn, q); !strings.Contains(e, "Cache: hit") {
			t.Fatalf("EXPLAIN as of %s: %s", as, e)
		}
	}
	if _, err := conn.Exec(testCtx(t), "RESET sluice.as_of"); err != nil {
		t.Fatal(err)
	}
	if got := rowsText(t, conn, q); got != "[20 2100 20];" {
		t.Fatalf("after RESET: %s", got)
	}
	if n := ce.runs.Load(); n != 0 {
		t.Fatalf("the local engine ran %d queries routed to Trino", n)
	}
}
