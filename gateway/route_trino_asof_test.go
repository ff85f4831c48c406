package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	icetable "github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/wire"
	"github.com/sluicesql/sluice/wire/pgtest"
)

// freshDatabase creates (again) database name on srv and returns its DSN.
func freshDatabase(t *testing.T, srv *pgtest.Server, name string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range []string{"DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", "CREATE DATABASE " + name} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return srv.DSNFor(name)
}

// icebergForTrino writes ice.orders through iceberg-go's SQL catalog on
// dsn (which creates the JDBC catalog's tables, as Trino expects to find
// them): orders 1-10 in one snapshot, 11-20 in the next.
func icebergForTrino(t *testing.T, dsn, warehouse string) trinoIceberg {
	t.Helper()
	if dsn == "" || warehouse == "" {
		t.Fatalf("SLUICE_TRINO_URL needs SLUICE_TRINO_ICEBERG (the PostgreSQL DSN of its iceberg catalog) and SLUICE_TRINO_WAREHOUSE")
	}
	ctx := context.Background()
	cfg := catalog.IcebergCatalog{Name: "lake", Type: catalog.IcebergSQL, URI: dsn,
		Warehouse: (&url.URL{Scheme: "file", Path: warehouse}).String()}
	cat, err := catalog.LoadIcebergCatalog(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer catalog.CloseIcebergCatalog(cat)
	ns := "ice_" + runTag // an external Trino's catalog may hold earlier runs'
	cfg.Namespaces = map[string]string{ns: "ice"}
	if err := cat.CreateNamespace(ctx, icetable.Identifier{ns}, nil); err != nil {
		t.Fatal(err)
	}
	sc := iceberg.NewSchema(0,
		iceberg.NestedField{ID: 1, Name: "order_id", Type: iceberg.PrimitiveTypes.Int64, Required: true},
		iceberg.NestedField{ID: 2, Name: "amount", Type: iceberg.PrimitiveTypes.Int64})
	tbl, err := cat.CreateTable(ctx, icetable.Identifier{ns, "orders"}, sc)
	if err != nil {
		t.Fatal(err)
	}
	tbl = appendOrders(t, tbl, 1, 11)
	first := tbl.CurrentSnapshot().SnapshotID
	appendOrders(t, tbl, 11, 21)
	return trinoIceberg{cfg: cfg, first: first}
}

// startIcebergRoutedServer is a routed gateway over dir whose lake also
// serves ice's Iceberg catalog.
func startIcebergRoutedServer(t *testing.T, dir string, ice trinoIceberg, rt *router.Router) *testServer {
	t.Helper()
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{Iceberg: []catalog.IcebergCatalog{ice.cfg}})
	if err != nil {
		t.Fatalf("opening the lake: %v", err)
	}
	t.Cleanup(func() { lake.Close() })
	ts := &testServer{reg: prometheus.NewRegistry(), lake: lake, log: &syncBuffer{}, stopped: make(chan error, 1)}
	logger := slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if ts.gw, err = New(Config{Version: "test"}, lake, planner.New(), NewRoutes(engine.New(), rt, nil, "", ts.reg), NewMetrics(ts.reg), logger); err != nil {
		t.Fatal(err)
	}
	if ts.srv, err = wire.NewServer(wire.Config{Handler: ts.gw, Logger: logger}); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	go func() { ts.stopped <- ts.srv.Serve(context.Background(), ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = ts.srv.Shutdown(ctx)
		<-ts.stopped
		if t.Failed() {
			t.Logf("server log (tail):\n%s", tail(ts.log.String(), 4000))
		}
	})
	return ts
}

// testTrinoAsOf reads an Iceberg table under SET sluice.as_of through
// Trino: the forwarded SQL names the snapshot (FOR VERSION AS OF), and the
// rows are the old snapshot's, equal to the local engine's, for an as_of
// by snapshot id and by time.
func testTrinoAsOf(t *testing.T, url, dir string, ice trinoIceberg) {
	// No progress notices, which render would show (see testRoutingToTrino).
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, ProgressInterval: time.Hour, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
			Catalogs: map[string]string{"gold": "hive.gold", "ice": "iceberg.ice_" + runTag}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	ts := startIcebergRoutedServer(t, dir, ice, rt)
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=asof-"+runTag))
	const q = "SELECT count(*), sum(amount), max(order_id) FROM ice.orders"

	current := render(ctx, c, q)
	if !strings.Contains(current, `"20","2100","20"`) {
		t.Fatalf("current snapshot locally: %s", current)
	}
	render(ctx, c, "SET sluice.route = 'etl'")
	if got := render(ctx, c, q); got != current {
		t.Errorf("current snapshot through Trino: %s, local %s", got, current)
	}

	var at time.Time
	for _, as := range []string{fmt.Sprintf("snapshot:%d", ice.first), "time"} {
		if as == "time" {
			// A time between the two commits: the catalog resolves it to
			// the first snapshot for both engines.
			lk, err := ts.lake.Current().Table("ice", "orders")
			if err != nil {
				t.Fatal(err)
			}
			for _, sn := range lk.Snapshots() {
				if sn.ID == ice.first {
					at = sn.At.Add(time.Millisecond)
				}
			}
			if at.IsZero() {
				t.Fatalf("snapshot %d not in the table's history %+v", ice.first, lk.Snapshots())
			}
			as = at.UTC().Format("2006-01-02 15:04:05.000000+00")
		}
		render(ctx, c, fmt.Sprintf("SET sluice.as_of = '%s'", as))
		render(ctx, c, "SET sluice.route = 'local'")
		local := render(ctx, c, q)
		if !strings.Contains(local, `"10","550","10"`) {
			t.Fatalf("as of %s locally: %s", as, local)
		}
		render(ctx, c, "SET sluice.route = 'etl'")
		if got := render(ctx, c, q); got != local {
			t.Errorf("as of %s through Trino: %s, local %s", as, got, local)
		}
		// EXPLAIN shows the clause the run sent.
		explain := render(ctx, c, "EXPLAIN "+q)
		if want := fmt.Sprintf(`orders\" FOR VERSION AS OF %d `, ice.first); !strings.Contains(explain, "Trino SQL: ") || !strings.Contains(explain, want) {
			t.Errorf("EXPLAIN as of %s lacks %q:\n%s", as, want, explain)
		}
	}
	render(ctx, c, "RESET sluice.as_of")
	if explain := render(ctx, c, "EXPLAIN "+q); !strings.Contains(explain, "Trino SQL: ") || strings.Contains(explain, "FOR VERSION AS OF") {
		t.Errorf("EXPLAIN without as_of: %s", explain)
	}
	// Trino ran them with the snapshot named.
	seen := 0
	for _, tq := range trinoQueries(t, url, "alice", "asof-"+runTag) {
		if strings.Contains(tq.Query, fmt.Sprintf("FOR VERSION AS OF %d", ice.first)) {
			seen++
		}
	}
	if seen != 2 {
		t.Errorf("Trino ran %d queries FOR VERSION AS OF %d, want 2", seen, ice.first)
	}
}
