package engine

import (
	"context"
	"testing"

	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// BenchmarkSort orders 256Ki int8 rows by (k, v DESC): the whole sort,
// and a top 100 (ORDER BY ... LIMIT 100).
func BenchmarkSort(b *testing.B) {
	t := memTable("s", 1<<18, 1<<10)
	ref := func(i int, name string) plan.Expr { return &plan.ColumnRef{Index: i, Name: name, Typ: pgtype.Int8} }
	sort := &plan.Sort{Input: plan.NewScan(t, []int{0, 1}), Keys: []plan.SortKey{{Expr: ref(0, "k")}, {Expr: ref(1, "v"), Desc: true, NullsFirst: true}}}
	for _, c := range []struct {
		name string
		root plan.Node
		rows int
	}{
		{"whole", sort, 1 << 18},
		{"top100", &plan.Limit{Input: sort, Count: &plan.Const{Value: int64(100), Typ: pgtype.Int8}}, 100},
	} {
		b.Run(c.name, func(b *testing.B) {
			e := New()
			ctx := context.Background()
			for b.Loop() {
				if rows := drain(b, e, ctx, c.root); rows != c.rows {
					b.Fatalf("%d rows, want %d", rows, c.rows)
				}
			}
		})
	}
}

// drain runs root to its end and counts its rows.
func drain(b *testing.B, e *Engine, ctx context.Context, root plan.Node) int {
	st, err := e.Execute(ctx, root, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rows := 0
	for {
		rec, err := st.Next(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if rec == nil {
			return rows
		}
		rows += int(rec.NumRows())
		rec.Release()
	}
}
