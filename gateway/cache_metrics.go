package gateway

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/cache"
)

// cacheCollector exports the result cache's counters, read from the cache
// at each scrape.
type cacheCollector struct {
	c                                                                      *cache.Cache
	hits, staleHits, misses, coalesced, tooLarge, evictions, invalidations *prometheus.Desc
	refreshes, entries, bytes                                              *prometheus.Desc
}

func newCacheCollector(c *cache.Cache) *cacheCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &cacheCollector{c: c,
		hits:          d("sluice_cache_hits_total", "Queries answered from the result cache."),
		staleHits:     d("sluice_cache_stale_hits_total", "Queries answered from a stale entry within the staleness they accept."),
		misses:        d("sluice_cache_misses_total", "Cacheable queries that executed."),
		coalesced:     d("sluice_cache_coalesced_total", "Queries that waited for an identical query in flight instead of executing."),
		tooLarge:      d("sluice_cache_too_large_total", "Results over the per-entry cap, streamed through uncached."),
		evictions:     d("sluice_cache_evictions_total", "Entries evicted to stay within the byte budget."),
		invalidations: d("sluice_cache_invalidations_total", "Entries dropped or marked stale by a commit to a table they read."),
		refreshes:     d("sluice_cache_refreshes_total", "Background refreshes of stale entries."),
		entries:       d("sluice_cache_entries", "Results held by the cache."),
		bytes:         d("sluice_cache_bytes", "Bytes of results held by the cache."),
	}
}

func (cc *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{cc.hits, cc.staleHits, cc.misses, cc.coalesced, cc.tooLarge,
		cc.evictions, cc.invalidations, cc.refreshes, cc.entries, cc.bytes} {
		ch <- d
	}
}

func (cc *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	st := cc.c.Stats()
	counter := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(cc.hits, st.Hits)
	counter(cc.staleHits, st.StaleHits)
	counter(cc.misses, st.Misses)
	counter(cc.coalesced, st.Coalesced)
	counter(cc.tooLarge, st.TooLarge)
	counter(cc.evictions, st.Evictions)
	counter(cc.invalidations, st.Invalidations)
	counter(cc.refreshes, st.Refreshes)
	ch <- prometheus.MustNewConstMetric(cc.entries, prometheus.GaugeValue, float64(st.Entries))
	ch <- prometheus.MustNewConstMetric(cc.bytes, prometheus.GaugeValue, float64(st.Bytes))
}
