package engine_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// TestHeldBatchesSurviveRecycling keeps every batch a query returns until
// the query has ended and only then reads them, on an engine that pools
// buffers from 64 bytes and poisons each one released: had an operator
// released a buffer its output batch still uses, later batches would have
// been built in it (or it would hold poison) and the rows would differ from
// those read batch by batch as they come.
func TestHeldBatchesSurviveRecycling(t *testing.T) {
	state := memoryLake(t)
	ctx := context.Background()
	p := planner.New()
	settings := pgtype.DefaultSettings()
	for _, workers := range []int{1, 3} {
		eng := engine.PoisonFreedBuffers(engine.New().WithWorkers(workers))
		for i, sql := range []string{
			`SELECT order_id, status, amount, created_at FROM gold.orders`,
			`SELECT order_id, status, amount * 2 FROM gold.orders WHERE amount > 300 AND status <> 'shipped'`,
			`SELECT order_id, status FROM gold.orders WHERE order_id % 7 = 0`,
			`SELECT a.order_id, b.status, b.amount FROM gold.orders a JOIN gold.orders b ON a.customer_id = b.order_id WHERE a.amount > 50`,
			`SELECT status, customer_id, count(*), sum(amount) FROM gold.orders GROUP BY status, customer_id`,
			`SELECT order_id, status FROM gold.orders ORDER BY amount DESC, order_id LIMIT 5000`,
		} {
			want := collect(t, eng, state, sql)
			stmts, err := p.Parse(sql)
			if err != nil {
				t.Fatal(err)
			}
			bound, err := p.Bind(stmts[0].(*planner.Query), state, testEnv{db: "postgres", settings: settings}, nil)
			if err != nil {
				t.Fatal(err)
			}
			st, err := eng.Execute(ctx, bound.Root, nil, engine.WithSettings(settings))
			if err != nil {
				t.Fatal(err)
			}
			var held []arrow.RecordBatch
			for {
				b, err := st.Next(ctx)
				if err != nil {
					t.Fatalf("%s: %v", sql, err)
				}
				if b == nil {
					break
				}
				held = append(held, b)
			}
			st.Close()
			if i == 0 && len(held) < 2 { // the plain scan
				t.Fatalf("%s: %d rows in %d batches; the test needs several", sql, len(want), len(held))
			}
			var got []string
			for _, b := range held {
				for r := range int(b.NumRows()) {
					var fields []string
					for c := range int(b.NumCols()) {
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
					got = append(got, strings.Join(fields, "|"))
				}
				b.Release()
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: %d rows held differ from %d read as they came", sql, len(got), len(want))
			}
		}
	}
}
