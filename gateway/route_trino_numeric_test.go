package gateway

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/router"
)

// testTrinoNumericText: numeric quotients (numeric / numeric, avg of
// integers and numerics) forwarded to Trino reach the client as the text
// PostgreSQL prints, byte for byte — PostgreSQL chooses each quotient's
// scale per value, which Trino's decimal types cannot (planner.TrinoExact).
func testTrinoNumericText(t *testing.T, url, dir string) {
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, ProgressInterval: time.Hour, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
			Catalogs: map[string]string{"gold": "hive.gold", "silver": "hive.silver"}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	ts := startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(engine.New(), rt, nil, "", reg)
	})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "TimeZone=UTC"))
	oracle := connectPG(t, oracleDSN(t))
	if got := render(ctx, c, "SET sluice.route = 'etl'"); !strings.Contains(got, "SET") {
		t.Fatalf("SET sluice.route: %s", got)
	}

	// Groups of several scales and magnitudes: tiny, huge, negative, NULL,
	// a group whose values are all NULL, one row, repeating quotients.
	rows := "(1, 1.5, 0.000000001, 7, 9000000000000000000), (1, 2.25, 0.000000002, 8, 9000000000000000000), " +
		"(1, -0.75, 0.000000004, 9, 1), (2, 123456789012345678901.5, -3.5, -1, -5), (2, 123456789012345678903.5, NULL, -2, -6), " +
		"(3, NULL, NULL, NULL, NULL), (4, 10, 0.3, 1, 1), (4, 20, 0.3, 1, 2), (4, 20, 0.4, 1, 2), " +
		"(5, -1, -0.000001, 0, 0), (6, 0, 0, 0, 0)"
	typed := "SELECT g, x::numeric(30, 2) AS x, y::numeric(20, 12) AS y, i::int4 AS i, b::int8 AS b FROM (VALUES " + rows + ") v(g, x, y, i, b)"
	queries := []string{
		"SELECT g, avg(x), avg(y), avg(i), avg(b), count(*) FROM (" + typed + ") t GROUP BY g ORDER BY g",
		// Under other projections, in a sort key, and FILTERed to nothing.
		"SELECT g, round(avg(x), 3), avg(y) * 2, -avg(i), avg(x) FILTER (WHERE x > 1e30), coalesce(avg(b), 0) FROM (" + typed + ") t GROUP BY g ORDER BY avg(y) DESC NULLS LAST, g",
		"SELECT avg(x), avg(i) FROM (" + typed + ") t WHERE false",
		// Division of aggregates, of columns and of a column by a constant.
		"SELECT g, sum(x) / count(x), sum(y) / sum(x), sum(x) / 7.0 FROM (" + typed + ") t WHERE g <> 6 GROUP BY g ORDER BY g",
		"SELECT g, i, x / y, y / x, x / 3, 1 / y FROM (" + typed + ") t WHERE y <> 0 ORDER BY g, i",
		"SELECT g, CASE WHEN y > 0 THEN x / y ELSE y / 3 END FROM (" + typed + ") t WHERE g IN (1, 2, 4) ORDER BY g, x",
	}
	// Division by zero: PostgreSQL's 22012, raised by the local division
	// (PostgreSQL has sent the row description by then, Sluice not yet:
	// the error is compared, not where it falls).
	failing := []string{
		"SELECT g, x / y FROM (" + typed + ") t WHERE g = 6",
		"SELECT g, sum(x) / sum(y) FROM (" + typed + ") t GROUP BY g HAVING g = 6",
	}
	before := routedCount(t, ts, "etl", "none", "forwarded")
	for _, q := range queries {
		got, want := render(ctx, c, q), render(ctx, oracle, q)
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", q, got, want)
		}
	}
	for _, q := range failing {
		const e = "ERROR 22012 division by zero"
		if got, want := render(ctx, c, q), render(ctx, oracle, q); !strings.Contains(want, e) || !strings.Contains(got, e) {
			t.Errorf("%s:\n got %s\nwant %s", q, got, want)
		}
	}
	if n := routedCount(t, ts, "etl", "none", "forwarded") - before; n != float64(len(queries)+len(failing)) {
		t.Errorf("%v queries forwarded to Trino, want %d", n, len(queries)+len(failing))
	}

	// A lake table: the same rows copied into PostgreSQL give the same text.
	res := c.ExecParams(ctx, "SELECT status, amount, customer_id FROM gold.orders ORDER BY order_id LIMIT 2000", nil, nil, nil, nil).Read()
	if res.Err != nil || len(res.Rows) == 0 {
		t.Fatalf("reading gold.orders: %v %d", res.Err, len(res.Rows))
	}
	var vals []string
	for _, r := range res.Rows {
		vals = append(vals, fmt.Sprintf("('%s', %s::numeric(12,2), %s)", r[0], r[1], r[2]))
	}
	lakeQ := "SELECT status, avg(amount), sum(amount) / sum(customer_id), avg(customer_id) FROM %s GROUP BY status ORDER BY status"
	sub := "(SELECT * FROM gold.orders ORDER BY order_id LIMIT 2000) o"
	got := render(ctx, c, fmt.Sprintf(lakeQ, sub))
	want := render(ctx, oracle, fmt.Sprintf(lakeQ, "(VALUES "+strings.Join(vals, ", ")+") o(status, amount, customer_id)"))
	if got != want {
		t.Errorf("gold.orders:\n got %s\nwant %s", got, want)
	}
}
