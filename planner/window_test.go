package planner

import (
	"strings"
	"testing"
)

// Window and set-returning function nodes stop the optimizer's rules, so
// the binder prunes and optimizes their input itself: a window over a
// table reads only the columns the query uses.
func TestExtendedNodesPruneTheirInput(t *testing.T) {
	tests := []struct{ name, sql, plan string }{
		{"window", "SELECT order_id, row_number() OVER (PARTITION BY customer_id ORDER BY order_id) FROM gold.orders WHERE status = 'paid'", `
Project order_id#0, row_number#2
  -> Window row_number() OVER (PARTITION BY customer_id#1 ORDER BY order_id#0)
    -> Project order_id#0, customer_id#1
      -> Filter (status#2 = 'paid'::text)
        -> Scan gold.orders [order_id, customer_id, status]`},
		{"srf", "SELECT customer_id, generate_series(1, customer_id) FROM gold.customers", `
Project customer_id#0, generate_series#1
  -> ProjectSet generate_series('1'::integer, customer_id#0)
    -> Project customer_id#0
      -> Scan gold.customers [customer_id]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := explain(t, tt.sql); got != strings.TrimPrefix(tt.plan, "\n") {
				t.Fatalf("plan:\n%s\nwant:\n%s", got, tt.plan)
			}
		})
	}
}
