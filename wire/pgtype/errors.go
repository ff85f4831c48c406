package pgtype

import (
	"github.com/sluicesql/sluice/wire/pgerr"
)

// The errors of input functions, worded as PostgreSQL words them so that a
// client sees the same message from Sluice as from PostgreSQL.

// errSyntax is 22P02 "invalid input syntax for type T: "input"".
func errSyntax(typ string, in []byte) error {
	return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, in)
}

// errRange is 22003 "value "input" is out of range for type T" (integers, oid).
func errRange(typ string, in []byte) error {
	return pgerr.New(pgerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", in, typ)
}

// errBinary is 22P03, for binary parameters that do not decode.
func errBinary(format string, args ...any) error {
	return pgerr.New(pgerr.InvalidBinaryRepresentation, format, args...)
}

// errBinaryLen is the 22P03 PostgreSQL reports when a fixed-size binary
// value has the wrong length.
func errBinaryLen(typ string, got, want int) error {
	return pgerr.New(pgerr.InvalidBinaryRepresentation,
		"incorrect binary data format: %s needs %d bytes, got %d", typ, want, got)
}

// Datetime input errors (DateTimeParseError in PostgreSQL).
func errDatetimeSyntax(typ string, in []byte) error {
	return pgerr.New(pgerr.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, in)
}

func errDatetimeOverflow(in []byte) error {
	return pgerr.New(pgerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", in)
}

func errDatetimeMDOverflow(in []byte) error {
	return pgerr.New(pgerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", in).
		WithHint("Perhaps you need a different \"datestyle\" setting.")
}

const (
	intervalFieldOverflow    = "22015"
	invalidTimeZoneDisplace  = "22009"
	untranslatableCharacter  = "22P05"
	invalidByteSequenceState = pgerr.CharacterNotInRepertoire
)

func errIntervalOverflow(in []byte) error {
	return pgerr.New(intervalFieldOverflow, "interval field value out of range: \"%s\"", in)
}

func errTZDisplacement(in []byte) error {
	return pgerr.New(invalidTimeZoneDisplace, "time zone displacement out of range: \"%s\"", in)
}

func errBadTimeZone(name string) error {
	return pgerr.New(pgerr.InvalidParameterValue, "time zone \"%s\" not recognized", name)
}

func errDatetimeRange(what string, in []byte) error {
	return pgerr.New(pgerr.DatetimeFieldOverflow, "%s out of range: \"%s\"", what, in)
}

// errFloatRange is the 22003 float input reports: "1e400" is out of range…
func pgerrRangeFloat(num []byte, typ string) error {
	return pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", num, typ)
}
