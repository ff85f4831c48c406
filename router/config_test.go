package router

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The `trino:` section of sluice.yaml reads into Config, durations and all,
// strictly (unknown keys are errors, as cmd/sluice reads it).
func TestConfigYAML(t *testing.T) {
	src := `
tiers:
  - name: interactive
    max_concurrency: 8
    queue_length: 20
    queue_timeout: 30s
    fallback: batch
    clusters:
      - name: hi-1
        url: http://trino-hi-1:8080
        catalogs: {gold: iceberg.gold, raw: hive.raw}
      - name: hi-2
        url: https://trino-hi-2:8443
        user: sluice
        password: secret
        drain: true
  - name: batch
    clusters:
      - name: diesel
        url: http://diesel:8080
health_interval: 3s
unhealthy_after: 3
breaker: {failures: 5, open_for: 10s, probes: 2}
max_attempts: 4
request_timeout: 15s
progress_interval: 5s
batch_rows: 1024
`
	var c Config
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	it := c.Tiers[0]
	if it.QueueTimeout != 30*time.Second || it.MaxConcurrency != 8 || it.Fallback != "batch" ||
		it.Clusters[0].Catalogs["gold"] != "iceberg.gold" || !it.Clusters[1].Drain ||
		c.HealthInterval != 3*time.Second || c.Breaker.OpenFor != 10*time.Second || c.Breaker.Probes != 2 {
		t.Errorf("decoded %+v", c)
	}
	d := Config{}.withDefaults()
	if d.HealthInterval != 2*time.Second || d.MaxAttempts != 3 || d.BatchRows != 4096 || d.Breaker.Failures != 3 {
		t.Errorf("defaults %+v", d)
	}
}

func TestConfigValidate(t *testing.T) {
	cl := func(name, url string) []ClusterConfig { return []ClusterConfig{{Name: name, URL: url}} }
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Tiers: []TierConfig{{Clusters: cl("a", "http://x:1")}}}, "no name"},
		{Config{Tiers: []TierConfig{{Name: "t"}}}, "no clusters"},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: cl("a", "x:1")}}}, "not http(s)"},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: cl("a", "http://x:1")}, {Name: "t", Clusters: cl("b", "http://x:1")}}}, "defined twice"},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: cl("a", "http://x:1")}, {Name: "u", Clusters: cl("a", "http://x:1")}}}, `cluster "a" is defined twice`},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: cl("a", "http://x:1"), Fallback: "nope"}}}, "unknown tier"},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: cl("a", "http://x:1"), Fallback: "u"}, {Name: "u", Clusters: cl("b", "http://x:1"), Fallback: "t"}}}, "returns to"},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: []ClusterConfig{{Name: "a", URL: "http://x:1", Catalogs: map[string]string{"gold": "iceberg"}}}}}}, "not catalog.schema"},
		{Config{Tiers: []TierConfig{{Name: "t", Clusters: cl("a", "http://x:1"), MaxConcurrency: -1}}}, "negative"},
	}
	for _, c := range cases {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.cfg, err, c.want)
		}
	}
	if err := (Config{}).Validate(); err != nil {
		t.Errorf("no tiers is valid: %v", err)
	}
}
