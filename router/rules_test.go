package router

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const rulesYAML = `
- name: no-raw-for-bi
  applications: ["Metabase*", "Superset"]
  layers: [raw]
  deny: "BI tools read the curated layers only"
- name: windows-unsupported
  features: [window]
  deny: "window functions are not allowed here"
  code: 0A000
- name: etl-tag
  client_tags: [etl, nightly]
  route: etl
- name: analysts
  roles: [analyst]
  route: interactive
- name: big
  min_bytes: 1GB
  route: etl
- name: many-rows
  min_rows: 1000000
  max_rows: 50000000
  route: interactive
- name: fact-joins
  tables: ["gold.orders"]
  features: [join]
  route: interactive
- name: bob
  users: [bob]
  route: local
`

func TestRulesFirstMatchWins(t *testing.T) {
	rules, err := ParseRules([]byte(rulesYAML))
	if err != nil {
		t.Fatal(err)
	}
	if err := rules.Validate([]string{"etl", "interactive"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    Query
		want Decision
	}{
		{"no rule: local", Query{User: "alice"}, Decision{Route: RouteLocal}},
		{"application and layer", Query{Application: "Metabase v0.50", Layers: []string{"gold", "raw"}},
			Decision{Rule: "no-raw-for-bi", Deny: "BI tools read the curated layers only", Code: "42501"}},
		{"application without the layer", Query{Application: "Metabase", Layers: []string{"gold"}}, Decision{Route: RouteLocal}},
		{"feature deny with 0A000", Query{Features: []string{"aggregate", "window"}},
			Decision{Rule: "windows-unsupported", Deny: "window functions are not allowed here", Code: "0A000"}},
		{"client tag", Query{ClientTags: []string{"adhoc", "nightly"}}, Decision{Route: "etl", Rule: "etl-tag"}},
		{"role", Query{User: "carol", Roles: []string{"carol", "analyst"}}, Decision{Route: "interactive", Rule: "analysts"}},
		{"bytes", Query{Bytes: 2 << 30}, Decision{Route: "etl", Rule: "big"}},
		{"just under the bytes bound", Query{Bytes: 1<<30 - 1}, Decision{Route: RouteLocal}},
		{"rows in range", Query{Rows: 2_000_000}, Decision{Route: "interactive", Rule: "many-rows"}},
		{"rows above range", Query{Rows: 60_000_000}, Decision{Route: RouteLocal}},
		{"table and feature", Query{Tables: []string{"gold.customers", "gold.orders"}, Features: []string{"join"}},
			Decision{Route: "interactive", Rule: "fact-joins"}},
		{"table without the feature", Query{Tables: []string{"gold.orders"}}, Decision{Route: RouteLocal}},
		{"user", Query{User: "bob"}, Decision{Route: RouteLocal, Rule: "bob"}},
		{"earlier rule wins over a later match", Query{User: "bob", ClientTags: []string{"etl"}}, Decision{Route: "etl", Rule: "etl-tag"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := rules.Decide(tc.q); got != tc.want {
				t.Fatalf("Decide(%+v) = %+v, want %+v", tc.q, got, tc.want)
			}
		})
	}
}

func TestRulesValidate(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"- {name: a, route: nowhere}", "neither local nor a configured tier"},
		{"- {name: a, route: etl, deny: no}", "exactly one of route and deny"},
		{"- {name: a}", "exactly one of route and deny"},
		{"- {name: a, deny: no, code: '53300'}", "42501 or 0A000"},
		{"- {name: a, route: etl}\n- {name: a, route: etl}", "defined twice"},
		{"- {name: a, users: ['[x'], route: etl}", "bad pattern"},
	} {
		rules, err := ParseRules([]byte(tc.yaml))
		if err == nil {
			err = rules.Validate([]string{"etl"})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
	if _, err := ParseRules([]byte("- {name: a, route: etl, colour: red}")); err == nil {
		t.Error("an unknown key was accepted")
	}
	if _, err := ParseRules([]byte("- {name: a, route: etl, min_bytes: lots}")); err == nil {
		t.Error("a bad size was accepted")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"1024": 1024, "1KB": 1024, "1.5 GB": 3 << 29, "2tb": 2 << 40, "10B": 10} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

// TestRuleSetReloadsFile changes the rules file under a running RuleSet:
// the new rules apply without a restart, a broken file keeps the last good
// rules and says why.
func TestRuleSetReloadsFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rules.yaml")
	write := func(s string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		// Modification times can be coarse: set one that differs.
		if err := os.Chtimes(file, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	base := Rules{{Name: "tagged", ClientTags: []string{"etl"}, Route: "etl"}}
	start := time.Now().Add(-time.Hour)
	write("rules:\n  - {name: big, min_bytes: 1MB, route: etl}\n", start)
	rs, err := NewRuleSet(base, file, []string{"etl", "interactive"})
	if err != nil {
		t.Fatal(err)
	}
	rs.SetCheckInterval(0)
	big := Query{Bytes: 2 << 20}
	if d := rs.Decide(big); d.Route != "etl" || d.Rule != "big" {
		t.Fatalf("before the change: %+v", d)
	}
	if d := rs.Decide(Query{ClientTags: []string{"etl"}, Bytes: 2 << 20}); d.Rule != "tagged" {
		t.Fatalf("configured rules come first: %+v", d)
	}
	write("- {name: big, min_bytes: 1MB, route: interactive}\n", start.Add(time.Minute))
	if d := rs.Decide(big); d.Route != "interactive" {
		t.Fatalf("after the change: %+v", d)
	}
	write("- {name: big, min_bytes: 1MB, route: nowhere}\n", start.Add(2*time.Minute))
	if d := rs.Decide(big); d.Route != "interactive" {
		t.Fatalf("a broken file must keep the last good rules: %+v", d)
	}
	if err := rs.Err(); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Fatalf("Err() = %v", err)
	}
	write("", start.Add(3*time.Minute))
	if d := rs.Decide(big); d.Route != RouteLocal || rs.Err() != nil {
		t.Fatalf("an emptied file leaves the configured rules: %+v, %v", d, rs.Err())
	}
	if _, err := NewRuleSet(nil, filepath.Join(dir, "missing.yaml"), nil); err == nil {
		t.Fatal("a missing rules file at start must fail")
	}
}
