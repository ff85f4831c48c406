package router

import (
	"context"
	"database/sql"
	"net/url"
	"sort"
	"testing"
	"time"
)

// SELECT 1 forwarded through the router versus the same statement through
// trino-go-client straight to the same Trino: the router's added latency.
// Run with: go test -run '^$' -bench Select1 -benchtime 200x ./router/
// (bench/trino/run.sh does, and records the result).
func BenchmarkSelect1(b *testing.B) {
	srv := trinoSrv.Get(b)
	r, err := New(Config{Tiers: []TierConfig{{Name: "adhoc", Clusters: []ClusterConfig{{Name: "c1", URL: srv.URL}}}}})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	u, _ := url.Parse(srv.URL)
	u.User = url.User("alice")
	db, err := sql.Open("trino", u.String())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	viaRouter := func() error {
		res, err := r.Execute(context.Background(), "adhoc", Request{SQL: "SELECT 1", User: "alice"})
		if err != nil {
			return err
		}
		defer res.Close()
		for {
			rec, err := res.Next(context.Background())
			if err != nil || rec == nil {
				return err
			}
			rec.Release()
		}
	}
	direct := func() error {
		var v int
		return db.QueryRow("SELECT 1").Scan(&v)
	}
	// Warm both paths (Trino's JIT, connections).
	for i := 0; i < 20; i++ {
		if err := viaRouter(); err != nil {
			b.Fatal(err)
		}
		if err := direct(); err != nil {
			b.Fatal(err)
		}
	}
	// Alternate the two paths so that both see the same machine (its load
	// changes over a run on two shared cores).
	var viaLat, directLat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := viaRouter(); err != nil {
			b.Fatal(err)
		}
		viaLat = append(viaLat, time.Since(start))
		start = time.Now()
		if err := direct(); err != nil {
			b.Fatal(err)
		}
		directLat = append(directLat, time.Since(start))
	}
	pct := func(l []time.Duration, p int) float64 {
		s := append([]time.Duration(nil), l...)
		sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
		return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
	}
	b.ReportMetric(pct(viaLat, 50), "router-p50-ms")
	b.ReportMetric(pct(viaLat, 95), "router-p95-ms")
	b.ReportMetric(pct(directLat, 50), "direct-p50-ms")
	b.ReportMetric(pct(directLat, 95), "direct-p95-ms")
	b.ReportMetric(pct(viaLat, 50)-pct(directLat, 50), "added-p50-ms")
}
