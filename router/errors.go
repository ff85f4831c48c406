package router

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"syscall"

	"github.com/trinodb/trino-go-client/trino"

	"github.com/sluicesql/sluice/wire/pgerr"
)

// SQLSTATEs the router returns that package pgerr has no name for.
const (
	codeTooManyQueued = "53300" // too_many_connections: the tier's queue is full
	codeSystemError   = "58000" // system_error: no cluster of the tier could run it
	codeInsufficient  = "53000" // insufficient_resources
	codeUndefinedSch  = "3F000" // invalid_schema_name
	codeDuplicateCol  = "42701"
	codeDuplicateTab  = "42P07"
)

// trinoCodes maps Trino's error names (StandardErrorCode and the connectors'
// common ones) to the SQLSTATE PostgreSQL uses for the same mistake.
var trinoCodes = map[string]string{
	"SYNTAX_ERROR":                         pgerr.SyntaxError,
	"TABLE_NOT_FOUND":                      pgerr.UndefinedTable,
	"MISSING_TABLE":                        pgerr.UndefinedTable,
	"VIEW_NOT_FOUND":                       pgerr.UndefinedTable,
	"COLUMN_NOT_FOUND":                     pgerr.UndefinedColumn,
	"MISSING_COLUMN_NAME":                  pgerr.UndefinedColumn,
	"SCHEMA_NOT_FOUND":                     codeUndefinedSch,
	"MISSING_SCHEMA_NAME":                  codeUndefinedSch,
	"CATALOG_NOT_FOUND":                    pgerr.InvalidCatalogName,
	"MISSING_CATALOG_NAME":                 pgerr.InvalidCatalogName,
	"FUNCTION_NOT_FOUND":                   pgerr.UndefinedFunction,
	"AMBIGUOUS_NAME":                       pgerr.AmbiguousColumn,
	"PERMISSION_DENIED":                    pgerr.InsufficientPrivilege,
	"TYPE_MISMATCH":                        pgerr.DatatypeMismatch,
	"TYPE_NOT_FOUND":                       pgerr.UndefinedObject,
	"DIVISION_BY_ZERO":                     pgerr.DivisionByZero,
	"NUMERIC_VALUE_OUT_OF_RANGE":           pgerr.NumericValueOutOfRange,
	"INVALID_CAST_ARGUMENT":                pgerr.InvalidTextRepresentation,
	"INVALID_LITERAL":                      pgerr.InvalidTextRepresentation,
	"INVALID_FUNCTION_ARGUMENT":            pgerr.InvalidParameterValue,
	"INVALID_ARGUMENTS":                    pgerr.InvalidParameterValue,
	"EXPRESSION_NOT_AGGREGATE":             pgerr.GroupingError,
	"NESTED_AGGREGATION":                   pgerr.GroupingError,
	"MISSING_GROUP_BY":                     pgerr.GroupingError,
	"SUBQUERY_MULTIPLE_ROWS":               pgerr.CardinalityViolation,
	"NOT_SUPPORTED":                        pgerr.FeatureNotSupported,
	"DUPLICATE_COLUMN_NAME":                codeDuplicateCol,
	"TABLE_ALREADY_EXISTS":                 codeDuplicateTab,
	"INVALID_COLUMN_REFERENCE":             pgerr.InvalidColumnReference,
	"USER_CANCELED":                        pgerr.QueryCanceled,
	"ADMINISTRATIVELY_KILLED":              pgerr.QueryCanceled,
	"EXCEEDED_TIME_LIMIT":                  pgerr.QueryCanceled,
	"EXCEEDED_CPU_LIMIT":                   pgerr.QueryCanceled,
	"EXCEEDED_GLOBAL_MEMORY_LIMIT":         pgerr.OutOfMemory,
	"EXCEEDED_LOCAL_MEMORY_LIMIT":          pgerr.OutOfMemory,
	"CLUSTER_OUT_OF_MEMORY":                pgerr.OutOfMemory,
	"QUERY_REJECTED":                       codeInsufficient,
	"QUERY_QUEUE_FULL":                     codeTooManyQueued,
	"GENERIC_USER_ERROR":                   pgerr.DataException,
	"INVALID_SESSION_PROPERTY":             pgerr.InvalidParameterValue,
	"INVALID_VIEW":                         pgerr.WrongObjectType,
	"MISMATCHED_COLUMN_ALIASES":            pgerr.SyntaxError,
	"INVALID_ORDER_BY":                     pgerr.InvalidColumnReference,
	"COLUMN_TYPE_UNKNOWN":                  pgerr.IndeterminateDatatype,
	"INVALID_LIMIT_CLAUSE":                 pgerr.InvalidRowCountInLimit,
	"INVALID_ROW_FILTER":                   pgerr.DatatypeMismatch,
	"REGEX_TOO_COMPLEX":                    pgerr.InvalidRegularExpression,
	"INVALID_PARAMETER_USAGE":              pgerr.UndefinedParameter,
	"INCOMPATIBLE_CLIENT":                  pgerr.ProtocolViolation,
	"SERVER_STARTING_UP":                   codeSystemError,
	"SERVER_SHUTTING_DOWN":                 codeSystemError,
	"NO_NODES_AVAILABLE":                   codeSystemError,
	"REMOTE_TASK_ERROR":                    codeSystemError,
	"TOO_MANY_REQUESTS_FAILED":             codeSystemError,
	"PAGE_TRANSPORT_TIMEOUT":               codeSystemError,
	"REMOTE_HOST_GONE":                     codeSystemError,
	"GENERIC_INSUFFICIENT_RESOURCES":       codeInsufficient,
	"EXCEEDED_SPILL_LIMIT":                 codeInsufficient,
	"EXCEEDED_SCAN_LIMIT":                  codeInsufficient,
	"EXCEEDED_WRITE_LIMIT":                 codeInsufficient,
	"EXCEEDED_OUTPUT_SIZE_LIMIT":           pgerr.ProgramLimitExceeded,
	"QUERY_TEXT_TOO_LARGE":                 pgerr.ProgramLimitExceeded,
	"EXCEEDED_FUNCTION_MEMORY_LIMIT":       pgerr.OutOfMemory,
	"CONSTRAINT_VIOLATION":                 "23000",
	"INVALID_SCHEMA_PROPERTY":              pgerr.InvalidParameterValue,
	"INVALID_TABLE_PROPERTY":               pgerr.InvalidParameterValue,
	"INVALID_COLUMN_PROPERTY":              pgerr.InvalidParameterValue,
	"INVALID_CATALOG_PROPERTY":             pgerr.InvalidParameterValue,
	"INVALID_ANALYZE_PROPERTY":             pgerr.InvalidParameterValue,
	"DUPLICATE_PROPERTY":                   pgerr.InvalidParameterValue,
	"INVALID_PROCEDURE_ARGUMENT":           pgerr.InvalidParameterValue,
	"INVALID_WINDOW_FRAME":                 pgerr.SyntaxError,
	"INVALID_RECURSIVE_REFERENCE":          pgerr.SyntaxError,
	"INVALID_PATTERN_RECOGNITION_FUNCTION": pgerr.SyntaxError,
}

// retryableTrinoErrors are errors of the cluster rather than of the query:
// another cluster may run the same statement.
var retryableTrinoErrors = map[string]bool{
	"SERVER_STARTING_UP":       true,
	"SERVER_SHUTTING_DOWN":     true,
	"NO_NODES_AVAILABLE":       true,
	"REMOTE_TASK_ERROR":        true,
	"TOO_MANY_REQUESTS_FAILED": true,
	"PAGE_TRANSPORT_TIMEOUT":   true,
	"REMOTE_HOST_GONE":         true,
}

// linePrefix is the position Trino puts at the front of analysis errors.
var linePrefix = regexp.MustCompile(`^line (\d+):(\d+): `)

// failPrefix is the SQLSTATE the rendered SQL's fail() calls put before
// PostgreSQL's message (planner/trino_funcs.go: sin(infinity) is 22003 in
// PostgreSQL, NaN in Trino). Only Sluice writes the SQL Trino runs, so a
// user's text cannot take this form.
var failPrefix = regexp.MustCompile(`^([0-9A-Z]{5}): `)

// errorKind classifies a failure: did the query fail (its SQL, its data, a
// cancel), or did the cluster fail under it?
type errorKind int

const (
	kindQuery    errorKind = iota // the statement's own error: report it, no retry
	kindCanceled                  // the caller canceled: report it, no retry
	kindCluster                   // connection, 5xx, timeout, protocol: retry elsewhere
)

// clusterError marks a failure of the cluster (not of the query), with the
// cluster's name for the message.
type clusterError struct {
	cluster string
	err     error
}

func (e *clusterError) Error() string { return fmt.Sprintf("Trino cluster %q: %v", e.cluster, e.err) }
func (e *clusterError) Unwrap() error { return e.err }

// classify decides whether err is the query's, the caller's or the cluster's.
func classify(err error) errorKind {
	if err == nil {
		return kindQuery
	}
	var ce *clusterError
	var nc *errNoCluster
	if errors.As(err, &ce) || errors.As(err, &nc) {
		return kindCluster
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, trino.ErrQueryCancelled) {
		return kindCanceled
	}
	var te *trino.ErrTrino
	if errors.As(err, &te) {
		if retryableTrinoErrors[te.ErrorName] {
			return kindCluster
		}
		return kindQuery
	}
	var pe *pgerr.Error
	if errors.As(err, &pe) {
		return kindQuery
	}
	var qf *trino.ErrQueryFailed
	if errors.As(err, &qf) {
		switch {
		case qf.StatusCode == 401 || qf.StatusCode == 403:
			return kindQuery // credentials: every cluster of the tier would say so
		default:
			return kindCluster // 5xx, 404 on a lost query, network reasons (status 0)
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return kindCluster // an HTTP request timed out (the caller's own deadline is checked first)
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) {
		return kindCluster
	}
	// Anything else from the client (a JSON body cut short, an unexpected
	// response) is the cluster's or the network's doing.
	return kindCluster
}

// toPG turns a failure into the error the client sees: Trino's own errors
// with the SQLSTATE PostgreSQL would use and Trino's message.
func toPG(err error, cluster string) error {
	var pe *pgerr.Error
	if errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, trino.ErrQueryCancelled) {
		return pgerr.Canceled()
	}
	var te *trino.ErrTrino
	if errors.As(err, &te) {
		code := trinoCodes[te.ErrorName]
		if code == "" {
			switch te.ErrorType {
			case "USER_ERROR":
				code = pgerr.DataException
			case "INSUFFICIENT_RESOURCES":
				code = codeInsufficient
			case "EXTERNAL":
				code = codeSystemError
			default:
				code = pgerr.InternalError
			}
		}
		msg := te.Message
		detail := fmt.Sprintf("Trino error %s on cluster %q", te.ErrorName, cluster)
		if m := failPrefix.FindStringSubmatch(msg); m != nil && te.ErrorName == "GENERIC_USER_ERROR" {
			code, msg = m[1], msg[len(m[0]):]
		}
		if m := linePrefix.FindStringSubmatch(msg); m != nil {
			msg = msg[len(m[0]):]
			detail += fmt.Sprintf(", at line %s, column %s of the Trino statement", m[1], m[2])
		}
		return pgerr.New(code, "%s", msg).WithDetail("%s", detail)
	}
	var qf *trino.ErrQueryFailed
	if errors.As(err, &qf) && (qf.StatusCode == 401 || qf.StatusCode == 403) {
		return pgerr.New(pgerr.InvalidAuthorization, "Trino cluster %q refused the credentials: %s", cluster, strings.TrimSpace(fmt.Sprint(qf.Reason)))
	}
	return pgerr.New(codeSystemError, "%s", err.Error())
}
