package planner

import (
	"strings"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
)

func TestPruneColumns(t *testing.T) {
	tests := []struct {
		sql  string
		plan string
	}{
		{"SELECT count(*) FROM gold.orders", `
Project count#0
  -> Aggregate keys=[] aggs=[count(*)]
    -> Scan gold.orders []`},
		{"SELECT status FROM gold.orders WHERE amount > 10 ORDER BY order_id", `
Project status#0
  -> Sort ?sort?#1
    -> Project status#1, order_id#0
      -> Filter (amount#2 > '10'::numeric(38,2))
        -> Scan gold.orders [order_id, status, amount]`},
		{"SELECT dt, sum(amount) FILTER (WHERE status = 'paid') FROM gold.orders GROUP BY dt", `
Project dt#0, sum#1
  -> Aggregate keys=[dt#2] aggs=[sum(amount#1) FILTER (WHERE (status#0 = 'paid'::text))]
    -> Scan gold.orders [status, amount, dt]`},
		{"SELECT n FROM (SELECT customer_id AS n, status FROM gold.orders) s LIMIT 1", `
Project n#0
  -> Project customer_id#0
    -> Limit count='1'::bigint
      -> Scan gold.orders [customer_id]`},
	}
	p := New()
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			stmts, err := p.Parse(tt.sql)
			if err != nil {
				t.Fatal(err)
			}
			b, err := p.Bind(stmts[0].(*Query), fuzzState(), fuzzEnv{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(plan.Explain(b.Root), "\n")
			if want := strings.TrimPrefix(tt.plan, "\n"); got != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
