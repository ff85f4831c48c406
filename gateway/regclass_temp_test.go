package gateway

import (
	"testing"
)

// TestRegclassAndSearchPathWithTempMatchPostgres checks name resolution
// once a session has a temporary schema, against PostgreSQL: an unqualified
// regclass literal finds the temporary table before pg_catalog's relation
// of the same name, current_schemas(true) lists pg_temp_N first from the
// first temporary table on (and after it is dropped, as the schema stays),
// a search_path naming pg_temp places it there, and pg_catalog's index
// names are regclass literals (cmd/sluice's TestRegclassIndexNamesMatchPostgres
// checks a lake table's <table>_pkey).
func TestRegclassAndSearchPathWithTempMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	sl := connectPG(t, ts.dsn("sluice", "sluice", "application_name=oracle", "TimeZone=UTC"))
	or := connectPG(t, pg.Get(t).DSN()+"&application_name=oracle&TimeZone=UTC")
	for _, step := range []string{
		`SELECT current_schemas(true), current_schemas(false)`,
		`SELECT 'pg_am'::regclass::oid, 'pg_am'::regclass::text`,
		`SELECT 'pg_class_oid_index'::regclass::oid, 'pg_catalog.pg_class_oid_index'::regclass::text`,
		`SELECT 'pg_temp.pg_am'::regclass`,
		// pg_am shadowed by a temporary table: pg_temp comes first.
		`CREATE TEMP TABLE pg_am (x int)`,
		`SELECT current_schemas(true), current_schemas(false)`,
		`SELECT 'pg_am'::regclass::oid = 2601, 'pg_catalog.pg_am'::regclass::oid = 2601, 'pg_am'::regclass::text`,
		`SELECT 'pg_am'::regclass::oid = 'pg_temp.pg_am'::regclass::oid`,
		`SELECT count(*) FROM pg_am`,
		`SET search_path = public, pg_temp`,
		`SELECT current_schemas(true), current_schemas(false)`,
		`SELECT 'pg_am'::regclass::oid = 2601`,
		`RESET search_path`,
		`DROP TABLE pg_am`,
		`SELECT current_schemas(true), current_schemas(false)`,
		`SELECT 'pg_am'::regclass::oid`,
	} {
		if got, want := renderTemp(ctx, sl, step), renderTemp(ctx, or, step); got != want {
			t.Errorf("%s\n  sluice:   %s\n  postgres: %s", step, got, want)
		}
	}
}
