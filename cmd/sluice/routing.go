package main

import (
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/gateway"
	"github.com/sluicesql/sluice/router"
)

// RoutingConfig is the routing: section of sluice.yaml: which route each
// query takes. docs/routing.md describes the rules.
type RoutingConfig struct {
	// Rules are tried in order, the first match wins; a query no rule
	// matches runs locally.
	Rules router.Rules `yaml:"rules"`
	// RulesFile holds more rules (tried after Rules), read again whenever
	// it changes: rules change without a restart.
	RulesFile string `yaml:"rules_file"`
	// Fallback is the Trino tier that takes a query the local engine
	// cannot run (a feature it lacks, its memory budget): empty means the
	// first configured tier, "none" turns it off.
	Fallback string `yaml:"fallback"`
}

func tierNames(t router.Config) []string {
	names := make([]string, len(t.Tiers))
	for i, tc := range t.Tiers {
		names[i] = tc.Name
	}
	return names
}

// validate checks the rules against the configured tiers.
func (c RoutingConfig) validate(trino router.Config) error {
	tiers := tierNames(trino)
	if err := c.Rules.Validate(tiers); err != nil {
		return fmt.Errorf("routing: %w", err)
	}
	if c.Fallback != "" && c.Fallback != "none" {
		found := false
		for _, t := range tiers {
			found = found || t == c.Fallback
		}
		if !found {
			return fmt.Errorf("routing: fallback %q is not a configured Trino tier", c.Fallback)
		}
	}
	return nil
}

// openRoutes builds the routes the gateway runs queries through: the local
// engine, the Trino router when tiers are configured, and the rules. stop
// ends the router's health polling and its running queries.
func openRoutes(cfg *Config, local gateway.Engine, reg prometheus.Registerer, log *slog.Logger) (routes *gateway.Routes, stop func(), err error) {
	stop = func() {}
	var rt *router.Router
	if len(cfg.Trino.Tiers) > 0 {
		rt, err = router.New(cfg.Trino, router.WithLogger(log))
		if err != nil {
			return nil, nil, err
		}
		stop = rt.Close
	}
	var rules *router.RuleSet
	if len(cfg.Routing.Rules) > 0 || cfg.Routing.RulesFile != "" {
		rules, err = router.NewRuleSet(cfg.Routing.Rules, cfg.Routing.RulesFile, tierNames(cfg.Trino))
		if err != nil {
			stop()
			return nil, nil, err
		}
		if log != nil {
			rules.SetLogger(log)
		}
	}
	fallback := cfg.Routing.Fallback
	switch {
	case fallback == "none":
		fallback = ""
	case fallback == "" && len(cfg.Trino.Tiers) > 0:
		fallback = cfg.Trino.Tiers[0].Name
	}
	return gateway.NewRoutes(local, rt, rules, fallback, reg), stop, nil
}
