package demolake_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/demolake"
	"github.com/sluicesql/sluice/engine/parquet"
)

// tableRows reads every column of a table, rows as strings, sorted.
func tableRows(t *testing.T, tb *catalog.Table) []string {
	t.Helper()
	proj := make([]int, len(tb.Columns))
	for i := range proj {
		proj[i] = i
	}
	sc, err := parquet.NewScanner(tb, proj, parquet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	var rows []string
	for {
		b, err := sc.Next(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", tb.QualifiedName(), err)
		}
		if b == nil {
			break
		}
		for r := range int(b.NumRows()) {
			parts := make([]string, b.NumCols())
			for c := range parts {
				parts[c] = b.Column(c).ValueStr(r)
			}
			rows = append(rows, strings.Join(parts, "|"))
		}
		b.Release()
	}
	slices.Sort(rows)
	return rows
}

// With GoldIceberg the gold layer is Iceberg tables of the embedded
// catalog holding exactly the rows and columns of the Hive-style gold
// layer of the same seed; the other layers stay Hive-style.
func TestGoldAsIcebergMatchesHiveGold(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lake")
	if err := demolake.WriteWith(dir, 7, testScale, demolake.Options{GoldIceberg: true}); err != nil {
		t.Fatal(err)
	}
	if !demolake.Exists(dir) {
		t.Fatal("Exists is false after WriteWith")
	}
	ice := lakeState(t, dir)
	hive := lakeState(t, sharedLake(t))
	for _, sc := range hive.Schemas {
		if catalog.IsSystemSchema(sc.Name) || sc.Name == "public" {
			continue
		}
		for _, h := range sc.Tables {
			i, err := ice.Table(sc.Name, h.Name)
			if err != nil {
				t.Errorf("%s: %v", h.QualifiedName(), err)
				continue
			}
			wantFormat := catalog.FormatHiveParquet
			if sc.Name == "gold" {
				wantFormat = catalog.FormatIceberg
			}
			if i.Format != wantFormat {
				t.Errorf("%s has format %v, want %v", h.QualifiedName(), i.Format, wantFormat)
			}
			if len(i.Columns) != len(h.Columns) {
				t.Errorf("%s: columns %v, want %v", h.QualifiedName(), i.Columns, h.Columns)
				continue
			}
			for k := range h.Columns {
				if i.Columns[k].Name != h.Columns[k].Name || i.Columns[k].Type != h.Columns[k].Type || i.Columns[k].NotNull != h.Columns[k].NotNull {
					t.Errorf("%s column %d: %+v, want %+v", h.QualifiedName(), k, i.Columns[k], h.Columns[k])
				}
			}
			if i.RowCount != h.RowCount {
				t.Errorf("%s: %d rows, want %d", h.QualifiedName(), i.RowCount, h.RowCount)
			}
			if got, want := tableRows(t, i), tableRows(t, h); !slices.Equal(got, want) {
				t.Errorf("%s: the Iceberg table's %d rows differ from the Hive table's %d", h.QualifiedName(), len(got), len(want))
			}
		}
	}
	orders, _ := ice.Table("gold", "orders")
	if len(orders.Files) != demolake.Days || orders.Comment == "" || !slices.Equal(orders.PrimaryKey, []string{"order_id"}) {
		t.Errorf("gold.orders: %d files (want one per day), comment %q, key %v", len(orders.Files), orders.Comment, orders.PrimaryKey)
	}
}
