package demolake_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/demolake"
	"github.com/sluicesql/sluice/engine/parquet"
)

// testScale keeps the tests quick (10k orders) while every table and day
// still has rows.
const testScale = 0.2

// shared is one lake at testScale that the read-only tests share: writing
// is most of their cost.
var shared struct {
	once sync.Once
	root string
	dir  string
	err  error
}

func sharedLake(t *testing.T) string {
	t.Helper()
	shared.once.Do(func() {
		if shared.root, shared.err = os.MkdirTemp("", "demolake-test-"); shared.err != nil {
			return
		}
		shared.dir = filepath.Join(shared.root, "lake")
		shared.err = demolake.Write(shared.dir, 7, testScale)
	})
	if shared.err != nil {
		t.Fatalf("Write: %v", shared.err)
	}
	return shared.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
	os.Exit(code)
}

func writeLake(t *testing.T, seed int64, scale float64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	if demolake.Exists(dir) {
		t.Fatal("Exists before Write")
	}
	if err := demolake.Write(dir, seed, scale); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if !demolake.Exists(dir) {
		t.Fatal("Exists false after Write")
	}
	return dir
}

// digest hashes every file's path and bytes.
func digest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		data, err := os.ReadFile(p)
		h.Write([]byte(rel + "\x00"))
		h.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := writeLake(t, 42, 0.05), writeLake(t, 42, 0.05)
	if da, db := digest(t, a), digest(t, b); da != db {
		t.Errorf("same seed, different lakes: %s vs %s", da, db)
	}
	if digest(t, a) == digest(t, writeLake(t, 43, 0.05)) {
		t.Error("a different seed wrote the same lake")
	}
}

func TestWriteIsAtomicAndRefusesToOverwrite(t *testing.T) {
	dir := writeLake(t, 1, 0.01)
	if err := demolake.Write(dir, 1, 0.01); err == nil {
		t.Error("Write over an existing lake succeeded")
	}
	// No temporary directory is left beside the lake.
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("parent holds %v, want only the lake", names)
	}
	// An existing empty directory is filled.
	empty := filepath.Join(t.TempDir(), "empty")
	os.Mkdir(empty, 0o755)
	if err := demolake.Write(empty, 1, 0.01); err != nil || !demolake.Exists(empty) {
		t.Errorf("empty directory: %v", err)
	}
	if err := demolake.Write(filepath.Join(t.TempDir(), "x"), 1, 0); err == nil {
		t.Error("scale 0 accepted")
	}
}

func lakeState(t *testing.T, dir string) *catalog.State {
	t.Helper()
	l, err := catalog.OpenLake(dir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := l.Current()
	if len(s.Problems) > 0 {
		t.Fatalf("problems: %v", s.Problems)
	}
	return s
}

func TestLakeLoadsWithTheDocumentedSchema(t *testing.T) {
	s := lakeState(t, sharedLake(t))
	want := map[string]string{
		"gold.orders":        "order_id bigint not null, customer_id integer not null, status text not null, amount numeric(12,2) not null, created_at timestamp with time zone not null, dt date partition",
		"gold.customers":     "customer_id integer not null, name text not null, email text not null, country text, segment text not null, is_active boolean not null, created_at timestamp with time zone not null",
		"gold.products":      "product_id integer not null, name text not null, category text not null, price numeric(10,2) not null, is_active boolean not null, created_at timestamp with time zone not null",
		"gold.daily_revenue": "dt date not null, orders bigint not null, customers bigint not null, revenue numeric(14,2) not null, avg_order_value numeric(12,2)",
		"silver.orders":      "order_id bigint not null, customer_id integer not null, status text not null, amount numeric(12,2) not null, currency text not null, items integer not null, payment_method text not null, created_at timestamp with time zone not null, updated_at timestamp with time zone not null, dt date partition",
		"bronze.orders":      "order_id text, customer_id text, status text, amount text, currency text, payment_method text, created_at text, updated_at text, ingested_at timestamp with time zone not null, dt date partition",
		"raw.events":         "event_id uuid not null, customer_id integer, session_id text not null, event_type text not null, page text not null, product_id integer, ts timestamp with time zone not null, properties text not null, dt date partition",
	}
	n := 0
	for _, sc := range s.Schemas {
		if catalog.IsSystemSchema(sc.Name) {
			continue // PostgreSQL's own, served beside the lake
		}
		for _, tb := range sc.Tables {
			n++
			name := sc.Name + "." + tb.Name
			var cols []string
			for _, c := range tb.Columns {
				d := c.Name + " " + c.Type.String()
				if c.NotNull {
					d += " not null"
				}
				if c.Partition {
					d += " partition"
				}
				cols = append(cols, d)
			}
			if got := strings.Join(cols, ", "); got != want[name] {
				t.Errorf("%s:\n got %s\nwant %s", name, got, want[name])
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d tables, want %d", n, len(want))
	}
	orders, _ := s.Table("gold", "orders")
	if len(orders.Files) != demolake.Days {
		t.Errorf("gold.orders has %d partitions, want %d", len(orders.Files), demolake.Days)
	}
	if last := orders.Files[len(orders.Files)-1].RelPath; last != "dt=2026-11-21/part-00000.parquet" {
		t.Errorf("last partition %s", last)
	}
}

func TestRowCounts(t *testing.T) {
	s := lakeState(t, sharedLake(t))
	rows := func(schema, name string) int64 {
		tb, err := s.Table(schema, name)
		if err != nil {
			t.Fatal(err)
		}
		return tb.RowCount
	}
	for _, c := range []struct {
		schema, name string
		want         int64
	}{
		{"gold", "orders", 50_000 * testScale},
		{"silver", "orders", 50_000 * testScale},
		{"gold", "customers", 5_000 * testScale},
		{"gold", "products", 500 * testScale},
		{"raw", "events", 300_000 * testScale},
		{"gold", "daily_revenue", demolake.Days},
	} {
		if got := rows(c.schema, c.name); got != c.want {
			t.Errorf("%s.%s: %d rows, want %d", c.schema, c.name, got, c.want)
		}
	}
	// Bronze carries re-delivered records that silver removed.
	if b, g := rows("bronze", "orders"), rows("gold", "orders"); b <= g || b > g*105/100 {
		t.Errorf("bronze.orders %d rows for %d orders; want a few duplicates", b, g)
	}
}

// scan reads the named columns of a table.
func scan(t *testing.T, tb *catalog.Table, cols []string, each func(b arrow.RecordBatch)) {
	t.Helper()
	var proj []int
	for _, c := range cols {
		i := tb.Column(c)
		if i < 0 {
			t.Fatalf("%s has no column %s", tb.Name, c)
		}
		proj = append(proj, i)
	}
	sc, err := parquet.NewScanner(tb, proj, parquet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	for {
		b, err := sc.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return
		}
		each(b)
		b.Release()
	}
}

type dayAgg struct {
	orders, cents int64
	buyers        map[int32]bool
}

func TestDailyRevenueMatchesOrders(t *testing.T) {
	s := lakeState(t, sharedLake(t))
	orders, _ := s.Table("gold", "orders")
	days := map[arrow.Date32]*dayAgg{}
	statuses := map[string]int{}
	scan(t, orders, []string{"customer_id", "status", "amount", "created_at", "dt"}, func(b arrow.RecordBatch) {
		cust := b.Column(0).(*array.Int32)
		status := b.Column(1).(*array.String)
		amount := b.Column(2).(*array.Decimal64)
		created := b.Column(3).(*array.Timestamp)
		dt := b.Column(4).(*array.Date32)
		for i := 0; i < int(b.NumRows()); i++ {
			// Every order sits in the partition of its creation day.
			day := time.UnixMicro(int64(created.Value(i))).UTC().Truncate(24 * time.Hour)
			if arrow.Date32FromTime(day) != dt.Value(i) {
				t.Fatalf("order created %v in partition %v", day, dt.Value(i).FormattedString())
			}
			st := status.Value(i)
			statuses[st]++
			if st == "cancelled" || st == "refunded" {
				continue
			}
			a := days[dt.Value(i)]
			if a == nil {
				a = &dayAgg{buyers: map[int32]bool{}}
				days[dt.Value(i)] = a
			}
			a.orders++
			a.cents += int64(amount.Value(i))
			a.buyers[cust.Value(i)] = true
		}
	})
	for _, st := range []string{"pending", "paid", "shipped", "delivered", "cancelled", "refunded"} {
		if statuses[st] == 0 {
			t.Errorf("no %s orders: %v", st, statuses)
		}
	}
	if statuses["delivered"] < statuses["pending"] {
		t.Errorf("implausible status mix %v", statuses)
	}

	dr, _ := s.Table("gold", "daily_revenue")
	seen := 0
	scan(t, dr, []string{"dt", "orders", "customers", "revenue", "avg_order_value"}, func(b arrow.RecordBatch) {
		for i := 0; i < int(b.NumRows()); i++ {
			seen++
			dt := b.Column(0).(*array.Date32).Value(i)
			a := days[dt]
			if a == nil {
				t.Errorf("daily_revenue has %s, orders do not", dt.FormattedString())
				continue
			}
			n := b.Column(1).(*array.Int64).Value(i)
			buyers := b.Column(2).(*array.Int64).Value(i)
			revenue := int64(b.Column(3).(*array.Decimal64).Value(i))
			avg := int64(b.Column(4).(*array.Decimal64).Value(i))
			if n != a.orders || buyers != int64(len(a.buyers)) || revenue != a.cents {
				t.Errorf("%s: daily_revenue (%d, %d, %d) != orders (%d, %d, %d)", dt.FormattedString(), n, buyers, revenue, a.orders, len(a.buyers), a.cents)
			}
			// round(revenue / orders, 2), half away from zero, in cents.
			if want := (2*a.cents + a.orders) / (2 * a.orders); avg != want {
				t.Errorf("%s: avg_order_value %d, want %d", dt.FormattedString(), avg, want)
			}
		}
	})
	if seen != demolake.Days || len(days) != demolake.Days {
		t.Errorf("%d daily_revenue rows, %d order days", seen, len(days))
	}
}

func TestDataLooksReal(t *testing.T) {
	s := lakeState(t, sharedLake(t))
	cust, _ := s.Table("gold", "customers")
	nullCountry, n := 0, 0
	scan(t, cust, []string{"customer_id", "email", "country"}, func(b arrow.RecordBatch) {
		ids, email, country := b.Column(0).(*array.Int32), b.Column(1).(*array.String), b.Column(2)
		for i := 0; i < int(b.NumRows()); i++ {
			n++
			if !strings.HasPrefix(email.Value(i), "c"+itoa(ids.Value(i))+"@") {
				t.Fatalf("email %s for customer %d", email.Value(i), ids.Value(i))
			}
			if country.IsNull(i) {
				nullCountry++
			}
		}
	})
	if nullCountry == 0 || nullCountry > n/10 {
		t.Errorf("%d of %d customers without country", nullCountry, n)
	}

	events, _ := s.Table("raw", "events")
	anon, purchases := 0, 0
	ids := map[[16]byte]bool{}
	scan(t, events, []string{"event_id", "customer_id", "event_type", "properties"}, func(b arrow.RecordBatch) {
		eid := b.Column(0).(*array.FixedSizeBinary)
		for i := 0; i < int(b.NumRows()); i++ {
			var id [16]byte
			copy(id[:], eid.Value(i))
			if ids[id] || id[6]>>4 != 4 {
				t.Fatalf("event id %x duplicate or not a v4 UUID", id)
			}
			ids[id] = true
			if b.Column(1).IsNull(i) {
				anon++
			}
			if b.Column(2).(*array.String).Value(i) == "purchase" {
				purchases++
			}
			var props map[string]any
			if err := json.Unmarshal([]byte(b.Column(3).(*array.String).Value(i)), &props); err != nil {
				t.Fatalf("properties not JSON: %v", err)
			}
		}
	})
	if anon == 0 || anon > len(ids)/2 || purchases == 0 {
		t.Errorf("%d events: %d anonymous, %d purchases", len(ids), anon, purchases)
	}
}

func itoa(i int32) string {
	b, _ := json.Marshal(i)
	return string(b)
}
