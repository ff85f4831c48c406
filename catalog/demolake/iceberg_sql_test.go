package demolake_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/demolake"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

type sqlEnv struct{ settings *pgtype.Settings }

func (e sqlEnv) SearchPath() []string               { return []string{"gold", "public"} }
func (e sqlEnv) Setting(name string) (string, bool) { return "", false }
func (e sqlEnv) Database() string                   { return "sluice" }
func (e sqlEnv) User() string                       { return "sluice" }
func (e sqlEnv) ValueSettings() *pgtype.Settings    { return e.settings }

// runSQL runs one query through the planner and the engine, rows as text.
func runSQL(t *testing.T, state *catalog.State, sql string) []string {
	t.Helper()
	ctx := context.Background()
	p := planner.New()
	settings := pgtype.DefaultSettings()
	stmts, err := p.Parse(sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	q, ok := stmts[0].(*planner.Query)
	if !ok {
		t.Fatalf("%s: not a query", sql)
	}
	env := sqlEnv{settings}
	bound, err := p.Bind(q, state, env, nil)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	st, err := engine.New().Execute(ctx, bound.Root, nil, engine.WithSettings(settings), engine.WithCatalog(state, env.SearchPath(), env.User()))
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer st.Close()
	var rows []string
	for {
		b, err := st.Next(ctx)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if b == nil {
			return rows
		}
		for r := range int(b.NumRows()) {
			var fields []string
			for c := range int(b.NumCols()) {
				d := pgtype.DatumAt(bound.Columns[c].Type, b.Column(c), r)
				if d == nil {
					fields = append(fields, "NULL")
					continue
				}
				txt, err := pgtype.AppendText(nil, bound.Columns[c].Type, d, settings)
				if err != nil {
					t.Fatal(err)
				}
				fields = append(fields, string(txt))
			}
			rows = append(rows, strings.Join(fields, "|"))
		}
		b.Release()
	}
}

// SQL over the Iceberg gold layer answers as over the Hive-style gold
// layer of the same seed: scans, filters, aggregates and joins with the
// Hive-style silver layer.
func TestSQLOverIcebergGoldMatchesHive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lake")
	if err := demolake.WriteWith(dir, 7, testScale, demolake.Options{GoldIceberg: true}); err != nil {
		t.Fatal(err)
	}
	ice := lakeState(t, dir)
	hive := lakeState(t, sharedLake(t))
	for _, sql := range []string{
		`select status, count(*), sum(amount), min(created_at), max(dt) from gold.orders group by status order by status`,
		`select dt, orders, revenue, avg_order_value from gold.daily_revenue where dt >= date '2026-11-10' order by dt`,
		`select c.country, count(distinct o.customer_id), sum(o.amount) from gold.orders o join gold.customers c using (customer_id)
			where o.status = 'delivered' group by c.country order by 1 nulls first`,
		`select p.category, count(*), avg(p.price) from gold.products p where p.is_active group by 1 order by 1`,
		`select count(*) from gold.orders g join silver.orders s using (order_id) where g.amount = s.amount`,
		`select order_id, amount from gold.orders where dt = date '2026-11-21' order by order_id limit 5`,
	} {
		got, want := runSQL(t, ice, sql), runSQL(t, hive, sql)
		if len(want) == 0 {
			t.Errorf("%s: no rows on the Hive-style lake: the query checks nothing", sql)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\nIceberg %v\nHive    %v", sql, got, want)
		}
	}
}
