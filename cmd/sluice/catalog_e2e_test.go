package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	icetable "github.com/apache/iceberg-go/table"
	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/wire/pgtest"
)

// catalogOracle starts a PostgreSQL of its own holding the demo lake's
// schemas and tables as sluice's catalog describes them (names, column
// types with typmods, NOT NULL, comments, and the primary keys the lake's
// Iceberg tables declare), owned by a role named like
// sluice's owner, in a database named like sluice's, with the same
// search_path: psql's meta-commands must then print the same thing on
// both.
func catalogOracle(t *testing.T, d *sluiceProc) target {
	t.Helper()
	ctx := testCtx(t)
	src := connect(t, d.dsn(demoUser, demoDB), pgx.QueryExecModeExec)
	var searchPath string
	if err := src.QueryRow(ctx, "show search_path").Scan(&searchPath); err != nil {
		t.Fatalf("show search_path on sluice: %v", err)
	}
	// Sluice never resolves "$user" to its own system schema sluice (the
	// demo role is named like it: a documented deviation), while the
	// oracle's mirror of that schema is a plain schema PostgreSQL's "$user"
	// would find first, changing current_schema() and what is visible. The
	// oracle's path leaves "$user" out, so both resolve names alike.
	if catalog.IsSystemSchema(demoUser) {
		var kept []string
		for _, p := range strings.Split(searchPath, ",") {
			if p = strings.TrimSpace(p); p != `"$user"` {
				kept = append(kept, p)
			}
		}
		searchPath = strings.Join(kept, ", ")
	}
	ddl := []string{}
	rows, err := src.Query(ctx, `select n.nspname, obj_description(n.oid, 'pg_namespace')
		from pg_catalog.pg_namespace n
		where n.nspname not in ('pg_catalog', 'information_schema', 'public') order by 1`)
	if err != nil {
		t.Fatalf("listing sluice's schemas: %v", err)
	}
	for rows.Next() {
		var name string
		var comment *string
		if err := rows.Scan(&name, &comment); err != nil {
			t.Fatal(err)
		}
		ddl = append(ddl, fmt.Sprintf("create schema %s authorization %s", pgx.Identifier{name}.Sanitize(), demoUser))
		if comment != nil {
			ddl = append(ddl, fmt.Sprintf("comment on schema %s is %s", pgx.Identifier{name}.Sanitize(), quoteLit(*comment)))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("listing sluice's schemas: %v", err)
	}
	type table struct {
		oid          uint32
		schema, name string
		comment      *string
	}
	var tables []table
	rows, err = src.Query(ctx, `select c.oid, n.nspname, c.relname, obj_description(c.oid, 'pg_class')
		from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema') order by 2, 3`)
	if err != nil {
		t.Fatalf("listing sluice's tables: %v", err)
	}
	for rows.Next() {
		var tb table
		if err := rows.Scan(&tb.oid, &tb.schema, &tb.name, &tb.comment); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, tb)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("listing sluice's tables: %v", err)
	}
	if len(tables) == 0 {
		t.Fatal("sluice's pg_class lists no lake tables")
	}
	keys := lakePrimaryKeys(t)
	for _, tb := range tables {
		qname := pgx.Identifier{tb.schema, tb.name}.Sanitize()
		rows, err := src.Query(ctx, `select attname, format_type(atttypid, atttypmod), attnotnull, col_description(attrelid, attnum)
			from pg_catalog.pg_attribute where attrelid = $1 and attnum > 0 order by attnum`, tb.oid)
		if err != nil {
			t.Fatalf("columns of %s: %v", qname, err)
		}
		var cols, comments []string
		for rows.Next() {
			var name, typ string
			var notNull bool
			var comment *string
			if err := rows.Scan(&name, &typ, &notNull, &comment); err != nil {
				t.Fatal(err)
			}
			col := pgx.Identifier{name}.Sanitize() + " " + typ
			if notNull {
				col += " not null"
			}
			cols = append(cols, col)
			if comment != nil {
				comments = append(comments, fmt.Sprintf("comment on column %s.%s is %s", qname, pgx.Identifier{name}.Sanitize(), quoteLit(*comment)))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("columns of %s: %v", qname, err)
		}
		if key := keys[tb.schema+"."+tb.name]; len(key) > 0 {
			var names []string
			for _, k := range key {
				names = append(names, pgx.Identifier{k}.Sanitize())
			}
			cols = append(cols, "primary key ("+strings.Join(names, ", ")+")")
		}
		ddl = append(ddl, fmt.Sprintf("create table %s (%s)", qname, strings.Join(cols, ", ")),
			fmt.Sprintf("alter table %s owner to %s", qname, demoUser))
		if tb.comment != nil {
			ddl = append(ddl, fmt.Sprintf("comment on table %s is %s", qname, quoteLit(*tb.comment)))
		}
		ddl = append(ddl, comments...)
	}

	srv := pgtest.Start(t)
	admin, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	for _, stmt := range []string{
		// sluice's role has every attribute (psql's \du shows them).
		"create role " + demoUser + " login superuser createrole createdb replication bypassrls",
		"create database " + demoDB + " owner " + demoUser,
		"alter database " + demoDB + " set search_path to " + searchPath,
	} {
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	dst, err := pgx.Connect(ctx, srv.DSNFor(demoDB))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close(context.Background())
	for _, stmt := range ddl {
		if _, err := dst.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return target{name: "postgres", host: srv.Host, port: srv.Port, user: demoUser, db: demoDB, sslDisable: true}
}

// lakePrimaryKeys reads the identifier fields of the demo lake's Iceberg
// tables straight from its Iceberg catalog (not from sluice's pg_catalog,
// which is what the oracle checks): schema.table → key columns, in
// identifier order. The demo's gold tables must have keys.
func lakePrimaryKeys(t *testing.T) map[string][]string {
	t.Helper()
	ctx := testCtx(t)
	cat, err := catalog.LoadIcebergCatalog(ctx, catalog.EmbeddedIcebergCatalog(shared.lake))
	if err != nil {
		t.Fatalf("opening the demo lake's Iceberg catalog: %v", err)
	}
	defer catalog.CloseIcebergCatalog(cat)
	keys := map[string][]string{}
	for id, err := range cat.ListTables(ctx, icetable.Identifier{"gold"}) {
		if err != nil {
			t.Fatalf("listing gold's Iceberg tables: %v", err)
		}
		tbl, err := cat.LoadTable(ctx, id)
		if err != nil {
			t.Fatalf("loading %v: %v", id, err)
		}
		sc := tbl.Metadata().CurrentSchema()
		name := "gold." + id[len(id)-1]
		for _, fid := range sc.IdentifierFieldIDs {
			f, ok := sc.FindFieldByID(fid)
			if !ok {
				t.Fatalf("%s: identifier field %d is no field", name, fid)
			}
			keys[name] = append(keys[name], f.Name)
		}
	}
	if len(keys["gold.orders"]) == 0 || len(keys["gold.customers"]) == 0 {
		t.Fatalf("the demo lake's gold.orders and gold.customers declare no identifier fields: %v", keys)
	}
	return keys
}

func quoteLit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// TestPsqlMetaCommandsMatchPostgres runs psql's describe commands against
// sluice and against a PostgreSQL holding the same schemas and tables:
// psql's own catalog queries (pg_get_userbyid, pg_table_is_visible,
// format_type, obj_description, has_*_privilege, regclass literals) must
// give the same listing.
func TestPsqlMetaCommandsMatchPostgres(t *testing.T) {
	d := demoServer(t)
	orc := catalogOracle(t, d)
	for _, cmd := range []string{
		`\l ` + demoDB,
		`\dn`,
		`\dn+`,
		`\dx`,
		`\dt`,
		`\dt gold.*`,
		`\dt raw.*`,
		`\dt *.orders`,
		`\dv`,
		`\di`,
		`\df`,
		`\d gold.orders`,
		`\d+ gold.orders`,
		`\d gold.customers`,
		`\d gold.orders_pkey`,
		`\di gold.*`,
		`\du ` + demoUser,
	} {
		args := []string{"-v", "ON_ERROR_STOP=1", "-c", cmd}
		got, gerr, err := psql(t, d.target(), args...)
		if err != nil {
			t.Errorf("psql -c %q against sluice: %v\n%s", cmd, err, gerr)
			continue
		}
		want, werr, err := psql(t, orc, args...)
		if err != nil {
			t.Fatalf("psql -c %q against postgres: %v\n%s", cmd, err, werr)
		}
		diffOutputs(t, "psql -c "+cmd, got, want)
		if cmd == `\d gold.orders` && !strings.Contains(want, `"orders_pkey" PRIMARY KEY, btree (order_id)`) {
			t.Errorf("\\d gold.orders on PostgreSQL shows no primary key (the lake's identifier field):\n%s", want)
		}
	}
}

// TestRegclassIndexNamesMatchPostgres checks that a lake table's primary
// key index (gold.orders_pkey) is a regclass literal, qualified or found
// through the search path, naming the index pg_index lists, as in
// PostgreSQL holding the same key.
func TestRegclassIndexNamesMatchPostgres(t *testing.T) {
	d := demoServer(t)
	orc := catalogOracle(t, d)
	args := []string{"-v", "ON_ERROR_STOP=1", "-A",
		"-c", `SELECT 'gold.orders_pkey'::regclass::text, 'gold.orders_pkey'::regclass::oid = i.indexrelid,
			c.relname, c.relkind FROM pg_index i JOIN pg_class c ON c.oid = 'gold.orders_pkey'::regclass
			WHERE i.indrelid = 'gold.orders'::regclass AND i.indisprimary`,
		"-c", `SET search_path = gold`,
		"-c", `SELECT 'orders_pkey'::regclass::text, 'orders_pkey'::regclass = 'gold.orders_pkey'::regclass`,
		"-c", `SELECT a.attname FROM pg_attribute a WHERE a.attrelid = 'customers_pkey'::regclass AND a.attnum > 0 ORDER BY a.attnum`,
	}
	got, gerr, err := psql(t, d.target(), args...)
	if err != nil {
		t.Fatalf("psql against sluice: %v\n%s", err, gerr)
	}
	want, werr, err := psql(t, orc, args...)
	if err != nil {
		t.Fatalf("psql against postgres: %v\n%s", err, werr)
	}
	diffOutputs(t, "regclass index literals", got, want)
}

// TestPsqlTablesPlusMatchPostgres runs \dt+ on both sides with sizes
// blanked: Sluice's are the lake files', PostgreSQL's its heap pages'.
func TestPsqlTablesPlusMatchPostgres(t *testing.T) {
	d := demoServer(t)
	orc := catalogOracle(t, d)
	args := []string{"-v", "ON_ERROR_STOP=1", "-A", "-c", `\dt+`, "-c", `\dt+ raw.*`, "-c", `\dt+ silver.*`}
	blankSize := func(out string) string {
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			f := strings.Split(l, "|")
			if len(f) == 8 && i > 1 {
				f[6] = "<size>"
			}
			lines[i] = strings.Join(f, "|")
		}
		return strings.Join(lines, "\n")
	}
	got, gerr, err := psql(t, d.target(), args...)
	if err != nil {
		t.Fatalf("psql \\dt+ against sluice: %v\n%s", err, gerr)
	}
	want, werr, err := psql(t, orc, args...)
	if err != nil {
		t.Fatalf("psql \\dt+ against postgres: %v\n%s", err, werr)
	}
	if !strings.Contains(got, "gold|orders|table|") {
		t.Errorf("\\dt+ on sluice does not list gold.orders:\n%s", got)
	}
	diffOutputs(t, `psql -A -c \dt+ (gold, raw, silver)`, blankSize(got), blankSize(want))
}
