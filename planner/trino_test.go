package planner

import (
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

func bindFor(t *testing.T, sql string, paramTypes ...pgtype.Type) *Bound {
	t.Helper()
	p := New()
	stmts, err := p.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Bind(stmts[0].(*Query), joinState(), fuzzEnv{}, paramTypes)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return b
}

func trinoOf(t *testing.T, sql string, params []pgtype.Datum, target TrinoTarget, paramTypes ...pgtype.Type) string {
	t.Helper()
	out, err := TrinoSQL(bindFor(t, sql, paramTypes...), params, target)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

var goldOnTrino = TrinoTarget{Layers: map[string]string{"gold": "iceberg.analytics"}}

func TestTrinoSQLFragments(t *testing.T) {
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"layer mapped to catalog.schema, identifiers quoted",
			`SELECT "order_id" FROM gold.orders`, []string{`FROM "iceberg"."analytics"."orders"`, `AS "order_id"`}},
		{"casts name Trino types",
			"SELECT amount::float8, customer_id::int8, status::varchar(5), amount::numeric(10,1) FROM gold.orders",
			[]string{"AS double)", "AS bigint)", "AS varchar(5))", "AS decimal(10, 1))"}},
		{"ILIKE lowers both sides; PostgreSQL's backslash escape kept",
			`SELECT 1 FROM gold.orders WHERE status ILIKE 'Pa\_d%' AND status NOT LIKE 'x\y'`,
			[]string{`lower(`, `LIKE 'pa\_d%' ESCAPE '\'`, `(NOT (`, `LIKE 'xy' ESCAPE '\'`}},
		{"regex operators", "SELECT 1 FROM gold.orders WHERE status ~* '^p' AND status !~ 'x'",
			[]string{"regexp_like(", "'(?i)^p'", "(NOT regexp_like("}},
		{"string_agg becomes listagg", "SELECT string_agg(status, ',' ORDER BY order_id DESC) FROM gold.orders",
			[]string{"listagg(", "WITHIN GROUP (ORDER BY", "DESC NULLS FIRST"}},
		{"count distinct", "SELECT count(DISTINCT customer_id) FROM gold.orders", []string{"count(DISTINCT "}},
		{"date + integer", "SELECT dt + 7, dt - 1, dt - date '2024-01-01' FROM gold.orders",
			[]string{"date_add('day', INTEGER '7'", "date_add('day', -(INTEGER '1')", "date_diff('day', DATE '2024-01-01'"}},
		{"a mixed interval is months then days", "SELECT created_at + interval '1 month 2 days 3 hours' FROM gold.orders",
			[]string{"date_add('millisecond', 10800000, date_add('day', 2, date_add('month', 1, "}},
		{"date_trunc and extract", "SELECT date_trunc('week', created_at), extract(dow from created_at), date_part('epoch', created_at) FROM gold.orders",
			[]string{"date_trunc('week', ", "mod(day_of_week(", "to_unixtime("}},
		{"order survives the projection above the sort", "SELECT status FROM gold.orders ORDER BY amount DESC LIMIT 3 OFFSET 2",
			[]string{"DESC NULLS FIRST OFFSET 2 ROWS LIMIT 3", ") q ORDER BY q.o0 DESC NULLS FIRST"}},
		{"timestamptz columns read in the session zone", "SELECT created_at FROM gold.orders",
			[]string{`AT TIME ZONE 'Europe/Paris'`}},
		{"NULL and booleans typed", "SELECT NULL::int, true, NULL::text IS NULL",
			[]string{"CAST(NULL AS integer)", "true", "CAST(NULL AS varchar)"}},
		{"concat skips NULLs as PostgreSQL does", "SELECT concat(status, 1) FROM gold.orders",
			[]string{"coalesce(", "CAST(INTEGER '1' AS varchar)"}},
		{"= ANY over an array", "SELECT 1 FROM gold.orders WHERE customer_id = ANY(ARRAY[1,2]) AND customer_id < ALL(ARRAY[5])",
			[]string{"contains(", "all_match("}},
		{"numeric division keeps PostgreSQL's digits", "SELECT amount / 3 FROM gold.orders",
			[]string{"AS decimal(38, 16)) /"}},
		{"NOT IN stays NOT IN (a semi join on Trino, not a loop over COALESCE)",
			"SELECT order_id FROM gold.orders WHERE customer_id NOT IN (SELECT customer_id FROM gold.customers WHERE name = 'x')",
			[]string{`WHERE NOT (`, ` IN (SELECT `}},
	}
	target := goldOnTrino
	target.TimeZone = "Europe/Paris"
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := trinoOf(t, tc.sql, nil, target)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s\nrendered %s\nmissing %q", tc.sql, got, w)
				}
			}
		})
	}
}

// TestTrinoParams: parameters become typed, escaped literals; a value
// cannot break out of its literal.
func TestTrinoParams(t *testing.T) {
	got := trinoOf(t, "SELECT order_id FROM gold.orders WHERE status = $1 AND dt >= $2 AND amount > $3 AND customer_id = $4 LIMIT $5",
		[]pgtype.Datum{"x'); DROP TABLE t; --", pgtype.DateValue(19723), pgtype.NumericValue{Coef: big.NewInt(1999), Scale: 2}, int64(42), int64(7)},
		goldOnTrino, pgtype.Text, pgtype.Date, pgtype.Numeric, pgtype.Int4, pgtype.Int8)
	for _, w := range []string{`'x''); DROP TABLE t; --'`, "DATE '2024-01-01'", "DECIMAL '19.99'", "INTEGER '42'", "LIMIT 7"} {
		if !strings.Contains(got, w) {
			t.Errorf("rendered %s\nmissing %q", got, w)
		}
	}
	if strings.Contains(got, "$") {
		t.Errorf("a parameter marker survived: %s", got)
	}
}

func TestTrinoNotTranslatable(t *testing.T) {
	for _, tc := range []struct{ sql, want string }{
		{"SELECT regexp_replace(status, 'a', 'b') FROM gold.orders", "regexp_replace without the g flag"},
		{"SELECT date_trunc('decade', created_at) FROM gold.orders", "date_trunc unit decade"},
		{"SELECT amount::float8::text FROM gold.orders", "float to text"},
	} {
		_, err := TrinoSQL(bindFor(t, tc.sql), nil, goldOnTrino)
		if err == nil || pgerr.Code(err) != pgerr.FeatureNotSupported || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want 0A000 naming %q", tc.sql, err, tc.want)
		}
	}
	// A layer with no catalog on the tier.
	_, err := TrinoSQL(bindFor(t, "SELECT 1 FROM gold.orders"), nil, TrinoTarget{Layers: map[string]string{"silver": "hive"}})
	if err == nil || !strings.Contains(err.Error(), "layer gold has no Trino catalog") {
		t.Errorf("unmapped layer: %v", err)
	}
}

func TestTrinoNowIsTheStatementsInstant(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	got := trinoOf(t, "SELECT now()", nil, TrinoTarget{Now: now})
	if !strings.Contains(got, "TIMESTAMP '2024-05-06 07:08:09.123456 UTC'") {
		t.Errorf("now() rendered %s", got)
	}
}

func TestProfile(t *testing.T) {
	st := joinState()
	// gold.orders partitioned by dt with three files, one per day.
	var orders *catalog.Table
	for _, tb := range st.Schemas[0].Tables {
		if tb.Name == "orders" {
			orders = tb
		}
	}
	for i, day := range []int32{19723, 19724, 19725} {
		orders.Files = append(orders.Files, catalog.File{Size: int64(1000 * (i + 1)), Rows: int64(10 * (i + 1)), PartitionValues: []pgtype.Datum{pgtype.DateValue(day)}})
	}
	p := New()
	profile := func(sql string) Profile {
		stmts, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.Bind(stmts[0].(*Query), st, fuzzEnv{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ProfileOf(b)
	}
	all := profile("SELECT count(*) FROM gold.orders")
	if all.Bytes != 6000 || all.Rows != 60 || all.Files != 3 || !all.Has("aggregate") || all.Has("join") {
		t.Errorf("whole table: %+v", all)
	}
	pruned := profile("SELECT o.status FROM gold.orders o JOIN gold.customers c USING (customer_id) WHERE o.dt >= '2024-01-02' ORDER BY 1")
	if pruned.Bytes != 5000+0 || pruned.Files != 2 || !pruned.Has("join") || !pruned.Has("sort") {
		t.Errorf("pruned to two days, joined with customers (size unknown): %+v", pruned)
	}
	if strings.Join(pruned.Tables, ",") != "gold.customers,gold.orders" || strings.Join(pruned.Layers, ",") != "gold" {
		t.Errorf("tables %v layers %v", pruned.Tables, pruned.Layers)
	}
	in := profile("SELECT 1 FROM gold.orders WHERE dt IN ('2024-01-01', '2024-01-03') AND status = 'x'")
	if in.Files != 2 || in.Rows != 40 {
		t.Errorf("IN list prunes to two files: %+v", in)
	}
	sub := profile("SELECT upper(status) FROM gold.orders WHERE customer_id IN (SELECT customer_id FROM gold.customers)")
	if !sub.Has("subquery") || strings.Join(sub.Functions, ",") != "upper" && !strings.Contains(strings.Join(sub.Functions, ","), "upper") {
		t.Errorf("subquery and function: %+v", sub)
	}
}

// Under sluice.as_of an Iceberg table is read at the snapshot its bound
// Table holds; Hive tables and plain runs name no snapshot.
func TestTrinoSnapshots(t *testing.T) {
	b := bindFor(t, "SELECT count(*) FROM gold.orders")
	var pin func(n plan.Node, id int64)
	pin = func(n plan.Node, id int64) {
		if s, ok := n.(*plan.Scan); ok {
			cp := *s.Table
			cp.Format, cp.SnapshotID = catalog.FormatIceberg, id
			s.Table = &cp
		}
		for _, c := range n.Children() {
			pin(c, id)
		}
	}
	hive, err := TrinoSQL(b, nil, TrinoTarget{Layers: goldOnTrino.Layers, Snapshots: true})
	if err != nil || strings.Contains(hive, "FOR VERSION") {
		t.Errorf("a Hive table names no snapshot: %s %v", hive, err)
	}
	pin(b.Root, 42)
	current, err := TrinoSQL(b, nil, goldOnTrino)
	if err != nil || strings.Contains(current, "FOR VERSION") {
		t.Errorf("without Snapshots: %s %v", current, err)
	}
	old, err := TrinoSQL(b, nil, TrinoTarget{Layers: goldOnTrino.Layers, Snapshots: true})
	if err != nil || !strings.Contains(old, `FROM "iceberg"."analytics"."orders" FOR VERSION AS OF 42 s`) {
		t.Errorf("with Snapshots: %s %v", old, err)
	}
	pin(b.Root, 0)
	if _, err := TrinoSQL(b, nil, TrinoTarget{Layers: goldOnTrino.Layers, Snapshots: true}); pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Errorf("a table without a snapshot then: %v", err)
	}
}

// EXTRACT's numeric keeps PostgreSQL's scale per field (1995, not
// 1995.0000000000 as a numeric without a typmod would be rendered).
func TestTrinoExtractScale(t *testing.T) {
	got := trinoOf(t, "SELECT extract(year FROM created_at), extract(epoch FROM created_at), extract(second FROM created_at), extract(epoch FROM dt) FROM gold.orders", nil, goldOnTrino)
	for _, want := range []string{"CAST(year(", "AS decimal(38, 0))", "AS decimal(38, 6))"} {
		if !strings.Contains(got, want) {
			t.Errorf("lacks %s: %s", want, got)
		}
	}
	if strings.Contains(got, "decimal(38, 10)") {
		t.Errorf("an EXTRACT rendered with the scale of an unconstrained numeric: %s", got)
	}
}

// TestTrinoExact: numeric quotients in the result are divided locally over
// operands Trino computes exactly; other queries are left as they are.
func TestTrinoExact(t *testing.T) {
	tests := []struct {
		name, sql string
		remote    []string // in the remote plan's EXPLAIN
		finish    string   // the finishing expressions
	}{
		{"no quotient", "SELECT status, sum(amount), count(*) FROM gold.orders GROUP BY status", nil, ""},
		{"integer division is exact on Trino", "SELECT customer_id / 2 FROM gold.orders", nil, ""},
		{"avg becomes sum and count", "SELECT status, avg(amount), avg(customer_id) FROM gold.orders GROUP BY status",
			[]string{"Project status#0, NULL, NULL, sum#3, count#4, sum#5, count#6",
				"aggs=[avg(amount#2), avg(customer_id#0), sum(amount#2), count(amount#2), sum(customer_id#0), count(customer_id#0)]"},
			"[status#0 (sum#3::numeric / count#4::numeric) (sum#5::numeric / count#6::numeric)]"},
		{"a quotient under round, its operands whole on Trino",
			"SELECT round(sum(amount) / (count(*) + 1), 2) FROM gold.orders",
			[]string{"Project NULL, sum#0, (count#1 + '1'::bigint)::numeric"},
			"[round((operand#1 / operand#2), '2'::integer)]"},
		{"a sorted quotient is also computed on Trino; the picking projection is the finish's",
			"SELECT status, avg(amount) * 2 FROM gold.orders GROUP BY status ORDER BY avg(customer_id) DESC LIMIT 2",
			[]string{"Limit", "Sort ?sort?#2 DESC", "Project status#0, NULL, avg#2, sum#3, count#4, sum#5, count#6"},
			"[status#0 ((sum#3::numeric / count#4::numeric) * '2'::numeric(38,0))]"},
		{"an avg of an unconstrained numeric stays Trino's (its scale is lost there)",
			"SELECT avg(amount * 1.5::numeric) FROM gold.orders", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bindFor(t, tc.sql)
			remote, finish := TrinoExact(b)
			if tc.finish == "" {
				if finish != nil || remote != b {
					t.Fatalf("split where nothing needs it: %v\n%s", finish, strings.Join(plan.Explain(remote.Root), "\n"))
				}
				return
			}
			got := strings.Join(plan.Explain(remote.Root), "\n")
			for _, w := range tc.remote {
				if !strings.Contains(got, w) {
					t.Errorf("remote plan lacks %q:\n%s", w, got)
				}
			}
			if s := fmt.Sprint(finish); s != tc.finish {
				t.Errorf("finish %s, want %s", s, tc.finish)
			}
			if len(finish) != len(b.Columns) {
				t.Errorf("%d finishing expressions for %d columns", len(finish), len(b.Columns))
			}
			if _, err := TrinoSQL(remote, nil, goldOnTrino); err != nil {
				t.Errorf("remote plan not translatable: %v", err)
			}
			// Every finishing column reference reads a remote column of
			// its type.
			for _, e := range finish {
				plan.Walk(e, func(x plan.Expr) bool {
					if c, ok := x.(*plan.ColumnRef); ok && (c.Index >= len(remote.Columns) || remote.Columns[c.Index].Type != c.Typ) {
						t.Errorf("finish reads %s of type %s; remote columns %v", c, c.Typ, remote.Columns)
					}
					return true
				})
			}
		})
	}
}
