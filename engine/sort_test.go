package engine_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestParallelSortMatchesSerial sorts over pipelines of scans, filters
// and join probes with four workers and with one, over a lake of 300-row
// row groups (so every worker sorts many morsels and the merge interleaves
// them), and wants the same rows in the same order: also where ORDER BY
// leaves ties (the merge orders them by scan batch, as one core's stable
// sort does), under LIMIT and OFFSET (a top-N per worker), with NULLS
// FIRST/LAST, DESC, text, float, numeric and timestamp keys.
func TestParallelSortMatchesSerial(t *testing.T) {
	state := memoryLake(t)
	serial, parallel := engine.New().WithWorkers(1), engine.New().WithWorkers(4)
	for _, sql := range []string{
		`SELECT order_id, amount FROM gold.orders ORDER BY amount, order_id`,
		`SELECT order_id, status FROM gold.orders ORDER BY status`,
		`SELECT order_id, status FROM gold.orders ORDER BY status DESC`,
		`SELECT order_id, status FROM gold.orders ORDER BY status NULLS FIRST, amount DESC`,
		`SELECT order_id, status FROM gold.orders ORDER BY status DESC NULLS LAST, customer_id`,
		`SELECT * FROM gold.orders WHERE amount > 500 ORDER BY customer_id, created_at DESC`,
		`SELECT order_id, amount::float8 / 3 AS f FROM gold.orders ORDER BY 2 DESC, 1`,
		`SELECT order_id, amount * 1.5 AS n FROM gold.orders ORDER BY n, order_id DESC`,
		`SELECT order_id, lower(status) AS s, dt FROM gold.orders WHERE customer_id % 7 = 3 ORDER BY dt DESC, s`,
		`SELECT order_id FROM gold.orders ORDER BY created_at LIMIT 10`,
		`SELECT order_id, status FROM gold.orders ORDER BY status LIMIT 25 OFFSET 1000`,
		`SELECT order_id, amount FROM gold.orders ORDER BY amount DESC LIMIT 3000`,
		`SELECT order_id, status FROM gold.orders ORDER BY status NULLS FIRST LIMIT 40`,
		`SELECT order_id, customer_id FROM gold.orders ORDER BY customer_id LIMIT 100000`,
		`SELECT order_id FROM gold.orders WHERE amount > 999999999 ORDER BY order_id LIMIT 5`,
		`SELECT a.order_id, b.amount FROM gold.orders a JOIN gold.orders b ON a.customer_id = b.order_id ORDER BY b.amount DESC, a.order_id`,
		`SELECT a.order_id, b.status FROM gold.orders a JOIN gold.orders b ON a.customer_id = b.order_id ORDER BY b.status LIMIT 50`,
		`SELECT a.order_id, b.order_id FROM gold.orders a LEFT JOIN gold.orders b ON a.customer_id = b.order_id AND b.amount > 500 ORDER BY b.order_id NULLS FIRST, a.amount`,
		`SELECT order_id FROM gold.orders ORDER BY order_id / 0`,
	} {
		want := collectOrdered(t, serial, state, sql)
		for range 3 {
			if got := collectOrdered(t, parallel, state, sql); !slices.Equal(got, want) {
				t.Errorf("%s\nparallel: %v\nserial:   %v", sql, head(got), head(want))
				for i := range min(len(got), len(want)) {
					if got[i] != want[i] {
						t.Errorf("first difference at row %d: %s, serial %s", i, got[i], want[i])
						break
					}
				}
				break
			}
		}
	}
	if n := parallel.InUse(); n != 0 {
		t.Errorf("%d bytes still accounted after the sorts closed", n)
	}
}

// TestTopNMemory: a LIMIT over a sort holds only the rows that can still
// be in its result, so it runs under a budget the whole sort exceeds
// (which fails with 53200 naming the budget, on one worker and on four),
// and every reserved byte is returned.
func TestTopNMemory(t *testing.T) {
	state := memoryLake(t)
	for _, workers := range []int{1, 4} {
		eng := engine.New().WithWorkers(workers).WithMemoryLimits(engine.MemoryLimits{PerQuery: 1 << 20})
		_, err := runAll(t, eng, state, `SELECT * FROM gold.orders ORDER BY amount DESC, order_id`)
		if e := pgerr.Convert(err); err == nil || e.Code != pgerr.OutOfMemory || !strings.Contains(e.Message, "1 MB") || !strings.Contains(e.Message, "sorting") {
			t.Fatalf("%d workers: the whole sort under 1 MB: %v, want 53200 naming the budget", workers, err)
		}
		rows, err := runAll(t, eng, state, `SELECT * FROM gold.orders ORDER BY amount DESC, order_id LIMIT 10`)
		if err != nil || rows != 10 {
			t.Fatalf("%d workers: top 10 under 1 MB: %d rows, %v", workers, rows, err)
		}
		if n := eng.InUse(); n != 0 {
			t.Errorf("%d workers: %d bytes still accounted", workers, n)
		}
	}
}

// collectOrdered runs sql and returns its rows as text in the order they
// came, or its error's SQLSTATE.
func collectOrdered(t *testing.T, eng *engine.Engine, state *catalog.State, sql string) []string {
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
		return []string{"error " + pgerr.Convert(err).Code}
	}
	defer st.Close()
	var rows []string
	for {
		b, err := st.Next(ctx)
		if err != nil {
			return []string{"error " + pgerr.Convert(err).Code}
		}
		if b == nil {
			break
		}
		for r := 0; r < int(b.NumRows()); r++ {
			var fields []string
			for c := 0; c < int(b.NumCols()); c++ {
				d := pgtype.DatumAt(bound.Columns[c].Type, b.Column(c), r)
				if d == nil {
					fields = append(fields, "NULL")
					continue
				}
				txt, err := pgtype.AppendText(nil, bound.Columns[c].Type, d, settings)
				if err != nil {
					t.Fatal(err)
				}
				fields = append(fields, string(txt))
			}
			rows = append(rows, strings.Join(fields, "|"))
		}
		b.Release()
	}
	return rows
}

// TestWindowMemory: a window holds its input, each specification's sorted
// layout and each call's values on the query's budget: over more rows than
// the budget allows it fails with 53200 naming the budget and the window,
// under a large enough one it returns every row, and either way every
// byte is back when the query ends.
func TestWindowMemory(t *testing.T) {
	state := memoryLake(t)
	sql := `SELECT order_id, row_number() OVER (ORDER BY amount DESC, order_id), sum(customer_id) OVER (PARTITION BY status ORDER BY order_id), lag(status) OVER (PARTITION BY dt ORDER BY created_at) FROM gold.orders`
	small := engine.New().WithMemoryLimits(engine.MemoryLimits{PerQuery: 1 << 20})
	_, err := runAll(t, small, state, sql)
	e := pgerr.Convert(err)
	if err == nil || e.Code != pgerr.OutOfMemory {
		t.Fatalf("window under 1 MB: %v, want 53200", err)
	}
	for _, want := range []string{"1 MB", "engine.memory_per_query", "window"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not name %q", e.Message, want)
		}
	}
	if n := small.InUse(); n != 0 {
		t.Errorf("%d bytes still accounted after the failed window", n)
	}
	large := engine.New().WithMemoryLimits(engine.MemoryLimits{PerQuery: 256 << 20})
	rows, err := runAll(t, large, state, sql)
	if err != nil || rows != 20000 {
		t.Fatalf("window under 256 MB: %d rows, %v", rows, err)
	}
	if n := large.InUse(); n != 0 {
		t.Errorf("%d bytes still accounted after the window", n)
	}
}
