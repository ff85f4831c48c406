package main

import (
	"strings"
	"testing"
	"time"
)

func TestCacheConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte("lake: {dir: /x}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Cache.enabled() || cfg.Cache.Budget != defaultCacheBudget || cfg.Cache.EntryCap != defaultCacheEntryCap ||
		time.Duration(cfg.Cache.MaxStaleness) != time.Hour {
		t.Fatalf("defaults: %+v", cfg.Cache)
	}
	gc := cfg.Cache.gateway()
	if gc.Cache == nil {
		t.Fatal("no cache by default")
	}
	gc.Cache.Close()

	cfg, err = ParseConfig([]byte("lake: {dir: /x}\ncache: {budget: 64MB, entry_cap: 512kB, routes: [local], staleness: {gold: 5m}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Cache.Budget != 64<<20 || cfg.Cache.EntryCap != 512<<10 || time.Duration(cfg.Cache.Staleness["gold"]) != 5*time.Minute {
		t.Fatalf("parsed: %+v", cfg.Cache)
	}
	gc = cfg.Cache.gateway()
	if len(gc.Routes) != 1 || gc.Staleness["gold"] != 5*time.Minute {
		t.Fatalf("gateway view: %+v", gc)
	}
	gc.Cache.Close()

	cfg, err = ParseConfig([]byte("lake: {dir: /x}\ncache: {enabled: false}\n"))
	if err != nil || cfg.Cache.gateway().Cache != nil {
		t.Fatalf("disabled: %v", err)
	}

	for _, c := range []struct{ yaml, want string }{
		{"cache: {budget: lots}", `"lots" is not a size`},
		{"cache: {budget: 12XB}", `unknown unit "XB"`},
		{"cache: {budget: 1MB, entry_cap: 2MB}", "cache.entry_cap"},
		{"cache: {staleness: {gold: 2h}}", "cache.staleness.gold"},
		{"cache: {ttl: 5m}", "field ttl not found"},
	} {
		_, err := ParseConfig([]byte("lake: {dir: /x}\n" + c.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.yaml, err, c.want)
		}
	}
}
