package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/gateway"
	"github.com/sluicesql/sluice/planner"
	"github.com/sluicesql/sluice/wire"
)

// serving is what serve reports once it listens (for tests and the demo's
// banner): the addresses actually bound.
type serving struct {
	PGAddr, HTTPAddr string
}

// serve runs the server until ctx is cancelled (SIGTERM, SIGINT), then
// shuts down gracefully: the listener closes at once, running queries get
// shutdown_grace to finish, and what still runs is then cancelled.
// started, if not nil, is told the bound addresses once clients can connect.
func serve(ctx context.Context, cfg *Config, log *slog.Logger, started func(serving)) error {
	cfg.Engine.applyRuntime(log)
	tlsCfg, err := cfg.tlsConfig()
	if err != nil {
		return err
	}
	auth, err := newAuthenticator(cfg.Auth)
	if err != nil {
		return err
	}
	lake, err := catalog.OpenLake(cfg.Lake.Dir, catalog.LakeOptions{Logger: log, Database: cfg.Database, Roles: catalogRoles(cfg.Auth), Iceberg: cfg.Lake.IcebergCatalogs()})
	if err != nil {
		return err
	}
	// The Iceberg catalogs hold connections (a SQL catalog's database).
	defer func() {
		if err := lake.Close(); err != nil {
			log.Warn("closing the lake's Iceberg catalogs", "err", err)
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := gateway.NewMetrics(reg)
	authFailures := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_auth_failures_total", Help: "Clients that failed authentication.",
	})
	protocolErrors := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "sluice_protocol_errors_total", Help: "Connections closed because the client broke the protocol.",
	})
	reg.MustRegister(authFailures, protocolErrors)

	routes, stopRoutes, err := openRoutes(cfg, cfg.Engine.engine(), reg, log)
	if err != nil {
		return err
	}
	defer stopRoutes()
	resultCache := cfg.Cache.gateway()
	if resultCache.Cache != nil {
		defer resultCache.Cache.Close()
	}
	gw, err := gateway.New(gateway.Config{Database: cfg.Database, Version: sluiceVersion(), Settings: cfg.Settings, Cache: resultCache},
		lake, planner.New(), routes, metrics, log)
	if err != nil {
		return err
	}
	srv, err := wire.NewServer(wire.Config{
		Addr:           cfg.Listen,
		Handler:        gw,
		Auth:           auth,
		TLS:            tlsCfg,
		MaxMessageSize: cfg.MaxMessageBytes,
		Logger:         log,
		Hooks: wire.Hooks{
			AuthFailed: func(user string, remote net.Addr) {
				authFailures.Inc()
				log.Info("authentication failed", "user", user, "remote", remote.String())
			},
			ProtocolError: func(remote net.Addr, err error) {
				protocolErrors.Inc()
				log.Info("protocol error", "remote", remote.String(), "error", err)
			},
		},
	})
	if err != nil {
		return err
	}

	// Listen on both ports before saying anything is ready, so that a port
	// in use is an error at start and not a surprise later.
	pgLn, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	httpLn, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		pgLn.Close()
		return fmt.Errorf("http listen %s: %w", cfg.HTTP, err)
	}

	var ready, alive atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if !alive.Load() {
			http.Error(w, "not serving\n", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		if !ready.Load() {
			http.Error(w, "not ready\n", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := httpSrv.Serve(httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "error", err)
		}
	}()

	// Serve's own context is not ctx: a signal must start a graceful
	// Shutdown, not the hard stop that cancelling Serve's context means.
	serveCtx, hardStop := context.WithCancel(context.Background())
	defer hardStop()
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(serveCtx, pgLn) }()

	refreshCtx, stopRefresh := context.WithCancel(context.Background())
	refreshDone := make(chan struct{})
	go func() {
		defer close(refreshDone)
		lake.Poll(refreshCtx, time.Duration(cfg.Lake.RefreshInterval))
	}()

	alive.Store(true)
	ready.Store(true)
	st := lake.Current()
	tables := 0
	for _, s := range st.Schemas {
		if s.Name != "pg_catalog" {
			tables += len(s.Tables)
		}
	}
	log.Info("sluice serving", "version", sluiceVersion(), "listen", pgLn.Addr().String(),
		"http", httpLn.Addr().String(), "lake", lake.Dir(), "tables", tables, "tls", tlsCfg != nil)
	if started != nil {
		started(serving{PGAddr: pgLn.Addr().String(), HTTPAddr: httpLn.Addr().String()})
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-serveErr:
		if errors.Is(runErr, wire.ErrServerClosed) {
			runErr = nil
		}
	}
	ready.Store(false)
	log.Info("shutting down", "grace", time.Duration(cfg.ShutdownGrace).String(), "connections", srv.OpenConns())
	graceCtx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.ShutdownGrace))
	if err := srv.Shutdown(graceCtx); err != nil {
		log.Warn("shutdown grace ran out; running queries were cancelled", "error", err)
	}
	cancel()
	hardStop()
	stopRefresh()
	<-refreshDone
	alive.Store(false)
	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), 5*time.Second)
	_ = httpSrv.Shutdown(httpCtx)
	cancelHTTP()
	log.Info("sluice stopped")
	return runErr
}

// catalogRoles are the roles pg_roles lists: sluice, which owns every lake
// object, then each user an auth rule names.
func catalogRoles(rules []AuthRule) []string {
	roles := []string{"sluice"}
	seen := map[string]bool{"sluice": true}
	for _, r := range rules {
		if r.User != "" && r.User != "all" && !seen[r.User] {
			seen[r.User] = true
			roles = append(roles, r.User)
		}
	}
	return roles
}
