package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire/pgerr"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// The catalog tables are checked the way a client sees them: the same SQL
// runs through Sluice's planner and engine over a lake, and on a real
// PostgreSQL 15 holding the same schemas and tables (created there from the
// lake's own column list, with the same row counts, then ANALYZEd so that
// reltuples and n_live_tup are exact). OIDs of user objects differ between
// the two; queries name them through {placeholders} each side resolves.

var (
	pcOrders = arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
		{Name: "created_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	pcMetrics = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int16},
		{Name: "ratio", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "big", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	pcCustomers = arrow.NewSchema([]arrow.Field{
		{Name: "customer_id", Type: arrow.PrimitiveTypes.Int32},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	}, nil)
)

// catalogPair is one lake and the PostgreSQL that mirrors it.
type catalogPair struct {
	state *catalog.State
	conn  *pgx.Conn
	p     *planner.Planner
	eng   *engine.Engine
	oids  [2]map[string]string // placeholder → OID text, Sluice then PostgreSQL
}

func newCatalogPair(t *testing.T) *catalogPair {
	t.Helper()
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-01/a.parquet"), pcOrders,
		`[{"order_id": 1, "customer_id": 1, "status": "new", "amount": "1.50", "created_at": 0},
		  {"order_id": 2, "customer_id": 2, "status": "paid", "amount": "2.00", "created_at": 0},
		  {"order_id": 3, "status": "paid"}]`)
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-02/a.parquet"), pcOrders,
		`[{"order_id": 4, "status": "new"}, {"order_id": 5, "status": "new"}]`)
	writeParquet(t, filepath.Join(dir, "gold/customers/part-0.parquet"), pcCustomers,
		`[{"customer_id": 1, "name": "a"}, {"customer_id": 2}, {"customer_id": 3}]`)
	writeParquet(t, filepath.Join(dir, "silver/events/part-0.parquet"), pcCustomers, `[{"customer_id": 1}]`)
	// Fixed-width columns only: no TOAST table in PostgreSQL.
	writeParquet(t, filepath.Join(dir, "silver/metrics/part-0.parquet"), pcMetrics, `[{"id": 1}, {"id": 2}]`)

	l, err := catalog.OpenLake(dir, catalog.LakeOptions{Database: "postgres", Roles: []string{"postgres"}})
	if err != nil {
		t.Fatal(err)
	}
	cp := &catalogPair{state: l.Current(), conn: startPostgres(t), p: planner.New(), eng: engine.New()}
	ctx := context.Background()
	for _, sc := range cp.state.Schemas {
		if sc.Name == "pg_catalog" || sc.Name == "public" || sc.Name == "information_schema" {
			continue
		}
		cp.exec(t, "create schema "+catalog.QuoteIdent(sc.Name))
		if sc.Name == catalog.SluiceSchemaName {
			// Sluice's own views: the same names and columns as views there.
			for _, tb := range sc.Tables {
				var cols []string
				for _, c := range tb.Columns {
					cols = append(cols, "NULL::"+c.Type.String()+" AS "+catalog.QuoteIdent(c.Name))
				}
				cp.exec(t, fmt.Sprintf("create view %s as select %s", tb.QualifiedName(), strings.Join(cols, ", ")))
			}
			continue
		}
		for _, tb := range sc.Tables {
			var defs, vals []string
			for _, c := range tb.Columns {
				d := catalog.QuoteIdent(c.Name) + " " + c.Type.String()
				if c.NotNull {
					d += " not null"
				}
				defs = append(defs, d)
				vals = append(vals, sampleValue(t, c.Type))
			}
			cp.exec(t, fmt.Sprintf("create table %s (%s)", tb.QualifiedName(), strings.Join(defs, ", ")))
			// One transaction: ANALYZE then counts the inserts exactly once in
			// n_live_tup, whenever the backend flushes its statistics.
			cp.exec(t, fmt.Sprintf("begin; insert into %s select %s from generate_series(1, %d) g; analyze %s; commit",
				tb.QualifiedName(), strings.Join(vals, ", "), tb.RowCount, tb.QualifiedName()))
		}
	}
	// The backend's pending statistics reach pg_stat_user_tables before it
	// next reports ready, so every count is in place for the queries.
	cp.exec(t, "select pg_stat_force_next_flush()")
	// Comments, as the lake's metadata will carry them: set on the lake's
	// tables here (rows are computed when read) and with COMMENT ON there.
	orders, _ := cp.state.Table("gold", "orders")
	orders.Comment = "one row per order"
	orders.Columns[orders.Column("status")].Comment = "new, paid or shipped"
	cp.exec(t, "comment on table gold.orders is 'one row per order'")
	cp.exec(t, "comment on column gold.orders.status is 'new, paid or shipped'")
	cp.oids = [2]map[string]string{{}, {}}
	for side := range 2 {
		for _, sc := range []string{"gold", "silver"} {
			cp.oids[side][sc] = cp.scalar(t, side, fmt.Sprintf("select oid from pg_namespace where nspname = '%s'", sc))
		}
		for _, tb := range []string{"gold.orders", "gold.customers", "silver.metrics"} {
			sc, name, _ := strings.Cut(tb, ".")
			cp.oids[side][name] = cp.scalar(t, side, fmt.Sprintf("select oid from pg_class where relname = '%s' and relnamespace = %s", name, cp.oids[side][sc]))
		}
	}
	_ = ctx
	return cp
}

func sampleValue(t *testing.T, typ pgtype.Type) string {
	switch typ.OID {
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.NumericOID, pgtype.Float8OID, pgtype.Float4OID:
		return "g"
	case pgtype.TextOID, pgtype.VarcharOID:
		return "g::text"
	case pgtype.BoolOID:
		return "g % 2 = 0"
	case pgtype.DateOID:
		return "date '2026-11-01' + g"
	case pgtype.TimestampOID:
		return "timestamp '2026-11-01 00:00:00'"
	case pgtype.TimestamptzOID:
		return "timestamptz '2026-11-01 00:00:00+00'"
	}
	t.Fatalf("no sample value for %s", typ)
	return ""
}

func (cp *catalogPair) exec(t *testing.T, sql string) {
	t.Helper()
	if _, err := cp.conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("postgres: %s: %v", sql, err)
	}
}

func (cp *catalogPair) scalar(t *testing.T, side int, sql string) string {
	t.Helper()
	r := cp.run(side, sql)
	if r.code != "" || len(r.rows) != 1 {
		t.Fatalf("side %d: %s: code %s rows %v", side, sql, r.code, r.rows)
	}
	return r.rows[0]
}

type pcResult struct {
	cols []string
	rows []string
	code string
}

// run answers sql on one side (0 Sluice, 1 PostgreSQL) with the side's
// OIDs put in for the placeholders.
func (cp *catalogPair) run(side int, sql string) pcResult {
	for k, v := range cp.oids[side] {
		sql = strings.ReplaceAll(sql, "{"+k+"}", v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if side == 1 {
		return runPG(ctx, cp.conn, sql)
	}
	return runEngine(ctx, cp.p, cp.eng, cp.state, sql)
}

type pcEnv struct{ settings *pgtype.Settings }

func (pcEnv) SearchPath() []string              { return []string{"$user", "public"} }
func (pcEnv) Setting(string) (string, bool)     { return "", false }
func (pcEnv) Database() string                  { return "postgres" }
func (pcEnv) User() string                      { return "postgres" }
func (e pcEnv) ValueSettings() *pgtype.Settings { return e.settings }

func runEngine(ctx context.Context, p *planner.Planner, eng *engine.Engine, st *catalog.State, sql string) pcResult {
	settings := pgtype.DefaultSettings()
	stmts, err := p.Parse(sql)
	if err != nil {
		return pcResult{code: pgerr.Convert(err).Code + " " + err.Error()}
	}
	q, ok := stmts[0].(*planner.Query)
	if !ok {
		return pcResult{code: "not a query"}
	}
	bound, err := p.Bind(q, st, pcEnv{settings}, nil)
	if err != nil {
		return pcResult{code: pgerr.Convert(err).Code + " " + err.Error()}
	}
	env := pcEnv{settings}
	s, err := eng.Execute(ctx, bound.Root, nil, engine.WithSettings(settings), engine.WithCatalog(st, env.SearchPath(), env.User()))
	if err != nil {
		return pcResult{code: pgerr.Convert(err).Code + " " + err.Error()}
	}
	defer s.Close()
	var res pcResult
	for _, c := range bound.Columns {
		res.cols = append(res.cols, fmt.Sprintf("%s:%d(%d)", c.Name, c.Type.OID, c.Type.Typmod))
	}
	for {
		b, err := s.Next(ctx)
		if err != nil {
			return pcResult{code: pgerr.Convert(err).Code + " " + err.Error()}
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

func runPG(ctx context.Context, conn *pgx.Conn, sql string) pcResult {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return pcResult{code: pgCode(err) + " " + err.Error()}
	}
	defer rows.Close()
	var res pcResult
	for _, f := range rows.FieldDescriptions() {
		oid := f.DataTypeOID
		oid = catalog.SubstituteType(oid)
		res.cols = append(res.cols, fmt.Sprintf("%s:%d(%d)", f.Name, oid, f.TypeModifier))
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
		return pcResult{code: pgCode(err) + " " + err.Error()}
	}
	return res
}

func (cp *catalogPair) compare(t *testing.T, sql string) {
	t.Helper()
	ours, theirs := cp.run(0, sql), cp.run(1, sql)
	if ours.code != "" || theirs.code != "" {
		if sqlstate := func(code string) string { return strings.SplitN(code, " ", 2)[0] }; sqlstate(ours.code) != sqlstate(theirs.code) {
			t.Errorf("%s\n sluice error:     %s\n postgresql error: %s", sql, ours.code, theirs.code)
		}
		return
	}
	if got, want := strings.Join(ours.cols, ", "), strings.Join(theirs.cols, ", "); got != want {
		t.Errorf("%s\n columns sluice:     %s\n columns postgresql: %s", sql, got, want)
	}
	if got, want := strings.Join(ours.rows, "\n"), strings.Join(theirs.rows, "\n"); got != want {
		t.Errorf("%s\n sluice:\n%s\n postgresql:\n%s", sql, got, want)
	}
}

// TestCatalogTablesMatchPostgreSQL runs single-table catalog queries, the
// kind clients send, on both sides.
func TestCatalogTablesMatchPostgreSQL(t *testing.T) {
	cp := newCatalogPair(t)
	var systemNames []string
	for _, tb := range cp.state.Schema("pg_catalog").Tables {
		systemNames = append(systemNames, "'"+tb.Name+"'")
	}
	inSystem := "(" + strings.Join(systemNames, ", ") + ")"
	for _, sql := range []string{
		// Namespaces: PostgreSQL's own and one per layer.
		`SELECT nspname, nspowner FROM pg_namespace WHERE nspname <> 'pg_toast' ORDER BY nspname`,
		`SELECT oid, nspname FROM pg_namespace WHERE nspname IN ('pg_catalog', 'public', 'information_schema') ORDER BY oid`,
		`SELECT objoid, classoid, objsubid, description FROM pg_description WHERE classoid = 2615 AND objoid IN (11, 2200) ORDER BY objoid`,
		// Every table and view has a row type and its array type, sluice's
		// own views too (pgjdbc's getTypeInfo lists them).
		`SELECT t.typname, t.typtype, t.typcategory, c.relname, c.relkind, c.reltype = t.oid, a.typname, a.typelem = t.oid
		   FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid JOIN pg_namespace n ON n.oid = t.typnamespace
		   JOIN pg_type a ON a.oid = t.typarray
		  WHERE n.nspname IN ('sluice', 'gold') ORDER BY 1`,
		// information_schema's columns are declared with its domains, which
		// format_type names qualified, as it does a lake table's row type.
		`SELECT attname, atttypid, atttypmod, attlen, attcollation, format_type(atttypid, atttypmod)
		   FROM pg_attribute WHERE attrelid = 'information_schema.tables'::regclass ORDER BY attnum`,
		`SELECT format_type(13226, NULL), format_type(13225, -1), format_type(c.reltype, NULL), format_type(t.typarray, NULL),
		        format_type(999999, NULL)
		   FROM pg_class c JOIN pg_type t ON t.oid = c.reltype WHERE c.oid = {orders}`,
		`SELECT table_name, column_name, data_type, character_maximum_length, character_octet_length, numeric_precision,
		        domain_catalog, domain_schema, domain_name, udt_schema, udt_name, collation_catalog, collation_schema, collation_name
		   FROM information_schema.columns
		  WHERE table_schema = 'information_schema' AND table_name IN ('tables', 'columns', 'key_column_usage')
		     OR table_schema = 'pg_catalog' AND table_name = 'pg_class' AND ordinal_position < 4
		     OR table_schema = 'gold'
		  ORDER BY table_schema, table_name, ordinal_position`,
		// Relations of a layer, and pg_catalog's own.
		`SELECT relname, relkind, relnatts, reltuples, relowner, relam, reltablespace, relpersistence, relisshared,
		        relhasindex, relhasrules, relhastriggers, relhassubclass, relchecks, relispopulated, relreplident,
		        relispartition, reloftype, relrowsecurity, relacl, reloptions, relpartbound
		   FROM pg_class WHERE relnamespace = {gold} ORDER BY relname`,
		`SELECT relname, relnatts FROM pg_class WHERE relnamespace = {silver} ORDER BY relname`,
		`SELECT oid, relname, relkind, relnatts, relisshared, relam, relreplident, relhasrules
		   FROM pg_class WHERE relnamespace = 11 AND relname IN ` + inSystem + ` ORDER BY oid`,
		// Columns: names, types, typmods, order, storage facts.
		`SELECT attname, atttypid, atttypmod, attnum, attnotnull, attlen, attbyval, attalign, attstorage,
		        attcompression, attcollation, attndims, attstattarget, attcacheoff, atthasdef, atthasmissing,
		        attisdropped, attislocal, attinhcount, attidentity, attgenerated, attacl, attoptions
		   FROM pg_attribute WHERE attrelid = {orders} AND attnum > 0 ORDER BY attnum`,
		`SELECT attname, atttypid, atttypmod, attnum, attnotnull, attlen, attbyval, attalign, attstorage, attcollation
		   FROM pg_attribute WHERE attrelid = {customers} AND attnum > 0 ORDER BY attnum`,
		`SELECT attname, atttypid, atttypmod, attnum, attnotnull, attlen, attbyval, attalign, attstorage, attcollation
		   FROM pg_attribute WHERE attrelid = {metrics} AND attnum > 0 ORDER BY attnum`,
		`SELECT attrelid, attname, attnum, attnotnull, atttypmod FROM pg_attribute
		  WHERE attrelid IN (1259, 2615, 1249, 12000, 12161) AND attnum > 0 ORDER BY attrelid, attnum`,
		// Views over relations.
		`SELECT * FROM pg_tables WHERE schemaname = 'gold' ORDER BY tablename`,
		`SELECT schemaname, tablename, tablespace FROM pg_tables WHERE schemaname = 'pg_catalog' AND tablename IN ` + inSystem + ` ORDER BY tablename`,
		`SELECT * FROM pg_views WHERE schemaname = 'gold'`,
		`SELECT schemaname, viewname FROM pg_views WHERE schemaname = 'pg_catalog' AND viewname IN ` + inSystem + ` ORDER BY viewname`,
		`SELECT * FROM pg_matviews`,
		`SELECT schemaname, relname, n_live_tup, n_dead_tup, idx_scan, idx_tup_fetch, n_tup_upd, n_tup_del, n_tup_hot_upd,
		        last_vacuum, last_autovacuum, vacuum_count, autovacuum_count
		   FROM pg_stat_user_tables ORDER BY schemaname, relname`,
		`SELECT schemaname, relname, idx_blks_read, idx_blks_hit, tidx_blks_read, tidx_blks_hit
		   FROM pg_statio_user_tables ORDER BY schemaname, relname`,
		// information_schema, as pgjdbc-style and SQLAlchemy-style clients read it.
		`SELECT * FROM information_schema.schemata WHERE schema_name NOT LIKE 'pg_toast%' ORDER BY schema_name`,
		`SELECT * FROM information_schema.tables WHERE table_schema IN ('gold', 'silver') ORDER BY table_schema, table_name`,
		`SELECT table_schema, table_name, table_type FROM information_schema.tables
		  WHERE table_schema = 'information_schema' AND table_name IN ('schemata', 'tables', 'columns') ORDER BY table_name`,
		`SELECT * FROM information_schema.columns WHERE table_schema IN ('gold', 'silver') ORDER BY table_schema, table_name, ordinal_position`,
		`SELECT table_name, column_name, ordinal_position, is_nullable, data_type, udt_name
		   FROM information_schema.columns WHERE table_schema = 'pg_catalog' AND table_name IN ('pg_namespace', 'pg_tables') AND column_name <> 'nspacl'
		  ORDER BY table_name, ordinal_position`,
		`SELECT table_schema, table_name, check_option, is_updatable, is_insertable_into,
		        is_trigger_updatable, is_trigger_deletable, is_trigger_insertable_into
		   FROM information_schema.views WHERE table_name IN ('pg_roles', 'pg_tables', 'schemata', 'tables', 'columns', 'views')
		  ORDER BY table_schema, table_name`,
		`SELECT constraint_catalog, constraint_schema, table_catalog, table_schema, table_name, constraint_type,
		        is_deferrable, initially_deferred, enforced, nulls_distinct
		   FROM information_schema.table_constraints WHERE table_schema IN ('gold', 'silver')
		  ORDER BY table_schema, table_name, constraint_name`,
		// Names carry each side's OIDs: none may stray from PostgreSQL's pattern.
		`SELECT count(*) FROM information_schema.table_constraints WHERE table_name = 'orders'
		    AND constraint_name NOT LIKE '{gold}\_{orders}\_%\_not\_null'`,
		`SELECT * FROM information_schema.key_column_usage WHERE table_schema = 'gold'`,
		`SELECT * FROM information_schema.referential_constraints WHERE constraint_schema = 'gold'`,
		`SELECT * FROM information_schema.routines WHERE routine_schema = 'gold'`,
		`SELECT * FROM information_schema.parameters WHERE specific_schema = 'gold'`,
		// Joins among catalog tables, as pgjdbc's getTables and getColumns do.
		`SELECT n.nspname, c.relname, c.relkind, d.description FROM pg_catalog.pg_namespace n
		   JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
		   LEFT JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0
		  WHERE n.nspname IN ('gold', 'silver') ORDER BY 1, 2`,
		`SELECT n.nspname, c.relname, a.attname, a.atttypid, a.attnotnull, a.attnum, t.typname, t.typlen
		   FROM pg_catalog.pg_namespace n
		   JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
		   JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
		   JOIN pg_catalog.pg_type t ON a.atttypid = t.oid
		  WHERE c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped AND n.nspname IN ('gold', 'silver')
		  ORDER BY 1, 2, a.attnum`,
		`SELECT r.rolname, n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
		  WHERE n.nspname IN ('public', 'gold', 'pg_catalog') ORDER BY 2`,
		`SELECT c.relname, s.n_live_tup, c.reltuples FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid ORDER BY 1`,
		// Built-in rows.
		`SELECT oid, amname, amtype FROM pg_am ORDER BY oid`,
		`SELECT * FROM pg_collation WHERE oid IN (100, 950, 951) ORDER BY oid`,
		`SELECT * FROM pg_tablespace ORDER BY oid`,
		`SELECT * FROM pg_extension`,
		`SELECT datname, datdba, encoding, datlocprovider, datistemplate, datallowconn, datconnlimit, dattablespace,
		        datcollate, datctype, daticulocale, datcollversion, datacl
		   FROM pg_database WHERE datname = current_database()`,
		`SELECT * FROM pg_roles WHERE rolname IN ('postgres', 'pg_database_owner') ORDER BY rolname`,
		`SELECT * FROM pg_user`,
		// Objects the lake has none of.
		`SELECT * FROM pg_index WHERE indrelid = {orders}`,
		`SELECT * FROM pg_constraint WHERE conrelid = {orders}`,
		`SELECT * FROM pg_attrdef WHERE adrelid = {orders}`,
		`SELECT * FROM pg_inherits`,
		`SELECT * FROM pg_enum`,
		`SELECT * FROM pg_sequence`,
		`SELECT classoid, objsubid, description FROM pg_description WHERE objoid = {orders} ORDER BY objsubid`,
		`SELECT c.relname, a.attname, d.objsubid, d.description FROM pg_description d
		   JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 1259
		   LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid
		  WHERE c.relnamespace = {gold} ORDER BY 1, 3`,
		`SELECT * FROM pg_trigger WHERE tgrelid = {orders}`,
		`SELECT * FROM pg_policy WHERE polrelid = {orders}`,
		`SELECT * FROM pg_rewrite WHERE ev_class = {orders}`,
		`SELECT * FROM pg_statistic_ext WHERE stxrelid = {orders}`,
		`SELECT * FROM pg_publication`,
		`SELECT * FROM pg_publication_rel WHERE prrelid = {orders}`,
		`SELECT * FROM pg_auth_members WHERE member = 10 OR roleid = 10`,
		`SELECT oid, lanname, lanowner, lanispl, lanpltrusted, lanplcallfoid, laninline, lanvalidator, lanacl FROM pg_language ORDER BY oid`,
	} {
		cp.compare(t, sql)
	}
}

// TestCatalogTableColumnsMatchPostgreSQL checks every catalog table's
// RowDescription (names, type OIDs, typmods, order) against PostgreSQL's,
// with the documented substitutions for types Sluice cannot encode yet.
func TestCatalogTableColumnsMatchPostgreSQL(t *testing.T) {
	cp := newCatalogPair(t)
	n := 0
	for _, tb := range cp.state.Schema("pg_catalog").Tables {
		cp.compare(t, "SELECT * FROM pg_catalog."+tb.Name+" LIMIT 0")
		n++
	}
	for _, tb := range cp.state.Schema("information_schema").Tables {
		cp.compare(t, "SELECT * FROM information_schema."+tb.Name+" LIMIT 0")
		n++
	}
	if n < 40 {
		t.Errorf("only %d catalog tables checked", n)
	}
}

// TestCatalogTablesFollowTheirState: a commit makes a new state whose
// catalog tables describe it (new row counts, new Version), while a query
// still holding the old state keeps reading the old rows.
func TestCatalogTablesFollowTheirState(t *testing.T) {
	dir := t.TempDir()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-01/a.parquet"), pcOrders, `[{"order_id": 1, "status": "new"}]`)
	l := openLake(t, dir)
	before := l.Current()
	writeParquet(t, filepath.Join(dir, "gold/orders/dt=2026-11-02/a.parquet"), pcOrders, `[{"order_id": 2, "status": "new"}, {"order_id": 3, "status": "new"}]`)
	writeParquet(t, filepath.Join(dir, "silver/events/a.parquet"), pcCustomers, `[{"customer_id": 1}]`)
	if changed, err := l.Refresh(context.Background()); err != nil || !changed {
		t.Fatalf("refresh: changed=%v err=%v", changed, err)
	}
	after := l.Current()

	liveTuples := func(st *catalog.State) string {
		tb := mustTable(t, st, "pg_catalog", "pg_stat_user_tables")
		bs, err := tb.Rows(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			for r := 0; r < int(b.NumRows()); r++ {
				out = append(out, b.Column(1).ValueStr(r)+"."+b.Column(2).ValueStr(r)+"="+b.Column(11).ValueStr(r))
			}
			b.Release()
		}
		return strings.Join(out, " ")
	}
	if got := liveTuples(before); got != "gold.orders=1" {
		t.Errorf("old state's n_live_tup: %s", got)
	}
	if got := liveTuples(after); got != "gold.orders=3 silver.events=1" {
		t.Errorf("new state's n_live_tup: %s", got)
	}
	for _, name := range []string{"pg_class", "pg_stat_user_tables", "pg_namespace"} {
		if mustTable(t, before, "pg_catalog", name).Version == mustTable(t, after, "pg_catalog", name).Version {
			t.Errorf("%s keeps its Version across a commit", name)
		}
	}
}

// TestCatalogLookupsMatchPostgreSQL checks the State's lookups against the
// PostgreSQL functions they are there to implement.
func TestCatalogLookupsMatchPostgreSQL(t *testing.T) {
	cp := newCatalogPair(t)
	st := cp.state
	orders, _ := st.Table("gold", "orders")
	for _, c := range []struct {
		sql  string
		ours func() (string, bool)
	}{
		{"select pg_get_userbyid(10)", func() (string, bool) { return st.RoleName(10) }},
		{"select pg_get_userbyid(6171)", func() (string, bool) { return st.RoleName(6171) }},
		{"select 'postgres'::regrole::oid::text", func() (string, bool) {
			oid, ok := st.RoleOID("postgres")
			return fmt.Sprint(oid), ok
		}},
		{"select obj_description('gold.orders'::regclass, 'pg_class')", func() (string, bool) {
			return st.Description(orders.OID, 1259, 0)
		}},
		{"select col_description('gold.orders'::regclass, 3)", func() (string, bool) {
			return st.Description(orders.OID, 1259, 3)
		}},
		{"select col_description('gold.orders'::regclass, 1)", func() (string, bool) {
			return st.Description(orders.OID, 1259, 1)
		}},
		{"select obj_description(2200, 'pg_namespace')", func() (string, bool) { return st.Description(2200, 2615, 0) }},
		{"select obj_description(11, 'pg_namespace')", func() (string, bool) { return st.Description(11, 2615, 0) }},
		{"select current_database()::text", func() (string, bool) { return st.DatabaseName(), true }},
	} {
		var want *string
		if err := cp.conn.QueryRow(context.Background(), c.sql).Scan(&want); err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		got, ok := c.ours()
		if ok != (want != nil) || (want != nil && got != *want) {
			w := "NULL"
			if want != nil {
				w = *want
			}
			t.Errorf("%s: sluice %q (found %v), postgresql %s", c.sql, got, ok, w)
		}
	}
	// Every relation pg_class lists resolves by its OID, and every schema.
	res := cp.run(0, "SELECT oid, relname, relnamespace FROM pg_class")
	if res.code != "" || len(res.rows) < 40 {
		t.Fatalf("pg_class: %s, %d rows", res.code, len(res.rows))
	}
	for _, r := range res.rows {
		f := strings.Split(r, "|")
		var oid, ns uint32
		fmt.Sscan(f[0], &oid)
		fmt.Sscan(f[2], &ns)
		sc, tb := st.RelationByOID(oid)
		if tb == nil || tb.Name != f[1] || sc.OID != ns || st.NamespaceByOID(ns) != sc {
			t.Errorf("pg_class row %s does not resolve by OID", r)
		}
	}
}

// pgCode is the SQLSTATE of an error from PostgreSQL.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return pgerr.Convert(err).Code
}
