package gateway

import (
	"strings"
	"testing"
	"time"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/router"
)

// A result a real Trino computed is cached like a local one: the first run
// goes to the tier, the next ones are hits that neither Trino nor the local
// engine runs, with the same rows as the local engine's. cache.routes
// leaves a tier out by its name.
func TestCacheTrinoRoute(t *testing.T) {
	url, dir := trinoOverLake(t)
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
			Catalogs: map[string]string{"gold": "hive.gold", "silver": "hive.silver"}}},
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
}
