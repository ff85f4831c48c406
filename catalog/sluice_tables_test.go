package catalog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
)

// sluice.tables says what each lake table is made of and which version a
// query reads now; sluice.freshness how long ago it last committed, as of
// the scan.
func TestSluiceTables(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-20/part-0.parquet"), ordersSchema, `[{"order_id": 1}, {"order_id": 2}]`)
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-21/part-0.parquet"), ordersSchema, `[{"order_id": 3}]`)
	st := openLake(t, dir).Current()
	orders := mustTable(t, st, "gold", "orders")

	rows := scanText(t, mustTable(t, st, "sluice", "tables"))
	want := fmt.Sprintf("gold|orders|parquet|%s|NULL|3|%d|2|", orders.Version, orders.SizeBytes)
	if len(rows) != 1 || !strings.HasPrefix(rows[0], want) {
		t.Errorf("sluice.tables = %q, want a row starting %q", rows, want)
	}
	fresh := mustTable(t, st, "sluice", "freshness")
	if !fresh.SessionDependent {
		t.Error("sluice.freshness depends on the moment it is read but is not marked so")
	}
	rows = scanText(t, fresh)
	if len(rows) != 1 || !strings.HasPrefix(rows[0], "gold|orders|") {
		t.Fatalf("sluice.freshness = %q", rows)
	}
	if f := strings.Split(rows[0], "|"); f[3] == "NULL" || strings.HasPrefix(f[3], "-") {
		t.Errorf("seconds since the last commit: %s", f[3])
	}
	if !catalog.IsSystemSchema("sluice") || catalog.IsSystemSchema("gold") {
		t.Error("IsSystemSchema")
	}
}

// scanText reads a system table's rows as text, columns joined by |.
func scanText(t *testing.T, tb *catalog.Table) []string {
	t.Helper()
	batches, err := tb.Rows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, b := range batches {
		for r := 0; r < int(b.NumRows()); r++ {
			var cells []string
			for c := 0; c < int(b.NumCols()); c++ {
				if b.Column(c).IsNull(r) {
					cells = append(cells, "NULL")
					continue
				}
				cells = append(cells, b.Column(c).ValueStr(r))
			}
			out = append(out, strings.Join(cells, "|"))
		}
		b.Release()
	}
	return out
}
