package main

import (
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
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

// TestEngineWorkersAndRuntime: engine.workers reaches the engine (0 is one
// per core), a negative count is refused naming the key, and the GC
// settings are applied to the runtime, the configured ones over the
// defaults, while GOGC/GOMEMLIMIT from the environment are left alone.
func TestEngineWorkersAndRuntime(t *testing.T) {
	base := "lake: {dir: /tmp/lake}\n"
	cfg, err := ParseConfig([]byte(base + "engine: {workers: 3}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Engine.engine().Workers(); got != 3 {
		t.Errorf("engine.workers 3 gives an engine of %d workers", got)
	}
	cfg, err = ParseConfig([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Engine.engine().Workers(); cfg.Engine.Workers != 0 || got != runtime.GOMAXPROCS(0) {
		t.Errorf("default workers %d (engine %d), want GOMAXPROCS %d", cfg.Engine.Workers, got, runtime.GOMAXPROCS(0))
	}
	if _, err := ParseConfig([]byte(base + "engine: {workers: -1}\n")); err == nil || !strings.Contains(err.Error(), "engine.workers") {
		t.Errorf("workers -1: %v", err)
	}

	// The runtime's settings are process-wide: put them back.
	oldGC := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	defer func() {
		debug.SetGCPercent(oldGC)
		debug.SetMemoryLimit(oldLimit)
	}()
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	cfg, err = ParseConfig([]byte(base + "engine: {gogc: 350, gomemlimit: 3GB}\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Engine.applyRuntime(slog.New(slog.DiscardHandler))
	if gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); gc != 350 || limit != 3<<30 {
		t.Errorf("configured gogc 350 and gomemlimit 3GB: runtime has %d and %d", gc, limit)
	}
	cfg, err = ParseConfig([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Engine.applyRuntime(slog.New(slog.DiscardHandler))
	wantLimit := int64(float64(availableMemory()) * defaultGoMemLimitShare)
	if gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); gc != defaultGOGC || limit != wantLimit {
		t.Errorf("defaults: runtime has gogc %d and gomemlimit %d, want %d and %d", gc, limit, defaultGOGC, wantLimit)
	}
	// Set in the environment, the runtime read them at start: the
	// configuration's defaults do not override them.
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(5 << 30)
	cfg, err = ParseConfig([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Engine.GOGC != 0 || cfg.Engine.GoMemLimit != 0 {
		t.Errorf("GOGC and GOMEMLIMIT in the environment: defaults %d, %d applied over them", cfg.Engine.GOGC, cfg.Engine.GoMemLimit)
	}
	cfg.Engine.applyRuntime(slog.New(slog.DiscardHandler))
	if gc, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1); gc != 100 || limit != 5<<30 {
		t.Errorf("the runtime's own settings changed: gogc %d, gomemlimit %d", gc, limit)
	}
}
