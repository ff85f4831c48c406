package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Statement is one parsed SQL statement. The gateway switches on its
// concrete type; pg_query types never leave this package.
type Statement interface {
	// SQL is the statement's own text (a slice of the query string).
	SQL() string
	// Tag is the CommandComplete tag's verb ("SELECT", "SET", "BEGIN").
	Tag() string
}

type stmtBase struct {
	sql string
	tag string
}

func (b stmtBase) SQL() string { return b.sql }
func (b stmtBase) Tag() string { return b.tag }

// Query is a statement that returns rows: SELECT, VALUES, TABLE, and SHOW
// once it is planned. Plan binds it.
type Query struct {
	stmtBase
	node   *pg_query.Node // the SELECT (or VALUES); unexported so no one else sees pg_query
	source string         // the whole query string, for error positions
	// ParamCount is the highest $n referenced.
	ParamCount int
	// cacheKey is computed once, by CacheText (cachekey.go).
	cacheKey cacheKey
}

// SetVar is SET [SESSION|LOCAL] name {TO|=} value[, ...] | DEFAULT, and
// SET TIME ZONE, SET SESSION CHARACTERISTICS AS TRANSACTION ...
type SetVar struct {
	stmtBase
	Name    string   // lower-cased; "timezone" for SET TIME ZONE
	Values  []string // each value as text, literals unquoted
	Local   bool
	Default bool // SET x TO DEFAULT
}

// ResetVar is RESET name | RESET ALL.
type ResetVar struct {
	stmtBase
	Name string
	All  bool
}

// ShowVar is SHOW name | SHOW ALL.
type ShowVar struct {
	stmtBase
	Name string // lower-cased; "transaction_isolation" for SHOW TRANSACTION ISOLATION LEVEL
	All  bool
}

// TxKind is the kind of a transaction-control statement.
type TxKind int

// Transaction-control statements.
const (
	TxBegin    TxKind = iota // BEGIN, START TRANSACTION
	TxCommit                 // COMMIT, END
	TxRollback               // ROLLBACK, ABORT
	TxSavepoint
	TxRelease
	TxRollbackTo
	TxPrepare // PREPARE TRANSACTION: unsupported
	TxCommitPrepared
	TxRollbackPrepared
)

// Transaction is BEGIN/COMMIT/ROLLBACK/SAVEPOINT/RELEASE/ROLLBACK TO.
type Transaction struct {
	stmtBase
	Kind      TxKind
	Savepoint string
	// Options are "transaction_isolation", "transaction_read_only",
	// "transaction_deferrable" with their values, as BEGIN gave them.
	Options map[string]string
	Chain   bool // COMMIT AND CHAIN
}

// DeclareCursor is DECLARE name [BINARY] [[NO] SCROLL] CURSOR [WITH[OUT] HOLD] FOR query.
type DeclareCursor struct {
	stmtBase
	Name   string
	Binary bool
	Scroll bool
	Hold   bool
	Query  *Query
}

// FetchDirection says which rows FETCH or MOVE takes.
type FetchDirection int

// FETCH directions. Count applies to Forward and Backward; All is Count<0.
const (
	FetchForward FetchDirection = iota
	FetchBackward
	FetchAbsolute
	FetchRelative
)

// Fetch is FETCH or MOVE.
type Fetch struct {
	stmtBase
	Name      string
	Move      bool
	Direction FetchDirection
	Count     int64 // FETCH ALL: -1
}

// ClosePortal is CLOSE name | CLOSE ALL.
type ClosePortal struct {
	stmtBase
	Name string
	All  bool
}

// Prepare is PREPARE name [(types)] AS statement.
type Prepare struct {
	stmtBase
	Name       string
	ParamTypes []pgtype.Type
	Body       Statement
}

// Execute is EXECUTE name [(params)]; the parameters are literals (or
// constant expressions) rendered as text.
type Execute struct {
	stmtBase
	Name   string
	Params []*string // nil element: NULL
}

// Deallocate is DEALLOCATE [PREPARE] name | ALL.
type Deallocate struct {
	stmtBase
	Name string
	All  bool
}

// Discard is DISCARD ALL | PLANS | SEQUENCES | TEMP.
type Discard struct {
	stmtBase
	What string
}

// Copy is COPY (query) TO STDOUT [WITH (...)] and COPY table TO STDOUT.
type Copy struct {
	stmtBase
	Query         *Query
	CSV           bool
	Header        bool
	Delimiter     string
	Null          string
	Quote         string
	Escape        string
	ForceQuote    []string
	ForceQuoteAll bool
}

// Explain is EXPLAIN [ANALYZE] [VERBOSE] query.
type Explain struct {
	stmtBase
	Query   *Query
	Analyze bool
	Verbose bool
}

// Unsupported is a statement Sluice will not run (DDL, DML, LISTEN, ...):
// executing it fails with Code and Message.
type Unsupported struct {
	stmtBase
	Code    string
	Message string
}

// Noop is a statement accepted and ignored with its tag (LISTEN-free
// utilities such as "SET CONSTRAINTS", "CHECKPOINT" for readers).
type Noop struct {
	stmtBase
}

func (b *stmtBase) baseRef() *stmtBase { return b }
