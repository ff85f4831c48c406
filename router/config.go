package router

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config is the `trino:` section of sluice.yaml: the tiers and how the router
// watches and protects their clusters. Zero values take the defaults below.
type Config struct {
	Tiers []TierConfig `yaml:"tiers"`

	// HealthInterval is how often each cluster is polled (/v1/info and
	// /ui/api/stats). Default 2s.
	HealthInterval time.Duration `yaml:"health_interval"`
	// UnhealthyAfter is how many polls in a row must fail before a cluster
	// gets no new queries (K). Default 2.
	UnhealthyAfter int `yaml:"unhealthy_after"`
	// HealthyAfter is how many polls in a row must succeed before an
	// unhealthy cluster gets queries again. Default 1.
	HealthyAfter int `yaml:"healthy_after"`

	Breaker BreakerConfig `yaml:"breaker"`

	// MaxAttempts bounds how many clusters (over the tier and its fallback
	// chain) one query is tried on before its failure reaches the client.
	// Default 3.
	MaxAttempts int `yaml:"max_attempts"`
	// RequestTimeout bounds one HTTP request to a cluster (Trino answers
	// every request within about a second, however long the query runs),
	// so a hung cluster fails the attempt instead of hanging it. Default 10s.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// ProgressInterval is the least time between two progress notices of a
	// running query. Default 10s.
	ProgressInterval time.Duration `yaml:"progress_interval"`
	// BatchRows is the number of rows per Arrow batch. Default 4096.
	BatchRows int `yaml:"batch_rows"`
}

// TierConfig is one named tier: the clusters that serve it and its admission
// limits.
type TierConfig struct {
	Name     string          `yaml:"name"`
	Clusters []ClusterConfig `yaml:"clusters"`
	// MaxConcurrency is how many queries of the tier run at once; 0 means no
	// limit.
	MaxConcurrency int `yaml:"max_concurrency"`
	// QueueLength is how many queries may wait for a slot; past it a query
	// fails with 53300. 0 means none wait when MaxConcurrency is set.
	QueueLength int `yaml:"queue_length"`
	// QueueTimeout is how long a query waits for a slot before it fails
	// with 57014; 0 means as long as its context allows.
	QueueTimeout time.Duration `yaml:"queue_timeout"`
	// Fallback names the tier that takes the tier's queries when none of
	// its clusters can (all unhealthy, draining, open or failing).
	Fallback string `yaml:"fallback"`
}

// ClusterConfig is one Trino coordinator.
type ClusterConfig struct {
	Name     string `yaml:"name"`
	URL      string `yaml:"url"`      // http(s)://host:port
	User     string `yaml:"user"`     // default user when a request names none
	Password string `yaml:"password"` // sent only over https (Trino's rule)
	// Catalogs maps a lake layer (a schema Sluice serves, e.g. "gold") to
	// the catalog.schema that holds its tables in this cluster (e.g.
	// "iceberg.gold"). Request.Render receives it.
	Catalogs map[string]string `yaml:"catalogs"`
	// Drain starts the cluster drained: it gets no new queries.
	Drain bool `yaml:"drain"`
}

// BreakerConfig shapes each cluster's circuit breaker.
type BreakerConfig struct {
	// Failures is how many infrastructure failures in a row open the
	// breaker. Default 3.
	Failures uint32 `yaml:"failures"`
	// OpenFor is how long an open breaker refuses queries before letting
	// probes through (half-open). Default 5s.
	OpenFor time.Duration `yaml:"open_for"`
	// Probes is how many queries a half-open breaker lets through; when
	// they succeed it closes. Default 1.
	Probes uint32 `yaml:"probes"`
}

func (c Config) withDefaults() Config {
	if c.HealthInterval <= 0 {
		c.HealthInterval = 2 * time.Second
	}
	if c.UnhealthyAfter <= 0 {
		c.UnhealthyAfter = 2
	}
	if c.HealthyAfter <= 0 {
		c.HealthyAfter = 1
	}
	if c.Breaker.Failures == 0 {
		c.Breaker.Failures = 3
	}
	if c.Breaker.OpenFor <= 0 {
		c.Breaker.OpenFor = 5 * time.Second
	}
	if c.Breaker.Probes == 0 {
		c.Breaker.Probes = 1
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.ProgressInterval <= 0 {
		c.ProgressInterval = 10 * time.Second
	}
	if c.BatchRows <= 0 {
		c.BatchRows = 4096
	}
	return c
}

// Validate reports the first thing wrong with the configuration: names
// missing or repeated, URLs that are not http(s), fallbacks to unknown tiers
// or in a cycle, negative limits.
func (c Config) Validate() error {
	tiers := map[string]*TierConfig{}
	clusters := map[string]bool{}
	for i := range c.Tiers {
		t := &c.Tiers[i]
		if t.Name == "" {
			return fmt.Errorf("trino: tier %d has no name", i+1)
		}
		if tiers[t.Name] != nil {
			return fmt.Errorf("trino: tier %q is defined twice", t.Name)
		}
		tiers[t.Name] = t
		if len(t.Clusters) == 0 {
			return fmt.Errorf("trino: tier %q has no clusters", t.Name)
		}
		if t.MaxConcurrency < 0 || t.QueueLength < 0 || t.QueueTimeout < 0 {
			return fmt.Errorf("trino: tier %q: max_concurrency, queue_length and queue_timeout must not be negative", t.Name)
		}
		for j, cl := range t.Clusters {
			if cl.Name == "" {
				return fmt.Errorf("trino: tier %q: cluster %d has no name", t.Name, j+1)
			}
			if clusters[cl.Name] {
				return fmt.Errorf("trino: cluster %q is defined twice (cluster names are unique across tiers)", cl.Name)
			}
			clusters[cl.Name] = true
			u, err := url.Parse(cl.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("trino: cluster %q: url %q is not http(s)://host:port", cl.Name, cl.URL)
			}
			for layer, cs := range cl.Catalogs {
				if parts := strings.Split(cs, "."); len(parts) != 2 || parts[0] == "" || parts[1] == "" {
					return fmt.Errorf("trino: cluster %q: layer %q maps to %q, not catalog.schema", cl.Name, layer, cs)
				}
			}
		}
	}
	for _, t := range c.Tiers {
		seen := map[string]bool{t.Name: true}
		for f := t.Fallback; f != ""; f = tiers[f].Fallback {
			if tiers[f] == nil {
				return fmt.Errorf("trino: tier %q falls back to unknown tier %q", t.Name, f)
			}
			if seen[f] {
				return fmt.Errorf("trino: tier %q: fallback chain returns to %q", t.Name, f)
			}
			seen[f] = true
		}
	}
	return nil
}
