package main

import (
	"strings"
	"testing"

	"github.com/sluicesql/sluice/engine"
	"github.com/sluicesql/sluice/router"
)

const routingTiers = `
lake: {dir: /data/lake}
trino:
  tiers:
    - name: etl
      clusters: [{name: e1, url: "http://127.0.0.1:1"}]
`

func TestRoutingConfig(t *testing.T) {
	for _, c := range []struct{ name, yaml, want string }{
		{"route to an unknown tier", routingTiers + "routing:\n  rules: [{name: r, route: batch}]\n", `route "batch" is neither local nor a configured tier`},
		{"fallback to an unknown tier", routingTiers + "routing:\n  fallback: batch\n", `fallback "batch" is not a configured Trino tier`},
		{"a rule with no action", routingTiers + "routing:\n  rules: [{name: r, users: [bob]}]\n", "exactly one of route and deny"},
		{"unknown rule key", routingTiers + "routing:\n  rules: [{name: r, user: bob, route: etl}]\n", "field user not found"},
		{"rules without Trino may only deny or stay local", "lake: {dir: /x}\nrouting:\n  rules: [{name: r, route: etl}]\n", "neither local nor a configured tier"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	cfg, err := ParseConfig([]byte(routingTiers + `
routing:
  rules:
    - {name: big, min_bytes: 1GB, route: etl}
    - {name: raw, layers: [raw], deny: no raw, code: 0A000}
  fallback: etl
`))
	if err != nil {
		t.Fatal(err)
	}
	routes, stop, err := openRoutes(cfg, engine.New(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if routes.Router == nil || !routes.Router.HasTier("etl") || routes.Fallback != "etl" {
		t.Fatalf("routes: %+v", routes)
	}
	if d := routes.Rules.Decide(router.Query{Bytes: 2 << 30}); d.Route != "etl" || d.Rule != "big" {
		t.Errorf("big: %+v", d)
	}
	if d := routes.Rules.Decide(router.Query{Layers: []string{"raw"}}); d.Deny != "no raw" || d.Code != "0A000" {
		t.Errorf("raw: %+v", d)
	}
	// The fallback defaults to the first tier; none turns it off.
	for fb, want := range map[string]string{"": "etl", "none": ""} {
		cfg, err := ParseConfig([]byte(routingTiers + "routing:\n  fallback: \"" + fb + "\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		routes, stop, err := openRoutes(cfg, engine.New(), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		stop()
		if routes.Fallback != want || routes.Rules != nil {
			t.Errorf("fallback %q: %q, rules %v", fb, routes.Fallback, routes.Rules)
		}
	}
}
