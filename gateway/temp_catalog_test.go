package gateway

import (
	"context"
	"regexp"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// tempNames are what differs between two servers' temporary schemas and
// objects: the backend number in pg_temp_N and the OIDs.
var tempNames = regexp.MustCompile(`pg_(toast_)?temp_\d+`)

// renderTemp is render with the backend number of pg_temp_N taken out.
func renderTemp(ctx context.Context, c *pgconn.PgConn, sql string) string {
	return tempNames.ReplaceAllString(render(ctx, c, sql), "pg_${1}temp_N")
}

// TestTempTablesCatalogMatchPostgres checks that a temporary table is in
// the catalog as PostgreSQL lists it (pg_class, pg_attribute, pg_namespace's
// pg_temp_N, pg_tables, visibility), for its own session only, and gone
// with the session.
func TestTempTablesCatalogMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	sdsn := ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC")
	odsn := pg.Get(t).DSN() + "&application_name=oracle&TimeZone=UTC"
	sl, or := connectPG(t, sdsn), connectPG(t, odsn)
	sl2, or2 := connectPG(t, sdsn), connectPG(t, odsn)
	compare := func(sl, or *pgconn.PgConn, steps ...string) {
		t.Helper()
		for _, step := range steps {
			if got, want := renderTemp(ctx, sl, step), renderTemp(ctx, or, step); got != want {
				t.Errorf("%s\n  sluice:   %s\n  postgres: %s", step, got, want)
			}
		}
	}
	// The temporary schema of this session, found through its table (the
	// oracle keeps other sessions' pg_temp_N rows).
	const mine = `(SELECT relnamespace FROM pg_class WHERE relname = 'tcat' AND pg_table_is_visible(oid))`
	compare(sl, or,
		`SELECT count(*) FROM pg_class WHERE relname = 'tcat'`,
		`CREATE TEMP TABLE tcat (id integer, name text, amount numeric(10,2))`,
		`SELECT c.relname, n.nspname, c.relkind, c.relpersistence, c.relnatts, c.relpages, c.reltuples, c.relhasindex
		   FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'tcat'`,
		`SELECT attname, atttypid, atttypmod, attnum, attnotnull, attisdropped FROM pg_attribute
		   WHERE attrelid = 'pg_temp.tcat'::regclass AND attnum > 0 ORDER BY attnum`,
		`SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
		   WHERE attrelid = 'pg_temp.tcat'::regclass AND attnum > 0 ORDER BY attnum`,
		`SELECT nspname FROM pg_namespace WHERE oid = `+mine,
		`SELECT pg_table_is_visible(oid), relname FROM pg_class WHERE relname = 'tcat'`,
		`SELECT schemaname, tablename, hasindexes FROM pg_tables WHERE tablename = 'tcat'`,
		`SELECT table_catalog = current_database(), table_schema, table_name, table_type, is_insertable_into, is_typed
		   FROM information_schema.tables WHERE table_name = 'tcat'`,
		`SELECT table_schema, column_name, ordinal_position, data_type, numeric_precision, numeric_scale, is_nullable
		   FROM information_schema.columns WHERE table_name = 'tcat' ORDER BY ordinal_position`,
		// psql's \dt, of the temporary tables (the oracle's public schema
		// holds other tests' tables).
		`SELECT n.nspname as "Schema", c.relname as "Name",
		   CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 's' THEN 'special' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END as "Type"
		 FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
		 WHERE c.relkind IN ('r','p','') AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema'
		   AND pg_catalog.pg_table_is_visible(c.oid) AND c.relpersistence = 't' ORDER BY 1,2`,
		`SELECT 'pg_temp.tcat'::regclass::text, 'pg_temp.tcat'::regclass::oid = (SELECT oid FROM pg_class WHERE relname = 'tcat')`,
		`INSERT INTO tcat VALUES (1, 'a', 2.5)`,
		`SELECT * FROM pg_temp.tcat`,
		`DROP TABLE tcat`,
		`SELECT count(*) FROM pg_class WHERE relname = 'tcat'`,
		`CREATE TEMP TABLE tcat (x int)`,
	)
	// The schema PostgreSQL names pg_temp_N also names the table.
	for _, c := range []*pgconn.PgConn{sl, or} {
		res, err := c.Exec(ctx, `SELECT nspname FROM pg_namespace WHERE oid = `+mine).ReadAll()
		if err != nil || len(res) != 1 || len(res[0].Rows) != 1 {
			t.Fatalf("temporary schema: %v %v", res, err)
		}
		name := string(res[0].Rows[0][0])
		if got := render(ctx, c, `SELECT count(*) FROM `+name+`.tcat`); got != `count:20:0 | "0",; SELECT 1 /  {I}` {
			t.Errorf("%s.tcat: %s", name, got)
		}
	}
	// Another session sees none of it: PostgreSQL's pg_class lists every
	// session's temporary tables, Sluice's only the session's own.
	for _, step := range []string{
		`SELECT count(*) FROM pg_class WHERE relname = 'tcat'`,
		`SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname = 'tcat'`,
		`SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'pg%temp%'`,
	} {
		if got := render(ctx, sl2, step); got != `count:20:0 | "0",; SELECT 1 /  {I}` {
			t.Errorf("other session: %s: %s", step, got)
		}
	}
	compare(sl2, or2, `SELECT * FROM tcat`)
	// Gone with the session.
	for _, c := range []*pgconn.PgConn{sl, or} {
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	compare(connectPG(t, sdsn), connectPG(t, odsn),
		`SELECT count(*) FROM pg_class WHERE relname = 'tcat'`,
		`SELECT * FROM tcat`,
	)
}

// TestTempTablesRollbackMatchPostgres checks that temporary tables, their
// rows and their drops are transactional, as PostgreSQL's are: ROLLBACK,
// ROLLBACK TO SAVEPOINT, a failed block and a failed implicit transaction
// undo them.
func TestTempTablesRollbackMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	compareScripts(t, ts, []script{
		{"created in a block", []string{
			`SET default_transaction_read_only = off`,
			`BEGIN`,
			`CREATE TEMP TABLE r1 (a int)`,
			`INSERT INTO r1 VALUES (1), (2)`,
			`SELECT count(*) FROM r1`,
			`ROLLBACK`,
			`SELECT * FROM r1`,
			`SELECT count(*) FROM pg_class WHERE relname = 'r1'`,
			`BEGIN`,
			`CREATE TEMP TABLE r1 (a int)`,
			`COMMIT`,
			`SELECT count(*) FROM r1`,
		}},
		{"rows and drops", []string{
			`SET default_transaction_read_only = off`,
			`CREATE TEMP TABLE r2 (a int)`,
			`INSERT INTO r2 VALUES (1)`,
			`BEGIN`,
			`INSERT INTO r2 VALUES (2)`,
			`SELECT count(*) FROM r2`,
			`DROP TABLE r2`,
			`SELECT count(*) FROM r2`,
			`ROLLBACK`,
			`SELECT a FROM r2 ORDER BY a`,
			`BEGIN`,
			`INSERT INTO r2 VALUES (3)`,
			`SAVEPOINT s1`,
			`INSERT INTO r2 VALUES (4)`,
			`CREATE TEMP TABLE r3 (b text)`,
			`ROLLBACK TO SAVEPOINT s1`,
			`SELECT a FROM r2 ORDER BY a`,
			`SELECT count(*) FROM pg_class WHERE relname = 'r3'`,
			`SAVEPOINT s2`,
			`DROP TABLE r2`,
			`ROLLBACK TO s2`,
			`INSERT INTO r2 VALUES (5)`,
			`COMMIT`,
			`SELECT a FROM r2 ORDER BY a`,
		}},
		{"failures", []string{
			`SET default_transaction_read_only = off`,
			`BEGIN`,
			`CREATE TEMP TABLE r4 (a int)`,
			`SELECT 1/0`,
			`ROLLBACK`,
			`SELECT * FROM r4`,
			`CREATE TEMP TABLE r5 (a int); INSERT INTO r5 VALUES (1); SELECT 1/0`,
			`SELECT * FROM r5`,
			`CREATE TEMP TABLE r6 (a int)`,
			`INSERT INTO r6 VALUES (1); SELECT 1/0`,
			`SELECT count(*) FROM r6`,
			`BEGIN`,
			`DISCARD TEMP`,
			`SELECT count(*) FROM r6`,
			`ROLLBACK`,
			`SELECT count(*) FROM r6`,
		}},
	})
}
