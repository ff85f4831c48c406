package gateway

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/router"
)

// sameAsPostgres runs sql on Sluice and on PostgreSQL and compares the
// column types and values; floats may differ in the last bits (Trino's
// Java and PostgreSQL's C arithmetic round differently), errors must agree
// on SQLSTATE and message.
func sameAsPostgres(t *testing.T, ctx context.Context, sluice, oracle *pgconn.PgConn, sql string) {
	t.Helper()
	type result struct {
		oids []uint32
		rows [][]string
		err  string
	}
	run := func(c *pgconn.PgConn) result {
		var r result
		res := c.ExecParams(ctx, sql, nil, nil, nil, nil).Read()
		if res.Err != nil {
			r.err = errString(res.Err)
			return r
		}
		for _, f := range res.FieldDescriptions {
			r.oids = append(r.oids, f.DataTypeOID)
		}
		for _, row := range res.Rows {
			var out []string
			for _, v := range row {
				if v == nil {
					out = append(out, "NULL")
				} else {
					out = append(out, string(v))
				}
			}
			r.rows = append(r.rows, out)
		}
		return r
	}
	got, want := run(sluice), run(oracle)
	if got.err != want.err || fmt.Sprint(got.oids) != fmt.Sprint(want.oids) || len(got.rows) != len(want.rows) {
		t.Fatalf("%s:\n got %v %v %s\nwant %v %v %s", sql, got.oids, got.rows, got.err, want.oids, want.rows, want.err)
	}
	for i := range got.rows {
		for j := range got.rows[i] {
			g, w := got.rows[i][j], want.rows[i][j]
			if g == w {
				continue
			}
			gf, gerr := strconv.ParseFloat(g, 64)
			wf, werr := strconv.ParseFloat(w, 64)
			if gerr != nil || werr != nil || math.Abs(gf-wf) > 1e-12*math.Max(math.Abs(wf), 1) {
				t.Errorf("%s: row %d column %d: got %s, want %s", sql, i, j, g, w)
			}
		}
	}
}

// testTrinoFunctions: with a tier configured, PostgreSQL functions the
// local engine lacks run on Trino with PostgreSQL's results.
func testTrinoFunctions(t *testing.T, url, dir string) {
	rt, err := router.New(router.Config{HealthInterval: 500 * time.Millisecond, ProgressInterval: time.Hour, Tiers: []router.TierConfig{{
		Name: "etl", Clusters: []router.ClusterConfig{{Name: "trino-1", URL: url,
			Catalogs: map[string]string{"gold": "hive.gold", "silver": "hive.silver"}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	rules := rulesFor(t, `
- name: no-regr-for-bi
  applications: [bi]
  functions: ["regr_*"]
  deny: "regression statistics are for the analysts"
`, "etl")
	ts := startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(engine.New(), rt, rules, "etl", reg)
	})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=functions", "TimeZone=UTC"))
	oracle := connectPG(t, oracleDSN(t))

	stats := "SELECT g, corr(y, x), covar_pop(y, x), covar_samp(y, x), regr_slope(y, x), regr_intercept(y, x), " +
		"regr_count(y, x), regr_avgx(y, x), regr_avgy(y, x), regr_sxx(y, x), regr_syy(y, x), regr_sxy(y, x), regr_r2(y, x), " +
		"regr_count(y, x) FILTER (WHERE y > 1), count(*) " +
		"FROM (VALUES (1, 1.0::float8, 2.0::float8), (1, 2, NULL), (1, NULL, 5), (1, 4, 7), (1, 0.5, 1), (1, -3.25, 1e10), " +
		"(2, 3, 3), (3, 1, 2), (3, 1, 5), (4, 2, 9), (4, 3, 9), (5, NULL, NULL)) t(g, y, x) GROUP BY g ORDER BY g"
	for _, q := range []string{
		stats,
		// Integer and numeric arguments are cast to float8 as in PostgreSQL.
		"SELECT corr(a, b), regr_slope(a, b), covar_samp(a, 2.5) FROM (VALUES (1, 10.5), (2, 19.25), (4, 44.0)) t(a, b)",
		"SELECT corr(y, x) FROM (VALUES (1.0::float8, 2.0::float8)) t(y, x) WHERE false",
		"SELECT i, x, sin(x), cos(x), tan(x), cot(x), atan(x), atan2(x, 2), sinh(x), cosh(x), tanh(x), asin(x / 10), acos(x / 10) " +
			"FROM (VALUES (1, 0.5::float8), (2, -3), (3, 0), (4, NULL), (5, 'NaN'), (6, 1e-300::float8), (7, 'infinity')) t(i, x) WHERE i < 7 ORDER BY i",
		"SELECT atan('infinity'::float8), sinh(1000), cosh(-1000), tanh(1000), cot(0)",
		"SELECT i, regexp_count(s, 'a+'), regexp_count(s, 'an'), regexp_substr(s, '[0-9]+'), regexp_instr(s, 'n'), regexp_instr(s, 'q') " +
			"FROM (VALUES (1, 'banana 42'), (2, 'xyz'), (3, NULL), (4, 'ääna 7 and 8')) t(i, s) ORDER BY i",
		// PostgreSQL's errors, raised on Trino.
		"SELECT sin(x) FROM (VALUES ('infinity'::float8)) t(x)",
		"SELECT asin(x) FROM (VALUES (2::float8)) t(x)",
	} {
		sameAsPostgres(t, ctx, c, oracle, q)
	}
	if n := routedCount(t, ts, "etl", "none", "fallback"); n != 8 {
		t.Errorf("fallbacks counted: %v, want 8", n)
	}

	// The client is told, and EXPLAIN says where and why.
	takeNotices(c)
	got := render(ctx, c, "SELECT round(corr(y, x)::numeric, 6) FROM (VALUES (1, 2), (2, 4.5), (3, 5)) t(y, x)")
	want := strings.Replace(render(ctx, oracle, "SELECT round(corr(y, x)::numeric, 6) FROM (VALUES (1, 2), (2, 4.5), (3, 5)) t(y, x)"), " {I}",
		` [NOTICE 00000 running on Trino tier "etl": function corr runs only on Trino] {I}`, 1)
	if got != want {
		t.Errorf("fallback of corr:\n got %s\nwant %s", got, want)
	}
	explain := render(ctx, c, "EXPLAIN SELECT corr(amount, customer_id) FROM gold.orders")
	for _, w := range []string{"Route: trino tier etl (fallback: function corr runs only on Trino)", "Trino SQL: SELECT", "corr(CAST("} {
		if !strings.Contains(explain, w) {
			t.Errorf("EXPLAIN lacks %q:\n%s", w, explain)
		}
	}

	// A lake table read on Trino: the same rows copied into PostgreSQL
	// give the same statistics.
	var last string
	if r := c.ExecParams(ctx, "SELECT order_id FROM gold.orders ORDER BY order_id LIMIT 1 OFFSET 2999", nil, nil, nil, nil).Read(); r.Err != nil || len(r.Rows) != 1 {
		t.Fatalf("gold.orders: %v", r.Err)
	} else {
		last = string(r.Rows[0][0])
	}
	res := c.ExecParams(ctx, "SELECT status, amount, customer_id, order_id FROM gold.orders WHERE order_id <= "+last, nil, nil, nil, nil).Read()
	if res.Err != nil || len(res.Rows) == 0 {
		t.Fatalf("reading gold.orders: %v %d", res.Err, len(res.Rows))
	}
	var vals []string
	for _, r := range res.Rows {
		vals = append(vals, fmt.Sprintf("('%s', %s::numeric(12,2), %s, %s)", r[0], r[1], r[2], r[3]))
	}
	lakeQ := "SELECT status, corr(amount, customer_id), regr_slope(amount, order_id), regr_count(amount, customer_id), " +
		"max(regexp_substr(status, 'p.')), sum(regexp_count(status, 'e')) FROM %s WHERE order_id <= " + last + " GROUP BY status ORDER BY status"
	oracleQ := fmt.Sprintf(lakeQ, "(VALUES "+strings.Join(vals, ", ")+") o(status, amount, customer_id, order_id)")
	sameAsPostgresPair(t, ctx, c, oracle, fmt.Sprintf(lakeQ, "gold.orders"), oracleQ)

	// Rules see the function names.
	bi := connectPG(t, ts.dsn("alice", "sluice", "application_name=bi"))
	if got := render(ctx, bi, "SELECT regr_slope(amount, customer_id) FROM gold.orders"); !strings.Contains(got, "ERROR 42501 regression statistics are for the analysts") {
		t.Errorf("rule on functions: %s", got)
	}

	// Neither engine can: the error says why.
	if got := render(ctx, c, "SELECT regexp_count(status, 'a') + 1e-300 FROM gold.orders"); !strings.Contains(got,
		"ERROR 0A000 function regexp_count runs only on Trino, and this query cannot run there: numeric value 0.0000") {
		t.Errorf("untranslatable: %s", got)
	}

	// SET sluice.route = 'local': the local engine refuses, naming it.
	render(ctx, c, "SET sluice.route = 'local'")
	if got := render(ctx, c, "SELECT tanh(amount) FROM gold.orders LIMIT 1"); !strings.Contains(got, "ERROR 0A000 function tanh runs only on Trino") {
		t.Errorf("local route: %s", got)
	}
	render(ctx, c, "RESET sluice.route")

	// Without a tier the functions are unknown, as before.
	plain := startRoutedServerAt(t, dir, func(reg prometheus.Registerer) *Routes {
		return NewRoutes(engine.New(), nil, rules, "", reg)
	})
	pc := connectPG(t, plain.dsn("alice", "sluice"))
	for q, w := range map[string]string{
		"SELECT corr(amount, customer_id) FROM gold.orders": "ERROR 42883 function corr(numeric(12,2), integer) does not exist",
		"SELECT sin(1.5::float8)":                           "ERROR 42883 function sin(double precision) does not exist",
	} {
		if got := render(ctx, pc, q); !strings.Contains(got, w) {
			t.Errorf("no tier: %s: %s, want %s", q, got, w)
		}
	}
}

// sameAsPostgresPair is sameAsPostgres with a different text for
// PostgreSQL (the lake's rows inline).
func sameAsPostgresPair(t *testing.T, ctx context.Context, sluice, oracle *pgconn.PgConn, sql, oracleSQL string) {
	t.Helper()
	read := func(c *pgconn.PgConn, q string) ([]string, string) {
		res := c.ExecParams(ctx, q, nil, nil, nil, nil).Read()
		if res.Err != nil {
			return nil, errString(res.Err)
		}
		var out []string
		for _, row := range res.Rows {
			for _, v := range row {
				out = append(out, string(v))
			}
		}
		return out, ""
	}
	got, gerr := read(sluice, sql)
	want, werr := read(oracle, oracleSQL)
	if gerr != "" || werr != "" || len(got) != len(want) {
		t.Fatalf("%s:\n got %v %s\nwant %v %s", sql, got, gerr, want, werr)
	}
	for i := range got {
		if got[i] == want[i] {
			continue
		}
		gf, e1 := strconv.ParseFloat(got[i], 64)
		wf, e2 := strconv.ParseFloat(want[i], 64)
		if e1 != nil || e2 != nil || math.Abs(gf-wf) > 1e-12*math.Max(math.Abs(wf), 1) {
			t.Errorf("%s: value %d: got %s, want %s", sql, i, got[i], want[i])
		}
	}
}
