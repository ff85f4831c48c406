package engine_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestBuildSideJoinsParallel runs joins that emit build rows after their
// probe — semi and anti joins building their (smaller) outer side, outer
// joins building their preserved side — with one worker and with four over
// 300-row row groups, where every worker probes many morsels and marks
// build rows the others also match. Each build row must come out once:
// the results must agree, and the queries must take the plan they test.
func TestBuildSideJoinsParallel(t *testing.T) {
	state := memoryLake(t)
	serial, parallel := engine.New().WithWorkers(1), engine.New().WithWorkers(4)
	for _, tt := range []struct{ sql, plan string }{
		{`SELECT count(*), sum(order_id), min(amount) FROM gold.orders a WHERE a.status = 'paid' AND EXISTS (SELECT 1 FROM gold.orders b WHERE b.order_id = a.customer_id * 300 + a.order_id % 7)`,
			"Semi Join keys="},
		{`SELECT count(*), sum(order_id) FROM gold.orders a WHERE a.status = 'paid' AND NOT EXISTS (SELECT 1 FROM gold.orders b WHERE b.order_id = a.customer_id * 300 + a.order_id % 7)`,
			"Anti Join keys="},
		{`SELECT a.customer_id, count(*) FROM gold.orders a WHERE a.status = 'paid' AND EXISTS (SELECT 1 FROM gold.orders b WHERE b.customer_id = a.customer_id AND b.amount > 900) GROUP BY a.customer_id`,
			"Semi Join keys="},
		{`SELECT a.customer_id, count(*) FROM gold.orders a WHERE a.status = 'paid' AND NOT EXISTS (SELECT 1 FROM gold.orders b WHERE b.customer_id = a.customer_id AND b.order_id <> a.order_id AND b.amount > a.amount * 2) GROUP BY a.customer_id`,
			"Anti Join keys="},
		{`SELECT a.status, count(*) FROM gold.orders a WHERE a.status = 'paid' AND EXISTS (SELECT 1 FROM gold.orders b WHERE b.customer_id = a.customer_id AND b.order_id <> a.order_id AND b.amount > a.amount) GROUP BY a.status`,
			"Semi Join keys="},
		{`SELECT count(*), sum(a.order_id) FROM gold.orders a WHERE a.status = 'paid' AND EXISTS (SELECT 1 FROM gold.orders b WHERE b.customer_id = a.customer_id AND b.order_id % 5 = a.order_id % 5)`,
			"Semi Join keys="},
		{`SELECT count(*), sum(a.order_id) FROM gold.orders a WHERE a.status = 'paid' AND NOT EXISTS (SELECT 1 FROM gold.orders b WHERE b.status = a.status || 'x' AND b.customer_id = a.customer_id)`,
			"Anti Join keys="},
		{`SELECT x.n, count(*) FROM (SELECT a.order_id, count(b.order_id) AS n FROM gold.orders a LEFT JOIN gold.orders b ON b.customer_id = a.order_id AND b.status <> 'paid' WHERE a.order_id <= 100 GROUP BY a.order_id) x GROUP BY x.n`,
			"Left Join keys="},
		{`SELECT count(*), count(b.order_id), sum(a.order_id) FROM gold.orders a LEFT JOIN gold.orders b ON b.order_id = a.customer_id * 400 AND b.amount > 500 WHERE a.status = 'paid'`,
			"Left Join keys="},
		{`SELECT count(*), count(b.order_id) FROM gold.orders b RIGHT JOIN gold.orders a ON b.order_id = a.customer_id * 400 AND b.amount > 500 WHERE a.status = 'paid'`,
			"Right Join keys="},
		{`SELECT count(*), count(a.order_id), count(b.order_id) FROM (SELECT * FROM gold.orders WHERE status = 'paid') a FULL JOIN gold.orders b ON b.order_id = a.customer_id * 400`,
			"Full Join keys="},
		// x NOT IN (subquery): the anti join builds the subquery and
		// runs as a hash join with NOT IN's NULL rules.
		{`SELECT status, count(*), sum(amount) FROM gold.orders WHERE customer_id NOT IN (SELECT order_id FROM gold.orders WHERE amount > 990) GROUP BY status`,
			"Anti Join on=COALESCE"},
		{`SELECT customer_id, count(*) FROM gold.orders WHERE status NOT IN (SELECT status FROM gold.orders WHERE status IS NOT NULL AND amount > 999) GROUP BY customer_id`,
			"Anti Join on=COALESCE"},
		{`SELECT count(*) FROM gold.orders WHERE status NOT IN (SELECT status FROM gold.orders WHERE amount > 900)`,
			"Anti Join on=COALESCE"},
	} {
		// The join named builds the side whose rows it emits: the left
		// one, but for a right join the right one; NOT IN's anti join
		// builds the subquery.
		got := boundPlan(t, state, tt.sql)
		line := ""
		for l := range strings.Lines(got) {
			if strings.Contains(l, tt.plan) {
				line = l
			}
		}
		if line == "" || strings.Contains(line, "build=left") == (strings.HasPrefix(tt.plan, "Right") || strings.Contains(tt.plan, "COALESCE")) {
			t.Fatalf("%s\nwant a %s join that builds the side whose rows it emits:\n%s", tt.sql, tt.plan, got)
		}
		want := collect(t, serial, state, tt.sql)
		if len(want) == 0 || strings.HasPrefix(want[0], "error") {
			t.Fatalf("%s: %v", tt.sql, want)
		}
		for range 4 {
			if got := collect(t, parallel, state, tt.sql); !slices.Equal(got, want) {
				t.Fatalf("%s\nparallel: %v\nserial:   %v", tt.sql, got, want)
			}
		}
	}
}

// boundPlan is sql's plan as EXPLAIN shows it.
func boundPlan(t *testing.T, state *catalog.State, sql string) string {
	t.Helper()
	p := planner.New()
	stmts, err := p.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	bound, err := p.Bind(stmts[0].(*planner.Query), state, testEnv{db: "postgres", settings: pgtype.DefaultSettings()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan.Explain(bound.Root), "\n")
}
