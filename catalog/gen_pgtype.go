//go:build ignore

// gen_pgtype exports PostgreSQL 15's built-in pg_type rows into
// pg_type.tsv, which the catalog embeds: Sluice serves PostgreSQL's own rows
// rather than a hand-kept copy. Run with `go generate ./catalog/` on a
// machine with Debian's postgresql-15 (make deps).
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
const query = `SELECT oid, typname, typnamespace, typowner, typlen, typbyval, typtype, typcategory,
	typispreferred, typisdefined, typdelim, typrelid, typsubscript::oid, typelem, typarray,
	typinput::oid, typoutput::oid, typreceive::oid, typsend::oid, typmodin::oid, typmodout::oid,
	typanalyze::oid, typalign, typstorage, typnotnull, typbasetype, typtypmod, typndims,
	typcollation, typdefaultbin::text, typdefault, typacl::text
	FROM pg_catalog.pg_type WHERE oid < 16384 ORDER BY oid`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen_pgtype:", err)
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
	rows, err := conn.Query(ctx, query, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return err
	}
	defer rows.Close()
	var sb strings.Builder
	fmt.Fprintf(&sb, "# pg_type of PostgreSQL %s (built-in rows), exported by gen_pgtype.go; \\N is NULL\n", version)
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
			s := string(v)
			if strings.ContainsAny(s, "\t\n\\") {
				return fmt.Errorf("value %q needs escaping", s)
			}
			cells[i] = s
		}
		sb.WriteString(strings.Join(cells, "\t") + "\n")
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return os.WriteFile("pg_type.tsv", []byte(sb.String()), 0o644)
}
