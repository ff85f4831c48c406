package catalog_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sluicesql/sluice/catalog"
)

// A subscriber hears exactly the tables a commit changed, after the new
// state is visible, and nothing once it cancels.
func TestSubscribeReportsChangedTables(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-20/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	writeParquet(t, filepath.Join(dir, "gold/customers/part-0.parquet"), ordersSchema, `[{"order_id": 1}]`)
	l := openLake(t, dir)

	var got []catalog.Commit
	cancel := l.Subscribe(func(c catalog.Commit) {
		if l.Current().Version != c.Version {
			t.Errorf("commit %d delivered before its state was published", c.Version)
		}
		got = append(got, c)
	})

	if _, err := l.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("a refresh without change published %v", got)
	}

	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-21/part-0.parquet"), ordersSchema, `[{"order_id": 2}]`)
	writeParquet(t, filepath.Join(dir, "silver/events/part-0.parquet"), ordersSchema, `[{"order_id": 2}]`)
	if _, err := l.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []catalog.TableRef{{"gold", "orders"}, {"silver", "events"}}
	if len(got) != 1 || !slices.Equal(got[0].Changed, want) {
		t.Fatalf("commits %v, want one changing %v", got, want)
	}
	if !got[0].Touches("gold", "orders") || got[0].Touches("gold", "customers") {
		t.Errorf("Touches disagrees with Changed %v", got[0].Changed)
	}

	os.RemoveAll(filepath.Join(dir, "gold/customers"))
	l.Refresh(context.Background())
	if len(got) != 2 || !slices.Equal(got[1].Changed, []catalog.TableRef{{"gold", "customers"}}) {
		t.Fatalf("dropping a table: commits %v", got)
	}

	cancel()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-22/part-0.parquet"), ordersSchema, `[{"order_id": 3}]`)
	if changed, _ := l.Refresh(context.Background()); !changed {
		t.Fatal("commit not noticed")
	}
	if len(got) != 2 {
		t.Errorf("a cancelled subscriber still heard %v", got[2:])
	}
}
