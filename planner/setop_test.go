package planner

import (
	"strings"
	"testing"
)

func TestSetOpPlans(t *testing.T) {
	tests := []struct {
		name, sql, plan string
	}{
		{"inputs of different types are cast to the common type below the set operation",
			"SELECT customer_id FROM gold.customers UNION SELECT order_id FROM gold.orders ORDER BY 1 LIMIT 3", `
Limit count='3'::bigint
  -> Sort customer_id#0
    -> Project customer_id#0
      -> Union
        -> Project customer_id#0::bigint
          -> Project customer_id#0
            -> Scan gold.customers [customer_id]
        -> Project order_id#0
          -> Scan gold.orders [order_id]`},
		{"UNION ALL inputs read only the columns used above",
			"SELECT count(*) FROM (SELECT * FROM gold.customers UNION ALL SELECT * FROM gold.customers) u WHERE country = 'FR'", `
Project count#0
  -> Aggregate keys=[] aggs=[count(*)]
    -> Project 
      -> Filter (country#0 = 'FR'::text)
        -> Union All
          -> Project country#0
            -> Scan gold.customers [country]
          -> Project country#0
            -> Scan gold.customers [country]`},
		{"a WITH query is planned where it is read",
			"WITH fr AS (SELECT customer_id FROM gold.customers WHERE country = 'FR') SELECT count(*) FROM fr", `
Project count#0
  -> Aggregate keys=[] aggs=[count(*)]
    -> Project 
      -> Filter (country#0 = 'FR'::text)
        -> Scan gold.customers [country]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := explain(t, tt.sql), strings.TrimPrefix(tt.plan, "\n"); got != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
