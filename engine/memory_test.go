package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// memoryLake writes 20,000 orders as a Parquet lake and opens it.
func memoryLake(t *testing.T) *catalog.State {
	t.Helper()
	dir := t.TempDir()
	writeLake(t, dir, genOrders(20000))
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return lake.Current()
}

// runAll executes sql to the end and returns its row count or error.
func runAll(t *testing.T, eng *engine.Engine, state *catalog.State, sql string) (int, error) {
	t.Helper()
	ctx := context.Background()
	p := planner.New()
	stmts, err := p.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	settings := pgtype.DefaultSettings()
	bound, err := p.Bind(stmts[0].(*planner.Query), state, testEnv{db: "postgres", settings: settings}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := eng.Execute(ctx, bound.Root, nil, engine.WithSettings(settings))
	if err != nil {
		return 0, err
	}
	defer st.Close()
	rows := 0
	for {
		rec, err := st.Next(ctx)
		if err != nil {
			return rows, err
		}
		if rec == nil {
			return rows, nil
		}
		rows += int(rec.NumRows())
		rec.Release()
	}
}

// TestMemoryBudget runs real queries over a real lake under budgets: the
// ones that hold more than the budget (a hash join's build side, a hash
// aggregate's groups, a sort's buffer) fail with 53200 naming the budget
// and its setting; the same queries pass under a budget large enough; and
// every byte is back in the server's account when the queries end.
func TestMemoryBudget(t *testing.T) {
	state := memoryLake(t)
	queries := map[string]string{
		"hash join's table":  "SELECT count(*) FROM gold.orders a JOIN gold.orders b ON a.order_id = b.order_id + 1",
		"aggregate's groups": "SELECT order_id, count(*) FROM gold.orders GROUP BY order_id",
		"sorting":            "SELECT * FROM gold.orders ORDER BY amount, order_id",
	}
	for doing, sql := range queries {
		small := engine.New().WithMemoryLimits(engine.MemoryLimits{PerQuery: 256 << 10})
		_, err := runAll(t, small, state, sql)
		e := pgerr.Convert(err)
		if err == nil || e.Code != pgerr.OutOfMemory {
			t.Fatalf("%s under 256 kB: err %v, want SQLSTATE 53200", sql, err)
		}
		for _, want := range []string{"256 kB", "engine.memory_per_query", doing} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("%s: message %q does not name %q", sql, e.Message, want)
			}
		}
		if n := small.InUse(); n != 0 {
			t.Errorf("%s: %d bytes still accounted after the failed query closed", sql, n)
		}

		large := engine.New().WithMemoryLimits(engine.MemoryLimits{PerQuery: 512 << 20, Total: 1 << 30})
		rows, err := runAll(t, large, state, sql)
		if err != nil {
			t.Fatalf("%s under 512 MB: %v", sql, err)
		}
		if rows == 0 {
			t.Fatalf("%s: no rows", sql)
		}
		if n := large.InUse(); n != 0 {
			t.Errorf("%s: %d bytes still accounted after the query closed", sql, n)
		}
	}

	// The server's budget is shared: a query that fits its own budget
	// fails when the server's total is smaller.
	tight := engine.New().WithMemoryLimits(engine.MemoryLimits{PerQuery: 512 << 20, Total: 256 << 10})
	_, err := runAll(t, tight, state, queries["sorting"])
	if e := pgerr.Convert(err); err == nil || e.Code != pgerr.OutOfMemory || !strings.Contains(e.Message, "engine.memory_total") {
		t.Fatalf("sort under a 256 kB server budget: %v, want 53200 naming engine.memory_total", err)
	}
}
