package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestStartupReportsParametersAsPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	c := connectPG(t, ts.dsn("alice", "sluice", "application_name=report-test",
		"TimeZone=europe/berlin", "DateStyle=ISO", "extra_float_digits=3",
		"options=-c%20search_path%3Dgold,public%20-c%20statement_timeout%3D5s"))

	// The values PostgreSQL 15 reports at startup (its GUC_REPORT set),
	// under the startup parameters given.
	want := map[string]string{
		"application_name":              "report-test",
		"client_encoding":               "UTF8",
		"DateStyle":                     "ISO, MDY",
		"default_transaction_read_only": "on",
		"in_hot_standby":                "off",
		"integer_datetimes":             "on",
		"IntervalStyle":                 "postgres",
		"is_superuser":                  "off",
		"server_encoding":               "UTF8",
		"session_authorization":         "alice",
		"standard_conforming_strings":   "on",
		"TimeZone":                      "Europe/Berlin",
	}
	for _, k := range sortedKeys(want) {
		if got := c.ParameterStatus(k); got != want[k] {
			t.Errorf("ParameterStatus %s = %q, want %q", k, got, want[k])
		}
	}
	if v := c.ParameterStatus("server_version"); !strings.HasPrefix(v, "15.0 (Sluice ") {
		t.Errorf("server_version = %q, want 15.0 (Sluice ...)", v)
	}
	ctx := testCtx(t)
	for q, want := range map[string]string{
		// options' values are kept as given, as PostgreSQL keeps them.
		"SHOW search_path":        `search_path:25:0 | "gold,public",; SHOW / `,
		"SHOW statement_timeout":  `statement_timeout:25:0 | "5s",; SHOW / `,
		"SHOW extra_float_digits": `extra_float_digits:25:0 | "3",; SHOW / `,
	} {
		if got := render(ctx, c, q); !strings.HasPrefix(got, want) {
			t.Errorf("%s = %s, want %s", q, got, want)
		}
	}
	// RESET returns to the startup value, not the built-in default.
	render(ctx, c, "SET extra_float_digits = 0")
	if got := render(ctx, c, "RESET extra_float_digits; SHOW extra_float_digits"); !strings.Contains(got, `"3"`) {
		t.Errorf("RESET after a startup value: %s", got)
	}
}

func TestStartupRejections(t *testing.T) {
	ts := startServer(t, serverOptions{database: "lakehouse"})
	ctx := testCtx(t)
	for _, c := range []struct {
		name, dsn, code, msg string
	}{
		{"unknown database", ts.dsn("sluice", "sluice"), "3D000", `database "sluice" does not exist`},
		{"database defaults to user name", ts.dsn("bob", ""), "3D000", `database "bob" does not exist`},
		{"bad parameter value", ts.dsn("sluice", "lakehouse", "DateStyle=nonsense"), "22023", `invalid value for parameter "DateStyle": "nonsense"`},
		{"unknown parameter", ts.dsn("sluice", "lakehouse", "no_such_setting=1"), "42704", `unrecognized configuration parameter "no_such_setting"`},
		{"internal parameter", ts.dsn("sluice", "lakehouse", "server_version=9"), "55P02", `parameter "server_version" cannot be changed`},
		{"bad options", ts.dsn("sluice", "lakehouse", "options=-x"), "42601", `invalid command-line argument for server process: -x`},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := pgconn.Connect(ctx, c.dsn)
			if err == nil {
				conn.Close(ctx)
				t.Fatalf("connected; want FATAL %s", c.code)
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v carries no SQLSTATE", err)
			}
			if pe.Severity != "FATAL" || pe.Code != c.code || pe.Message != c.msg {
				t.Errorf("got %s %s %q, want FATAL %s %q", pe.Severity, pe.Code, pe.Message, c.code, c.msg)
			}
		})
	}
	// The configured name works.
	conn := connectPG(t, ts.dsn("sluice", "lakehouse"))
	if got := render(ctx, conn, "SELECT current_database()"); !strings.Contains(got, `"lakehouse"`) {
		t.Errorf("current_database() = %s", got)
	}
}

// TestSettingsMatchPostgres runs SET/SHOW/RESET sequences against Sluice
// and PostgreSQL 15 and compares what a client sees: values, tags,
// SQLSTATEs and messages.
func TestSettingsMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	compareScripts(t, ts, []script{
		{"datestyle", []string{
			"SHOW DateStyle", "SET DateStyle = german", "SHOW datestyle", "SET datestyle = 'ymd'", "SHOW DATESTYLE",
			"SET datestyle = iso, dmy", "SHOW datestyle", "SET datestyle = 'iso, sql'", "SET datestyle = 'nonsense'",
			"SET datestyle = postgres", "SHOW datestyle", "SET DateStyle TO DEFAULT", "SHOW DateStyle",
			"SET datestyle = 'sql, us'", "RESET datestyle", "SHOW datestyle",
		}},
		{"search_path", []string{
			"SHOW search_path", "SET search_path = 'gold,public', x", "SHOW search_path",
			"SET search_path = ''", "SHOW search_path", "SET search_path TO gold", "SHOW search_path",
			`SET search_path = "Gold", "$user"`, "SHOW search_path", "SET SCHEMA 'silver'", "SHOW search_path",
			"SET search_path TO DEFAULT", "SHOW search_path",
		}},
		{"units", []string{
			"SHOW statement_timeout", "SET statement_timeout = 60000", "SHOW statement_timeout",
			"SET statement_timeout = '1.5s'", "SHOW statement_timeout", "SET statement_timeout = '2.5'", "SHOW statement_timeout",
			"SET statement_timeout = '100us'", "SHOW statement_timeout", "SET statement_timeout = '90 min'", "SHOW statement_timeout",
			"SET statement_timeout = -1", "SET statement_timeout = '5x'", "SET statement_timeout = '1 d'", "SHOW statement_timeout",
			"SET lock_timeout = '2h'", "SHOW lock_timeout",
			"SET work_mem = 1024", "SHOW work_mem", "SET work_mem = '64MB'", "SHOW work_mem", "SET work_mem = '1GB'", "SHOW work_mem",
			"SET work_mem = 1", "SET work_mem = '1mb'", "SET work_mem = '100kB'", "SHOW work_mem",
			"RESET work_mem", "SHOW work_mem", "SHOW maintenance_work_mem", "SHOW effective_cache_size", "SHOW temp_buffers",
		}},
		{"time zones", []string{
			"SHOW TimeZone", "SET TIME ZONE -7", "SHOW timezone", "SET TIME ZONE 5.5", "SHOW time zone", "SET timezone = 'utc'", "SHOW timezone",
			"SET timezone = 'europe/berlin'", "SHOW timezone", "SET timezone = 'America/New_York'", "SHOW timezone",
			"SET timezone = 'Foo/Bar'", "SET TIME ZONE 'UTC+3'", "SHOW timezone", "SET TIME ZONE LOCAL", "SHOW timezone",
			"SET timezone = 'Asia/Kolkata'", "RESET timezone", "SHOW timezone", "SET timezone = '+02:00'", "SHOW timezone",
			"SET timezone = '-05:30'", "SHOW timezone",
		}},
		{"numbers and booleans", []string{
			"SHOW extra_float_digits", "SET extra_float_digits = 3", "SHOW extra_float_digits", "SET extra_float_digits = 5",
			"SET extra_float_digits = -15", "SHOW extra_float_digits", "SET extra_float_digits = 1, 2", "SET extra_float_digits = 'x'",
			"SET random_page_cost = -1", "SET random_page_cost = 'x'", "SET random_page_cost = 2.5", "SHOW random_page_cost",
			"SET cursor_tuple_fraction = 1.5", "SET cursor_tuple_fraction = 0.25", "SHOW cursor_tuple_fraction",
			"SET array_nulls = 'o'", "SET array_nulls = 'of'", "SHOW array_nulls", "SET array_nulls = yes", "SHOW array_nulls",
			"SET array_nulls = 0", "SHOW array_nulls", "SET array_nulls = TRUE", "SHOW array_nulls", "SET array_nulls = 'maybe'",
			"SET enable_seqscan = off", "SHOW enable_seqscan", "SET jit = 'f'", "SHOW jit",
		}},
		{"enums and strings", []string{
			"SHOW IntervalStyle", "SET intervalstyle = foo", "SET intervalstyle = SQL_STANDARD", "SHOW intervalstyle",
			"SET bytea_output = 'escape'", "SHOW bytea_output", "SET client_min_messages = WARNING", "SHOW client_min_messages",
			"SET default_transaction_isolation = 'serializable'", "SHOW default_transaction_isolation", "SHOW transaction_isolation",
			"SET default_transaction_isolation = 'chaos'",
			"SET application_name = 'héllo'", "SHOW application_name", "SET application_name = 'a', 'b'",
			"SET client_encoding = 'utf8'", "SHOW client_encoding", "SET NAMES 'UNICODE'", "SHOW client_encoding",
			"SET client_encoding = 'nope'", "SHOW standard_conforming_strings", "SHOW integer_datetimes", "SHOW server_encoding",
			"SHOW max_identifier_length", "SHOW block_size", "SHOW in_hot_standby", "SET xmloption = document", "SHOW xmloption",
			"SET synchronous_commit = local", "SHOW synchronous_commit", "SET ROLE NONE", "SHOW role",
		}},
		{"names", []string{
			"SET no_such_thing = 1", "SHOW no_such_thing", "RESET no_such_thing", "SET x.y = 1", "SHOW x.y", "SHOW x.z",
			"SET myapp.tenant = 'acme'", "SHOW myapp.tenant", "RESET myapp.tenant", "SHOW myapp.tenant",
			`SET "x.1" = 2`, "SET a.b.c = 3", "SHOW a.b.c",
			"SET server_version = '1'", "SET max_connections = 1", "SET integer_datetimes = off", "RESET server_version",
			"SHOW TRANSACTION ISOLATION LEVEL", "SHOW transaction_read_only", "SHOW default_transaction_read_only",
			"SHOW transaction_deferrable",
		}},
		{"reset all and discard", []string{
			"SET application_name = 'changed'", "SET DateStyle = 'SQL, DMY'", "SET x.y = 'custom'",
			"RESET ALL", "SHOW application_name", "SHOW DateStyle", "SHOW x.y",
			"SET statement_timeout = '1min'", "PREPARE p AS SELECT 1", "DISCARD ALL", "SHOW statement_timeout", "EXECUTE p",
			"DISCARD PLANS", "DISCARD SEQUENCES", "DISCARD TEMP",
		}},
		{"set transaction and characteristics", []string{
			"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SHOW default_transaction_isolation",
			"SHOW transaction_isolation", "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
			"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "SHOW transaction_isolation",
			"SET transaction_isolation = 'serializable'", "SHOW transaction_isolation",
		}},
	})
}

// TestTransactionsMatchPostgres compares transaction blocks, savepoints,
// failed blocks (25P02), warnings and statuses with PostgreSQL 15.
func TestTransactionsMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	compareScripts(t, ts, []script{
		{"begin commit", []string{"BEGIN", "SELECT 1", "COMMIT", "START TRANSACTION", "END", "BEGIN WORK", "ABORT"}},
		{"warnings", []string{"BEGIN", "BEGIN", "COMMIT", "COMMIT", "ROLLBACK", "END", "ABORT"}},
		{"failed block", []string{"BEGIN", "SELECT 1/0", "SELECT 1", "SHOW DateStyle", "SET application_name = 'x'",
			"SAVEPOINT a", "RELEASE a", "BEGIN", "PREPARE p AS SELECT 1", "COMMIT", "SHOW application_name", "EXECUTE p"}},
		{"failed block rollback", []string{"BEGIN", "SELECT 1/0", "ROLLBACK", "SELECT 1"}},
		{"syntax error fails the block", []string{"BEGIN", "SELEC 1", "SELECT 1", "ROLLBACK"}},
		{"savepoints", []string{"BEGIN", "SAVEPOINT a", "SELECT 1/0", "SELECT 1", "ROLLBACK TO a", "SELECT 1",
			"RELEASE a", "RELEASE a", "SELECT 1", "ROLLBACK", "BEGIN", "SAVEPOINT a", "SAVEPOINT b", "SAVEPOINT a",
			"RELEASE a", "ROLLBACK TO b", "ROLLBACK TO a", "RELEASE SAVEPOINT b", "ROLLBACK TO SAVEPOINT nope", "ROLLBACK"}},
		{"savepoint outside a block", []string{"SAVEPOINT a", "RELEASE a", "ROLLBACK TO a", "SELECT 1; SAVEPOINT a"}},
		{"rollback to in a failed block", []string{"BEGIN", "SAVEPOINT s", "SELECT 1/0", "ROLLBACK TO nope", "ROLLBACK TO s", "SELECT 2", "COMMIT"}},
		{"set is transactional", []string{
			"BEGIN", "SET application_name = 'inner'", "ROLLBACK", "SHOW application_name",
			"BEGIN", "SET application_name = 'kept'", "COMMIT", "SHOW application_name",
			"BEGIN", "SET LOCAL application_name = 'local'", "SHOW application_name", "COMMIT", "SHOW application_name",
			"SET LOCAL application_name = 'nowhere'", "SHOW application_name",
			"BEGIN", "SET application_name = 'one'", "SET LOCAL application_name = 'two'", "COMMIT", "SHOW application_name",
			"BEGIN", "SET LOCAL application_name = 'three'", "SET application_name = 'four'", "COMMIT", "SHOW application_name",
			"BEGIN", "SET application_name = 's1'", "SAVEPOINT s", "SET application_name = 's2'", "ROLLBACK TO s",
			"SHOW application_name", "COMMIT", "SHOW application_name",
			"BEGIN", "SET DateStyle = 'German'", "SELECT 1/0", "ROLLBACK", "SHOW DateStyle",
		}},
		{"multi-statement strings", []string{
			"SET application_name = 'm'; SELECT 1/0", "SHOW application_name",
			"SELECT 1; BEGIN; SELECT 2", "COMMIT",
			"BEGIN; SELECT 1/0; SELECT 2", "SELECT 3", "ROLLBACK",
			"BEGIN; SET application_name = 'c'; COMMIT; SELECT 1/0", "SHOW application_name",
			"SET application_name = 'r'; ROLLBACK", "SHOW application_name",
			"SELECT 1; COMMIT; SELECT 2", "SET LOCAL application_name = 'ml'; SHOW application_name", "SHOW application_name",
			"SELECT 1; DISCARD ALL", "COMMIT AND CHAIN", "SELECT 1; ROLLBACK AND CHAIN",
			"BEGIN; SELECT 1; COMMIT; SELECT 2; BEGIN", "ROLLBACK",
		}},
		{"isolation", []string{
			"BEGIN ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation", "COMMIT", "SHOW transaction_isolation",
			"BEGIN", "SELECT 1", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "ROLLBACK",
			"BEGIN", "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "SELECT 1", "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "COMMIT",
			"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "SHOW transaction_isolation",
			"begin isolation level repeatable read read only", "SHOW transaction_isolation", "SHOW transaction_read_only", "rollback",
			"BEGIN ISOLATION LEVEL REPEATABLE READ", "COMMIT AND CHAIN", "SHOW transaction_isolation", "ROLLBACK AND CHAIN",
			"SHOW transaction_isolation", "COMMIT", "COMMIT AND CHAIN", "ROLLBACK AND CHAIN",
			"BEGIN", "SAVEPOINT a", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "ROLLBACK",
		}},
		{"discard all needs no block", []string{"BEGIN", "DISCARD ALL", "ROLLBACK", "DISCARD ALL"}},
		// What real clients send when they connect and around queries
		// (shared/corpus/pg-clients.jsonl, kind session and ping).
		{"pgjdbc", []string{"SET extra_float_digits = 3", "SET application_name = 'PostgreSQL JDBC Driver'",
			"SHOW TRANSACTION ISOLATION LEVEL", "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
			"SELECT 1", "BEGIN", "SELECT 1", "COMMIT", ""}},
		{"psycopg2 and SQLAlchemy", []string{"BEGIN", "select pg_catalog.version() like 'PostgreSQL 15%'",
			"show transaction isolation level", "show standard_conforming_strings", "ROLLBACK", "BEGIN", "SELECT 1", "ROLLBACK"}},
		{"pgx", []string{"begin isolation level repeatable read read only", "SELECT 1", "rollback"}},
		{"psqlODBC", []string{"SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation",
			"BEGIN", "SAVEPOINT _EXEC_SVP_0x1", "SELECT 1", "RELEASE _EXEC_SVP_0x1", "COMMIT"}},
		{"psql", []string{"select 1", "DEALLOCATE q1;", "BEGIN;", "COMMIT;"}},
		{"read-only", []string{
			"CREATE TABLE t (a int)", "BEGIN", "DROP TABLE IF EXISTS t", "SELECT 1", "ROLLBACK",
			"CREATE SCHEMA s", "CREATE VIEW v AS SELECT 1",
		}},
	})
}

// TestParameterStatusFollowsChanges: a SET of a reported parameter is
// reported back, and so is its undoing by ROLLBACK.
func TestParameterStatusFollowsChanges(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	steps := []struct {
		sql, param, want string
	}{
		{"SET application_name = 'dashboards'", "application_name", "dashboards"},
		{"SET DateStyle = 'SQL, DMY'", "DateStyle", "SQL, DMY"},
		{"SET TIME ZONE 'America/Sao_Paulo'", "TimeZone", "America/Sao_Paulo"},
		{"SET IntervalStyle = iso_8601", "IntervalStyle", "iso_8601"},
		{"BEGIN; SET application_name = 'rolled back'", "application_name", "rolled back"},
		{"ROLLBACK", "application_name", "dashboards"},
		{"SET application_name = 'x'; SELECT 1/0", "application_name", "dashboards"},
		{"RESET ALL", "DateStyle", "ISO, MDY"},
	}
	for _, s := range steps {
		render(ctx, c, s.sql)
		if got := c.ParameterStatus(s.param); got != s.want {
			t.Errorf("after %q: ParameterStatus %s = %q, want %q", s.sql, s.param, got, s.want)
		}
	}
}

func TestShowAll(t *testing.T) {
	ts := startServer(t, serverOptions{settings: map[string]string{"statement_timeout": "30s"}})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	render(ctx, c, "SET myapp.flag = 'on'")
	res := c.ExecParams(ctx, "SHOW ALL", nil, nil, nil, nil).Read()
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var names []string
	byName := map[string][]string{}
	for _, r := range res.Rows {
		names = append(names, string(r[0]))
		byName[string(r[0])] = []string{string(r[1]), string(r[2])}
	}
	if len(res.FieldDescriptions) != 3 || string(res.FieldDescriptions[0].Name) != "name" ||
		string(res.FieldDescriptions[2].Name) != "description" {
		t.Errorf("SHOW ALL columns: %v", res.FieldDescriptions)
	}
	for i := 1; i < len(names); i++ {
		if strings.ToLower(names[i-1]) > strings.ToLower(names[i]) {
			t.Errorf("SHOW ALL not sorted: %s before %s", names[i-1], names[i])
		}
	}
	for name, want := range map[string]string{"DateStyle": "ISO, MDY", "statement_timeout": "30s", "myapp.flag": "on", "TimeZone": "UTC"} {
		if got := byName[name]; len(got) == 0 || got[0] != want {
			t.Errorf("SHOW ALL %s = %v, want %q", name, got, want)
		}
	}
	if _, ok := byName["is_superuser"]; ok {
		t.Errorf("SHOW ALL lists is_superuser, which PostgreSQL hides")
	}
	if d := byName["search_path"]; len(d) < 2 || !strings.HasPrefix(d[1], "Sets the schema search order") {
		t.Errorf("search_path description: %v", d)
	}
	if res.CommandTag.String() != "SHOW" {
		t.Errorf("tag %q", res.CommandTag)
	}
}

var _ = context.Background
