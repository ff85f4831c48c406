// Package cache keeps query results keyed by the normalised statement, its
// parameters, the caller's access scope and the snapshot of every table
// read, coalesces identical queries in flight, and bounds itself in bytes.
// It knows results and table versions, never sessions or SQL text beyond
// the key it is given.
//
// It is empty until the result cache lands (issue "A dashboard result
// cache"): until then every query executes.
package cache
