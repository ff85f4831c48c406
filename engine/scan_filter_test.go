package engine_test

import (
	"context"
	"slices"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The oracle test (testdata/sql/scanfilter.test) checks the results of
// text conjuncts run inside the scan; this checks that they do run there,
// on the dictionaries of the lake it writes, removing the rows a Go
// reckoning of the same data says, and that the conjuncts the scan must
// not take stay above it.
func TestScanFilterRunsOnDictionaries(t *testing.T) {
	rows := genOrders(1500)
	dir := t.TempDir()
	writeLake(t, dir, rows)
	lake, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	status := func(keep func(s string) bool, keepNull bool) int64 {
		var removed int64
		for _, r := range rows {
			if r.status == nil && !keepNull || r.status != nil && !keep(*r.status) {
				removed++
			}
		}
		return removed
	}
	in := func(set ...string) func(string) bool { return func(s string) bool { return slices.Contains(set, s) } }
	p := planner.New()
	eng := engine.New()
	settings := pgtype.DefaultSettings()
	for _, c := range []struct {
		sql     string
		removed int64 // by the scan; -1: the scan must filter nothing
	}{
		{"SELECT count(*) FROM gold.orders WHERE status IN ('paid', 'shipped') AND amount > 100", status(in("paid", "shipped"), false)},
		{"SELECT order_id, amount FROM gold.orders WHERE status NOT IN ('paid', 'shipped')", status(func(s string) bool { return !in("paid", "shipped")(s) }, false)},
		{"SELECT count(*) FROM gold.orders WHERE status IS NULL OR status = 'paid'", status(in("paid"), true)},
		{"SELECT count(*) FROM gold.orders WHERE status LIKE '%ed' AND status <> 'refunded'", status(in("shipped", "delivered", "cancelled"), false)},
		{"SELECT count(*) FROM gold.orders WHERE status = 'nothing'", 1500},
		// Not one text column alone, or not a function of its value
		// the scan knows: the filter above does it all.
		{"SELECT count(*) FROM gold.orders WHERE status = 'paid' OR amount > 100", -1},
		{"SELECT count(*) FROM gold.orders WHERE coalesce(status, 'x') = 'x'", -1},
		{"SELECT count(*) FROM gold.orders WHERE upper(status) = 'PAID'", -1},
	} {
		stmts, err := p.Parse(c.sql)
		if err != nil {
			t.Fatal(err)
		}
		bound, err := p.Bind(stmts[0].(*planner.Query), lake.Current(), testEnv{db: "postgres", settings: settings}, nil)
		if err != nil {
			t.Fatal(err)
		}
		a := engine.NewAnalysis()
		ctx := context.Background()
		st, err := eng.Execute(ctx, bound.Root, nil, engine.WithSettings(settings), engine.WithAnalysis(a))
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := st.Next(ctx)
			if err != nil {
				t.Fatalf("%s: %v", c.sql, err)
			}
			if b == nil {
				break
			}
			b.Release()
		}
		st.Close()
		var scan *plan.Scan
		var walk func(n plan.Node)
		walk = func(n plan.Node) {
			if s, ok := n.(*plan.Scan); ok {
				scan = s
			}
			for _, ch := range n.Children() {
				walk(ch)
			}
		}
		walk(bound.Root)
		stats := a.Stats(scan)
		if stats == nil {
			t.Fatalf("%s: no figures for the scan", c.sql)
		}
		f := &stats.ScanFilter
		dict, vals, removed := f.DictionaryBatches.Load(), f.ValueBatches.Load(), f.RowsRemoved.Load()
		if c.removed < 0 {
			if dict+vals+removed != 0 {
				t.Errorf("%s: the scan filtered (%d dictionary, %d value batches, %d rows removed), want the filter above to", c.sql, dict, vals, removed)
			}
			continue
		}
		if dict == 0 || vals != 0 || removed != c.removed {
			t.Errorf("%s: %d dictionary and %d value batches, %d rows removed; want dictionaries only and %d removed", c.sql, dict, vals, removed, c.removed)
		}
	}
}
