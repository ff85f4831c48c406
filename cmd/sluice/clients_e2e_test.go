package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Real client catalog flows: what BI tools do when they first meet a
// database. pgjdbc's DatabaseMetaData (DBeaver, Tableau, Metabase's sync
// with its pg_stat_user_tables and table-privileges queries), SQLAlchemy's
// inspector (Superset's dataset creation and its LIMIT 100 preview) and
// psqlODBC's catalog functions (unixODBC isql's help) run against sluice's
// demo and against a PostgreSQL holding the same schemas and tables
// (catalogOracle), and their printed outputs are compared section by
// section.
//
// Sections that do not agree yet are listed in
// testdata/clients/known-differences.txt with the reason; any other section
// that differs fails the test (a regression), and the differences of the
// listed ones are printed with -v so they stay visible. A listed section
// that now agrees is reported so the list can shrink.

// clientSections splits a client's output into its "== name" sections.
func clientSections(out string) (names []string, body map[string]string) {
	body = map[string]string{}
	cur := ""
	var sb strings.Builder
	flush := func() {
		if cur != "" {
			body[cur] = sb.String()
		}
		sb.Reset()
	}
	for _, line := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(line, "== "); ok {
			flush()
			cur = name
			names = append(names, name)
			continue
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	flush()
	return names, body
}

// clientKnownDifferences reads testdata/clients/known-differences.txt:
// "flow | section | reason" per line.
func clientKnownDifferences(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "clients", "known-differences.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, " | ", 3)
		if len(parts) != 3 {
			t.Fatalf("known-differences.txt: want \"flow | section | reason\": %q", line)
		}
		known[parts[0]+" | "+parts[1]] = parts[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}

// compareFlow compares one client's outputs section by section against the
// known differences and returns how many sections agree.
func compareFlow(t *testing.T, flow, got, want string, known map[string]string) {
	t.Helper()
	// SLUICE_CLIENTS_DUMP=DIR keeps both outputs whole for a closer look.
	if dir := os.Getenv("SLUICE_CLIENTS_DUMP"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, flow+".sluice.txt"), []byte(got), 0o644)
		_ = os.WriteFile(filepath.Join(dir, flow+".postgres.txt"), []byte(want), 0o644)
	}
	gNames, gBody := clientSections(got)
	wNames, wBody := clientSections(want)
	if len(wNames) == 0 {
		t.Fatalf("%s printed no sections against PostgreSQL:\n%s", flow, firstLines(want, 20))
	}
	if !slices.Equal(gNames, wNames) {
		t.Errorf("%s: sections differ (the client stopped early?)\nsluice:   %q\npostgres: %q", flow, gNames, wNames)
	}
	agree := 0
	for _, name := range wNames {
		key := flow + " | " + name
		reason, isKnown := known[key]
		if gBody[name] == wBody[name] {
			agree++
			if isKnown {
				t.Logf("%s now agrees with PostgreSQL: remove it from testdata/clients/known-differences.txt", key)
			}
			continue
		}
		if isKnown {
			t.Logf("known difference %s (%s):\n%s", key, reason, shortDiff(gBody[name], wBody[name]))
			continue
		}
		t.Errorf("%s differs from PostgreSQL (not a known difference):\n%s", key, shortDiff(gBody[name], wBody[name]))
	}
	t.Logf("%s: %d of %d sections agree with PostgreSQL", flow, agree, len(wNames))
}

// shortDiff shows the lines found on one side only.
func shortDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var sb strings.Builder
	onlyIn := func(label string, a, b []string) {
		rest := map[string]int{}
		for _, l := range b {
			rest[l]++
		}
		n := 0
		for _, l := range a {
			if rest[l] > 0 {
				rest[l]--
				continue
			}
			if n++; n > 12 {
				sb.WriteString("    ...\n")
				break
			}
			fmt.Fprintf(&sb, "  %s: %s\n", label, l)
		}
	}
	onlyIn("sluice  ", g, w)
	onlyIn("postgres", w, g)
	return sb.String()
}

func TestClientCatalogFlowsMatchPostgres(t *testing.T) {
	d := demoServer(t)
	orc := catalogOracle(t, d)
	copyViews(t, d, orc)
	known := clientKnownDifferences(t)

	t.Run("pgjdbc", func(t *testing.T) {
		if _, err := os.Stat(jdbcJar); err != nil {
			t.Fatalf("pgjdbc is not installed (%s): run make deps", jdbcJar)
		}
		classes := t.TempDir()
		src, err := filepath.Abs("../../testdata/clients/java/JdbcClient.java")
		if err != nil {
			t.Fatal(err)
		}
		if out, errOut, err := runTool(t, nil, "", "javac", "-d", classes, "-cp", jdbcJar, src); err != nil {
			t.Fatalf("javac: %v\n%s%s", err, out, errOut)
		}
		run := func(tg target) string {
			url := fmt.Sprintf("jdbc:postgresql://%s/%s", tg.addr(), tg.db)
			if tg.sslDisable {
				url += "?sslmode=disable"
			}
			out, errOut, err := runTool(t, nil, "", "java", "-Duser.timezone=UTC", "-Dsluice.mode=metadata",
				"-cp", jdbcJar+string(os.PathListSeparator)+classes, "JdbcClient", url, tg.user)
			if err != nil || !strings.HasSuffix(out, "done\n") {
				t.Fatalf("JdbcClient metadata against %s: %v\n%s", tg.name, err, errOut)
			}
			return out
		}
		got, want := run(d.target()), run(orc)
		compareFlow(t, "pgjdbc", got, want, known)
		// The flows must have seen the lake, not two empty databases.
		if !strings.Contains(want, "|gold|orders|TABLE|") {
			t.Errorf("getTables on PostgreSQL does not list gold.orders:\n%s", firstLines(want, 40))
		}
	})

	t.Run("sqlalchemy", func(t *testing.T) {
		if _, _, err := runTool(t, nil, "", debianPython, "-c", "import sqlalchemy, psycopg2"); err != nil {
			t.Fatalf("SQLAlchemy or psycopg2 is not installed for %s: run make deps", debianPython)
		}
		script, err := filepath.Abs("../../testdata/clients/python/sqlalchemy_client.py")
		if err != nil {
			t.Fatal(err)
		}
		run := func(tg target) string {
			env := libpqEnv()
			if tg.sslDisable {
				env = append(env, "PGSSLMODE=disable")
			}
			out, errOut, err := runTool(t, env, "", debianPython, script, tg.host, strconv.Itoa(tg.port), tg.user, tg.db)
			if err != nil || !strings.HasSuffix(out, "done\n") {
				t.Fatalf("sqlalchemy_client.py against %s: %v\n%s", tg.name, err, errOut)
			}
			return out
		}
		got, want := run(d.target()), run(orc)
		compareFlow(t, "sqlalchemy", got, want, known)
		if !strings.Contains(want, "'orders'") {
			t.Errorf("get_table_names on PostgreSQL does not list orders:\n%s", firstLines(want, 40))
		}
		// The lake's Iceberg identifier fields are primary keys on both
		// sides, so get_pk_constraint's agreement is not about empty keys.
		if pk := "{constrained_columns: ['order_id'], name: 'orders_pkey'}"; !strings.Contains(got, pk) || !strings.Contains(want, pk) {
			t.Errorf("get_pk_constraint(gold.orders) is not %s on both:\nsluice:\n%s\npostgres:\n%s", pk, got, want)
		}
	})

	t.Run("isql", func(t *testing.T) {
		drivers, _ := filepath.Glob("/usr/lib/*/odbc/psqlodbcw.so")
		if len(drivers) == 0 {
			t.Fatalf("psqlODBC is not installed: run make deps")
		}
		run := func(tg target) string {
			dir := t.TempDir()
			ssl := "prefer"
			if tg.sslDisable {
				ssl = "disable"
			}
			ini := fmt.Sprintf("[e2e]\nDriver=%s\nServername=%s\nPort=%d\nDatabase=%s\nUsername=%s\nPassword=\nSSLmode=%s\n",
				drivers[0], tg.host, tg.port, tg.db, tg.user, ssl)
			if err := os.WriteFile(filepath.Join(dir, "odbc.ini"), []byte(ini), 0o644); err != nil {
				t.Fatal(err)
			}
			env := append(libpqEnv(), "ODBCINI="+filepath.Join(dir, "odbc.ini"), "ODBCSYSINI="+dir)
			var out strings.Builder
			// One isql per command, so each prints under its own heading
			// and an error in one does not end the others.
			// help TABLE without a schema looks in current_schema() only.
			for _, cmd := range []string{"help", "select current_schema()", "help orders", "help customers"} {
				o, errOut, err := runTool(t, env, cmd+"\n", "isql", "e2e", "-b", "-d|", "-c")
				fmt.Fprintf(&out, "== %s\n", cmd)
				if err != nil {
					fmt.Fprintf(&out, "failed: %v %s\n", err, strings.TrimSpace(errOut))
				}
				out.WriteString(blankColumn(o, "TABLE OID", "<oid>"))
			}
			return out.String()
		}
		got, want := run(d.target()), run(orc)
		compareFlow(t, "isql", got, want, known)
		if !strings.Contains(want, "|gold|orders|TABLE|") {
			t.Errorf("isql help on PostgreSQL does not list gold.orders:\n%s", firstLines(want, 40))
		}
	})
}

// blankColumn replaces the values of the "|"-separated column named col
// (from the header line that names it) with blank: relation OIDs are the
// servers' own.
func blankColumn(out, col, blank string) string {
	lines := strings.Split(out, "\n")
	idx := -1
	for i, l := range lines {
		f := strings.Split(l, "|")
		if j := slices.Index(f, col); j >= 0 {
			idx = j
			continue
		}
		if idx >= 0 && len(f) > idx {
			f[idx] = blank
			lines[i] = strings.Join(f, "|")
		}
	}
	return strings.Join(lines, "\n")
}

// copyViews creates on the oracle the views sluice's catalog lists (its own
// sluice.tables and sluice.freshness), with the same column names, types and
// comments, so that listings of relations compare alike; catalogOracle
// copies only tables.
func copyViews(t *testing.T, d *sluiceProc, orc target) {
	t.Helper()
	ctx := testCtx(t)
	src := connect(t, d.dsn(demoUser, demoDB), pgx.QueryExecModeExec)
	rows, err := src.Query(ctx, `select c.oid, n.nspname, c.relname, obj_description(c.oid, 'pg_class')
		from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
		where c.relkind = 'v' and n.nspname not in ('pg_catalog', 'information_schema') order by 2, 3`)
	if err != nil {
		t.Fatalf("listing sluice's views: %v", err)
	}
	type view struct {
		oid          uint32
		schema, name string
		comment      *string
	}
	views, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (view, error) {
		var v view
		return v, r.Scan(&v.oid, &v.schema, &v.name, &v.comment)
	})
	if err != nil {
		t.Fatalf("listing sluice's views: %v", err)
	}
	var ddl []string
	for _, v := range views {
		q := pgx.Identifier{v.schema, v.name}.Sanitize()
		rows, err := src.Query(ctx, `select attname, format_type(atttypid, atttypmod)
			from pg_catalog.pg_attribute where attrelid = $1 and attnum > 0 order by attnum`, v.oid)
		if err != nil {
			t.Fatalf("columns of %s: %v", q, err)
		}
		var cols []string
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, fmt.Sprintf("null::%s as %s", typ, pgx.Identifier{name}.Sanitize()))
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("columns of %s: %v", q, err)
		}
		ddl = append(ddl, fmt.Sprintf("create view %s as select %s where false", q, strings.Join(cols, ", ")))
		if v.comment != nil {
			ddl = append(ddl, fmt.Sprintf("comment on view %s is %s", q, quoteLit(*v.comment)))
		}
	}
	dst := connect(t, fmt.Sprintf("postgres://%s@%s/%s?sslmode=disable", orc.user, orc.addr(), orc.db), pgx.QueryExecModeExec)
	for _, stmt := range ddl {
		if _, err := dst.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
}
