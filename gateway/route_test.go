package gateway

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/router"
)

// startRoutedServer is startServer with the routes in the engine's place.
func startRoutedServer(t testing.TB, makeRoutes func(reg prometheus.Registerer) *Routes) *testServer {
	t.Helper()
	return startRoutedServerAt(t, testLake(t), makeRoutes)
}

// startRoutedServerAt serves the lake in dir.
func startRoutedServerAt(t testing.TB, dir string, makeRoutes func(reg prometheus.Registerer) *Routes) *testServer {
	t.Helper()
	return serveGateway(t, dir, slog.LevelDebug, func(lake *catalog.Lake, reg *prometheus.Registry, logger *slog.Logger) (*Gateway, error) {
		return New(Config{Version: "test"}, lake, planner.New(), makeRoutes(reg), NewMetrics(reg), logger)
	})
}

func rulesFor(t testing.TB, yaml string, tiers ...string) *router.RuleSet {
	t.Helper()
	rules, err := router.ParseRules([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := router.NewRuleSet(rules, "", tiers)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestRoutingRulesWithoutTrino: rules deny (42501 and 0A000), by layer,
// application_name, client tag and estimated size; local is the default;
// EXPLAIN names the rule and the estimate; SET sluice.route to a tier that
// does not exist is an error, not a silent local run.
func TestRoutingRulesWithoutTrino(t *testing.T) {
	rs := rulesFor(t, `
- name: no-raw
  layers: [raw]
  deny: "raw is not for queries"
- name: psql-big
  applications: ["psql*"]
  min_rows: 1000
  deny: "too big for psql"
  code: 0A000
- name: tagged
  client_tags: [forbidden]
  deny: "tag forbidden"
- name: joins-local
  features: [join]
  route: local
`)
	ts := startRoutedServer(t, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(engine.New(), nil, rs, "", reg)
	})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=bi"))
	defer c.Close(ctx)
	for _, tc := range []struct{ sql, want string }{
		{"SELECT count(*) FROM gold.customers", `"500"`},
		{"SELECT count(*) FROM raw.events", "ERROR 42501 raw is not for queries"},
		{"SET application_name = 'psql'", "SET"},
		{"SELECT count(*) FROM gold.orders", "ERROR 0A000 too big for psql"},
		{"SELECT count(*) FROM gold.customers WHERE customer_id < 10", `"9"`},
		{"SET sluice.client_tags = 'a, forbidden'", "SET"},
		{"SELECT 1 FROM gold.customers LIMIT 1", "ERROR 42501 tag forbidden"},
		{"SELECT count(*) FROM pg_catalog.pg_class WHERE false", `"0"`},
		{"SET sluice.route = 'nowhere'", "SET"},
		{"SELECT 1 FROM gold.customers LIMIT 1", `ERROR 22023 no Trino tier named "nowhere"`},
		{"RESET sluice.route", "RESET"},
		{"SHOW sluice.client_tags", `"a, forbidden"`},
	} {
		got := render(ctx, c, tc.sql)
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s\n got %s\nwant %s", tc.sql, got, tc.want)
		}
	}
	render(ctx, c, "RESET ALL")
	explain := render(ctx, c, "EXPLAIN SELECT count(*) FROM gold.orders o JOIN gold.customers c USING (customer_id) WHERE o.dt = '2026-11-01'")
	for _, want := range []string{`"Route: local (rule joins-local)"`, `"Estimate: `, `2 files after pruning`} {
		if !strings.Contains(explain, want) {
			t.Errorf("EXPLAIN lacks %s:\n%s", want, explain)
		}
	}
	explain = render(ctx, c, "EXPLAIN SELECT count(*) FROM raw.events")
	if !strings.Contains(explain, "Route: denied (rule no-raw): raw is not for queries") {
		t.Errorf("EXPLAIN of a denied query:\n%s", explain)
	}
	if n := routedCount(t, ts, "local", "no-raw", "denied"); n != 1 {
		t.Errorf("sluice_routed_queries_total{rule=no-raw,outcome=denied} = %v, want 1", n)
	}
}

// routedCount reads one sluice_routed_queries_total series.
func routedCount(t testing.TB, ts *testServer, route, rule, outcome string) float64 {
	t.Helper()
	var m dto.Metric
	if err := ts.gw.engine.(*Routes).queries.WithLabelValues(route, rule, outcome).Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

// TestRulesFileReloadsUnderTheGateway changes the rules file while a
// session runs: the next query follows the new rules.
func TestRulesFileReloadsUnderTheGateway(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte("- {name: open, layers: [gold], route: local}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := router.NewRuleSet(nil, file, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs.SetCheckInterval(0)
	ts := startRoutedServer(t, func(reg prometheus.Registerer) *Routes { return NewRoutes(engine.New(), nil, rs, "", reg) })
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice"))
	defer c.Close(ctx)
	if got := render(ctx, c, "SELECT count(*) FROM gold.customers"); !strings.Contains(got, `"500"`) {
		t.Fatalf("before: %s", got)
	}
	if err := os.WriteFile(file, []byte("- {name: closed, layers: [gold], deny: closed for maintenance}\n# longer now\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := render(ctx, c, "SELECT count(*) FROM gold.customers"); !strings.Contains(got, "ERROR 42501 closed for maintenance") {
		t.Fatalf("after the file changed: %s", got)
	}
}
