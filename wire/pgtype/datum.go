package pgtype

import (
	"math/big"
	"time"
)

// Datum is one value of some Type, in Go. NULL is nil. The representation
// per type:
//
//	bool                         bool
//	int2, int4, int8             int64
//	oid, reg*                    int64
//	float4, float8               float64
//	numeric                      NumericValue
//	text, varchar, bpchar, name,
//	char, json, jsonb, unknown   string (jsonb: the canonical text PostgreSQL
//	                             prints, which Decode produces; "char": one
//	                             byte, or "" for NUL)
//	bytea                        []byte
//	date                         DateValue
//	time                         TimeValue
//	timestamp, timestamptz       TimestampValue (µs since 1970-01-01 00:00:00 UTC;
//	                             for timestamp the wall clock read as UTC)
//	interval                     IntervalValue
//	uuid                         [16]byte
//	arrays                       Array
//	record                       Record (Arrow: Binary holding record_send)
type Datum = any

// NumericValue is an exact decimal: Coef × 10^-Scale. NaN and the infinities
// are flagged with Special.
type NumericValue struct {
	Coef    *big.Int
	Scale   int32
	Special NumericSpecial
}

// NumericSpecial marks the non-finite numerics PostgreSQL has.
type NumericSpecial int8

// Non-finite numeric values.
const (
	NumericFinite NumericSpecial = iota
	NumericNaN
	NumericPosInf
	NumericNegInf
)

// DateValue is days since 1970-01-01. DateNegInfinity and DatePosInfinity are
// PostgreSQL's -infinity and infinity.
type DateValue int32

// Date infinities, as Arrow Date32 values.
const (
	DateNegInfinity DateValue = -1 << 31
	DatePosInfinity DateValue = 1<<31 - 1
)

// TimeValue is microseconds since midnight.
type TimeValue int64

// TimestampValue is microseconds since 1970-01-01 00:00:00 UTC.
type TimestampValue int64

// Timestamp infinities.
const (
	TimestampNegInfinity TimestampValue = -1 << 63
	TimestampPosInfinity TimestampValue = 1<<63 - 1
)

// IntervalValue is PostgreSQL's interval: months, days and microseconds kept apart.
type IntervalValue struct {
	Months int32
	Days   int32
	Micros int64
}

// Array is a one-dimensional array. Elements are Datums of Elem; nil is NULL.
// Lower is the lower bound (1 unless the text said otherwise); it is taken
// as written, so set it to 1 when building an Array. Arrow lists have no
// lower bound: an Array stored in one comes back with Lower 1.
type Array struct {
	Elem     Type
	Elements []Datum
	Lower    int32
}

// Settings are the session settings that change how values are written and
// read as text.
type Settings struct {
	DateStyle        string // "ISO, MDY" and the other PostgreSQL spellings
	IntervalStyle    string // postgres, postgres_verbose, sql_standard, iso_8601
	TimeZone         *time.Location
	ExtraFloatDigits int    // -15..3; ≥1 means shortest exact round-trip
	ByteaOutput      string // hex or escape
}

// DefaultSettings are PostgreSQL's defaults for a new session.
func DefaultSettings() *Settings {
	return &Settings{
		DateStyle:        "ISO, MDY",
		IntervalStyle:    "postgres",
		TimeZone:         time.UTC,
		ExtraFloatDigits: 1,
		ByteaOutput:      "hex",
	}
}
