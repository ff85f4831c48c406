package planner

import (
	"fmt"
	"testing"
)

func TestCacheText(t *testing.T) {
	p := New()
	text := func(sql string) (string, []string) {
		t.Helper()
		stmts, err := p.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		q, ok := stmts[0].(*Query)
		if !ok {
			t.Fatalf("%s: %T, not a query", sql, stmts[0])
		}
		s, funcs, ok := q.CacheText()
		if !ok {
			t.Fatalf("%s: no cache text", sql)
		}
		return s, funcs
	}
	same := [][2]string{
		{"SELECT a, b FROM gold.orders WHERE a > 1", "select  a,b\n from GOLD.Orders -- comment\n where a>1"},
		{"SELECT count(*) FROM t WHERE x = 'it''s'", "/* tile 3 */ SELECT COUNT(*) FROM t WHERE x = 'it''s'"},
		{"SELECT $1::int", "select $1::INT"},
	}
	for _, c := range same {
		a, _ := text(c[0])
		b, _ := text(c[1])
		if a != b {
			t.Errorf("%q and %q key differently: %q vs %q", c[0], c[1], a, b)
		}
	}
	differ := [][2]string{
		{"SELECT a FROM t WHERE a > 1", "SELECT a FROM t WHERE a > 2"},
		{"SELECT 'x'", "SELECT 'X'"},
		{`SELECT a FROM "T"`, "SELECT a FROM t"},
		{"SELECT 1.0", "SELECT 1.00"},
	}
	for _, c := range differ {
		a, _ := text(c[0])
		b, _ := text(c[1])
		if a == b {
			t.Errorf("%q and %q share a key %q", c[0], c[1], a)
		}
	}
	for sql, want := range map[string]string{
		"SELECT 1":                                         "[]",
		"SELECT current_user, version()":                   "[current_user version]",
		"SELECT CURRENT_USER, CURRENT_SCHEMA":              "[current_schema current_user]",
		"SELECT * FROM t WHERE x = pg_backend_pid()":       "[pg_backend_pid]",
		"SELECT (SELECT current_setting('TimeZone')) AS z": "[current_setting]",
	} {
		if _, funcs := text(sql); fmt.Sprint(funcs) != want {
			t.Errorf("%s: session functions %v, want %s", sql, funcs, want)
		}
	}
}
