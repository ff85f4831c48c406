package engine_test

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtest"
	"github.com/sluicesql/sluice/wire/pgtype"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	pg.Stop()
	os.Exit(code)
}

// orderRow is one generated row of gold.orders.
type orderRow struct {
	id       int64
	customer int32
	status   *string
	cents    int64
	created  time.Time
	dt       string
}

func genOrders(n int) []orderRow {
	r := rand.New(rand.NewPCG(42, 7))
	statuses := []string{"pending", "paid", "shipped", "delivered", "cancelled", "refunded"}
	days := []string{"2026-11-19", "2026-11-20", "2026-11-21"}
	rows := make([]orderRow, n)
	for i := range rows {
		day := days[i%len(days)]
		base, _ := time.Parse("2006-01-02", day)
		var st *string
		if r.IntN(20) != 0 {
			s := statuses[r.IntN(len(statuses))]
			st = &s
		}
		rows[i] = orderRow{
			id:       int64(i + 1),
			customer: int32(r.IntN(60) + 1),
			status:   st,
			cents:    int64(r.IntN(100000)) + 1,
			created:  base.Add(time.Duration(r.IntN(86400)) * time.Second).Add(time.Duration(r.IntN(1000)) * time.Millisecond),
			dt:       day,
		}
	}
	return rows
}

// writeLake writes rows as gold/orders partitioned by dt.
func writeLake(t *testing.T, dir string, rows []orderRow) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "created_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	}, nil)
	byDay := map[string][]orderRow{}
	for _, r := range rows {
		byDay[r.dt] = append(byDay[r.dt], r)
	}
	for day, part := range byDay {
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for _, r := range part {
			b.Field(0).(*array.Int64Builder).Append(r.id)
			b.Field(1).(*array.Int32Builder).Append(r.customer)
			if r.status == nil {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.StringBuilder).Append(*r.status)
			}
			b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(r.cents))
			b.Field(4).(*array.TimestampBuilder).Append(arrow.Timestamp(r.created.UnixMicro()))
		}
		rec := b.NewRecordBatch()
		b.Release()
		p := filepath.Join(dir, "gold", "orders", "dt="+day)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(p, "part-0.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		// amount as INT64 pages, as TPC-H's files hold decimals: the scan
		// reads them into Decimal64 without pqarrow.
		props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(300),
			parquet.WithStoreDecimalAsInteger(true))
		w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
}

// customerRow is one generated row of gold.customers. Customer ids 51-54
// are missing and 61-80 have no orders, so joins meet unmatched rows on
// both sides.
type customerRow struct {
	id      int32
	name    string
	country *string
	segment string
}

func genCustomers() []customerRow {
	r := rand.New(rand.NewPCG(11, 3))
	countries := []string{"FR", "DE", "US", "JP", "BR"}
	segments := []string{"retail", "smb", "enterprise"}
	var rows []customerRow
	for id := int32(1); id <= 80; id++ {
		if id >= 51 && id <= 54 {
			continue
		}
		var c *string
		if r.IntN(8) != 0 {
			s := countries[r.IntN(len(countries))]
			c = &s
		}
		rows = append(rows, customerRow{id: id, name: fmt.Sprintf("customer %02d", id), country: c, segment: segments[r.IntN(len(segments))]})
	}
	return rows
}

// writeCustomers writes gold/customers as one unpartitioned file.
func writeCustomers(t *testing.T, dir string, rows []customerRow) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "country", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "segment", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.Int32Builder).Append(r.id)
		b.Field(1).(*array.StringBuilder).Append(r.name)
		if r.country == nil {
			b.Field(2).AppendNull()
		} else {
			b.Field(2).(*array.StringBuilder).Append(*r.country)
		}
		b.Field(3).(*array.StringBuilder).Append(r.segment)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	p := filepath.Join(dir, "gold", "customers")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(p, "part-0.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(30))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
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

func loadCustomers(t *testing.T, ctx context.Context, conn *pgx.Conn, rows []customerRow) {
	t.Helper()
	if _, err := conn.Exec(ctx, `CREATE TABLE gold.customers(customer_id int, name text COLLATE "C", country text COLLATE "C", segment text COLLATE "C")`); err != nil {
		t.Fatal(err)
	}
	src := make([][]any, len(rows))
	for i, r := range rows {
		var c any
		if r.country != nil {
			c = *r.country
		}
		src[i] = []any{r.id, r.name, c, r.segment}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"gold", "customers"}, []string{"customer_id", "name", "country", "segment"}, pgx.CopyFromRows(src)); err != nil {
		t.Fatalf("copy customers: %v", err)
	}
}

// loadPostgres creates the same table in the oracle.
func loadPostgres(t *testing.T, ctx context.Context, conn *pgx.Conn, rows []orderRow) {
	t.Helper()
	for _, s := range []string{
		`DROP SCHEMA IF EXISTS gold CASCADE`,
		`CREATE SCHEMA gold`,
		// C collation: Sluice orders text by bytes.
		`CREATE TABLE gold.orders(order_id bigint, customer_id int, status text COLLATE "C", amount numeric(12,2), created_at timestamptz, dt date)`,
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	src := make([][]any, len(rows))
	for i, r := range rows {
		var st any
		if r.status != nil {
			st = *r.status
		}
		amount := new(big.Rat).SetFrac64(r.cents, 100).FloatString(2)
		day, _ := time.Parse("2006-01-02", r.dt)
		src[i] = []any{r.id, r.customer, st, amount, r.created, day}
	}
	_, err := conn.CopyFrom(ctx, pgx.Identifier{"gold", "orders"},
		[]string{"order_id", "customer_id", "status", "amount", "created_at", "dt"}, pgx.CopyFromRows(src))
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
}

type testEnv struct {
	db       string
	settings *pgtype.Settings
}

func (e testEnv) SearchPath() []string { return []string{"gold"} }
func (e testEnv) Setting(name string) (string, bool) {
	switch strings.ToLower(name) {
	case "timezone":
		return e.settings.TimeZone.String(), true
	case "datestyle":
		return "ISO, MDY", true
	case "intervalstyle":
		return "postgres", true
	case "extra_float_digits":
		return "1", true
	case "server_version":
		return "15.0", true
	}
	return "", false
}
func (e testEnv) Database() string                { return e.db }
func (e testEnv) User() string                    { return "postgres" }
func (e testEnv) ValueSettings() *pgtype.Settings { return e.settings }

type result struct {
	cols []string
	rows []string
	code string
}

func runSluice(ctx context.Context, p *planner.Planner, eng *engine.Engine, state *catalog.State, settings *pgtype.Settings, sql string) result {
	stmts, err := p.Parse(sql)
	if err != nil {
		return result{code: pgerr.Code(err)}
	}
	q, ok := stmts[0].(*planner.Query)
	if !ok {
		return result{code: "not a query"}
	}
	bound, err := p.Bind(q, state, testEnv{db: "postgres", settings: settings}, nil)
	if err != nil {
		return result{code: pgerr.Convert(err).Code}
	}
	st, err := eng.Execute(ctx, bound.Root, nil, engine.WithSettings(settings), engine.WithCatalog(state, testEnv{}.SearchPath(), testEnv{}.User()))
	if err != nil {
		return result{code: pgerr.Convert(err).Code}
	}
	defer st.Close()
	var res result
	for _, c := range bound.Columns {
		res.cols = append(res.cols, fmt.Sprintf("%s:%d(%d)", c.Name, c.Type.OID, c.Type.Typmod))
	}
	for {
		b, err := st.Next(ctx)
		if err != nil {
			return result{code: pgerr.Convert(err).Code}
		}
		if b == nil {
			break
		}
		for r := 0; r < int(b.NumRows()); r++ {
			var fields []string
			for c := 0; c < int(b.NumCols()); c++ {
				d := pgtype.DatumAt(bound.Columns[c].Type, b.Column(c), r)
				if d == nil {
					fields = append(fields, "NULL")
					continue
				}
				txt, err := pgtype.AppendText(nil, bound.Columns[c].Type, d, settings)
				if err != nil {
					fields = append(fields, "!"+err.Error())
					continue
				}
				fields = append(fields, string(txt))
			}
			res.rows = append(res.rows, strings.Join(fields, "|"))
		}
		b.Release()
	}
	return res
}

func runPostgres(ctx context.Context, conn *pgx.Conn, sql string) result {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return result{code: pgerr.Code(pgErr(err))}
	}
	defer rows.Close()
	var res result
	for _, f := range rows.FieldDescriptions() {
		res.cols = append(res.cols, fmt.Sprintf("%s:%d(%d)", f.Name, f.DataTypeOID, f.TypeModifier))
	}
	for rows.Next() {
		var fields []string
		for _, v := range rows.RawValues() {
			if v == nil {
				fields = append(fields, "NULL")
			} else {
				fields = append(fields, string(v))
			}
		}
		res.rows = append(res.rows, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		return result{code: pgerr.Code(pgErr(err))}
	}
	return res
}

func readStatements(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	return out
}

// TestSelectAgainstPostgres runs every testdata/sql/*.test file on Sluice's
// planner and engine and on a real PostgreSQL holding the same rows.
// A statement "SET TimeZone = 'zone';" changes the zone of both sides for
// the rest of its file (each file starts in UTC).
func TestSelectAgainstPostgres(t *testing.T) {
	ctx := context.Background()
	rows := genOrders(1500)
	customers := genCustomers()
	lakeDir := t.TempDir()
	writeLake(t, lakeDir, rows)
	writeCustomers(t, lakeDir, customers)
	lake, err := catalog.OpenLake(lakeDir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := pg.Get(t)
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	loadPostgres(t, ctx, conn, rows)
	loadCustomers(t, ctx, conn, customers)
	if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'; SET search_path = gold"); err != nil {
		t.Fatal(err)
	}

	p := planner.New()
	// Released buffers are poisoned: a result read from a buffer after
	// its batch was released differs from PostgreSQL's.
	eng := engine.PoisonFreedBuffers(engine.New())
	files, err := filepath.Glob(filepath.Join("..", "testdata", "sql", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/sql/*.test files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			settings := pgtype.DefaultSettings()
			if _, err := conn.Exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
				t.Fatal(err)
			}
			for _, sql := range readStatements(t, file) {
				if zone, ok := setTimeZone(sql); ok {
					loc, err := time.LoadLocation(zone)
					if err != nil {
						t.Fatalf("%s: %v", sql, err)
					}
					if _, err := conn.Exec(ctx, sql); err != nil {
						t.Fatalf("%s: %v", sql, err)
					}
					settings = pgtype.DefaultSettings()
					settings.TimeZone = loc
					continue
				}
				t.Run(sql, func(t *testing.T) { compareWithPostgres(t, ctx, conn, p, eng, lake.Current(), settings, sql) })
			}
		})
	}
}

// setTimeZone recognises the runner's one session statement.
func setTimeZone(sql string) (string, bool) {
	f := strings.Fields(strings.TrimSuffix(sql, ";"))
	if len(f) == 4 && strings.EqualFold(f[0], "SET") && strings.EqualFold(f[1], "TimeZone") && f[2] == "=" {
		return strings.Trim(f[3], "'"), true
	}
	return "", false
}

func compareWithPostgres(t *testing.T, ctx context.Context, conn *pgx.Conn, p *planner.Planner, eng *engine.Engine, state *catalog.State, settings *pgtype.Settings, sql string) {
	want := runPostgres(ctx, conn, sql)
	got := runSluice(ctx, p, eng, state, settings, sql)
	if want.code != "" || got.code != "" {
		if want.code != got.code {
			t.Fatalf("SQLSTATE: postgres %q, sluice %q", want.code, got.code)
		}
		return
	}
	if strings.Join(want.cols, ",") != strings.Join(got.cols, ",") {
		t.Fatalf("columns:\npostgres %v\nsluice   %v", want.cols, got.cols)
	}
	if !strings.Contains(strings.ToUpper(sql), "ORDER BY") {
		sort.Strings(want.rows)
		sort.Strings(got.rows)
	}
	if len(want.rows) != len(got.rows) {
		t.Fatalf("row count: postgres %d, sluice %d\npostgres %v\nsluice   %v", len(want.rows), len(got.rows), head(want.rows), head(got.rows))
	}
	for i := range want.rows {
		if want.rows[i] != got.rows[i] {
			t.Fatalf("row %d:\npostgres %s\nsluice   %s", i, want.rows[i], got.rows[i])
		}
	}
}

func head(rows []string) []string {
	if len(rows) > 5 {
		return rows[:5]
	}
	return rows
}

func pgErr(err error) error {
	type sqlState interface{ SQLState() string }
	if s, ok := err.(sqlState); ok {
		return pgerr.New(s.SQLState(), "%s", err.Error())
	}
	return err
}
