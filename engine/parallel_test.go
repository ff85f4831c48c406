package engine_test

import (
	"slices"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
)

// TestParallelMatchesSerial runs aggregates over pipelines of scans,
// filters and join probes with four workers and with one, over a lake of
// 300-row row groups (so every worker takes many morsels), and wants the
// same rows (in any order: none of the queries orders them) or the same
// error.
func TestParallelMatchesSerial(t *testing.T) {
	state := memoryLake(t)
	serial, parallel := engine.New().WithWorkers(1), engine.New().WithWorkers(4)
	for _, sql := range []string{
		`SELECT status, count(*), count(status), sum(amount), avg(amount), min(amount), max(amount) FROM gold.orders GROUP BY status`,
		`SELECT customer_id, dt, count(*), sum(order_id), avg(customer_id) FROM gold.orders WHERE amount > 100 GROUP BY customer_id, dt`,
		`SELECT order_id % 1000, sum(amount * 2) FROM gold.orders GROUP BY 1`,
		`SELECT customer_id, order_id % 4, count(*), sum(amount), max(order_id) FROM gold.orders GROUP BY 1, 2`,
		`SELECT status, bool_and(amount > 10), bool_or(amount > 900), max(created_at), min(status), sum(amount) FILTER (WHERE customer_id < 20) FROM gold.orders GROUP BY status`,
		`SELECT count(*), sum(amount), max(amount) FROM gold.orders WHERE amount > 999999999`,
		`SELECT count(*), sum(amount) FROM gold.orders`,
		`SELECT a.status, count(*), sum(b.amount), min(b.order_id) FROM gold.orders a JOIN gold.orders b ON a.customer_id = b.order_id WHERE a.amount > 50 GROUP BY a.status`,
		`SELECT a.dt, count(*), sum(b.amount) FROM gold.orders a LEFT JOIN gold.orders b ON a.customer_id = b.order_id AND b.amount > 500 GROUP BY a.dt`,
		`SELECT count(*), sum(amount) FROM gold.orders a WHERE a.customer_id IN (SELECT order_id FROM gold.orders WHERE amount > 500)`,
		`SELECT count(*) FROM gold.orders a WHERE NOT EXISTS (SELECT 1 FROM gold.orders b WHERE b.order_id = a.customer_id AND b.amount > 500)`,
		`SELECT status, sum(order_id * 4611686018427387904) FROM gold.orders GROUP BY status`,
	} {
		want := collect(t, serial, state, sql)
		for range 3 {
			if got := collect(t, parallel, state, sql); !slices.Equal(got, want) {
				t.Errorf("%s\nparallel: %v\nserial:   %v", sql, got, want)
				break
			}
		}
	}
}

// collect runs sql and returns its rows as text, sorted, or its error's
// SQLSTATE.
func collect(t *testing.T, eng *engine.Engine, state *catalog.State, sql string) []string {
	t.Helper()
	rows := collectOrdered(t, eng, state, sql)
	slices.Sort(rows)
	return rows
}

// TestTypedGroupsMeetDatumPath mixes, in one aggregate, batches of the
// typed path (integer keys found in the integer tables, not by key bytes)
// and batches the Datum path takes (a numeric product that leaves int64 past
// order_id 9223): both must land in the same groups, as the Datum path
// alone computes them (bool_and keeps that query off the typed path).
func TestTypedGroupsMeetDatumPath(t *testing.T) {
	state := memoryLake(t)
	for _, workers := range []int{1, 3} {
		eng := engine.New().WithWorkers(workers)
		for _, keys := range []string{"customer_id", "customer_id, order_id % 3"} {
			typed := collect(t, eng, state, `SELECT `+keys+`, sum(order_id::numeric * 1000000000000000), count(*), min(order_id) FROM gold.orders GROUP BY `+keys)
			datum := collect(t, eng, state, `SELECT `+keys+`, sum(order_id::numeric * 1000000000000000), count(*), min(order_id), bool_and(true) FROM gold.orders GROUP BY `+keys)
			if len(typed) < 60 || len(typed) != len(datum) {
				t.Fatalf("workers %d, keys %s: %d groups, Datum path %d", workers, keys, len(typed), len(datum))
			}
			for i := range typed {
				if typed[i]+"|t" != datum[i] {
					t.Fatalf("workers %d, keys %s: %s, Datum path %s", workers, keys, typed[i], datum[i])
				}
			}
		}
	}
}
