package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/sluicesql/sluice/engine"
)

// Defaults of the engine section, as shares of the memory the process may
// use (the machine's, or its cgroup's limit when lower). Queries together
// may hold half of it, one query a quarter of that; the Go runtime's soft
// limit sits above the queries' budget so that garbage collection works
// harder before the kernel's OOM killer would act; GOGC=200 trades some
// heap for less collection work on scans (measured in
// ../shared/notes/engine-libraries.md: GC settings moved scans 1.3-1.5x).
const (
	defaultMemoryTotalShare = 0.5
	defaultPerQueryShare    = 0.25 // of memory_total
	defaultGoMemLimitShare  = 0.75
	defaultGOGC             = 200
)

// EngineConfig is the local engine's memory budgets and the Go runtime's
// garbage collection settings.
type EngineConfig struct {
	// MemoryPerQuery: a query holding more fails with 53200.
	MemoryPerQuery MemSize `yaml:"memory_per_query"`
	// MemoryTotal: running queries together holding more fail with 53200.
	MemoryTotal MemSize `yaml:"memory_total"`
	// GOGC is the runtime's GC percentage; 0 takes the GOGC environment
	// variable if set, else the default.
	GOGC int `yaml:"gogc"`
	// GoMemLimit is the runtime's soft memory limit; 0 takes GOMEMLIMIT
	// if set, else the default.
	GoMemLimit MemSize `yaml:"gomemlimit"`
	// Workers is how many goroutines a parallel part of a query (scans,
	// filters, join probes, aggregates and sorts over row groups) runs
	// on; 0 is one per core the process may use (GOMAXPROCS), 1 runs
	// every query on one core.
	Workers int `yaml:"workers"`
}

// MemSize is a byte count written as 512MB, 2GB, 1.5GiB or a plain number
// of bytes (units are powers of 1024, as PostgreSQL's memory settings).
type MemSize int64

// UnmarshalYAML reads a size.
func (m *MemSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseMemSize(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*m = v
	return nil
}

func parseMemSize(s string) (MemSize, error) {
	t := strings.TrimSpace(s)
	num := strings.TrimRight(t, "kKMGTiBb ")
	unit := strings.ToUpper(strings.TrimSpace(t[len(num):]))
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I")
	mult := map[string]float64{"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if mult == 0 || err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size (like 512MB or 2GB)", s)
	}
	return MemSize(v * mult), nil
}

func (c *EngineConfig) applyDefaults(available int64) {
	if c.MemoryTotal == 0 {
		c.MemoryTotal = MemSize(float64(available) * defaultMemoryTotalShare)
	}
	if c.MemoryPerQuery == 0 {
		c.MemoryPerQuery = MemSize(float64(c.MemoryTotal) * defaultPerQueryShare)
	}
	if c.GOGC == 0 && os.Getenv("GOGC") == "" {
		c.GOGC = defaultGOGC
	}
	if c.GoMemLimit == 0 && os.Getenv("GOMEMLIMIT") == "" {
		c.GoMemLimit = MemSize(float64(available) * defaultGoMemLimitShare)
	}
}

func (c *EngineConfig) validate() error {
	if c.MemoryPerQuery > c.MemoryTotal {
		return fmt.Errorf("engine.memory_per_query: %d bytes is more than engine.memory_total (%d)", c.MemoryPerQuery, c.MemoryTotal)
	}
	if c.MemoryPerQuery < 1<<20 {
		return fmt.Errorf("engine.memory_per_query: %d bytes is too small (at least 1MB)", c.MemoryPerQuery)
	}
	if c.Workers < 0 {
		return fmt.Errorf("engine.workers: %d is not a number of workers (0 is one per core)", c.Workers)
	}
	if c.GOGC < -1 {
		return fmt.Errorf("engine.gogc: %d is not a percentage (-1 turns collection off)", c.GOGC)
	}
	return nil
}

// engine makes the local engine with the configured budgets and workers.
func (c *EngineConfig) engine() *engine.Engine {
	return engine.New().WithMemoryLimits(engine.MemoryLimits{PerQuery: int64(c.MemoryPerQuery), Total: int64(c.MemoryTotal)}).
		WithWorkers(c.Workers)
}

// applyRuntime sets the garbage collector's settings for the process; a
// value left 0 (its environment variable was set) stays as the runtime
// read it.
func (c *EngineConfig) applyRuntime(log *slog.Logger) {
	if c.GOGC != 0 {
		debug.SetGCPercent(c.GOGC)
	}
	if c.GoMemLimit != 0 {
		debug.SetMemoryLimit(int64(c.GoMemLimit))
	}
	// SetMemoryLimit with a negative value only reads the limit.
	log.Info("engine memory", "memory_per_query", int64(c.MemoryPerQuery), "memory_total", int64(c.MemoryTotal),
		"gogc", c.GOGC, "gomemlimit", debug.SetMemoryLimit(-1), "workers", c.workers())
}

// workers is how many workers the engine runs a parallel pipeline on.
func (c *EngineConfig) workers() int {
	if c.Workers > 0 {
		return c.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// availableMemory is what the process may use: the machine's memory, or
// its cgroup's limit when that is lower; 4 GiB when neither can be read.
func availableMemory() int64 {
	total := int64(0)
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && fields[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
					total = kb << 10
				}
				break
			}
		}
		f.Close()
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			total = v
		}
	}
	if total == 0 {
		total = 4 << 30
	}
	return total
}
