package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/router"
)

// simple is the DSN parameter that makes pgx send every query as a simple
// Query message, as pgbench -M simple, psql and many BI tools do.
const simple = "default_query_exec_mode=simple_protocol"

// A cache hit binds nothing: the first run binds, every later run of the
// same text (any session, either protocol, same binding facts) reuses the
// plan; a commit, another user or other settings bind again, and a plan
// holding a session's own values is never shared.
func TestCacheHitDoesNotBind(t *testing.T) {
	lake := privateLake(t)
	cs := startCacheServer(t, lake, cache.Config{}, CacheConfig{})
	// binds counts the binds and executions one call makes.
	binds := func(f func()) (int64, int64) {
		b0, r0 := cs.planner.binds.Load(), cs.engine.runs.Load()
		f()
		return cs.planner.binds.Load() - b0, cs.engine.runs.Load() - r0
	}
	a1 := connectX(t, cs.dsn("sluice", "sluice", simple))
	a2 := connectX(t, cs.dsn("sluice", "sluice", simple))
	var first string
	if b, r := binds(func() { first = rowsText(t, a1, dashboardQuery) }); b != 1 || r != 1 {
		t.Fatalf("first run: %d binds, %d executions, want 1 and 1", b, r)
	}
	for i, c := range []*pgx.Conn{a1, a2, a1} {
		var got string
		if b, r := binds(func() { got = rowsText(t, c, dashboardQuery) }); b != 0 || r != 0 || got != first {
			t.Fatalf("hit %d: %d binds, %d executions, rows %s (want %s)", i, b, r, got, first)
		}
	}
	// The extended protocol's Parse binds through the same plans.
	ext := connectX(t, cs.dsn("sluice", "sluice"))
	if b, r := binds(func() { rowsText(t, ext, dashboardQuery) }); b != 0 || r != 0 {
		t.Fatalf("extended protocol: %d binds, %d executions", b, r)
	}
	// Another search_path binds again (names may resolve elsewhere).
	other := connectX(t, cs.dsn("sluice", "sluice", simple, "search_path=public,gold"))
	if b, _ := binds(func() { rowsText(t, other, dashboardQuery) }); b != 1 {
		t.Fatalf("another search_path: %d binds, want 1", b)
	}
	// A plan holding the session's own values is bound on every run.
	const own = "SELECT current_setting('application_name'), count(*) FROM gold.products"
	if b, _ := binds(func() { rowsText(t, a1, own); rowsText(t, a1, own) }); b != 2 {
		t.Fatalf("current_setting: %d binds for two runs, want 2", b)
	}
	// TimeZone changes how literals bind: each zone gets its own plan and
	// its own answer.
	const zoned = "SELECT '2026-11-21 00:00:00+00'::timestamptz::timestamp::text, count(*) FROM gold.orders"
	utc := rowsText(t, a1, zoned)
	if _, err := a2.Exec(testCtx(t), "SET TimeZone = 'Pacific/Kiritimati'"); err != nil {
		t.Fatal(err)
	}
	if b, _ := binds(func() {
		if got := rowsText(t, a2, zoned); got == utc {
			t.Errorf("the same rows at UTC and UTC+14: %s (a plan bound under another zone?)", got)
		}
	}); b != 1 {
		t.Fatalf("another TimeZone: %d binds, want 1", b)
	}
	if got := rowsText(t, a1, zoned); got != utc {
		t.Fatalf("back at UTC: %s, want %s", got, utc)
	}
	// A commit: the next run binds against the new state once, and sees
	// the new rows.
	addPartition(t, lake, "gold/orders", "2026-11-21", "2026-11-22")
	if _, err := cs.lake.Refresh(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	var after string
	if b, r := binds(func() { after = rowsText(t, a1, dashboardQuery) }); b != 1 || r != 1 || after == first {
		t.Fatalf("after a commit: %d binds, %d executions, rows %s (before %s)", b, r, after, first)
	}
	if b, r := binds(func() { rowsText(t, ext, dashboardQuery) }); b != 0 || r != 0 {
		t.Fatalf("after a commit, another session: %d binds, %d executions", b, r)
	}
}

// Two users never share a plan or an entry, on either protocol, even for
// a statement whose text is the same: current_user is bound per user, and
// a routing rule that refuses one user a table is never bypassed by the
// other user's cached result.
func TestCacheScopeSimpleProtocol(t *testing.T) {
	rules, err := router.NewRuleSet(router.Rules{{Name: "no-customers-for-bob", Users: []string{"bob"},
		Tables: []string{"gold.customers"}, Deny: "bob may not read customers"}}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	cs := startCacheServerWith(t, testLake(t), cache.Config{}, CacheConfig{}, func(e Engine) Engine {
		return NewRoutes(e, nil, rules, "", nil)
	})
	alice := connectX(t, cs.dsn("alice", "sluice", simple))
	bob := connectX(t, cs.dsn("bob", "sluice", simple))
	const who = "SELECT current_user, count(*) FROM gold.orders"
	for i := 0; i < 2; i++ {
		if a, b := rowsText(t, alice, who), rowsText(t, bob, who); !strings.HasPrefix(a, "[alice ") || !strings.HasPrefix(b, "[bob ") {
			t.Fatalf("run %d: alice got %s, bob got %s", i, a, b)
		}
	}
	const customers = "SELECT count(*) FROM gold.customers"
	rowsText(t, alice, customers)
	rowsText(t, alice, customers)
	if _, err := bob.Exec(testCtx(t), customers); err == nil || !strings.Contains(err.Error(), "bob may not read customers") {
		t.Fatalf("bob after alice cached the table: %v", err)
	}
	if st := cs.cache.Stats(); st.Hits != 3 {
		t.Fatalf("stats %+v, want 3 hits (who twice, customers once for alice)", st)
	}
	// The key's scope part: user, role and database.
	sa, sb := sessionFor(t, cs, "alice"), sessionFor(t, cs, "bob")
	if sa.accessScope() == sb.accessScope() || sa.keyEnv() == sb.keyEnv() {
		t.Fatalf("alice and bob share a scope: %q", sa.accessScope())
	}
	if sessionFor(t, cs, "alice").keyEnv() != sa.keyEnv() {
		t.Fatal("two sessions of alice key differently")
	}
}

// Sessions run one shared plan at the same time (the race detector
// watches): with the cache off every run executes it, and all agree.
func TestCacheSharedPlanConcurrent(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	const n, runs = 6, 8
	const q = `SELECT c.segment, count(*), sum(o.amount), min(o.created_at) FROM gold.orders o
		JOIN gold.customers c USING (customer_id) WHERE o.status <> 'cancelled' GROUP BY 1 ORDER BY 1`
	want := rowsText(t, connectX(t, cs.dsn("sluice", "sluice", simple)), q)
	b0, r0 := cs.planner.binds.Load(), cs.engine.runs.Load()
	var wg sync.WaitGroup
	errs := make(chan string, n*runs)
	for i := 0; i < n; i++ {
		c := connectX(t, cs.dsn("sluice", "sluice", simple, "sluice.cache=off"))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < runs; j++ {
				rows, err := c.Query(context.Background(), q)
				if err != nil {
					errs <- err.Error()
					return
				}
				var sb strings.Builder
				for rows.Next() {
					v, _ := rows.Values()
					fmt.Fprintf(&sb, "%v;", v)
				}
				rows.Close()
				if rows.Err() != nil {
					errs <- rows.Err().Error()
					return
				}
				errs <- sb.String()
			}
		}()
	}
	wg.Wait()
	close(errs)
	first := ""
	for got := range errs {
		if first == "" {
			first = got
		}
		if got != first {
			t.Fatalf("runs of one shared plan disagree: %s vs %s", got, first)
		}
	}
	if first == "" || want == "" {
		t.Fatal("no rows")
	}
	if b, r := cs.planner.binds.Load()-b0, cs.engine.runs.Load()-r0; b != 0 || r != n*runs {
		t.Fatalf("%d binds, %d executions; want 0 and %d", b, r, n*runs)
	}
}
