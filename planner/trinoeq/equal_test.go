package trinoeq

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/trinodb/trino-go-client/trino"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/router"
	"github.com/sluicesql/sluice/router/trinotest"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/catalog/demolake"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// trinoLake is a real Trino whose hive catalog reads the lake directory
// the local engine reads: the TPC-H tables (written by Trino from its tpch
// connector, tiny scale) and the demo lake's tables (written by Sluice's
// demolake, registered in Trino as external tables).
type trinoLake struct {
	db   *sql.DB
	lake *catalog.Lake
	url  string
}

// repoRoot finds the module root from this file.
func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(filepath.Dir(file)))
}

// startTrino starts a Trino with a hive catalog over a new lake directory,
// or uses the one SLUICE_TRINO_URL names (its hive catalog must read
// SLUICE_TRINO_LAKE).
func startTrino(t *testing.T) (url, lakeDir string) {
	if u := os.Getenv("SLUICE_TRINO_URL"); u != "" {
		return u, os.Getenv("SLUICE_TRINO_LAKE")
	}
	// The demo lake first: it is written only into an empty directory.
	lakeDir = filepath.Join(t.TempDir(), "lake")
	if err := demolake.Write(lakeDir, 7, 0.2); err != nil {
		t.Fatal(err)
	}
	return trinotest.Start(t, trinotest.Options{Lake: lakeDir}).URL, lakeDir
}

// tpchColumns are the TPC-H tables with their columns as the tpch
// connector names them (without prefixes), the prefix the specification
// gives them, and the decimal columns (the connector's are double).
var tpchColumns = []struct {
	table, prefix string
	cols          []string
}{
	{"region", "r_", []string{"regionkey", "name", "comment"}},
	{"nation", "n_", []string{"nationkey", "name", "regionkey", "comment"}},
	{"part", "p_", []string{"partkey", "name", "mfgr", "brand", "type", "size", "container", "retailprice:dec", "comment"}},
	{"supplier", "s_", []string{"suppkey", "name", "address", "nationkey", "phone", "acctbal:dec", "comment"}},
	{"partsupp", "ps_", []string{"partkey", "suppkey", "availqty", "supplycost:dec", "comment"}},
	{"customer", "c_", []string{"custkey", "name", "address", "nationkey", "phone", "acctbal:dec", "mktsegment", "comment"}},
	{"orders", "o_", []string{"orderkey", "custkey", "orderstatus", "totalprice:dec", "orderdate", "orderpriority", "clerk", "shippriority", "comment"}},
	{"lineitem", "l_", []string{"orderkey", "partkey", "suppkey", "linenumber", "quantity:dec", "extendedprice:dec", "discount:dec", "tax:dec",
		"returnflag", "linestatus", "shipdate", "commitdate", "receiptdate", "shipinstruct", "shipmode", "comment"}},
}

func (tl *trinoLake) exec(t *testing.T, q string) {
	t.Helper()
	rows, err := tl.db.Query(q)
	if err != nil {
		t.Fatalf("Trino: %s: %v", q, err)
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("Trino: %s: %v", q, err)
	}
	rows.Close()
}

// setupTrinoLake writes the demo lake, materialises TPC-H tiny with Trino
// into the same directory, and registers the demo lake's tables in Trino.
func setupTrinoLake(t *testing.T) *trinoLake {
	url, lakeDir := startTrino(t)
	db, err := sql.Open("trino", strings.Replace(url, "://", "://sluice@", 1)+"?catalog=hive&schema=default")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tl := &trinoLake{db: db, url: url}
	if !demolake.Exists(lakeDir) {
		if entries, _ := os.ReadDir(lakeDir); len(entries) > 0 {
			t.Fatalf("lake %s holds something that is not the demo lake", lakeDir)
		}
		if err := demolake.Write(lakeDir, 7, 0.2); err != nil {
			t.Fatal(err)
		}
	}
	lake, err := catalog.OpenLake(lakeDir, catalog.LakeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// TPC-H tiny: CTAS from the tpch connector, spec column names,
	// decimals as the specification has them.
	if err := os.MkdirAll(filepath.Join(lakeDir, "tpch"), 0o755); err != nil {
		t.Fatal(err)
	}
	tl.exec(t, "CREATE SCHEMA IF NOT EXISTS hive.tpch WITH (location = 'local:///tpch')")
	// The file metastore keeps managed tables under its own directory:
	// external tables put the files in the lake's tpch layer.
	for _, tb := range tpchColumns {
		types := map[string]string{}
		rows, err := tl.db.Query("SELECT column_name, data_type FROM tpch.information_schema.columns WHERE table_schema = 'tiny' AND table_name = '" + tb.table + "'")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n, typ string
			if err := rows.Scan(&n, &typ); err != nil {
				t.Fatal(err)
			}
			types[n] = typ
		}
		rows.Close()
		items := make([]string, len(tb.cols))
		defs := make([]string, len(tb.cols))
		for i, c := range tb.cols {
			name, dec := strings.CutSuffix(c, ":dec")
			// The connector names columns with or without the prefix
			// (tpch.column-naming).
			src := name
			typ := types[name]
			if typ == "" {
				src = tb.prefix + name
				typ = types[src]
			}
			if dec && typ != "" {
				typ = "decimal(15,2)"
			}
			if typ == "" {
				t.Fatalf("tpch.tiny.%s has no column %s", tb.table, name)
			}
			items[i] = fmt.Sprintf("CAST(%s AS %s)", src, typ)
			defs[i] = tb.prefix + name + " " + typ
		}
		if _, err := os.Stat(filepath.Join(lakeDir, "tpch", tb.table)); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Join(lakeDir, "tpch", tb.table), 0o755); err != nil {
			t.Fatal(err)
		}
		tl.exec(t, fmt.Sprintf("CREATE TABLE hive.tpch.%s (%s) WITH (format = 'PARQUET', external_location = 'local:///tpch/%s')",
			tb.table, strings.Join(defs, ", "), tb.table))
		tl.exec(t, fmt.Sprintf("INSERT INTO hive.tpch.%s SELECT %s FROM tpch.tiny.%s", tb.table, strings.Join(items, ", "), tb.table))
	}
	// The demo lake's tables, readable by Trino's hive catalog.
	if err := RegisterLake(context.Background(), db, lakeDir, lake.Current(), "silver", "gold"); err != nil {
		t.Fatal(err)
	}
	if _, err := lake.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	tl.lake = lake
	return tl
}

type testEnv struct{ path []string }

func (e testEnv) SearchPath() []string { return e.path }
func (testEnv) Setting(name string) (string, bool) {
	if name == "server_version" {
		return "15.0", true
	}
	return "", false
}
func (testEnv) Database() string                { return "sluice" }
func (testEnv) User() string                    { return "sluice" }
func (testEnv) ValueSettings() *pgtype.Settings { return pgtype.DefaultSettings() }

// canon renders one value for comparison: numbers to 8 significant digits
// (Trino's decimal arithmetic keeps other scales than PostgreSQL's),
// times in UTC to the microsecond (the test Trino's hive catalog reads
// timestamps in microseconds: hive.timestamp-precision in scripts/trino.sh).
func canon(typ pgtype.Type, v any) string {
	if v == nil {
		return "NULL"
	}
	num := func(f float64) string {
		if f == 0 {
			return "0"
		}
		return strconv.FormatFloat(f, 'g', 8, 64)
	}
	switch x := v.(type) {
	case pgtype.NumericValue:
		f, _ := new(big.Float).SetInt(x.Coef).Float64()
		return num(f / math.Pow10(int(x.Scale)))
	case float64:
		return num(x)
	case float32:
		return num(float64(x))
	case int64:
		if typ.OID == pgtype.NumericOID || typ.OID == pgtype.Float8OID {
			return num(float64(x))
		}
		return strconv.FormatInt(x, 10)
	case pgtype.DateValue:
		return time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02")
	case pgtype.TimestampValue:
		return time.UnixMicro(int64(x)).UTC().Format("2006-01-02 15:04:05.000000")
	case time.Time:
		if typ.OID == pgtype.DateOID {
			return x.Format("2006-01-02")
		}
		if typ.OID == pgtype.TimestampOID {
			return time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC).Format("2006-01-02 15:04:05.000000")
		}
		return x.UTC().Format("2006-01-02 15:04:05.000000")
	case string:
		switch typ.OID {
		case pgtype.NumericOID, pgtype.Float8OID, pgtype.Float4OID:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return num(f)
			}
		}
		return strconv.Quote(x)
	case bool:
		return strconv.FormatBool(x)
	case pgtype.Array:
		parts := make([]string, len(x.Elements))
		for i, e := range x.Elements {
			parts[i] = canon(x.Elem, e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canon(typ.Elem(), e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprintf("%v", v)
}

// runBoth runs a query on the local engine and, translated, on Trino, and
// returns both results as canonical rows, sorted unless ordered.
func (tl *trinoLake) runBoth(t *testing.T, query string, path []string, params []pgtype.Datum, ordered bool) (local, remote []string, trinoSQL string, err error) {
	p := planner.New()
	stmts, err := p.Parse(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	q := stmts[0].(*planner.Query)
	st := tl.lake.Current()
	b, err := p.Bind(q, st, testEnv{path}, nil)
	if err != nil {
		return nil, nil, "", fmt.Errorf("local bind: %w", err)
	}
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	trinoSQL, err = planner.TrinoSQL(b, params, planner.TrinoTarget{Catalog: "hive", Now: now})
	if err != nil {
		return nil, nil, "", err
	}
	ctx := context.Background()
	stream, err := engine.New().Execute(ctx, b.Root, params, engine.WithNow(now), engine.WithCatalog(st, path, "sluice"))
	if err != nil {
		t.Fatalf("local: %s: %v", query, err)
	}
	for {
		rec, err := stream.Next(ctx)
		if err != nil {
			stream.Close()
			return nil, nil, trinoSQL, fmt.Errorf("local run: %w", err)
		}
		if rec == nil {
			break
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			cells := make([]string, len(b.Columns))
			for c, col := range b.Columns {
				cells[c] = canon(col.Type, pgtype.DatumAt(col.Type, rec.Column(c), i))
			}
			local = append(local, strings.Join(cells, " | "))
		}
		rec.Release()
	}
	stream.Close()
	rows, err := tl.db.Query(trinoSQL)
	if err != nil {
		t.Fatalf("Trino rejected the translation of\n%s\nas\n%s\n%v", query, trinoSQL, err)
	}
	defer rows.Close()
	for rows.Next() {
		vals := make([]any, len(b.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(vals))
		for c, col := range b.Columns {
			cells[c] = canon(col.Type, vals[c])
		}
		remote = append(remote, strings.Join(cells, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("Trino failed running the translation of\n%s\nas\n%s\n%v", query, trinoSQL, err)
	}
	if !ordered {
		sort.Strings(local)
		sort.Strings(remote)
	}
	return local, remote, trinoSQL, nil
}

// runExact runs a query on the local engine and on Trino as the gateway
// forwards it (planner.TrinoExact: Trino computes the operands of numeric
// quotients, engine.Finish divides them), through the router, and returns
// both results as rows whose numerics are PostgreSQL's text, byte for byte;
// other values are canonical as in runBoth.
func (tl *trinoLake) runExact(t *testing.T, rt *router.Router, query string, path []string) (local, remote []string, trinoSQL string, err error) {
	p := planner.New()
	stmts, err := p.Parse(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	b, err := p.Bind(stmts[0].(*planner.Query), tl.lake.Current(), testEnv{path}, nil)
	if err != nil {
		return nil, nil, "", fmt.Errorf("local bind: %w", err)
	}
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	exact, finish := planner.TrinoExact(b)
	trinoSQL, err = planner.TrinoSQL(exact, nil, planner.TrinoTarget{Catalog: "hive", Now: now})
	if err != nil {
		return nil, nil, "", err
	}
	ctx := context.Background()
	settings := pgtype.DefaultSettings()
	read := func(stream engine.Stream) ([]string, error) {
		defer stream.Close()
		var out []string
		for {
			rec, err := stream.Next(ctx)
			if err != nil || rec == nil {
				return out, err
			}
			for i := 0; i < int(rec.NumRows()); i++ {
				cells := make([]string, len(b.Columns))
				for c, col := range b.Columns {
					d := pgtype.DatumAt(col.Type, rec.Column(c), i)
					if col.Type.OID == pgtype.NumericOID && d != nil {
						txt, err := pgtype.AppendText(nil, col.Type, d, settings)
						if err != nil {
							return nil, err
						}
						cells[c] = string(txt)
						continue
					}
					cells[c] = canon(col.Type, d)
				}
				out = append(out, strings.Join(cells, " | "))
			}
			rec.Release()
		}
	}
	stream, err := engine.New().Execute(ctx, b.Root, nil, engine.WithNow(now), engine.WithCatalog(tl.lake.Current(), path, "sluice"))
	if err != nil {
		t.Fatalf("local: %s: %v", query, err)
	}
	if local, err = read(stream); err != nil {
		return nil, nil, trinoSQL, fmt.Errorf("local run: %w", err)
	}
	types := make([]pgtype.Type, len(exact.Columns))
	fields := make([]arrow.Field, len(exact.Columns))
	for i, c := range exact.Columns {
		types[i] = c.Type
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type.ArrowType(), Nullable: true}
	}
	res, err := rt.Execute(ctx, "t", router.Request{SQL: trinoSQL, Columns: arrow.NewSchema(fields, nil), Types: types})
	if err != nil {
		t.Fatalf("Trino rejected the translation of\n%s\nas\n%s\n%v", query, trinoSQL, err)
	}
	var out engine.Stream = res
	if finish != nil {
		if out, err = engine.Finish(res, finish, b.Columns, nil, engine.WithNow(now)); err != nil {
			t.Fatal(err)
		}
	}
	if remote, err = read(out); err != nil {
		t.Fatalf("Trino failed running the translation of\n%s\nas\n%s\n%v", query, trinoSQL, err)
	}
	return local, remote, trinoSQL, nil
}

func diffRows(local, remote []string) string {
	if len(local) != len(remote) {
		return fmt.Sprintf("%d rows locally, %d on Trino\nlocal: %.600s\ntrino: %.600s", len(local), len(remote), strings.Join(local, "\n"), strings.Join(remote, "\n"))
	}
	for i := range local {
		if local[i] != remote[i] {
			return fmt.Sprintf("row %d differs:\nlocal: %s\ntrino: %s", i+1, local[i], remote[i])
		}
	}
	return ""
}

// router is a router over the test's Trino: one tier, t.
func (tl *trinoLake) router(t *testing.T) *router.Router {
	rt, err := router.New(router.Config{HealthInterval: time.Second, ProgressInterval: time.Hour, Tiers: []router.TierConfig{{
		Name: "t", Clusters: []router.ClusterConfig{{Name: "trino", URL: tl.url}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	return rt
}

// TestTrinoEqualsLocal runs the 22 TPC-H queries and the BI idioms of the
// client corpus on the local engine and, translated, on a real Trino over
// the same files, and compares the rows.
func TestTrinoEqualsLocal(t *testing.T) {
	tl := setupTrinoLake(t)
	t.Run("tpch", func(t *testing.T) {
		rt := tl.router(t)
		for n := 1; n <= 22; n++ {
			text, err := os.ReadFile(filepath.Join(repoRoot(t), "bench", "tpch", "queries", fmt.Sprintf("q%02d.sql", n)))
			if err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("q%02d", n), func(t *testing.T) {
				local, remote, tsql, err := tl.runExact(t, rt, string(text), []string{"tpch"})
				if err != nil {
					t.Fatalf("%v\n%s", err, tsql)
				}
				if len(local) == 0 {
					t.Fatalf("no rows: the data does not exercise the query")
				}
				if d := diffRows(local, remote); d != "" {
					t.Fatalf("%s\nTrino SQL: %s", d, tsql)
				}
			})
		}
	})
	t.Run("corpus", func(t *testing.T) {
		f, err := os.Open("/work/shared/corpus/pg-clients.jsonl")
		if err != nil {
			f, err = os.Open(filepath.Join(repoRoot(t), "testdata", "corpus", "pg-clients.jsonl"))
		}
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var compared, untranslatable, unbound int
		seen := map[string]bool{}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var rec struct{ Kind, SQL string }
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatal(err)
			}
			lower := strings.ToLower(rec.SQL)
			if rec.Kind != "user" || seen[rec.SQL] || !strings.HasPrefix(strings.TrimSpace(lower), "select") && !strings.HasPrefix(strings.TrimSpace(lower), "with") ||
				strings.Contains(rec.SQL, "$1") || strings.Contains(lower, "l_orderkey") || strings.Contains(lower, "ps_partkey") ||
				strings.Contains(lower, "now()") || strings.Contains(lower, "current_") {
				continue
			}
			seen[rec.SQL] = true
			// Rows compare as multisets (ties may order either way); a
			// LIMIT without ORDER BY may pick any rows, so only the count
			// must agree.
			local, remote, tsql, err := tl.runBoth(t, rec.SQL, []string{"gold", "public"}, nil, false)
			switch {
			case err != nil && strings.HasPrefix(err.Error(), "local"):
				unbound++
				continue
			case err != nil:
				untranslatable++
				t.Logf("not translated: %s: %v", rec.SQL, err)
				continue
			}
			compared++
			if (strings.Contains(lower, " limit ") || strings.Contains(lower, " fetch first ")) && !strings.Contains(lower, "order by") {
				if len(local) != len(remote) {
					t.Errorf("%s\n%d rows locally, %d on Trino", rec.SQL, len(local), len(remote))
				}
				continue
			}
			if d := diffRows(local, remote); d != "" {
				t.Errorf("%s\n%s\nTrino SQL: %s", rec.SQL, d, tsql)
			}
		}
		t.Logf("corpus: %d compared, %d not translatable, %d not run locally", compared, untranslatable, unbound)
		if compared < 25 {
			t.Fatalf("only %d corpus statements compared", compared)
		}
	})
}
