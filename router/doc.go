// Package router holds the Trino tiers: the clusters of each tier, their
// health, load and circuit breakers, admission queues, failover and
// cancellation, and forwarding through trino-go-client with Trino rows
// turned into Arrow record batches of the types the caller expects.
//
// It takes Trino SQL (already translated) and a routing decision (the tier),
// never sessions, plans of the engine or wire messages: the gateway decides
// where a query goes and renders its SQL; the router decides which cluster
// of the tier runs it, when, and what happens when that cluster fails.
//
// With no tier configured the router is never consulted and every query runs
// on the local engine.
package router
