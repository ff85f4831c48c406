package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// cteScope is the WITH queries visible at one level, innermost first.
type cteScope struct {
	defs   map[string]*pg_query.CommonTableExpr
	parent *cteScope
}
