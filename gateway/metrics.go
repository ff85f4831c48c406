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
)

// Metrics are the gateway's Prometheus metrics. They live in the registry
// given to NewMetrics, never in a global one.
type Metrics struct {
	connectionsOpen prometheus.Gauge
	queries         *prometheus.CounterVec
	duration        *prometheus.HistogramVec
}

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
			Help: "Statements executed, by route (local, catalog, session) and status (ok, error, canceled).",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sluice_query_duration_seconds",
			Help:    "Time from a statement's start to its last row, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
		}, []string{"route"}),
	}
	if reg != nil {
		reg.MustRegister(m.connectionsOpen, m.queries, m.duration)
	}
	return m
}

// observe counts one statement; elapsed 0 (a message that failed before
// running anything) is counted but not timed.
func (m *Metrics) observe(route string, err error, elapsed time.Duration) {
	m.queries.WithLabelValues(route, statusOf(err)).Inc()
	if elapsed > 0 {
		m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
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
