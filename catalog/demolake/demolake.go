// Package demolake writes the demo lakehouse `sluice demo` serves: a small,
// realistic e-commerce medallion lake of Hive-style partitioned Parquet,
// generated deterministically from a seed (same seed and scale, same bytes).
// WriteWith can write the gold layer as Apache Iceberg tables instead, in
// the lake directory's embedded SQL catalog (catalog.EmbeddedIcebergDir),
// so that both kinds of table are served; `sluice demo` does.
//
//	raw/events/dt=YYYY-MM-DD/      clickstream: one row per page view, search, cart, purchase
//	bronze/orders/dt=YYYY-MM-DD/   orders as ingested: every field text, duplicates, messy casing
//	silver/orders/dt=YYYY-MM-DD/   orders cleaned, deduplicated and typed
//	gold/orders/dt=YYYY-MM-DD/     order_id, customer_id, status, amount, created_at (+ dt)
//	gold/customers/                customer_id, name, email, country, segment, is_active, created_at
//	gold/products/                 product_id, name, category, price, is_active, created_at
//	gold/daily_revenue/            dt, orders, customers, revenue, avg_order_value
//
// The gold tables follow the schema the client corpus was captured against
// (../shared/corpus), so its statements run against the demo. The 30 days
// of data end on EndDate. gold.daily_revenue counts only orders that were
// not cancelled or refunded: it is computed from the same rows as
// gold.orders.
//
// It knows Parquet and the catalog's lake layout, nothing of SQL or serving.
package demolake

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// EndDate is the last day of the demo data (UTC); Days days end there.
var EndDate = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

// Days of data in the date-partitioned tables.
const Days = 30

// Row counts at scale 1; --scale multiplies them.
const (
	baseOrders    = 50_000
	baseCustomers = 5_000
	baseProducts  = 500
	baseEvents    = 300_000
)

// markerName is written last into a finished lake; its leading underscore
// keeps it out of the catalog.
const markerName = "_sluice_demo.json"

type marker struct {
	Generator string  `json:"generator"`
	Seed      int64   `json:"seed"`
	Scale     float64 `json:"scale"`
	EndDate   string  `json:"end_date"`
	Days      int     `json:"days"`
}

// Exists reports whether dir holds a finished demo lake.
func Exists(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, markerName))
	return err == nil && st.Mode().IsRegular()
}

// Write generates the lake into dir, which must not exist or be empty. The
// lake is written into a temporary sibling directory and renamed into
// place, so a reader never sees half of it.
func Write(dir string, seed int64, scale float64) error {
	return WriteWith(dir, seed, scale, Options{})
}

// Options choose how the lake is written.
type Options struct {
	// GoldIceberg writes gold.orders (partitioned by day), gold.customers,
	// gold.products and gold.daily_revenue as Iceberg tables of the lake's
	// embedded SQL catalog (namespace gold), with table comments, column
	// docs and identifier fields, instead of Hive-style folders. Their
	// rows are the same; Iceberg metadata holds ids and times, so such a
	// lake is not the same bytes twice.
	GoldIceberg bool
}

// WriteWith is Write with options.
func WriteWith(dir string, seed int64, scale float64, opts Options) error {
	if !(scale > 0) || scale > 1000 {
		return fmt.Errorf("demo lake scale must be in (0, 1000], got %v", scale)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(abs); err == nil && len(entries) > 0 {
		return fmt.Errorf("demo lake directory %s is not empty", abs)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".writing-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename

	l, err := generate(tmp, seed, scale, opts)
	if err != nil {
		return err
	}
	m, _ := json.MarshalIndent(marker{"sluice demolake v1", seed, scale, EndDate.Format(time.DateOnly), Days}, "", "  ")
	writeMarker := func(dir string) error {
		return os.WriteFile(filepath.Join(dir, markerName), append(m, '\n'), 0o644)
	}
	if !opts.GoldIceberg {
		if err := writeMarker(tmp); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	// An empty target goes first (os.Rename refuses any existing
	// directory); a non-empty one, say a lake written meanwhile by someone
	// else, makes both Remove and Rename fail rather than be clobbered.
	if err := os.Remove(abs); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("demo lake directory %s: %w", abs, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("moving the demo lake into place: %w", err)
	}
	if opts.GoldIceberg {
		// Iceberg metadata holds absolute file locations, so its tables
		// are written in place; the marker comes last, so an interrupted
		// run leaves a directory Exists does not take for a demo lake.
		if err := l.gold.(*icebergGold).commit(abs); err != nil {
			return fmt.Errorf("writing the gold layer as Iceberg tables: %w", err)
		}
		if err := writeMarker(abs); err != nil {
			return err
		}
	}
	return nil
}

func scaled(base int, scale float64) int {
	return max(1, int(math.Round(float64(base)*scale)))
}

// lake is the generated data, before it is written.
type lake struct {
	gold      goldWriter
	r         *rand.Rand
	days      []time.Time
	products  []product
	customers []customer
	orders    []order
}

type product struct {
	id       int32
	name     string
	category string
	cents    int64
	active   bool
	created  time.Time
}

type customer struct {
	id      int32
	name    string
	email   string
	country string // "" is NULL
	segment string
	active  bool
	created time.Time
}

type order struct {
	id       int64
	customer int32
	status   string
	cents    int64
	items    int32
	payment  string
	created  time.Time
	updated  time.Time
	products []int32
}

func generate(dir string, seed int64, scale float64, opts Options) (*lake, error) {
	l := &lake{r: rand.New(rand.NewPCG(uint64(seed), 0x5eed_51c3)), gold: hiveGold(dir)}
	if opts.GoldIceberg {
		l.gold = &icebergGold{}
	}
	first := EndDate.AddDate(0, 0, -(Days - 1))
	for d := range Days {
		l.days = append(l.days, first.AddDate(0, 0, d))
	}
	l.genProducts(scaled(baseProducts, scale))
	l.genCustomers(scaled(baseCustomers, scale))
	l.genOrders(scaled(baseOrders, scale))

	steps := []func(string) error{
		l.writeProducts, l.writeCustomers, l.writeGoldOrders, l.writeDailyRevenue,
		l.writeSilverOrders, l.writeBronzeOrders,
	}
	for _, step := range steps {
		if err := step(dir); err != nil {
			return nil, err
		}
	}
	return l, l.writeEvents(dir, scaled(baseEvents, scale))
}

// pick returns an index drawn with the given weights.
func (l *lake) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := l.r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// randomTime is a time on day d, more likely in the afternoon and evening.
func (l *lake) randomTime(d time.Time) time.Time {
	hour := l.pick(hourWeights)
	return d.Add(time.Duration(hour)*time.Hour + time.Duration(l.r.Int64N(3600_000_000))*time.Microsecond)
}

var hourWeights = []float64{2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 8, 7, 7, 7, 7, 8, 9, 10, 10, 9, 6, 4}

var (
	adjectives = []string{"Classic", "Smart", "Eco", "Ultra", "Compact", "Deluxe", "Vintage", "Pro", "Essential", "Organic", "Wireless", "Handmade"}
	categories = []struct {
		name     string
		nouns    []string
		minCents int64
		maxCents int64
	}{
		{"Electronics", []string{"Headphones", "Speaker", "Charger", "Keyboard", "Monitor", "Camera"}, 1500, 120000},
		{"Home & Kitchen", []string{"Kettle", "Blender", "Lamp", "Knife Set", "Cookware", "Rug"}, 900, 40000},
		{"Books", []string{"Novel", "Cookbook", "Atlas", "Guide", "Anthology"}, 500, 6000},
		{"Clothing", []string{"Jacket", "Sneakers", "T-Shirt", "Scarf", "Jeans"}, 1200, 25000},
		{"Sports", []string{"Yoga Mat", "Bike Helmet", "Dumbbells", "Tent", "Backpack"}, 1500, 60000},
		{"Toys", []string{"Puzzle", "Board Game", "Robot Kit", "Plush Bear"}, 800, 15000},
		{"Beauty", []string{"Face Cream", "Shampoo", "Perfume", "Brush Set"}, 600, 18000},
		{"Garden", []string{"Planter", "Hose", "Seed Kit", "Shears"}, 700, 20000},
	}
	countries      = []string{"US", "DE", "FR", "GB", "NL", "ES", "IT", "CA", "BR", "JP", "AU", "IN", "PL", "SE"}
	countryWeights = []float64{30, 12, 9, 9, 5, 5, 5, 5, 4, 4, 3, 3, 3, 3}
	segments       = []string{"consumer", "small_business", "corporate"}
	segmentWeights = []float64{70, 20, 10}
	domains        = []string{"example.com", "mail.example.net", "shop.example.org", "test.example.com"}
	domainWeights  = []float64{50, 25, 20, 5}
	payments       = []string{"card", "paypal", "bank_transfer", "gift_card"}
	paymentWeights = []float64{65, 22, 9, 4}
)

func (l *lake) genProducts(n int) {
	for i := range n {
		c := categories[l.r.IntN(len(categories))]
		// Log-uniform prices: many cheap items, a few expensive ones.
		lo, hi := math.Log(float64(c.minCents)), math.Log(float64(c.maxCents))
		cents := int64(math.Exp(lo+l.r.Float64()*(hi-lo)))/100*100 + 99
		l.products = append(l.products, product{
			id:       int32(i + 1),
			name:     adjectives[l.r.IntN(len(adjectives))] + " " + c.nouns[l.r.IntN(len(c.nouns))],
			category: c.name,
			cents:    cents,
			active:   l.r.Float64() < 0.95,
			created:  EndDate.AddDate(0, 0, -60-l.r.IntN(900)).Add(time.Duration(l.r.Int64N(86400)) * time.Second),
		})
	}
}

func (l *lake) genCustomers(n int) {
	for i := range n {
		id := int32(i + 1)
		c := customer{
			id:      id,
			name:    fmt.Sprintf("Customer %d", id),
			email:   fmt.Sprintf("c%d@%s", id, domains[l.pick(domainWeights)]),
			segment: segments[l.pick(segmentWeights)],
			active:  l.r.Float64() < 0.9,
			created: EndDate.AddDate(0, 0, -l.r.IntN(1000)).Add(time.Duration(l.r.Int64N(86400)) * time.Second),
		}
		if l.r.Float64() >= 0.04 { // some customers never said
			c.country = countries[l.pick(countryWeights)]
		}
		l.customers = append(l.customers, c)
	}
}

func (l *lake) genOrders(n int) {
	// Busier weekends and a gentle growth over the month.
	weights := make([]float64, len(l.days))
	for i, d := range l.days {
		w := 1 + 0.01*float64(i)
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 1.3
		}
		weights[i] = w
	}
	// A few loyal customers order much more than most: a power law.
	custWeight := func() int32 {
		x := math.Pow(l.r.Float64(), 2.2)
		return int32(x*float64(len(l.customers))) + 1
	}
	for range n {
		day := l.pick(weights)
		created := l.randomTime(l.days[day])
		o := order{customer: custWeight(), created: created, payment: payments[l.pick(paymentWeights)]}
		o.items = int32(1 + l.pick([]float64{55, 25, 12, 8}))
		for range o.items {
			p := l.products[l.r.IntN(len(l.products))]
			qty := int64(1 + l.pick([]float64{85, 12, 3}))
			o.cents += p.cents * qty
			o.products = append(o.products, p.id)
		}
		if l.r.Float64() < 0.15 { // a discount code
			o.cents = o.cents * 90 / 100
		}
		age := EndDate.AddDate(0, 0, 1).Sub(created)
		o.status, o.updated = l.statusFor(created, age)
		l.orders = append(l.orders, o)
	}
	slices.SortStableFunc(l.orders, func(a, b order) int { return a.created.Compare(b.created) })
	for i := range l.orders {
		l.orders[i].id = 100_001 + int64(i)
	}
}

// statusFor picks an order's current status by its age: recent orders are
// still pending or paid, older ones delivered; a few are cancelled or
// refunded.
func (l *lake) statusFor(created time.Time, age time.Duration) (string, time.Time) {
	x := l.r.Float64()
	hours := age.Hours()
	after := func(h float64) time.Time {
		t := created.Add(time.Duration(h * float64(time.Hour)))
		if end := EndDate.AddDate(0, 0, 1).Add(-time.Microsecond); t.After(end) {
			return end
		}
		return t
	}
	switch {
	case x < 0.05:
		return "cancelled", after(l.r.Float64() * min(hours, 24))
	case x < 0.08 && hours > 72:
		return "refunded", after(72 + l.r.Float64()*(hours-72))
	}
	switch {
	case hours < 2:
		return "pending", created
	case hours < 24:
		if l.r.Float64() < 0.2 {
			return "pending", created
		}
		return "paid", after(l.r.Float64() * 2)
	case hours < 72:
		return "shipped", after(24 + l.r.Float64()*(hours-24))
	case hours < 168 && l.r.Float64() < 0.4:
		return "shipped", after(24 + l.r.Float64()*48)
	}
	return "delivered", after(72 + l.r.Float64()*(hours-72))
}

func counted(status string) bool { return status != "cancelled" && status != "refunded" }

func dayOf(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// ordersByDay groups orders by the dt partition they belong to, in day order.
func (l *lake) ordersByDay() map[string][]order {
	m := map[string][]order{}
	for _, o := range l.orders {
		m[dayOf(o.created)] = append(m[dayOf(o.created)], o)
	}
	return m
}

var (
	tstz     = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	money12  = &arrow.Decimal128Type{Precision: 12, Scale: 2}
	money10  = &arrow.Decimal128Type{Precision: 10, Scale: 2}
	money14  = &arrow.Decimal128Type{Precision: 14, Scale: 2}
	str      = arrow.BinaryTypes.String
	ts       = func(t time.Time) arrow.Timestamp { return arrow.Timestamp(t.UnixMicro()) }
	dec      = func(cents int64) decimal128.Num { return decimal128.FromI64(cents) }
	required = func(name string, t arrow.DataType) arrow.Field { return arrow.Field{Name: name, Type: t} }
	nullable = func(name string, t arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: t, Nullable: true}
	}
)

func writerProps() *parquet.WriterProperties {
	return parquet.NewWriterProperties(
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithMaxRowGroupLength(128*1024),
		parquet.WithCreatedBy("sluice demolake"),
		// INT32/INT64-backed decimals, as Spark writes them: readers
		// decode them much faster than fixed-length byte arrays.
		parquet.WithStoreDecimalAsInteger(true),
	)
}

// writeFile writes one Parquet file whose rows fill appends.
func writeFile(path string, sc *arrow.Schema, fill func(b *array.RecordBuilder)) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w, err := pqarrow.NewFileWriter(sc, f, writerProps(), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := w.Close(); err != nil { // closes f
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func partFile(dir, layer, table, day string) string {
	if day == "" {
		return filepath.Join(dir, layer, table, "part-00000.parquet")
	}
	return filepath.Join(dir, layer, table, "dt="+day, "part-00000.parquet")
}

func (l *lake) writeProducts(dir string) error {
	sc := arrow.NewSchema([]arrow.Field{
		required("product_id", arrow.PrimitiveTypes.Int32),
		required("name", str),
		required("category", str),
		required("price", money10),
		required("is_active", arrow.FixedWidthTypes.Boolean),
		required("created_at", tstz),
	}, nil)
	return l.gold.write("products", "", sc, func(b *array.RecordBuilder) {
		for _, p := range l.products {
			b.Field(0).(*array.Int32Builder).Append(p.id)
			b.Field(1).(*array.StringBuilder).Append(p.name)
			b.Field(2).(*array.StringBuilder).Append(p.category)
			b.Field(3).(*array.Decimal128Builder).Append(dec(p.cents))
			b.Field(4).(*array.BooleanBuilder).Append(p.active)
			b.Field(5).(*array.TimestampBuilder).Append(ts(p.created))
		}
	})
}

func (l *lake) writeCustomers(dir string) error {
	sc := arrow.NewSchema([]arrow.Field{
		required("customer_id", arrow.PrimitiveTypes.Int32),
		required("name", str),
		required("email", str),
		nullable("country", str),
		required("segment", str),
		required("is_active", arrow.FixedWidthTypes.Boolean),
		required("created_at", tstz),
	}, nil)
	return l.gold.write("customers", "", sc, func(b *array.RecordBuilder) {
		for _, c := range l.customers {
			b.Field(0).(*array.Int32Builder).Append(c.id)
			b.Field(1).(*array.StringBuilder).Append(c.name)
			b.Field(2).(*array.StringBuilder).Append(c.email)
			if c.country == "" {
				b.Field(3).AppendNull()
			} else {
				b.Field(3).(*array.StringBuilder).Append(c.country)
			}
			b.Field(4).(*array.StringBuilder).Append(c.segment)
			b.Field(5).(*array.BooleanBuilder).Append(c.active)
			b.Field(6).(*array.TimestampBuilder).Append(ts(c.created))
		}
	})
}

func (l *lake) writeGoldOrders(dir string) error {
	sc := arrow.NewSchema([]arrow.Field{
		required("order_id", arrow.PrimitiveTypes.Int64),
		required("customer_id", arrow.PrimitiveTypes.Int32),
		required("status", str),
		required("amount", money12),
		required("created_at", tstz),
	}, nil)
	byDay := l.ordersByDay()
	for _, d := range l.days {
		day := dayOf(d)
		if err := l.gold.write("orders", day, sc, func(b *array.RecordBuilder) {
			for _, o := range byDay[day] {
				b.Field(0).(*array.Int64Builder).Append(o.id)
				b.Field(1).(*array.Int32Builder).Append(o.customer)
				b.Field(2).(*array.StringBuilder).Append(o.status)
				b.Field(3).(*array.Decimal128Builder).Append(dec(o.cents))
				b.Field(4).(*array.TimestampBuilder).Append(ts(o.created))
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

func (l *lake) writeDailyRevenue(dir string) error {
	sc := arrow.NewSchema([]arrow.Field{
		required("dt", arrow.FixedWidthTypes.Date32),
		required("orders", arrow.PrimitiveTypes.Int64),
		required("customers", arrow.PrimitiveTypes.Int64),
		required("revenue", money14),
		nullable("avg_order_value", money12),
	}, nil)
	byDay := l.ordersByDay()
	return l.gold.write("daily_revenue", "", sc, func(b *array.RecordBuilder) {
		for _, d := range l.days {
			var n, cents int64
			buyers := map[int32]bool{}
			for _, o := range byDay[dayOf(d)] {
				if counted(o.status) {
					n++
					cents += o.cents
					buyers[o.customer] = true
				}
			}
			b.Field(0).(*array.Date32Builder).Append(arrow.Date32FromTime(d))
			b.Field(1).(*array.Int64Builder).Append(n)
			b.Field(2).(*array.Int64Builder).Append(int64(len(buyers)))
			b.Field(3).(*array.Decimal128Builder).Append(dec(cents))
			if n == 0 {
				b.Field(4).AppendNull()
			} else {
				b.Field(4).(*array.Decimal128Builder).Append(dec(roundDiv(cents, n)))
			}
		}
	})
}

// roundDiv is a/b rounded half away from zero, as PostgreSQL's round() does
// for numeric.
func roundDiv(a, b int64) int64 {
	q, r := a/b, a%b
	if 2*abs(r) >= abs(b) {
		if (a < 0) != (b < 0) {
			q--
		} else {
			q++
		}
	}
	return q
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func (l *lake) writeSilverOrders(dir string) error {
	sc := arrow.NewSchema([]arrow.Field{
		required("order_id", arrow.PrimitiveTypes.Int64),
		required("customer_id", arrow.PrimitiveTypes.Int32),
		required("status", str),
		required("amount", money12),
		required("currency", str),
		required("items", arrow.PrimitiveTypes.Int32),
		required("payment_method", str),
		required("created_at", tstz),
		required("updated_at", tstz),
	}, nil)
	byDay := l.ordersByDay()
	for _, d := range l.days {
		day := dayOf(d)
		if err := writeFile(partFile(dir, "silver", "orders", day), sc, func(b *array.RecordBuilder) {
			for _, o := range byDay[day] {
				b.Field(0).(*array.Int64Builder).Append(o.id)
				b.Field(1).(*array.Int32Builder).Append(o.customer)
				b.Field(2).(*array.StringBuilder).Append(o.status)
				b.Field(3).(*array.Decimal128Builder).Append(dec(o.cents))
				b.Field(4).(*array.StringBuilder).Append("USD")
				b.Field(5).(*array.Int32Builder).Append(o.items)
				b.Field(6).(*array.StringBuilder).Append(o.payment)
				b.Field(7).(*array.TimestampBuilder).Append(ts(o.created))
				b.Field(8).(*array.TimestampBuilder).Append(ts(o.updated))
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

// writeBronzeOrders writes the orders as an upstream system exported them:
// all text, inconsistent casing and number formats, and about 2% of the
// records delivered twice, which silver removes.
func (l *lake) writeBronzeOrders(dir string) error {
	sc := arrow.NewSchema([]arrow.Field{
		nullable("order_id", str),
		nullable("customer_id", str),
		nullable("status", str),
		nullable("amount", str),
		nullable("currency", str),
		nullable("payment_method", str),
		nullable("created_at", str),
		nullable("updated_at", str),
		required("ingested_at", tstz),
	}, nil)
	byDay := l.ordersByDay()
	for _, d := range l.days {
		day := dayOf(d)
		if err := writeFile(partFile(dir, "bronze", "orders", day), sc, func(b *array.RecordBuilder) {
			emit := func(o order, ingested time.Time) {
				status := o.status
				switch l.r.IntN(10) {
				case 0:
					status = strings.ToUpper(status)
				case 1:
					status = " " + status + " "
				}
				amount := fmt.Sprintf("%d.%02d", o.cents/100, o.cents%100)
				if l.r.IntN(20) == 0 {
					amount = fmt.Sprintf("%d,%02d", o.cents/100, o.cents%100)
				}
				created := o.created.Format("2006-01-02T15:04:05.000000Z07:00")
				if l.r.IntN(4) == 0 {
					created = o.created.Format("2006-01-02 15:04:05.000000")
				}
				for i, s := range []string{
					fmt.Sprint(o.id), fmt.Sprint(o.customer), status, amount,
					[]string{"USD", "usd"}[l.r.IntN(2)], o.payment, created,
					o.updated.Format(time.RFC3339Nano),
				} {
					b.Field(i).(*array.StringBuilder).Append(s)
				}
				b.Field(8).(*array.TimestampBuilder).Append(ts(ingested))
			}
			for _, o := range byDay[day] {
				ingested := o.created.Add(time.Duration(1+l.r.IntN(300)) * time.Second)
				emit(o, ingested)
				if l.r.Float64() < 0.02 {
					emit(o, ingested.Add(time.Duration(1+l.r.IntN(600))*time.Second))
				}
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

var (
	eventTypes   = []string{"page_view", "product_view", "search", "add_to_cart", "checkout", "purchase"}
	eventWeights = []float64{45, 28, 8, 11, 4, 4}
	pages        = []string{"/", "/sale", "/new", "/account", "/help", "/cart"}
	referrers    = []string{"direct", "google", "newsletter", "instagram", "partner"}
	devices      = []string{"mobile", "desktop", "tablet"}
	searchTerms  = []string{"headphones", "running shoes", "gift", "lamp", "yoga", "coffee", "backpack", "puzzle"}
)

// writeEvents writes about n clickstream events in sessions of a few to a
// few dozen events, a third of them by visitors who are not logged in.
func (l *lake) writeEvents(dir string, n int) error {
	sc := arrow.NewSchema([]arrow.Field{
		required("event_id", extensions.NewUUIDType()),
		nullable("customer_id", arrow.PrimitiveTypes.Int32),
		required("session_id", str),
		required("event_type", str),
		required("page", str),
		nullable("product_id", arrow.PrimitiveTypes.Int32),
		required("ts", tstz),
		required("properties", str),
	}, nil)
	perDay := make([]int, len(l.days))
	for i := range n {
		perDay[i%len(l.days)]++
	}
	for di, d := range l.days {
		if err := writeFile(partFile(dir, "raw", "events", dayOf(d)), sc, func(b *array.RecordBuilder) {
			var evs []event
			for len(evs) < perDay[di] {
				evs = l.session(evs, d, perDay[di]-len(evs))
			}
			slices.SortStableFunc(evs, func(a, b event) int { return a.ts.Compare(b.ts) })
			uuids := b.Field(0).(*extensions.UUIDBuilder)
			for _, e := range evs {
				uuids.AppendBytes(e.id)
				if e.customer == 0 {
					b.Field(1).AppendNull()
				} else {
					b.Field(1).(*array.Int32Builder).Append(e.customer)
				}
				b.Field(2).(*array.StringBuilder).Append(e.session)
				b.Field(3).(*array.StringBuilder).Append(e.kind)
				b.Field(4).(*array.StringBuilder).Append(e.page)
				if e.product == 0 {
					b.Field(5).AppendNull()
				} else {
					b.Field(5).(*array.Int32Builder).Append(e.product)
				}
				b.Field(6).(*array.TimestampBuilder).Append(ts(e.ts))
				b.Field(7).(*array.StringBuilder).Append(e.props)
			}
		}); err != nil {
			return err
		}
	}
	return nil
}

type event struct {
	id       [16]byte
	customer int32
	session  string
	kind     string
	page     string
	product  int32
	ts       time.Time
	props    string
}

// session appends one visit's events (at most limit) on day d. Events stay
// on that day, so each lands in its dt partition.
func (l *lake) session(evs []event, d time.Time, limit int) []event {
	var customer int32
	if l.r.Float64() < 0.65 {
		customer = l.customers[l.r.IntN(len(l.customers))].id
	}
	sid := fmt.Sprintf("s_%016x", l.r.Uint64())
	t := l.randomTime(d)
	end := d.AddDate(0, 0, 1).Add(-time.Microsecond)
	device := devices[l.pick([]float64{60, 32, 8})]
	referrer := referrers[l.r.IntN(len(referrers))]
	count := min(limit, 1+int(math.Floor(math.Pow(l.r.Float64(), 2)*30)))
	for i := range count {
		e := event{customer: customer, session: sid, ts: t}
		for j := range e.id {
			e.id[j] = byte(l.r.Uint32())
		}
		e.id[6] = e.id[6]&0x0f | 0x40 // version 4
		e.id[8] = e.id[8]&0x3f | 0x80 // RFC 4122 variant
		if i == 0 {
			e.kind = "page_view"
		} else {
			e.kind = eventTypes[l.pick(eventWeights)]
		}
		props := map[string]any{"device": device}
		switch e.kind {
		case "page_view":
			e.page = pages[l.r.IntN(len(pages))]
			if i == 0 {
				props["referrer"] = referrer
			}
		case "search":
			term := searchTerms[l.r.IntN(len(searchTerms))]
			e.page = "/search?q=" + strings.ReplaceAll(term, " ", "+")
			props["query"] = term
			props["results"] = l.r.IntN(120)
		case "product_view", "add_to_cart":
			p := l.products[l.r.IntN(len(l.products))]
			e.product = p.id
			e.page = fmt.Sprintf("/products/%d", p.id)
			if e.kind == "add_to_cart" {
				props["quantity"] = 1 + l.pick([]float64{85, 12, 3})
			}
		case "checkout":
			e.page = "/checkout"
		case "purchase":
			e.page = "/checkout/complete"
			props["payment_method"] = payments[l.pick(paymentWeights)]
		}
		js, _ := json.Marshal(props) // sorted keys: deterministic
		e.props = string(js)
		evs = append(evs, e)
		t = t.Add(time.Duration(5+l.r.IntN(120)) * time.Second)
		if t.After(end) {
			break
		}
	}
	return evs
}
