//go:build ignore

// gen_pgcatalog exports what Sluice serves of PostgreSQL 15's own catalog
// from a real server, so that the catalog embeds PostgreSQL's rows rather
// than hand-kept copies:
//   - pg_type.tsv: the built-in pg_type rows, in PostgreSQL's heap order
//     (ctid), which is the order a scan without ORDER BY returns them
//     (pgjdbc's getTypeInfo has none);
//   - pg_relations.tsv: every relation of pg_catalog and information_schema
//     (tables, views, indexes) with its columns;
//   - pg_static.tsv: the rows of catalogs that do not depend on the lake
//     (casts, operators, operator classes, ranges, text search objects);
//   - pg_settings.tsv: the run-time parameters with their descriptions;
//   - pg_proc_names.tsv: pg_catalog's function names, for regproc input.
//
// Run with `go generate ./catalog/` on a machine with Debian's
// postgresql-15 (make deps).
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/sluicesql/sluice/wire/pgtest"
)

// The columns, in pg_type's order. regproc columns are exported as OIDs
// (the catalog stores OIDs; names are a matter of output).
const typeQuery = `SELECT oid, typname, typnamespace, typowner, typlen, typbyval, typtype, typcategory,
	typispreferred, typisdefined, typdelim, typrelid, typsubscript::oid, typelem, typarray,
	typinput::oid, typoutput::oid, typreceive::oid, typsend::oid, typmodin::oid, typmodout::oid,
	typanalyze::oid, typalign, typstorage, typnotnull, typbasetype, typtypmod, typndims,
	typcollation, typdefaultbin::text, typdefault, typacl::text
	FROM pg_catalog.pg_type WHERE oid < 16384 ORDER BY ctid`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen_pgcatalog:", err)
		os.Exit(1)
	}
}

func run() error {
	srv, err := pgtest.Launch()
	if err != nil {
		return err
	}
	defer srv.Stop()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var version string
	if err := conn.QueryRow(ctx, "show server_version").Scan(&version); err != nil {
		return err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# pg_type of PostgreSQL %s (built-in rows), exported by gen_pgcatalog.go; \\N is NULL\n", version)
	if err := export(ctx, conn, &sb, typeQuery); err != nil {
		return err
	}
	if err := os.WriteFile("pg_type.tsv", []byte(sb.String()), 0o644); err != nil {
		return err
	}

	sb.Reset()
	fmt.Fprintf(&sb, "# relations of pg_catalog and information_schema in PostgreSQL %s, a line per column, exported by gen_pgcatalog.go\n", version)
	if err := export(ctx, conn, &sb, relationsQuery); err != nil {
		return err
	}
	if err := os.WriteFile("pg_relations.tsv", []byte(sb.String()), 0o644); err != nil {
		return err
	}

	sb.Reset()
	fmt.Fprintf(&sb, "# rows of lake-independent catalogs of PostgreSQL %s, exported by gen_pgcatalog.go; \\N is NULL\n", version)
	for _, name := range staticCatalogs {
		q, err := staticQuery(ctx, conn, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(&sb, "## %s\n", name)
		if err := export(ctx, conn, &sb, q); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := os.WriteFile("pg_static.tsv", []byte(sb.String()), 0o644); err != nil {
		return err
	}

	sb.Reset()
	fmt.Fprintf(&sb, "# pg_settings of PostgreSQL %s at its compiled-in defaults, exported by gen_pgcatalog.go; \\N is NULL\n", version)
	if err := export(ctx, conn, &sb, settingsQuery); err != nil {
		return err
	}
	if err := os.WriteFile("pg_settings.tsv", []byte(sb.String()), 0o644); err != nil {
		return err
	}

	sb.Reset()
	fmt.Fprintf(&sb, "# names of pg_catalog's functions in PostgreSQL %s, for regproc input, exported by gen_pgcatalog.go\n", version)
	if err := export(ctx, conn, &sb, "SELECT oid, proname FROM pg_catalog.pg_proc WHERE pronamespace = 11 ORDER BY oid"); err != nil {
		return err
	}
	return os.WriteFile("pg_proc_names.tsv", []byte(sb.String()), 0o644)
}

// settingsQuery lists the run-time parameters at their compiled-in
// defaults (boot_val), not the test server's own configuration: Sluice
// overlays the values its sessions track.
const settingsQuery = `SELECT name, boot_val AS setting, unit, category, short_desc, extra_desc, context, vartype,
	'default' AS source, min_val, max_val, enumvals::text, boot_val, boot_val AS reset_val,
	NULL AS sourcefile, NULL::int AS sourceline, false AS pending_restart
	FROM pg_catalog.pg_settings ORDER BY name`

// relationsQuery lists every column of every relation of pg_catalog and
// information_schema, with what pg_class says of the relation. Types are
// the columns' declared ones (domains included; the catalog serves a
// domain's base type).
const relationsQuery = `SELECT n.nspname, c.relname, c.oid, c.relkind, c.relisshared, c.relhasindex,
	a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull
	FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'v', 'i')
	ORDER BY n.nspname, c.relname, a.attnum`

// staticCatalogs are catalogs whose rows are PostgreSQL's own and do not
// depend on the lake; their columns are all scalars.
var staticCatalogs = []string{
	"pg_aggregate", "pg_amop", "pg_amproc", "pg_cast", "pg_conversion", "pg_opclass",
	"pg_operator", "pg_opfamily", "pg_range", "pg_ts_config", "pg_ts_dict", "pg_ts_parser",
	"pg_ts_template",
}

// staticQuery selects a catalog's columns in order, reg* columns as OIDs
// (the catalog stores OIDs; names are a matter of output).
func staticQuery(ctx context.Context, conn *pgx.Conn, name string) (string, error) {
	rows, err := conn.Query(ctx, `SELECT a.attname, a.atttypid::regtype::text FROM pg_catalog.pg_attribute a
		WHERE a.attrelid = ('pg_catalog.' || $1)::regclass AND a.attnum > 0 ORDER BY a.attnum`, name)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var col, typ string
		if err := rows.Scan(&col, &typ); err != nil {
			return "", err
		}
		if strings.HasPrefix(typ, "reg") {
			col += "::oid"
		}
		cols = append(cols, col)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM pg_catalog." + name + " ORDER BY 1", nil
}

// export writes a header line of column names and the rows of q as
// tab-separated text, \N for NULL, backslash, tab and newlines escaped as
// COPY's text format does.
func export(ctx context.Context, conn *pgx.Conn, sb *strings.Builder, q string) error {
	rows, err := conn.Query(ctx, q, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return err
	}
	defer rows.Close()
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	sb.WriteString(strings.Join(names, "\t") + "\n")
	for rows.Next() {
		raw := rows.RawValues()
		cells := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				cells[i] = `\N`
				continue
			}
			// COPY's text escapes, which the catalog undoes.
			cells[i] = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(string(v))
		}
		sb.WriteString(strings.Join(cells, "\t") + "\n")
	}
	return rows.Err()
}
