package planner

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
)

// shopLake writes a small TPC-H-shaped lake of real Parquet files (schema
// shop) and opens it, so that estimates come from the lake's row counts
// and the footers' statistics as in production: 25 nations, 100
// suppliers and 300 customers spread over the nations, 3000 orders with
// sparse keys (4, 8, ...) and 12 000 lineitems.
func shopLake(t *testing.T) *catalog.State {
	t.Helper()
	dir := t.TempDir()
	i32, str := arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String
	write := func(table string, fields []arrow.Field, n int, row func(i int) []any) {
		sc := arrow.NewSchema(fields, nil)
		b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
		defer b.Release()
		for i := range n {
			for c, v := range row(i) {
				switch x := v.(type) {
				case int:
					b.Field(c).(*array.Int32Builder).Append(int32(x))
				case string:
					b.Field(c).(*array.StringBuilder).Append(x)
				}
			}
		}
		rec := b.NewRecordBatch()
		defer rec.Release()
		path := filepath.Join(dir, "shop", table, "part-0.parquet")
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	field := func(name string, typ arrow.DataType) arrow.Field { return arrow.Field{Name: name, Type: typ} }
	write("nation", []arrow.Field{field("n_nationkey", i32), field("n_name", str)}, 25, func(i int) []any {
		return []any{i, fmt.Sprintf("N%d", i)}
	})
	write("supplier", []arrow.Field{field("s_suppkey", i32), field("s_nationkey", i32)}, 100, func(i int) []any {
		return []any{i + 1, i % 25}
	})
	write("customer", []arrow.Field{field("c_custkey", i32), field("c_nationkey", i32), field("c_segment", str)}, 300, func(i int) []any {
		return []any{i + 1, i % 25, fmt.Sprintf("S%d", i%5)}
	})
	write("orders", []arrow.Field{field("o_orderkey", i32), field("o_custkey", i32), field("o_status", str)}, 3000, func(i int) []any {
		return []any{4 * (i + 1), i%300 + 1, []string{"F", "O"}[i%2]}
	})
	write("lineitem", []arrow.Field{field("l_orderkey", i32), field("l_suppkey", i32), field("l_qty", i32)}, 12000, func(i int) []any {
		return []any{4 * (i/4 + 1), i%100 + 1, i % 50}
	})
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return lake.Current()
}

func bindIn(t *testing.T, state *catalog.State, sql string) plan.Node {
	t.Helper()
	p := New()
	stmts, err := p.Parse(sql)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Bind(stmts[0].(*Query), state, fuzzEnv{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Root
}

var scanName = regexp.MustCompile(`Scan shop\.(\w+)`)

// scanOrder lists the tables a plan scans, in EXPLAIN's order (a left-deep
// join's first input first).
func scanOrder(root plan.Node) string {
	var out []string
	for _, line := range plan.Explain(root) {
		if m := scanName.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
		}
	}
	return strings.Join(out, " ")
}

func TestEstimateRows(t *testing.T) {
	st := shopLake(t)
	tests := []struct {
		name, sql string
		want      int64
	}{
		{"a table is its row count", "SELECT * FROM shop.orders", 3000},
		{"equality on an integer column keeps one of its max-min+1 values", "SELECT * FROM shop.nation WHERE n_nationkey = 3", 1},
		{"equality on a text column keeps a tenth", "SELECT * FROM shop.orders WHERE o_status = 'F'", 300},
		{"a range keeps a third", "SELECT * FROM shop.lineitem WHERE l_qty < 10", 4000},
		{"a keyed join keeps the share of rows the other side's filter keeps (foreign key)",
			"SELECT * FROM shop.customer, shop.nation WHERE c_nationkey = n_nationkey AND n_nationkey = 3", 12},
		{"a join on a key of few values multiplies rows (distinct counts from the footers)",
			"SELECT * FROM shop.supplier, shop.customer WHERE s_nationkey = c_nationkey", 1200},
		{"a semi join keeps the share of keys the subquery has",
			"SELECT * FROM shop.customer WHERE c_nationkey IN (SELECT n_nationkey FROM shop.nation WHERE n_nationkey = 3)", 12},
		{"groups: one per distinct key", "SELECT c_nationkey, count(*) FROM shop.customer GROUP BY c_nationkey", 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := bindIn(t, st, tt.sql)
			if got := estimateRows(root); got != tt.want {
				t.Fatalf("estimateRows = %d, want %d\n%s", got, tt.want, strings.Join(plan.Explain(root), "\n"))
			}
		})
	}
}

func TestSemiJoinPushdown(t *testing.T) {
	st := shopLake(t)
	t.Run("IN moves onto the input that holds the tested column (TPC-H Q18)", func(t *testing.T) {
		root := bindIn(t, st, "SELECT c_custkey, sum(l_qty) FROM shop.customer, shop.orders, shop.lineitem WHERE o_orderkey IN (SELECT l_orderkey FROM shop.lineitem GROUP BY l_orderkey HAVING sum(l_qty) > 190) AND c_custkey = o_custkey AND o_orderkey = l_orderkey GROUP BY c_custkey")
		text := strings.Join(plan.Explain(root), "\n")
		if !regexp.MustCompile(`Semi Join keys=\[o_orderkey#0 = l_orderkey#0\]\n\s+-> Scan shop\.orders`).MatchString(text) {
			t.Fatalf("the semi join does not filter the orders scan:\n%s", text)
		}
	})
	t.Run("a semi join stays above a join that filters its input", func(t *testing.T) {
		root := bindIn(t, st, "SELECT count(*) FROM shop.lineitem, shop.supplier WHERE l_suppkey = s_suppkey AND s_nationkey = 3 AND EXISTS (SELECT 1 FROM shop.lineitem l2 WHERE l2.l_orderkey = lineitem.l_orderkey AND l2.l_suppkey <> lineitem.l_suppkey)")
		text := strings.Join(plan.Explain(root), "\n")
		if !regexp.MustCompile(`Semi Join[^\n]*\n\s+-> (Project[^\n]*\n\s+-> )?Inner Join`).MatchString(text) {
			t.Fatalf("the semi join moved below the join that narrows the lineitems:\n%s", text)
		}
	})
}

func TestRestrictGroupedJoins(t *testing.T) {
	st := shopLake(t)
	t.Run("a decorrelated aggregate reads only the groups the query's rows ask for (TPC-H Q17)", func(t *testing.T) {
		root := bindIn(t, st, "SELECT sum(l_qty) FROM shop.lineitem, shop.orders WHERE o_orderkey = l_orderkey AND o_orderkey = 40 AND l_qty < (SELECT avg(l2.l_qty) FROM shop.lineitem l2 WHERE l2.l_orderkey = o_orderkey)")
		text := strings.Join(plan.Explain(root), "\n")
		if !regexp.MustCompile(`Aggregate keys=\[l_orderkey#0\] aggs=\[avg\(l_qty#1\)\]\n\s+-> Semi Join keys=\[l_orderkey#0 = o_orderkey#0\]\n\s+-> Scan shop\.lineitem[^\n]*\n\s+-> Filter[^\n]*\n\s+-> Scan shop\.orders`).MatchString(text) {
			t.Fatalf("the aggregate is not restricted to the filtered orders:\n%s", text)
		}
	})
	t.Run("not when the key rows are about as many as the aggregate's input", func(t *testing.T) {
		root := bindIn(t, st, "SELECT sum(l_qty) FROM shop.lineitem, shop.orders WHERE o_orderkey = l_orderkey AND l_qty < (SELECT avg(l2.l_qty) FROM shop.lineitem l2 WHERE l2.l_orderkey = o_orderkey)")
		if text := strings.Join(plan.Explain(root), "\n"); strings.Count(text, "Semi Join") > 0 {
			t.Fatalf("the aggregate was restricted although every group is read:\n%s", text)
		}
	})
}
