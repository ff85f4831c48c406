package gateway

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// Routes a statement takes, the values of the route label.
const (
	routeLocal   = "local"   // the in-process engine over lake files
	routeCatalog = "catalog" // only system tables
	routeSession = "session" // session state: SET, BEGIN, PREPARE, ...
	routeTrino   = "trino"   // forwarded to a Trino tier (the tier: sluice_routed_queries_total)
)

// Metrics are the gateway's Prometheus metrics. They live in the registry
// given to NewMetrics, never in a global one.
type Metrics struct {
	connectionsOpen prometheus.Gauge
	queries         *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	// The label values are few and fixed: resolve them once, not per
	// statement.
	counters   map[[2]string]prometheus.Counter
	histograms map[string]prometheus.Observer
	// reg is where later metrics (the result cache's) are registered; nil:
	// not exported.
	reg prometheus.Registerer
}

var (
	allRoutes   = []string{routeLocal, routeCatalog, routeSession, routeTrino}
	allStatuses = []string{"ok", "error", "canceled"}
)

// NewMetrics makes the gateway's metrics and registers them with reg (nil:
// not registered, for tools and tests that do not export them).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		connectionsOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "sluice_connections_open",
			Help: "Client sessions currently open.",
		}),
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sluice_queries_total",
			Help: "Statements executed, by route (local, catalog, session, trino) and status (ok, error, canceled).",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_query_duration_seconds",
			Help:    "Time from a statement's start to its last row, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"route"}),
	}
	m.counters = make(map[[2]string]prometheus.Counter)
	m.histograms = make(map[string]prometheus.Observer)
	for _, r := range allRoutes {
		for _, st := range allStatuses {
			m.counters[[2]string{r, st}] = m.queries.WithLabelValues(r, st)
		}
		m.histograms[r] = m.duration.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.connectionsOpen, m.queries, m.duration)
	}
	m.reg = reg
	return m
}

// observe counts one statement; elapsed 0 (a message that failed before
// running anything) is counted but not timed.
func (m *Metrics) observe(route string, err error, elapsed time.Duration) {
	m.counters[[2]string{route, statusOf(err)}].Inc()
	if elapsed > 0 {
		m.histograms[route].Observe(elapsed.Seconds())
	}
}

func statusOf(err error) string {
	if err == nil {
		return "ok"
	}
	var pe *pgerr.Error
	if errors.As(err, &pe) && pe.Code == pgerr.QueryCanceled {
		return "canceled"
	}
	return "error"
}
