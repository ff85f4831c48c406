package catalog_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/wire/pgtest"
)

// startPostgres runs a throw-away PostgreSQL 15 and connects to it.
func startPostgres(t *testing.T) *pgx.Conn {
	t.Helper()
	srv := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatalf("connecting to the test PostgreSQL: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestPgTypeMatchesPostgreSQL compares pg_type, every column of every
// built-in row, with a real PostgreSQL 15's, and the row types of lake
// tables with those PostgreSQL makes for tables of the same name.
func TestPgTypeMatchesPostgreSQL(t *testing.T) {
	cp := newCatalogPair(t)
	// regproc columns compare as OIDs: Sluice prints reg* values as OIDs.
	const cols = `oid, typname, typnamespace, typowner, typlen, typbyval, typtype, typcategory,
		typispreferred, typisdefined, typdelim, typrelid, typsubscript::oid, typelem, typarray,
		typinput::oid, typoutput::oid, typreceive::oid, typsend::oid, typmodin::oid, typmodout::oid,
		typanalyze::oid, typalign, typstorage, typnotnull, typbasetype, typtypmod, typndims,
		typcollation, typdefaultbin, typdefault, typacl`
	for _, sql := range []string{
		`SELECT ` + cols + ` FROM pg_catalog.pg_type WHERE oid < 16384 ORDER BY oid`,
		`SELECT count(*) FROM pg_catalog.pg_type WHERE typname = 'lo'`,
		// Lake tables' row types and their arrays: the same shape, named
		// after the table, in the table's schema.
		`SELECT t.typname, t.typlen, t.typbyval, t.typtype, t.typcategory, t.typdelim, t.typsubscript::oid,
		        t.typinput::oid, t.typoutput::oid, t.typreceive::oid, t.typsend::oid, t.typanalyze::oid,
		        t.typalign, t.typstorage, t.typnotnull, t.typbasetype, t.typtypmod, t.typndims, t.typcollation,
		        e.typname AS elem, a.typname AS arr, c.relname AS rel
		   FROM pg_catalog.pg_type t
		   LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem
		   LEFT JOIN pg_catalog.pg_type a ON a.oid = t.typarray
		   LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
		  WHERE t.typnamespace = {gold} ORDER BY t.typname`,
		// pg_class.reltype points at the row type, for lake and system tables.
		`SELECT c.relname, t.typname, t.typrelid = c.oid FROM pg_catalog.pg_class c
		   JOIN pg_catalog.pg_type t ON t.oid = c.reltype
		  WHERE c.relnamespace IN ({gold}, 11) AND c.relname IN ('orders', 'customers', 'pg_class', 'pg_type', 'pg_attribute')
		  ORDER BY 1`,
	} {
		cp.compare(t, sql)
	}
	// Not vacuous: the lake's tables have row types and arrays on our side.
	r := cp.run(0, `SELECT t.typname FROM pg_catalog.pg_type t WHERE t.typnamespace = {gold} ORDER BY 1`)
	if r.code != "" || len(r.rows) < 4 || r.rows[0] != "_"+strings.Split(r.rows[len(r.rows)/2], "|")[0] {
		t.Errorf("row types of gold's tables: %v %v", r.code, r.rows)
	}
}
