// Package wire speaks the PostgreSQL v3 frontend/backend protocol on top of
// pgproto3: startup, SSL/TLS, authentication, the simple and extended query
// protocols, cancellation, COPY TO STDOUT, and the encoding of Arrow record
// batches into DataRows.
//
// It knows nothing of SQL meaning. Every statement, prepared statement and
// portal is the business of a Session, which the gateway implements; wire
// calls it and writes what it is given. wire imports no other Sluice package
// but the shared leaf packages wire/pgtype and wire/pgerr.
package wire

import (
	"context"
	"net"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicesql/sluice/wire/pgtype"
)

// Field describes one result column, as RowDescription carries it.
type Field struct {
	Name     string
	Type     pgtype.Type
	TableOID uint32
	AttNum   int16
}

// Transaction status bytes of ReadyForQuery.
const (
	TxIdle   byte = 'I'
	TxActive byte = 'T'
	TxFailed byte = 'E'
)

// StartupInfo is what a client said when it connected, after it
// authenticated.
type StartupInfo struct {
	User       string
	Database   string
	Params     map[string]string // every StartupMessage parameter, options included
	RemoteAddr net.Addr
	TLS        bool
	// ProcessID is the connection's BackendKeyData process ID, which
	// pg_backend_pid() and pg_stat_activity.pid report.
	ProcessID int32
}

// Handler makes sessions for authenticated connections. The gateway
// implements it.
type Handler interface {
	// NewSession is called once a client has authenticated. It returns the
	// session and the ParameterStatus pairs to report, in order. An error
	// (for example 3D000 for an unknown database) is sent as FATAL and the
	// connection closed.
	NewSession(ctx context.Context, info StartupInfo) (Session, []ParameterStatus, error)
}

// ParameterStatus is one run-time parameter reported to the client.
type ParameterStatus struct{ Name, Value string }

// Session is the SQL side of one connection. wire calls it from a single
// goroutine per connection, one message at a time; ctx is cancelled by a
// CancelRequest for this connection or when the server shuts down hard.
//
// Errors returned are sent as ErrorResponse (converted with pgerr.Convert).
// In the extended protocol wire then discards messages until Sync, as
// PostgreSQL does; the session learns of the failure from the error it
// returned and reports the transaction state through TxStatus.
type Session interface {
	// SimpleQuery runs a Query message, which may hold several statements.
	// It writes each statement's results to w (RowDescription, DataRows,
	// CommandComplete, or EmptyQueryResponse for an empty string).
	SimpleQuery(ctx context.Context, sql string, w ResultWriter) error

	// Parse prepares a statement; name "" is the unnamed statement.
	// paramTypes are the OIDs the client gave (0 means unspecified).
	Parse(ctx context.Context, name, sql string, paramTypes []uint32) error
	// Bind makes a portal from a statement and parameter values. The
	// slices are the session's to keep (each Bind message has a buffer of
	// its own). When the client gives more than one result format, wire
	// then calls DescribePortal to check their number against the columns,
	// at Bind as PostgreSQL does, and closes the portal if they differ.
	Bind(ctx context.Context, portal, stmt string, paramFormats []int16, params [][]byte, resultFormats []int16) error
	// DescribeStatement returns the parameter types and the result columns
	// of a prepared statement (nil columns: NoData).
	DescribeStatement(ctx context.Context, name string) (params []uint32, fields []Field, err error)
	// DescribePortal returns the result columns of a portal and their
	// formats (nil columns: NoData).
	DescribePortal(ctx context.Context, name string) (fields []Field, formats []int16, err error)
	// Execute runs a portal, writing at most maxRows rows (0: all) and then
	// CommandComplete, or PortalSuspended if rows remain.
	Execute(ctx context.Context, portal string, maxRows int, w ResultWriter) error
	// CloseStatement and ClosePortal drop a statement or portal; closing
	// one that does not exist is not an error.
	CloseStatement(name string) error
	ClosePortal(name string) error
	// Sync ends an extended-protocol batch (closing its implicit
	// transaction, if any) and returns the status for ReadyForQuery.
	Sync(ctx context.Context) byte

	// TxStatus is the status to report in ReadyForQuery after a simple query.
	TxStatus() byte
	// Close releases everything the session holds; the connection is gone.
	Close()
}

// ResultWriter is how a Session writes results. wire implements it over the
// connection; writes block when the client reads slowly, which is the
// backpressure that keeps a result of any size out of memory.
type ResultWriter interface {
	// Describe sends RowDescription for fields in the given formats (one
	// format for all, or one per field, as Bind's result formats are). The
	// extended protocol's Execute does not call it: Describe did.
	Describe(fields []Field, formats []int16) error
	// Start prepares to encode rows of fields in the given formats under
	// the session's settings. It must precede WriteRows for a result.
	Start(fields []Field, formats []int16, s *pgtype.Settings) error
	// WriteRows sends rows [lo, hi) of rec as DataRows.
	WriteRows(rec arrow.RecordBatch, lo, hi int) error
	// Complete sends CommandComplete with a tag such as "SELECT 3".
	Complete(tag string) error
	// Suspended sends PortalSuspended.
	Suspended() error
	// EmptyQuery sends EmptyQueryResponse.
	EmptyQuery() error
	// Notice sends a NoticeResponse.
	Notice(severity, code, message string) error
	// ParameterStatus reports a changed run-time parameter.
	ParameterStatus(name, value string) error

	// CopyStart begins COPY ... TO STDOUT of fields in the given options
	// (CopyOutResponse); rows then go through CopyRows and the copy ends
	// with CopyDone, which also sends CommandComplete "COPY n".
	CopyStart(fields []Field, opts CopyOptions, s *pgtype.Settings) error
	CopyRows(rec arrow.RecordBatch, lo, hi int) error
	CopyDone(rows int64) error
}

// CopyOptions are the options of COPY TO STDOUT that change its bytes.
type CopyOptions struct {
	CSV       bool
	Header    bool
	Delimiter string // default tab (text) or comma (CSV)
	Null      string // default \N (text) or "" (CSV)
	Quote     string // CSV only, default "
	Escape    string // CSV only, default the quote
	// ForceQuote lists columns always quoted in CSV; ForceQuoteAll quotes every non-NULL value.
	ForceQuote    []string
	ForceQuoteAll bool
}
