package planner

import (
	"strings"
	"testing"
)

// A scalar subquery whose FROM items only the outer row joins stays
// correlated (each input filtered on its own constant per outer value);
// one whose FROM items a condition of their own connects is still
// decorrelated into a left join.
func TestCrossKeysStayCorrelated(t *testing.T) {
	for _, tt := range []struct {
		name, sql  string
		correlated bool
	}{
		{"FROM list joined only through the outer row (psql's collation subquery)",
			"SELECT o.order_id, (SELECT k.name FROM gold.customers k, gold.orders o2 WHERE k.customer_id = o.customer_id AND o2.order_id = o.order_id AND o.status <> o2.status) FROM gold.orders o", true},
		{"JOIN ON true joined only through the outer row",
			"SELECT o.order_id, (SELECT k.name FROM gold.customers k JOIN gold.orders o2 ON true WHERE k.customer_id = o.customer_id AND o2.order_id = o.order_id) FROM gold.orders o", true},
		{"three inputs, two connected and one only through the outer row",
			"SELECT o.order_id, (SELECT k.name FROM gold.customers k, gold.orders o2, gold.customers k2 WHERE k.customer_id = o2.customer_id AND o2.order_id = o.order_id AND k2.customer_id = o.customer_id) FROM gold.orders o", true},
		{"FROM list connected by its own condition",
			"SELECT o.order_id, (SELECT k.name FROM gold.customers k, gold.orders o2 WHERE k.customer_id = o2.customer_id AND o2.order_id = o.order_id) FROM gold.orders o", false},
		{"JOIN ON connected",
			"SELECT o.order_id, (SELECT k.name FROM gold.customers k JOIN gold.orders o2 ON k.customer_id = o2.customer_id WHERE o2.order_id = o.order_id) FROM gold.orders o", false},
		{"one input",
			"SELECT o.order_id, (SELECT k.name FROM gold.customers k WHERE k.customer_id = o.customer_id) FROM gold.orders o", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := explain(t, tt.sql)
			if strings.Contains(got, "(subquery)") != tt.correlated || strings.Contains(got, "single") == tt.correlated {
				t.Fatalf("correlated %v, plan:\n%s", tt.correlated, got)
			}
		})
	}
}
