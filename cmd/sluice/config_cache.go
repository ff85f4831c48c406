package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/sluicesql/sluice/cache"
	"github.com/sluicesql/sluice/gateway"
)

// Defaults of the result cache.
const (
	defaultCacheBudget       = 256 << 20
	defaultCacheEntryCap     = 16 << 20
	defaultCacheRefreshes    = 2
	defaultCacheMaxStaleness = time.Hour
)

// CacheConfig is the dashboard result cache (docs/cache.md).
type CacheConfig struct {
	// Enabled: nil means on.
	Enabled  *bool    `yaml:"enabled"`
	Budget   ByteSize `yaml:"budget"`
	EntryCap ByteSize `yaml:"entry_cap"`
	// MaxRefreshes bounds the background refreshes of stale entries.
	MaxRefreshes int `yaml:"max_refreshes"`
	// MaxStaleness is the most staleness any session may SET: entries a
	// commit invalidated are kept this long for them.
	MaxStaleness Duration `yaml:"max_staleness"`
	// Routes whose results are cached; empty: all.
	Routes []string `yaml:"routes"`
	// Staleness per layer (schema) for sessions that set none.
	Staleness map[string]Duration `yaml:"staleness"`
}

func (c *CacheConfig) applyDefaults() {
	if c.Budget == 0 {
		c.Budget = defaultCacheBudget
	}
	if c.EntryCap == 0 {
		c.EntryCap = defaultCacheEntryCap
	}
	if c.MaxRefreshes == 0 {
		c.MaxRefreshes = defaultCacheRefreshes
	}
	if c.MaxStaleness == 0 {
		c.MaxStaleness = Duration(defaultCacheMaxStaleness)
	}
}

func (c *CacheConfig) validate() error {
	if c.EntryCap > c.Budget {
		return fmt.Errorf("cache.entry_cap: %d bytes is more than cache.budget (%d)", c.EntryCap, c.Budget)
	}
	if c.MaxRefreshes < 0 {
		return fmt.Errorf("cache.max_refreshes: %d is negative", c.MaxRefreshes)
	}
	for layer, d := range c.Staleness {
		if d > c.MaxStaleness {
			return fmt.Errorf("cache.staleness.%s: %s is more than cache.max_staleness (%s)", layer, time.Duration(d), time.Duration(c.MaxStaleness))
		}
	}
	for _, r := range c.Routes {
		if strings.TrimSpace(r) == "" {
			return fmt.Errorf("cache.routes: an empty route name")
		}
	}
	return nil
}

func (c *CacheConfig) enabled() bool { return c.Enabled == nil || *c.Enabled }

// gateway is the gateway's view of the cache: a new cache, or none when
// disabled. The caller closes it.
func (c *CacheConfig) gateway() gateway.CacheConfig {
	if !c.enabled() {
		return gateway.CacheConfig{}
	}
	keep := time.Duration(c.MaxStaleness)
	layers := map[string]time.Duration{}
	for l, d := range c.Staleness {
		layers[l] = time.Duration(d)
	}
	gc := gateway.CacheConfig{
		Cache: cache.New(cache.Config{Budget: int64(c.Budget), EntryCap: int64(c.EntryCap),
			MaxRefreshes: c.MaxRefreshes, KeepStale: keep}),
		Staleness: layers,
	}
	if len(c.Routes) > 0 {
		gc.Routes = c.Routes
	}
	return gc
}

// ByteSize is a size in bytes, written as a number or with a unit: 512kB,
// 16MB, 1GB (powers of 1024, as PostgreSQL's memory units).
type ByteSize int64

// UnmarshalYAML reads a byte size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	v, err := parseByteSize(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a size (like 256MB or 1GB): %v", n.Line, s, err)
	}
	*b = ByteSize(v)
	return nil
}

func parseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	mult := map[string]int64{"": 1, "B": 1, "kB": 1 << 10, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40,
		"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}[strings.TrimSpace(s[i:])]
	if mult == 0 {
		return 0, fmt.Errorf("unknown unit %q", strings.TrimSpace(s[i:]))
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("too large")
	}
	return n * mult, nil
}
