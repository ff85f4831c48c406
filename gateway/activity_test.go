package gateway

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sluicesql/sluice/cache"
)

// pg_settings lists PostgreSQL's parameters with PostgreSQL's units,
// categories and types, and shows the session's own values in base units.
func TestPgSettingsMatchPostgres(t *testing.T) {
	ts := startServer(t, serverOptions{})
	compareScripts(t, ts, []script{{name: "settings", steps: []string{
		`SELECT name, unit, category, vartype, context, min_val, max_val, enumvals FROM pg_settings
		  WHERE name IN ('max_index_keys', 'block_size', 'statement_timeout', 'DateStyle', 'IntervalStyle', 'work_mem', 'client_min_messages')
		  ORDER BY name`,
		`SELECT setting FROM pg_catalog.pg_settings WHERE name='max_index_keys'`,
		`SELECT count(*) > 300 FROM pg_settings`,
		`SET statement_timeout = '5s'`,
		`SELECT name, setting, unit, source FROM pg_settings WHERE name = 'statement_timeout'`,
		`SET statement_timeout = '2min'`,
		`SELECT setting FROM pg_settings WHERE name = 'statement_timeout'`,
		`SET search_path = gold, public`,
		`SELECT setting, source FROM pg_settings WHERE name = 'search_path'`,
		`SET application_name = 'dash'`,
		`SELECT setting FROM pg_settings WHERE name = 'application_name'`,
	}}})
}

// pg_stat_activity lists every live session, and pg_backend_pid() is the
// pid of the connection's BackendKeyData, as in PostgreSQL.
func TestPgStatActivityListsLiveSessions(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ctx := testCtx(t)
	a := connectPG(t, ts.dsn("sluice", "sluice", "application_name=tile-a"))
	b := connectPG(t, ts.dsn("sluice", "sluice", "application_name=tile-b"))
	if _, err := b.Exec(ctx, "BEGIN; SELECT 1").ReadAll(); err != nil {
		t.Fatal(err)
	}
	got := render(ctx, a, `SELECT pid = pg_backend_pid(), state, query, usename, datname, application_name,
		backend_start <= now(), query_start IS NOT NULL, backend_type
		FROM pg_stat_activity WHERE pid = pg_backend_pid()`)
	if !strings.Contains(got, `"t","active","SELECT pid = pg_backend_pid()`) || !strings.Contains(got, `"sluice","sluice","tile-a","t","t","client backend"`) {
		t.Errorf("own row: %s", got)
	}
	if pid := a.PID(); !strings.Contains(render(ctx, a, "SELECT pg_backend_pid()"), `"`+itoa(int(pid))+`"`) {
		t.Errorf("pg_backend_pid() is not the BackendKeyData pid %d", pid)
	}
	got = render(ctx, a, `SELECT application_name, state, query, xact_start IS NOT NULL FROM pg_stat_activity WHERE pid = `+itoa(int(b.PID())))
	if !strings.Contains(got, `"tile-b","idle in transaction","BEGIN; SELECT 1","t"`) {
		t.Errorf("the other session: %s", got)
	}
	b.Close(ctx)
	// A closed session leaves the view once the server has read its
	// Terminate, which happens after Close returns: ask until it has.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = render(ctx, a, `SELECT count(*) FROM pg_stat_activity WHERE pid = `+itoa(int(b.PID())))
		if strings.Contains(got, `"0"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("closed session still listed after 10s: %s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// pg_settings and pg_stat_activity describe the session reading them: the
// result cache never keeps them, and EXPLAIN says why.
func TestSessionViewsAreNeverCached(t *testing.T) {
	cs := startCacheServer(t, testLake(t), cache.Config{}, CacheConfig{})
	c := connectX(t, cs.dsn("sluice", "sluice"))
	for _, sql := range []string{"SELECT setting FROM pg_settings WHERE name = 'TimeZone'", "SELECT count(*) FROM pg_stat_activity"} {
		rowsText(t, c, sql)
		if e := explainText(t, c, sql); !strings.Contains(e, "not cacheable: reads server state") {
			t.Errorf("EXPLAIN %s:\n%s", sql, e)
		}
	}
	rowsText(t, c, "SET TimeZone = 'Europe/Paris'")
	if got := rowsText(t, c, "SELECT setting FROM pg_settings WHERE name = 'TimeZone'"); !strings.Contains(got, "Europe/Paris") {
		t.Errorf("pg_settings after SET TimeZone: %s", got)
	}
}

// The sluice system schema is never a session's "$user" schema, though the
// default role is named sluice: current_schema() is the first layer.
func TestSluiceSchemaIsNotTheUserSchema(t *testing.T) {
	ts := startServer(t, serverOptions{settings: map[string]string{"search_path": `"$user", gold, public`}})
	ctx := testCtx(t)
	c := connectPG(t, ts.dsn("sluice", "sluice"))
	got := render(ctx, c, "SELECT current_schema(), current_schemas(false), count(*) > 0 FROM sluice.tables")
	if !strings.Contains(got, `"gold","{gold,public}","t"`) {
		t.Errorf("current_schema with a sluice schema and user sluice: %s", got)
	}
}
