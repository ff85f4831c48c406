package planner

import (
	"strings"
	"testing"
)

func TestConstantFolding(t *testing.T) {
	tests := []struct {
		name, sql, plan string
	}{
		{"WHERE 1 = 1 AND ... keeps only the rest",
			"SELECT name FROM gold.customers WHERE 1 = 1 AND country = 'FR'", `
Project name#0
  -> Filter (country#1 = 'FR'::text)
    -> Scan gold.customers [name, country]`},
		{"a filter that folds to TRUE goes",
			"SELECT name FROM gold.customers WHERE true OR country = 'FR'", `
Project name#0
  -> Scan gold.customers [name]`},
		{"a filter that folds to FALSE reads nothing",
			"SELECT name FROM gold.customers WHERE 1 = 2 AND country = 'FR'", `
Project name#1
  -> Values rows=0`},
		{"NULL is not TRUE: a NULL filter reads nothing",
			"SELECT name FROM gold.customers WHERE NULL::int = 1", `
Project name#1
  -> Values rows=0`},
		{"FALSE AND NULL is FALSE, so NOT of it is TRUE",
			"SELECT name FROM gold.customers WHERE NOT (false AND NULL::boolean)", `
Project name#0
  -> Scan gold.customers [name]`},
		{"TRUE AND NULL is NULL, not folded away as TRUE",
			"SELECT count(*) FROM gold.customers WHERE NOT (true AND NULL::boolean)", `
Project count#0
  -> Aggregate keys=[] aggs=[count(*)]
    -> Values rows=0`},
		{"a CASE arm with a constant condition is chosen; 1/0 in a dropped arm is never computed",
			"SELECT CASE WHEN 1 > 2 THEN 1 / 0 WHEN customer_id > 3 THEN 2 ELSE 3 END FROM gold.customers", `
Project CASE WHEN (customer_id#0 > '3'::integer) THEN '2'::integer ELSE '3'::integer END
  -> Scan gold.customers [customer_id]`},
		{"text compares by collation: only equality folds",
			"SELECT name FROM gold.customers WHERE 'a' < 'B' AND 'a' = 'a'", `
Project name#0
  -> Filter ('a'::text < 'B'::text)
    -> Scan gold.customers [name]`},
		{"an arithmetic constant that may fail stays for the engine",
			"SELECT name FROM gold.customers WHERE 1 / 0 = 1", `
Project name#0
  -> Filter (('1'::integer / '0'::integer) = '1'::integer)
    -> Scan gold.customers [name]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := explain(t, tt.sql), strings.TrimPrefix(tt.plan, "\n"); got != want {
				t.Fatalf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLimitPushdown(t *testing.T) {
	tests := []struct {
		name, sql, plan string
	}{
		{"a limit moves below the projection of the select list onto the sort (a top-N)",
			"SELECT upper(name) FROM gold.customers ORDER BY customer_id LIMIT 3", `
Project upper#0
  -> Limit count='3'::bigint
    -> Sort ?sort?#1
      -> Project upper(name#1), customer_id#0
        -> Scan gold.customers [customer_id, name]`},
		{"each input of UNION ALL needs count+offset rows, and the limits reach the scans",
			"SELECT name FROM gold.customers UNION ALL SELECT status FROM gold.orders LIMIT 2 OFFSET 3", `
Project name#0
  -> Limit count='2'::bigint offset='3'::bigint
    -> Union All
      -> Project name#0
        -> Limit count='5'::bigint
          -> Scan gold.customers [name]
      -> Project status#0
        -> Limit count='5'::bigint
          -> Scan gold.orders [status]`},
		{"the preserved side of a left join is limited too",
			"SELECT c.name, e.kind FROM gold.customers c LEFT JOIN gold.events e USING (customer_id) LIMIT 4", `
Project name#0, kind#1
  -> Project name#1, kind#3
    -> Limit count='4'::bigint
      -> Left Join keys=[customer_id#0 = customer_id#0] build=left
        -> Limit count='4'::bigint
          -> Scan gold.customers [customer_id, name]
        -> Scan gold.events [customer_id, kind]`},
		{"not below an aggregate or a volatile projection",
			"SELECT random() FROM (SELECT count(*) FROM gold.customers GROUP BY country) s LIMIT 1", `
Limit count='1'::bigint
  -> Project random()
    -> Project 
      -> Aggregate keys=[country#0] aggs=[count(*)]
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
