package planner

import (
	"strings"
	"testing"

	"github.com/sluicesql/sluice/wire/pgerr"
)

func TestDecorrelationPlans(t *testing.T) {
	tests := []struct {
		name, sql, plan string
	}{
		{"correlated EXISTS is a semi join on the correlation",
			"SELECT c.name FROM gold.customers c WHERE EXISTS (SELECT 1 FROM gold.orders o WHERE o.customer_id = c.customer_id AND o.amount > 10)", `
Project name#1
  -> Semi Join keys=[customer_id#0 = customer_id#0]
    -> Scan gold.customers [customer_id, name]
    -> Filter (amount#1 > '10'::numeric(38,2))
      -> Scan gold.orders [customer_id, amount]`},
		{"correlated NOT EXISTS is an anti join",
			"SELECT c.name FROM gold.customers c WHERE NOT EXISTS (SELECT 1 FROM gold.orders o WHERE o.customer_id = c.customer_id)", `
Project name#1
  -> Anti Join keys=[customer_id#0 = customer_id#0]
    -> Scan gold.customers [customer_id, name]
    -> Scan gold.orders [customer_id]`},
		{"correlated IN joins on the tested value and the correlation",
			"SELECT c.name FROM gold.customers c WHERE c.customer_id IN (SELECT o.customer_id FROM gold.orders o WHERE o.status = c.country)", `
Project name#1
  -> Semi Join keys=[customer_id#0 = customer_id#0, country#2 = status#1]
    -> Scan gold.customers [customer_id, name, country]
    -> Scan gold.orders [customer_id, status]`},
		{"a correlated scalar aggregate is grouped by the correlation and left-joined; count of no rows is 0",
			"SELECT c.name, (SELECT count(*) FROM gold.orders o WHERE o.customer_id = c.customer_id) FROM gold.customers c", `
Project name#1, COALESCE(count#3, '0'::bigint)
  -> Left Join keys=[customer_id#0 = customer_id#0]
    -> Scan gold.customers [customer_id, name]
    -> Aggregate keys=[customer_id#0] aggs=[count(*)]
      -> Scan gold.orders [customer_id]`},
		{"a correlated scalar lookup is a left join that fails past one match",
			"SELECT o.order_id, (SELECT c.name FROM gold.customers c WHERE c.customer_id = o.customer_id) FROM gold.orders o", `
Project order_id#0, name#3
  -> Left Join keys=[customer_id#1 = customer_id#0] single
    -> Scan gold.orders [order_id, customer_id]
    -> Project customer_id#0, name#1
      -> Scan gold.customers [customer_id, name]`},
		{"an uncorrelated IN conjunct of WHERE is a semi join",
			"SELECT name FROM gold.customers WHERE customer_id IN (SELECT customer_id FROM gold.orders)", `
Project name#1
  -> Semi Join keys=[customer_id#0 = customer_id#0]
    -> Scan gold.customers [customer_id, name]
    -> Project customer_id#0
      -> Scan gold.orders [customer_id]`},
		{"an uncorrelated NOT IN is an anti join on which a NULL comparison matches: a NULL in the subquery excludes every row",
			"SELECT name FROM gold.customers WHERE customer_id NOT IN (SELECT customer_id FROM gold.orders)", `
Project name#1
  -> Anti Join on=COALESCE((customer_id#0 = customer_id#2), 't'::boolean)
    -> Scan gold.customers [customer_id, name]
    -> Project customer_id#0
      -> Scan gold.orders [customer_id]`},
		{"an uncorrelated IN under OR stays an expression",
			"SELECT name FROM gold.customers WHERE customer_id IN (SELECT customer_id FROM gold.orders) OR country = 'FR'", `
Project name#1
  -> Filter (customer_id#0 IN (subquery) OR (country#2 = 'FR'::text))
    -> Scan gold.customers [customer_id, name, country]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := explain(t, tt.sql), strings.TrimPrefix(tt.plan, "\n"); got != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// Correlation more than one level out fails with 0A000, never a wrong
// answer. (Shapes that do not decorrelate run per outer row:
// testdata/sql/correlated.test.)
func TestCorrelatedSubqueriesNotSupported(t *testing.T) {
	for _, sql := range []string{
		"SELECT 1 FROM gold.customers c WHERE EXISTS (SELECT 1 FROM gold.orders o WHERE EXISTS (SELECT 1 FROM gold.orders p WHERE p.order_id = c.customer_id))",
	} {
		p := New()
		stmts, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Bind(stmts[0].(*Query), joinState(), fuzzEnv{}, nil)
		if pgerr.Code(err) != pgerr.FeatureNotSupported {
			t.Errorf("%s: got %v, want SQLSTATE 0A000", sql, err)
		}
	}
}
