// Package router holds the Trino tiers: the clusters of each tier, their
// health, load and circuit breakers, admission queues, failover and
// cancellation, and forwarding through trino-go-client with Trino rows
// turned into Arrow record batches. It takes plans and routing decisions,
// never sessions or wire messages.
//
// It is empty until the Trino tiers land (issue "Trino tiers"): with no
// Trino configured, every query runs on the local engine.
package router
