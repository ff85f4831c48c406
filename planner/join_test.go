package planner

import (
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// joinState is fuzzState's gold.orders (row count unknown) beside a small
// gold.customers whose lake row count is known.
func joinState() *catalog.State {
	st := fuzzState()
	orders := *st.Schemas[0].Tables[0]
	orders.RowCount = -1
	customers := &catalog.Table{Schema: "gold", Name: "customers", OID: 16501, RowCount: 80, Columns: []catalog.Column{
		{Name: "customer_id", Type: pgtype.Int4},
		{Name: "name", Type: pgtype.Text},
		{Name: "country", Type: pgtype.Text},
	}}
	big := &catalog.Table{Schema: "gold", Name: "events", OID: 16502, RowCount: 1000000, Columns: []catalog.Column{
		{Name: "customer_id", Type: pgtype.Int4},
		{Name: "kind", Type: pgtype.Text},
	}}
	st.Schemas[0].Tables = []*catalog.Table{customers, big, &orders}
	return st
}

func explain(t *testing.T, sql string) string {
	t.Helper()
	p := New()
	stmts, err := p.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Bind(stmts[0].(*Query), joinState(), fuzzEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan.Explain(b.Root), "\n")
}

func TestJoinPlans(t *testing.T) {
	tests := []struct {
		name, sql, plan string
	}{
		{"comma join becomes a keyed join; each side reads only its columns",
			"SELECT c.name, o.amount FROM gold.orders o, gold.customers c WHERE o.customer_id = c.customer_id", `
Project name#3, amount#1
  -> Inner Join keys=[customer_id#0 = customer_id#0]
    -> Scan gold.orders [customer_id, amount]
    -> Scan gold.customers [customer_id, name]`},
		{"single-side WHERE conjuncts go below an inner join",
			"SELECT o.order_id FROM gold.orders o JOIN gold.customers c ON o.customer_id = c.customer_id WHERE c.country = 'FR' AND o.amount > 10 AND o.order_id < c.customer_id", `
Project order_id#0
  -> Inner Join keys=[customer_id#1 = customer_id#0] on=(order_id#0 < customer_id#3::bigint)
    -> Filter (amount#2 > '10'::numeric(38,2))
      -> Scan gold.orders [order_id, customer_id, amount]
    -> Filter (country#1 = 'FR'::text)
      -> Scan gold.customers [customer_id, country]`},
		{"a WHERE conjunct on the nullable side of a left join stays above it",
			"SELECT o.order_id FROM gold.orders o LEFT JOIN gold.customers c ON o.customer_id = c.customer_id AND c.country = 'FR' WHERE c.name IS NULL AND o.status = 'paid'", `
Project order_id#0
  -> Filter name#4 IS NULL
    -> Left Join keys=[customer_id#1 = customer_id#0]
      -> Filter (status#2 = 'paid'::text)
        -> Scan gold.orders [order_id, customer_id, status]
      -> Filter (country#2 = 'FR'::text)
        -> Scan gold.customers [customer_id, name, country]`},
		{"the smaller side by lake row count is built",
			"SELECT e.kind FROM gold.customers c JOIN gold.events e USING (customer_id)", `
Project kind#0
  -> Project kind#2
    -> Inner Join keys=[customer_id#0 = customer_id#0] build=left
      -> Scan gold.customers [customer_id]
      -> Scan gold.events [customer_id, kind]`},
		{"a non-equi condition is a nested-loop join",
			"SELECT count(*) FROM gold.customers a JOIN gold.customers b ON a.customer_id < b.customer_id", `
Project count#0
  -> Aggregate keys=[] aggs=[count(*)]
    -> Inner Join on=(customer_id#0 < customer_id#1)
      -> Scan gold.customers [customer_id]
      -> Scan gold.customers [customer_id]`},
		{"WHERE reaches through JOIN USING's merging projection to both sides",
			"SELECT c.name FROM gold.customers c JOIN gold.orders o USING (customer_id) WHERE o.status = 'paid' AND customer_id < 5", `
Project name#0
  -> Project name#1
    -> Inner Join keys=[customer_id#0 = customer_id#0]
      -> Filter (customer_id#0 < '5'::integer)
        -> Scan gold.customers [customer_id, name]
      -> Filter (status#1 = 'paid'::text)
        -> Scan gold.orders [customer_id, status]`},
		{"conjuncts common to every branch of an OR become keys and pushed filters (TPC-H Q19)",
			"SELECT count(*) FROM gold.orders o, gold.customers c WHERE (o.customer_id = c.customer_id AND c.country = 'FR' AND o.amount > 5) OR (o.customer_id = c.customer_id AND c.country = 'DE' AND o.amount > 5)", `
Project count#0
  -> Aggregate keys=[] aggs=[count(*)]
    -> Inner Join keys=[customer_id#0 = customer_id#0] on=(((customer_id#0 = customer_id#2) AND (country#3 = 'FR'::text) AND (amount#1 > '5'::numeric(38,2))) OR ((customer_id#0 = customer_id#2) AND (country#3 = 'DE'::text) AND (amount#1 > '5'::numeric(38,2))))
      -> Filter (amount#1 > '5'::numeric(38,2))
        -> Scan gold.orders [customer_id, amount]
      -> Scan gold.customers [customer_id, country]`},
		{"a FROM list joins each table on a condition rather than in a product",
			"SELECT c.name, e.kind, o.order_id FROM gold.customers c, gold.events e, gold.orders o WHERE o.customer_id = c.customer_id AND e.customer_id = o.customer_id AND o.amount > 1", `
Project name#0, kind#1, order_id#2
  -> Project name#1, kind#6, order_id#2
    -> Inner Join keys=[customer_id#3 = customer_id#0]
      -> Inner Join keys=[customer_id#0 = customer_id#1]
        -> Scan gold.customers [customer_id, name]
        -> Filter (amount#2 > '1'::numeric(38,2))
          -> Scan gold.orders [order_id, customer_id, amount]
      -> Scan gold.events [customer_id, kind]`},
		{"a FROM list under a decorrelated subquery's join is still ordered on conditions (TPC-H Q2)",
			"SELECT c.name FROM gold.customers c, gold.events e, gold.orders o WHERE o.customer_id = c.customer_id AND e.customer_id = o.customer_id AND o.amount = (SELECT max(o2.amount) FROM gold.orders o2 WHERE o2.customer_id = c.customer_id)", `
Project name#1
  -> Filter (amount#2 = max#4)
    -> Left Join keys=[customer_id#0 = customer_id#0]
      -> Project customer_id#0, name#1, amount#3
        -> Inner Join keys=[customer_id#2 = customer_id#0]
          -> Inner Join keys=[customer_id#0 = customer_id#0]
            -> Scan gold.customers [customer_id, name]
            -> Scan gold.orders [customer_id, amount]
          -> Scan gold.events [customer_id]
      -> Aggregate keys=[customer_id#0] aggs=[max(amount#1)]
        -> Scan gold.orders [customer_id, amount]`},
		{"every WHERE conjunct reaches the FROM list under the semi and anti joins of decorrelated EXISTS and NOT EXISTS (TPC-H Q21)",
			"SELECT c.name FROM gold.customers c, gold.events e, gold.orders o WHERE c.customer_id = e.customer_id AND o.customer_id = c.customer_id AND o.status = 'open' AND c.country = 'FR' AND EXISTS (SELECT 1 FROM gold.orders o2 WHERE o2.customer_id = o.customer_id AND o2.order_id <> o.order_id) AND NOT EXISTS (SELECT 1 FROM gold.orders o3 WHERE o3.customer_id = o.customer_id AND o3.order_id <> o.order_id AND o3.amount > 100)", `
Project name#1
  -> Anti Join keys=[customer_id#5 = customer_id#1] on=(order_id#7 <> order_id#4)
    -> Semi Join keys=[customer_id#5 = customer_id#1] on=(order_id#7 <> order_id#4)
      -> Inner Join keys=[customer_id#0 = customer_id#1]
        -> Inner Join keys=[customer_id#0 = customer_id#0] build=left
          -> Filter (country#2 = 'FR'::text)
            -> Scan gold.customers [customer_id, name, country]
          -> Scan gold.events [customer_id]
        -> Filter (status#2 = 'open'::text)
          -> Scan gold.orders [order_id, customer_id, status]
      -> Scan gold.orders [order_id, customer_id]
    -> Filter (amount#2 > '100'::numeric(38,2))
      -> Scan gold.orders [order_id, customer_id, amount]`},
		{"EXISTS from a few outer rows over a large table builds the outer rows",
			"SELECT c.name FROM gold.customers c WHERE EXISTS (SELECT 1 FROM gold.events e WHERE e.customer_id = c.customer_id AND e.kind = 'x')", `
Project name#1
  -> Semi Join keys=[customer_id#0 = customer_id#0] build=left
    -> Scan gold.customers [customer_id, name]
    -> Filter (kind#1 = 'x'::text)
      -> Scan gold.events [customer_id, kind]`},
		{"NOT EXISTS likewise, with a residual condition",
			"SELECT c.name FROM gold.customers c WHERE NOT EXISTS (SELECT 1 FROM gold.events e WHERE e.customer_id = c.customer_id AND e.kind <> c.country)", `
Project name#1
  -> Anti Join keys=[customer_id#0 = customer_id#0] on=(kind#4 <> country#2) build=left
    -> Scan gold.customers [customer_id, name, country]
    -> Scan gold.events [customer_id, kind]`},
		{"IN from many outer rows over a small table builds the subquery's rows",
			"SELECT e.kind FROM gold.events e WHERE e.customer_id IN (SELECT customer_id FROM gold.customers WHERE country = 'FR')", `
Project kind#1
  -> Semi Join keys=[customer_id#0 = customer_id#0]
    -> Scan gold.events [customer_id, kind]
    -> Project customer_id#0
      -> Filter (country#1 = 'FR'::text)
        -> Scan gold.customers [customer_id, country]`},
		{"a semi join whose outer side (50 rows) is not estimated at most half the subquery's (80) builds the subquery's rows",
			"SELECT k FROM (VALUES " + strings.Repeat("(1), ", 49) + "(2)) t(k) WHERE k IN (SELECT customer_id FROM gold.customers)", `
Project k#0
  -> Semi Join keys=[k#0 = customer_id#0]
    -> Project column1#0
      -> Values rows=50
    -> Project customer_id#0
      -> Scan gold.customers [customer_id]`},
		{"and builds the outer rows at 39",
			"SELECT k FROM (VALUES " + strings.Repeat("(1), ", 38) + "(2)) t(k) WHERE k IN (SELECT customer_id FROM gold.customers)", `
Project k#0
  -> Semi Join keys=[k#0 = customer_id#0] build=left
    -> Project column1#0
      -> Values rows=39
    -> Project customer_id#0
      -> Scan gold.customers [customer_id]`},
		{"an uncorrelated NOT IN is an anti join on COALESCE(x = s, true), building the subquery",
			"SELECT c.name FROM gold.customers c WHERE c.customer_id NOT IN (SELECT customer_id FROM gold.events WHERE kind = 'x')", `
Project name#1
  -> Anti Join on=COALESCE((customer_id#0 = customer_id#2), 't'::boolean)
    -> Scan gold.customers [customer_id, name]
    -> Project customer_id#0
      -> Filter (kind#1 = 'x'::text)
        -> Scan gold.events [customer_id, kind]`},
		{"full join USING merges keys with COALESCE",
			"SELECT customer_id FROM gold.customers FULL JOIN gold.events USING (customer_id)", `
Project customer_id#0
  -> Project COALESCE(customer_id#0, customer_id#1)
    -> Full Join keys=[customer_id#0 = customer_id#0] build=left
      -> Scan gold.customers [customer_id]
      -> Scan gold.events [customer_id]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := explain(t, tt.sql), strings.TrimPrefix(tt.plan, "\n"); got != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}
