package main

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
)

// The 22 queries are the TPC-H specification's texts with its validation
// parameters, exactly as the client corpus records them
// (shared/corpus/pg-clients.jsonl, client "tpch (hand-written)", checked on
// PostgreSQL 15): table names are bare, and both engines resolve them in the
// tpch schema (Sluice through search_path, DuckDB through views).
//
//go:embed queries/q*.sql
var queryFiles embed.FS

// queryText returns TPC-H query n (1..22).
func queryText(n int) (string, error) {
	b, err := queryFiles.ReadFile(fmt.Sprintf("queries/q%02d.sql", n))
	if err != nil {
		return "", fmt.Errorf("no TPC-H query %d", n)
	}
	return strings.TrimRight(string(b), "\n"), nil
}

// parseQueryList reads "1,6,3" (or "all") into query numbers, in the order
// given, each once.
func parseQueryList(s string) ([]int, error) {
	var out []int
	seen := map[int]bool{}
	if s == "" || s == "all" {
		for i := 1; i <= 22; i++ {
			out = append(out, i)
		}
		return out, nil
	}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(f)), "q")
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 22 {
			return nil, fmt.Errorf("--queries: %q is not a TPC-H query number (1-22)", f)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}
