package router

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// cluster is one Trino coordinator of a tier: its HTTP client, health, load
// and circuit breaker.
type cluster struct {
	cfg     ClusterConfig
	tier    string
	base    string // scheme://host:port
	client  *http.Client
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]

	inflight atomic.Int64 // queries of ours between attempt start and end
	attempts atomic.Int64 // statements submitted here
	failures atomic.Int64 // attempts that failed for the cluster's fault

	mu        sync.Mutex
	healthy   bool
	draining  bool
	okRun     int // polls in a row that succeeded
	failRun   int // polls in a row that failed
	running   int // Trino's running queries, from the last poll
	queued    int // Trino's queued queries
	version   string
	lastErr   string
	lastPoll  time.Time
	pollCount int64
}

func newCluster(cfg ClusterConfig, tier string, rc Config) *cluster {
	c := &cluster{cfg: cfg, tier: tier, base: strings.TrimRight(cfg.URL, "/"), healthy: true, draining: cfg.Drain}
	dialer := &net.Dialer{Timeout: min(rc.RequestTimeout, 3*time.Second), KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: rc.RequestTimeout,
		TLSHandshakeTimeout:   rc.RequestTimeout,
	}
	c.client = &http.Client{Transport: &sniffer{next: transport}}
	c.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        cfg.Name,
		MaxRequests: rc.Breaker.Probes,
		Timeout:     rc.Breaker.OpenFor,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= rc.Breaker.Failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	return c
}

// load is what least-load balancing compares: our own queries in flight plus
// what Trino said it runs and queues at the last poll.
func (c *cluster) load() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inflight.Load() + int64(c.running+c.queued)
}

// eligible reports whether the cluster may get a new query now.
func (c *cluster) eligible() bool {
	c.mu.Lock()
	ok := c.healthy && !c.draining
	c.mu.Unlock()
	return ok && c.breaker.State() != gobreaker.StateOpen
}

// poll asks the coordinator whether it is up (/v1/info: not starting) and
// how busy it is (/ui/api/stats). A failure of the stats call alone does
// not make the cluster unhealthy (the UI may need a login).
func (c *cluster) poll(ctx context.Context, rc Config) {
	// A busy coordinator answers slowly but answers: give it the request
	// timeout, not the poll interval, before calling the poll failed.
	ctx, cancel := context.WithTimeout(ctx, rc.RequestTimeout)
	defer cancel()
	var info struct {
		NodeVersion struct {
			Version string `json:"version"`
		} `json:"nodeVersion"`
		Starting bool `json:"starting"`
	}
	err := c.getJSON(ctx, "/v1/info", &info)
	if err == nil && info.Starting {
		err = errors.New("the coordinator is starting")
	}
	var stats struct {
		Running int `json:"runningQueries"`
		Queued  int `json:"queuedQueries"`
	}
	statsErr := errors.New("not polled")
	if err == nil {
		statsErr = c.getJSON(ctx, "/ui/api/stats", &stats)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastPoll = time.Now()
	c.pollCount++
	if err != nil {
		c.okRun = 0
		c.failRun++
		c.lastErr = err.Error()
		if c.failRun >= rc.UnhealthyAfter {
			c.healthy = false
		}
		return
	}
	c.failRun = 0
	c.okRun++
	c.lastErr = ""
	c.version = info.NodeVersion.Version
	if c.okRun >= rc.HealthyAfter {
		c.healthy = true
	}
	if statsErr == nil {
		c.running, c.queued = stats.Running, stats.Queued
	}
}

func (c *cluster) getJSON(ctx context.Context, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Trino-User", "sluice")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// kill asks the coordinator to end a query (DELETE /v1/query/{id}): Trino
// marks it failed with USER_CANCELED and frees its resources.
func (c *cluster) kill(queryID, user string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.base+"/v1/query/"+queryID, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Trino-User", user)
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	return nil
}

// sniffer is the clusters' HTTP transport. It notes the Trino query id of a
// statement (from the nextUri paths the client follows) in the request's
// context, so the router can kill the query itself whatever the client
// library does on cancellation.
type sniffer struct{ next http.RoundTripper }

type queryIDKey struct{}

// queryIDSink receives the query id of the statement run under a context.
type queryIDSink struct{ id atomic.Pointer[string] }

func (s *queryIDSink) get() string {
	if p := s.id.Load(); p != nil {
		return *p
	}
	return ""
}

func (t *sniffer) RoundTrip(req *http.Request) (*http.Response, error) {
	if sink, ok := req.Context().Value(queryIDKey{}).(*queryIDSink); ok && sink.id.Load() == nil {
		// /v1/statement/{queued|executing}/{queryId}/{slug}/{token}
		if rest, ok := strings.CutPrefix(req.URL.Path, "/v1/statement/"); ok {
			parts := strings.Split(rest, "/")
			if len(parts) >= 2 && (parts[0] == "queued" || parts[0] == "executing") {
				id := parts[1]
				sink.id.Store(&id)
			}
		}
	}
	return t.next.RoundTrip(req)
}

// ClusterStatus is one cluster as the router sees it, for metrics and the
// admin endpoint.
type ClusterStatus struct {
	Tier     string
	Name     string
	URL      string
	Healthy  bool
	Draining bool
	// Breaker is "closed", "half-open" or "open".
	Breaker  string
	InFlight int64 // our queries running there
	Attempts int64 // statements sent there so far
	Failures int64 // of which failed for the cluster's fault (connection, 5xx, timeout)
	Running  int   // Trino's running queries at the last poll
	Queued   int   // Trino's queued queries at the last poll
	Version  string
	LastErr  string // the last poll's failure, "" when it succeeded
	LastPoll time.Time
	Polls    int64
}

func (c *cluster) status() ClusterStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return ClusterStatus{
		Tier: c.tier, Name: c.cfg.Name, URL: c.cfg.URL,
		Healthy: c.healthy, Draining: c.draining, Breaker: c.breaker.State().String(),
		InFlight: c.inflight.Load(), Attempts: c.attempts.Load(), Failures: c.failures.Load(),
		Running: c.running, Queued: c.queued,
		Version: c.version, LastErr: c.lastErr, LastPoll: c.lastPoll, Polls: c.pollCount,
	}
}
