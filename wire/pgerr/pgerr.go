// Package pgerr is the error every layer of Sluice returns to a client: a
// PostgreSQL SQLSTATE with a message a person can act on. It is a leaf
// package that any other package may import; it knows nothing of the
// protocol or of SQL.
package pgerr

import (
	"context"
	"errors"
	"fmt"
)

// SQLSTATE codes Sluice uses. Names follow PostgreSQL's errcodes.txt.
const (
	SuccessfulCompletion            = "00000"
	Warning                         = "01000"
	ConnectionException             = "08000"
	ProtocolViolation               = "08P01"
	FeatureNotSupported             = "0A000"
	InvalidCursorState              = "24000"
	InvalidTransactionState         = "25000"
	ActiveSQLTransaction            = "25001"
	NoActiveSQLTransaction          = "25P01"
	InFailedSQLTransaction          = "25P02"
	ReadOnlySQLTransaction          = "25006"
	InvalidAuthorization            = "28000"
	InvalidPassword                 = "28P01"
	InvalidCatalogName              = "3D000"
	InvalidCursorName               = "34000"
	InvalidSQLStatementName         = "26000"
	SyntaxError                     = "42601"
	UndefinedColumn                 = "42703"
	UndefinedTable                  = "42P01"
	UndefinedFunction               = "42883"
	AmbiguousFunction               = "42725"
	CannotCoerce                    = "42846"
	UndefinedObject                 = "42704"
	UndefinedParameter              = "42P02"
	AmbiguousColumn                 = "42702"
	DuplicateCursor                 = "42P03"
	DuplicatePreparedStatement      = "42P05"
	DuplicateAlias                  = "42712"
	DatatypeMismatch                = "42804"
	GroupingError                   = "42803"
	InvalidColumnReference          = "42P10"
	IndeterminateDatatype           = "42P18"
	WrongObjectType                 = "42809"
	InsufficientPrivilege           = "42501"
	DataException                   = "22000"
	DivisionByZero                  = "22012"
	NumericValueOutOfRange          = "22003"
	InvalidTextRepresentation       = "22P02"
	InvalidBinaryRepresentation     = "22P03"
	InvalidParameterValue           = "22023"
	InvalidDatetimeFormat           = "22007"
	DatetimeFieldOverflow           = "22008"
	StringDataRightTruncation       = "22001"
	InvalidRowCountInLimit          = "2201W"
	InvalidRowCountInResultOffset   = "2201X"
	CharacterNotInRepertoire        = "22021"
	InvalidEscapeSequence           = "22025"
	InvalidRegularExpression        = "2201B"
	InvalidArgumentForPowerFunction = "2201F"
	CardinalityViolation            = "21000"
	UndefinedParameterObject        = "42P02"
	CantChangeRuntimeParam          = "55P02"
	QueryCanceled                   = "57014"
	AdminShutdown                   = "57P01"
	ProgramLimitExceeded            = "54000"
	OutOfMemory                     = "53200"
	InternalError                   = "XX000"
)

// Severity values as PostgreSQL sends them.
const (
	SeverityError   = "ERROR"
	SeverityFatal   = "FATAL"
	SeverityNotice  = "NOTICE"
	SeverityWarning = "WARNING"
)

// Error is an error with a SQLSTATE. Position is 1-based in characters of the
// statement text; 0 means none.
type Error struct {
	Severity string
	Code     string
	Message  string
	Detail   string
	Hint     string
	Position int32
}

func (e *Error) Error() string {
	if e.Hint != "" {
		return fmt.Sprintf("%s (SQLSTATE %s; hint: %s)", e.Message, e.Code, e.Hint)
	}
	return fmt.Sprintf("%s (SQLSTATE %s)", e.Message, e.Code)
}

// New makes an ERROR with a code and a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Severity: SeverityError, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Fatal makes a FATAL error: the server closes the connection after sending it.
func Fatal(code, format string, args ...any) *Error {
	return &Error{Severity: SeverityFatal, Code: code, Message: fmt.Sprintf(format, args...)}
}

// WithHint returns e with a hint.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithDetail returns e with a detail line.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// WithPosition returns e pointing at a 1-based character position.
func (e *Error) WithPosition(pos int32) *Error {
	e.Position = pos
	return e
}

// Canceled is what PostgreSQL says when a client cancels a statement.
func Canceled() *Error {
	return New(QueryCanceled, "canceling statement due to user request")
}

// Convert turns any error into an *Error. Errors without a SQLSTATE become
// XX000 with their message, so no Go error text reaches a client without a
// code; context cancellation becomes 57014.
func Convert(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Severity == "" {
			pe.Severity = SeverityError
		}
		return pe
	}
	if errors.Is(err, context.Canceled) {
		return Canceled()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return New(QueryCanceled, "canceling statement due to statement timeout")
	}
	return New(InternalError, "%s", err.Error())
}

// Code returns the SQLSTATE of err, or "" if it has none.
func Code(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
