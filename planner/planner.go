// Package planner turns SQL text into plans. It parses with PostgreSQL's own
// grammar (pg_query), classifies each statement for the gateway, and binds
// queries against one catalog state into typed logical plans (package plan)
// that the engine runs. No pg_query type crosses its boundary.
//
// It knows the catalog but not sessions: what it needs of a session (the
// search path, settings that functions read) comes in through Env.
package planner

import (
	"github.com/sluicesql/sluice/catalog"
	"github.com/sluicesql/sluice/planner/plan"
	"github.com/sluicesql/sluice/wire/pgtype"
)

// Env is what binding needs of the session that asked.
type Env interface {
	// SearchPath is the effective schema search path, in order.
	SearchPath() []string
	// Setting returns a run-time parameter's current value as SHOW shows
	// it; ok is false for an unknown name.
	Setting(name string) (value string, ok bool)
	// Database and User are the session's database and role.
	Database() string
	User() string
	// ValueSettings are the settings that change how values are read and
	// written as text (DateStyle, IntervalStyle, TimeZone, ...).
	ValueSettings() *pgtype.Settings
}

// Bound is a query bound against one catalog state, ready to run.
type Bound struct {
	Root plan.Node
	// Columns are the result columns as the client sees them.
	Columns []plan.Column
	// ParamTypes are the resolved types of $1..$n.
	ParamTypes []pgtype.Type
	// Tables lists every table read, for routing and caching.
	Tables []*catalog.Table
	// Query is the statement bound; the result cache keys by its
	// CacheText.
	Query *Query
}
