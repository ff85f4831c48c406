package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestEngineConfig reads the engine section: sizes in their units, the
// defaults derived from the machine's memory, and the errors that name
// the key.
func TestEngineConfig(t *testing.T) {
	base := "lake: {dir: /tmp/lake}\n"
	cfg, err := ParseConfig([]byte(base + "engine: {memory_per_query: 256MB, memory_total: 1.5GiB, gogc: 300, gomemlimit: 2GB}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Engine; e.MemoryPerQuery != 256<<20 || e.MemoryTotal != 3<<29 || e.GOGC != 300 || e.GoMemLimit != 2<<30 {
		t.Errorf("engine section read as %+v", e)
	}

	cfg, err = ParseConfig([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	avail := availableMemory()
	if e := cfg.Engine; e.MemoryTotal <= 0 || int64(e.MemoryTotal) > avail || e.MemoryPerQuery != e.MemoryTotal/4 {
		t.Errorf("defaults %+v for %d bytes of memory", e, avail)
	}

	for _, c := range []struct{ yaml, want string }{
		{"engine: {memory_per_query: lots}", `"lots" is not a size`},
		{"engine: {memory_per_query: 2GB, memory_total: 1GB}", "engine.memory_per_query"},
		{"engine: {memory_per_query: 1kB}", "too small"},
		{"engine: {gogc: -5}", "engine.gogc"},
		{"engine: {memory_budget: 1GB}", "memory_budget"},
	} {
		_, err := ParseConfig([]byte(base + c.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %q", c.yaml, err, c.want)
		}
	}
	if got := fmt.Sprint(parseMemSize("512")); !strings.HasPrefix(got, "512 ") {
		t.Errorf("a plain number is bytes: %s", got)
	}
}
