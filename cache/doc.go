// Package cache keeps query results keyed by the normalised statement, its
// parameters, the settings that change results, the caller's access scope
// and the version of every table read (Key); coalesces identical queries in
// flight so they execute once; bounds itself in bytes (LRU, with a cap per
// entry); drops or marks stale the entries a commit invalidates; and may
// serve a stale entry, within the staleness a request accepts, while one
// background refresh recomputes it.
//
// It knows results (Arrow batches) and table versions, never sessions, SQL
// or the catalog: the gateway builds the key and reports commits.
package cache
