package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/prometheus/client_golang/prometheus"
	_ "github.com/trinodb/trino-go-client/trino"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/planner/trinoeq"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/router/trinotest"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// trinoIceberg is the Iceberg catalog Trino and Sluice share in the
// tests: iceberg-go's SQL catalog on a real PostgreSQL, which Trino reads
// as its iceberg catalog (JDBC), with ice.orders committed in two
// snapshots.
type trinoIceberg struct {
	cfg   catalog.IcebergCatalog
	first int64 // the snapshot of orders 1-10; the current one adds 11-20
}

// trinoOverLake is a real Trino whose hive catalog reads dir, with the
// demo lake's gold and silver tables registered as external tables.
func trinoOverLake(t *testing.T) (url, dir string) {
	url, dir, _ = trinoOverLakes(t, false)
	return url, dir
}

// trinoOverLakes is trinoOverLake whose Trino, withIceberg, also has an
// iceberg catalog: ice's, shared with Sluice.
func trinoOverLakes(t *testing.T, withIceberg bool) (url, dir string, ice trinoIceberg) {
	if u := os.Getenv("SLUICE_TRINO_URL"); u != "" {
		// A running Trino whose hive catalog reads SLUICE_TRINO_LAKE and
		// whose iceberg catalog is the SQL catalog SLUICE_TRINO_ICEBERG
		// (a PostgreSQL DSN) with warehouse SLUICE_TRINO_WAREHOUSE.
		url, dir = u, os.Getenv("SLUICE_TRINO_LAKE")
		if withIceberg {
			ice = icebergForTrino(t, os.Getenv("SLUICE_TRINO_ICEBERG"), os.Getenv("SLUICE_TRINO_WAREHOUSE"))
		}
	} else {
		dir = testLake(t)
		opts := trinotest.Options{Lake: dir}
		if withIceberg {
			srv := pg.Get(t)
			dsn := freshDatabase(t, srv, "trino_iceberg")
			warehouse := t.TempDir()
			ice = icebergForTrino(t, dsn, warehouse)
			opts.IcebergURL = fmt.Sprintf("jdbc:postgresql://%s/trino_iceberg", srv.Addr())
			opts.IcebergUser, opts.IcebergCatalog, opts.IcebergWarehouse = srv.User, ice.cfg.Name, warehouse
		}
		url = trinotest.Start(t, opts).URL
	}
	db, err := sql.Open("trino", strings.Replace(url, "://", "://sluice@", 1)+"?catalog=hive&schema=default")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := trinoeq.RegisterLake(context.Background(), db, dir, lake.Current(), "gold", "silver"); err != nil {
		t.Fatal(err)
	}
	return url, dir, ice
}

// budgetEngine is the real engine with a memory budget so small that
// reading gold.orders exceeds it: the engine's own budget (53200) is what
// sends such queries to Trino, and this one trips it on demand.
type budgetEngine struct{ *engine.Engine }

type overBudget struct{ engine.Stream }

func (o overBudget) Next(ctx context.Context) (arrow.RecordBatch, error) {
	return nil, pgerr.New(pgerr.OutOfMemory, "out of memory").WithDetail("The query needs more than the local engine's memory budget.")
}

func (e budgetEngine) Execute(ctx context.Context, root plan.Node, params []pgtype.Datum, opts ...engine.Option) (engine.Stream, error) {
	s, err := e.Engine.Execute(ctx, root, params, opts...)
	if err != nil {
		return nil, err
	}
	if readsTable(root, "orders") {
		return overBudget{s}, nil
	}
	return s, nil
}

func readsTable(n plan.Node, name string) bool {
	if sc, ok := n.(*plan.Scan); ok && sc.Table.Name == name {
		return true
	}
	for _, c := range n.Children() {
		if readsTable(c, name) {
			return true
		}
	}
	return false
}

// TestTrinoThroughGateway runs every gateway test that needs a real Trino
// on one server (starting Trino takes a minute on a busy machine).
func TestTrinoThroughGateway(t *testing.T) {
	url, dir, ice := trinoOverLakes(t, true)
	t.Run("rules", func(t *testing.T) { testRoutingToTrino(t, url, dir) })
	t.Run("functions", func(t *testing.T) { testTrinoFunctions(t, url, dir) })
	t.Run("numeric", func(t *testing.T) { testTrinoNumericText(t, url, dir) })
	t.Run("as_of", func(t *testing.T) { testTrinoAsOf(t, url, dir, ice) })
	t.Run("notices", func(t *testing.T) { testRouteNotices(t, url, dir) })
	t.Run("retry_notice", func(t *testing.T) { testRetryNotice(t, url, dir) })
	t.Run("cancel", func(t *testing.T) { testTrinoCancel(t, url, dir) })
	t.Run("stream", func(t *testing.T) { testTrinoStreamMemory(t, url, dir) })
	t.Run("cache", func(t *testing.T) { testCacheTrino(t, url, dir, ice) })
}

func testRoutingToTrino(t *testing.T, url, dir string) {
	// No progress notices: render shows notices, and a query slowed by a
	// busy machine would differ from the local run by one.
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, ProgressInterval: time.Hour, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
			Catalogs: map[string]string{"gold": "hive.gold", "silver": "hive.silver"}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	rules := rulesFor(t, `
- name: etl-tag
  client_tags: [etl]
  route: etl
- name: silver-local
  layers: [silver]
  route: local
`, "etl")
	ts := startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(budgetEngine{engine.New()}, rt, rules, "", reg)
	})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=routing-test"))
	defer c.Close(ctx)

	local := map[string]string{}
	bi := []string{
		"SELECT segment, count(*), count(DISTINCT country), string_agg(DISTINCT country, ',' ORDER BY country) FROM gold.customers GROUP BY segment ORDER BY segment",
		"SELECT name, email FROM gold.customers WHERE name ILIKE '%customer 1%' AND email ~* '^c' ORDER BY 1 LIMIT 7 OFFSET 2",
		"SELECT date_trunc('month', created_at) AS m, count(*) FROM gold.customers GROUP BY 1 ORDER BY 1",
	}
	for _, q := range bi {
		local[q] = render(ctx, c, q)
		if strings.Contains(local[q], "ERROR") {
			t.Fatalf("locally: %s: %s", q, local[q])
		}
	}
	render(ctx, c, "SET sluice.client_tags = 'nightly, etl'")
	for _, q := range bi {
		got := render(ctx, c, q)
		t.Logf("%s", got)
		if got != local[q] {
			t.Errorf("through Trino (tag etl):\n%s\n got %s\nwant %s", q, got, local[q])
		}
	}
	if n := routedCount(t, ts, "etl", "etl-tag", "forwarded"); n != float64(len(bi)) {
		t.Errorf("forwarded by rule etl-tag: %v, want %d", n, len(bi))
	}
	explain := render(ctx, c, "EXPLAIN SELECT count(*) FROM gold.customers")
	t.Logf("%s", explain)
	for _, w := range []string{"Route: trino tier etl (rule etl-tag)", "Estimate: ", `Trino SQL: SELECT`, `\"hive\".\"gold\".\"customers\"`} {
		if !strings.Contains(explain, w) {
			t.Errorf("EXPLAIN lacks %s:\n%s", w, explain)
		}
	}
	render(ctx, c, "RESET sluice.client_tags")

	// SET sluice.route wins over the rules (silver-local would keep it).
	render(ctx, c, "SET sluice.route = 'etl'")
	if got := render(ctx, c, bi[0]); got != local[bi[0]] {
		t.Errorf("SET sluice.route = etl:\n got %s\nwant %s", got, local[bi[0]])
	}
	if n := routedCount(t, ts, "etl", "none", "forwarded"); n != 1 {
		t.Errorf("forwarded by SET sluice.route: %v", n)
	}
	// Trino saw Sluice's user and application_name.
	render(ctx, c, "RESET sluice.route")
	db, err := sql.Open("trino", strings.Replace(url, "://", "://sluice@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM system.runtime.queries WHERE "user" = 'alice' AND source = 'routing-test' AND query LIKE '%"hive"."gold"."customers"%'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n < len(bi)+1 {
		t.Errorf("Trino ran %d queries as alice from routing-test, want at least %d", n, len(bi)+1)
	}

	// Parameters through the extended protocol.
	want := render(ctx, c, "SELECT count(*) FROM gold.customers WHERE country = 'FR' AND customer_id > 3")
	render(ctx, c, "SET sluice.route = 'etl'")
	res := c.ExecParams(ctx, "SELECT count(*) FROM gold.customers WHERE country = $1 AND customer_id > $2", [][]byte{[]byte("FR"), []byte("3")}, nil, nil, nil).Read()
	if res.Err != nil || len(res.Rows) != 1 || !strings.Contains(want, fmt.Sprintf("%q", res.Rows[0][0])) {
		t.Errorf("parameters on Trino: %v %v, local %s", res.Rows, res.Err, want)
	}
	render(ctx, c, "RESET sluice.route")

	// The local engine's memory budget: without a fallback tier the
	// query fails with 53200; with one it runs on Trino.
	if got := render(ctx, c, "SELECT count(*) FROM gold.orders"); !strings.Contains(got, "ERROR 53200") {
		t.Errorf("no fallback tier: %s", got)
	}
	var orders int
	if err := db.QueryRow("SELECT count(*) FROM hive.gold.orders").Scan(&orders); err != nil {
		t.Fatal(err)
	}
	ts2 := startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(budgetEngine{engine.New()}, rt, rules, "etl", reg)
	})
	c2 := connectPG(t, ts2.dsn("alice", "sluice"))
	defer c2.Close(ctx)
	if got := render(ctx, c2, "SELECT count(*) FROM gold.orders"); !strings.Contains(got, fmt.Sprintf("| %q,;", fmt.Sprint(orders))) {
		t.Errorf("fallback to Trino: %s, want %d", got, orders)
	}
	if n := routedCount(t, ts2, "etl", "none", "fallback"); n != 1 {
		t.Errorf("fallbacks counted: %v", n)
	}
	// A plan Trino cannot run as PostgreSQL would keeps the local error.
	if got := render(ctx, c2, "SELECT count(*) FROM gold.orders WHERE regexp_replace(status, 'a', 'b') <> ''"); !strings.Contains(got, "ERROR 53200") {
		t.Errorf("an untranslatable plan must keep the local error: %s", got)
	}
	// An explicit local route is not taken over.
	render(ctx, c2, "SET sluice.route = 'local'")
	if got := render(ctx, c2, "SELECT count(*) FROM gold.orders"); !strings.Contains(got, "ERROR 53200") {
		t.Errorf("SET sluice.route = local must not fall back: %s", got)
	}
}
